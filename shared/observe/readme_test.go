package observe

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/go-memcache-workshop/tasklist/shared/chapterapp"
	"github.com/go-memcache-workshop/tasklist/shared/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

var update = flag.Bool("update", false, "write each scenario's transcript into its chapter's README")

// root is the workshop's top folder, seen from shared/observe.
const root = "../.."

// TestREADMEsShowWhatObservePrints plays every chapter's scenario against
// the chapter's app and, from chapter 04 on, a memcached of the test's own
// (its counters are part of the transcript, so no other test may share
// it), and compares the transcript with the block of the chapter's README
// that follows `make observe STEP=NN`.
func TestREADMEsShowWhatObservePrints(t *testing.T) {
	parent := t
	var server *testenv.Server // started by the first chapter that needs it
	bin := t.TempDir()
	for _, chapter := range Chapters() {
		step := fmt.Sprintf("%02d", chapter)
		t.Run(step, func(t *testing.T) {
			var memcached string
			if UsesMemcached(chapter) {
				if server == nil {
					server = testenv.OwnMemcached(outliving{t, parent})
				}
				memcached = server.Addr
			}
			dir, err := chapterapp.Find(root, strconv.Itoa(chapter))
			if err != nil {
				t.Fatal(err)
			}
			binary := filepath.Join(bin, filepath.Base(dir))
			if err := chapterapp.Build(dir, binary); err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			if err := Run(chapter, Config{Binary: binary, Memcached: memcached}, &got); err != nil {
				t.Fatal(err)
			}

			readme := filepath.Join(dir, "README.md")
			text, err := os.ReadFile(readme)
			if err != nil {
				t.Fatal(err)
			}
			start, end, err := transcriptBlock(string(text), step)
			if err != nil {
				t.Fatalf("%s: %v", readme, err)
			}
			if want := string(text[start:end]); want != got.String() {
				if *update {
					updated := string(text[:start]) + got.String() + string(text[end:])
					if err := os.WriteFile(readme, []byte(updated), 0o644); err != nil {
						t.Fatal(err)
					}
					t.Logf("%s: transcript updated", readme)
					return
				}
				t.Errorf("%s: its transcript is not what `make observe STEP=%s` prints; paste that command's output "+
					"into the block, or run `go test ./observe -run TestREADMEsShowWhatObservePrints -update` in shared.\n%s",
					readme, step, firstDifference(want, got.String()))
			}
		})
	}
}

// outliving is a chapter's subtest whose cleanups wait for the whole test:
// the memcached that the first chapter needing one starts serves the later
// chapters too, and a run of chapters 01-03 alone starts none.
type outliving struct {
	*testing.T
	parent *testing.T
}

func (o outliving) Cleanup(f func()) { o.parent.Cleanup(f) }

// transcriptBlock finds, in a README's "What you will observe" section, the
// ```text block that follows the first mention of `make observe STEP=step`,
// and returns where its content starts and ends.
func transcriptBlock(text, step string) (start, end int, err error) {
	section := strings.Index(text, "\n## What you will observe\n")
	if section < 0 {
		return 0, 0, errors.New(`no "## What you will observe" section`)
	}
	mention := strings.Index(text[section:], "`make observe STEP="+step+"`")
	if mention < 0 {
		return 0, 0, fmt.Errorf("no `make observe STEP=%s` in What you will observe, before its transcript", step)
	}
	mention += section
	const open = "\n```text\n"
	at := strings.Index(text[mention:], open)
	if at < 0 {
		return 0, 0, fmt.Errorf("no ```text block after `make observe STEP=%s`", step)
	}
	start = mention + at + len(open)
	length := strings.Index(text[start:], "```\n")
	if length < 0 {
		return 0, 0, fmt.Errorf("the transcript's block after `make observe STEP=%s` is not closed", step)
	}
	return start, start + length, nil
}

// firstDifference shows the first line where want and got differ.
func firstDifference(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return fmt.Sprintf("line %d:\n  README: %q\n  run:    %q\nthe whole run:\n%s", i+1, wl, gl, got)
		}
	}
	return ""
}
