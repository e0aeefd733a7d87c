#!/usr/bin/env bash
# Renders every ```mermaid block of the repository's Markdown with mermaid's own CLI (mmdc),
# driving Debian's Chromium, so that a diagram GitHub could not draw fails here first.
# Usage: bash .ci/mermaid/render.sh [OUT]   (OUT: where the PNGs go, from the current folder;
# without it, a scratch folder removed at the end). Each Markdown file with diagrams gets
# OUT/<its path>-<n>.png, one per diagram, to look at.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ -n "${1:-}" ]; then
  mkdir -p "$1" && out=$(cd "$1" && pwd)
else
  out=$(mktemp -d) && trap 'rm -rf "$out"' EXIT
fi
cd "$here/../.."

if [ ! -x "$here/node_modules/.bin/mmdc" ]; then
  # Chromium comes from Debian (provision.sh), so puppeteer need not download its own.
  (cd "$here" && PUPPETEER_SKIP_DOWNLOAD=true npm ci --no-audit --no-fund --loglevel=error)
fi

files=0 failed=0
while IFS= read -r -d '' md; do
  grep -q '^```mermaid' "$md" || continue
  files=$((files + 1))
  dest="$out/$md"
  mkdir -p "$(dirname "$dest")"
  # One browser per file; mmdc fails on the first diagram that does not parse.
  if ! msg=$("$here/node_modules/.bin/mmdc" --quiet -p "$here/puppeteer.json" -b white -s 2 -e png \
      -i "$md" -o "$dest" 2>&1); then
    echo "mermaid: a diagram in $md does not render:" >&2
    awk '!/^    at / && n++ < 12' <<<"$msg" >&2 # awk reads it all: no SIGPIPE under pipefail
    failed=$((failed + 1))
  fi
done < <(git ls-files -z --cached --others --exclude-standard -- '*.md')
echo "mermaid: $files Markdown files with diagrams rendered${1:+ into $out}, $failed failed" >&2
[ "$failed" -eq 0 ]
