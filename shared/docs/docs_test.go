package docs

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// root is the workshop's top folder, seen from shared/docs.
const root = "../.."

func readmes(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(root, "*", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, filepath.Join(root, "README.md"))
	var out []string
	for _, f := range files {
		if !strings.Contains(f, "reference") {
			out = append(out, f)
		}
	}
	return out
}

var link = regexp.MustCompile(`\]\(([^)\s]+)\)`)

func TestRelativeLinksResolve(t *testing.T) {
	guides, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, readme := range append(readmes(t), guides...) {
		text, err := os.ReadFile(readme)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range link.FindAllStringSubmatch(string(text), -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			path, anchor, _ := strings.Cut(target, "#")
			file := readme
			if path != "" {
				file = filepath.Join(filepath.Dir(readme), path)
				if _, err := os.Stat(file); err != nil {
					t.Errorf("%s: link %q: %v", readme, target, err)
					continue
				}
			}
			if anchor != "" && !hasHeading(t, file, anchor) {
				t.Errorf("%s: link %q: no heading %q in %s", readme, target, anchor, file)
			}
		}
	}
}

// hasHeading reports whether a Markdown file has a heading whose GitHub
// anchor is anchor.
func hasHeading(t *testing.T, file, anchor string) bool {
	text, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(text), "\n") {
		if strings.HasPrefix(line, "#") && slug(strings.TrimLeft(line, "# ")) == anchor {
			return true
		}
	}
	return false
}

func slug(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case r == ' ' || r == '-':
			b.WriteRune('-')
		case r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127:
			b.WriteRune(r)
		}
	}
	return b.String()
}

var fence = regexp.MustCompile("(?s)```(go|html)\n(.*?)```")

// TestExcerptsMatchTheCode checks every ```go and ```html block of a
// chapter's README: split at lines holding only "...", its parts must stand,
// line for line (indentation aside), in one of the chapter's files, in the
// block's order. (Matched one by one, anywhere, a part that is only "}"
// would match any file.)
func TestExcerptsMatchTheCode(t *testing.T) {
	chapters, _ := filepath.Glob(filepath.Join(root, "step[0-9][0-9]-*"))
	if len(chapters) == 0 {
		t.Fatal("no chapters found")
	}
	for _, chapter := range chapters {
		var sources [][]string
		filepath.WalkDir(chapter, func(path string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && (strings.HasSuffix(path, ".go") || strings.HasSuffix(path, ".html")) {
				text, _ := os.ReadFile(path)
				sources = append(sources, trimmed(string(text)))
			}
			return nil
		})
		readme := filepath.Join(chapter, "README.md")
		text, err := os.ReadFile(readme)
		if err != nil {
			t.Errorf("%s has no README: %v", chapter, err)
			continue
		}
		for _, block := range fence.FindAllStringSubmatch(string(text), -1) {
			if !foundIn(parts(block[2]), sources) {
				t.Errorf("%s: this excerpt is not in the chapter's code, in this order in one file:\n%s", readme, block[2])
			}
		}
	}
}

// parts splits an excerpt at its "..." lines into runs of trimmed lines.
func parts(excerpt string) [][]string {
	var out [][]string
	var run []string
	for _, l := range strings.Split(excerpt, "\n") {
		switch l = strings.TrimSpace(l); l {
		case "...":
			if len(run) > 0 {
				out = append(out, run)
			}
			run = nil
		case "":
		default:
			run = append(run, l)
		}
	}
	if len(run) > 0 {
		out = append(out, run)
	}
	return out
}

// trimmed splits text into lines without their indentation, blank lines dropped.
func trimmed(text string) []string {
	var lines []string
	for _, l := range strings.Split(text, "\n") {
		if l = strings.TrimSpace(l); l != "" && l != "..." {
			lines = append(lines, l)
		}
	}
	return lines
}

// foundIn reports whether one of sources holds every part, in order.
func foundIn(parts [][]string, sources [][]string) bool {
	for _, src := range sources {
		from, ok := 0, true
		for _, part := range parts {
			at := index(src[from:], part)
			if at < 0 {
				ok = false
				break
			}
			from += at + len(part)
		}
		if ok {
			return true
		}
	}
	return false
}

// index returns where lines start in src, or -1.
func index(src, lines []string) int {
next:
	for i := 0; i+len(lines) <= len(src); i++ {
		for j, line := range lines {
			if src[i+j] != line {
				continue next
			}
		}
		return i
	}
	return -1
}
