package docs

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEveryChangedFileIsMentioned compares each chapter with the one before
// and checks that its README names every file that was added, changed or
// removed (go.sum and fuzz corpora aside): a reader diffing two chapters
// should never meet a change the text did not announce.
func TestEveryChangedFileIsMentioned(t *testing.T) {
	chapters, _ := filepath.Glob(filepath.Join(root, "step[0-9][0-9]-*"))
	for i := 1; i < len(chapters); i++ {
		prev, next := files(t, chapters[i-1]), files(t, chapters[i])
		readme, err := os.ReadFile(filepath.Join(chapters[i], "README.md"))
		if err != nil {
			t.Fatal(err)
		}
		for name := range union(prev, next) {
			if name == "README.md" || name == "go.sum" || strings.Contains(name, "testdata/") {
				continue
			}
			if bytes.Equal(prev[name], next[name]) && prev[name] != nil {
				continue
			}
			if !strings.Contains(string(readme), "`"+name+"`") && !strings.Contains(string(readme), "`"+filepath.Base(name)+"`") {
				t.Errorf("%s/README.md does not mention %s, which changed since %s", filepath.Base(chapters[i]), name, filepath.Base(chapters[i-1]))
			}
		}
	}
}

func files(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if strings.HasPrefix(rel, "instance") || strings.HasSuffix(rel, ".test") || strings.HasSuffix(rel, ".db") {
			return nil
		}
		b, _ := os.ReadFile(path)
		out[filepath.ToSlash(rel)] = b
		return nil
	})
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
