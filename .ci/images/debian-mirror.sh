# Sourced by the image scripts: prints the Debian mirror this machine already uses (never
# hard-coded): the first non-security URI of a deb822 .sources file, else the first
# "deb URI ..." line of sources.list.
debian_mirror() {
  local mirror
  mirror=$(awk '/^URIs:/ && !/security/ { print $2; exit }' /etc/apt/sources.list.d/*.sources \
    2>/dev/null || true)
  if [ -z "$mirror" ]; then
    mirror=$(grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list | grep -v security |
      sed -E 's/^deb +(\[[^]]*\] +)?([^ ]+).*/\2/' | head -n1 || true)
  fi
  [ -n "$mirror" ] || { echo "no Debian mirror found in /etc/apt/sources*" >&2; return 1; }
  echo "$mirror"
}

# Installs debootstrap from Debian when it is missing and this is a root shell with apt;
# otherwise says what to install.
require_debootstrap() {
  command -v debootstrap >/dev/null && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends debootstrap >&2
  else
    echo "debootstrap is needed to build images without a registry: install it (apt-get install debootstrap) and run this as root" >&2
    return 1
  fi
}
