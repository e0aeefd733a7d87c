package docs

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestEveryChangedFileIsMentioned compares each chapter with the one before
// and checks that its README names every file that was added, changed or
// removed (go.sum and fuzz corpora aside), in its place: a changed code file
// under "What changed", every test file of the chapter under "Tests", a
// removed file anywhere. A reader diffing two chapters should never meet a
// change the text did not announce.
func TestEveryChangedFileIsMentioned(t *testing.T) {
	chapters, _ := filepath.Glob(filepath.Join(root, "step[0-9][0-9]-*"))
	for i := 1; i < len(chapters); i++ {
		name := filepath.Base(chapters[i])
		readme, err := os.ReadFile(filepath.Join(chapters[i], "README.md"))
		if err != nil {
			t.Fatal(err)
		}
		changed, tests := section(readme, "## What changed since chapter"), section(readme, "## Tests")
		prev, next := files(t, chapters[i-1]), files(t, chapters[i])
		for file := range union(prev, next) {
			quoted := "`" + file + "`"
			switch {
			case file == "README.md" || file == "go.sum" || strings.Contains(file, "testdata/"):
			case next[file] == nil:
				if !strings.Contains(string(readme), quoted) {
					t.Errorf("%s/README.md does not mention %s, removed since %s", name, file, filepath.Base(chapters[i-1]))
				}
			case strings.HasSuffix(file, "_test.go"):
				if !strings.Contains(tests, quoted) {
					t.Errorf("%s/README.md: %s has no line under ## Tests", name, file)
				}
			case bytes.Equal(prev[file], next[file]):
			case !strings.Contains(changed, quoted):
				t.Errorf("%s/README.md: %s changed since %s but is not named under ## What changed", name, file, filepath.Base(chapters[i-1]))
			}
		}
	}
}

// files returns the contents of a chapter's files that git tracks or would
// track: a binary left by "go build", or the SQLite file of a run, is not
// part of the chapter.
func files(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	cmd := exec.Command("git", "ls-files", "--cached", "--others", "--exclude-standard", "-z", ".")
	cmd.Dir = dir
	list, err := cmd.Output()
	if err != nil {
		t.Fatalf("git ls-files in %s: %v", dir, err)
	}
	out := map[string][]byte{}
	for _, rel := range strings.Split(strings.TrimRight(string(list), "\x00"), "\x00") {
		if rel == "" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, rel))
		if errors.Is(err, fs.ErrNotExist) {
			continue // deleted, not yet committed
		}
		if err != nil {
			t.Fatal(err)
		}
		out[rel] = b
	}
	return out
}

func union(a, b map[string][]byte) map[string]bool {
	u := map[string]bool{}
	for k := range a {
		u[k] = true
	}
	for k := range b {
		u[k] = true
	}
	return u
}
