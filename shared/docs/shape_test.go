package docs

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The sections of a chapter README, in the order a reader meets them: what
// the chapter teaches, a picture of it, its code, what it looks like
// running, how it maps to the Flask original, the tests that prove it.
var chapterSections = []string{"**Goal:**", "```mermaid", "## What changed since chapter", "## What you will observe",
	"## From Flask", "## Tests", "## Exercises"}

// TestChapterREADMEsHaveOneShape checks that every chapter README has the
// sections above in that order, links onwards, and points at the diff of
// its code first.
func TestChapterREADMEsHaveOneShape(t *testing.T) {
	chapters, _ := filepath.Glob(filepath.Join(root, "step[0-9][0-9]-*"))
	for i, chapter := range chapters {
		name := filepath.Base(chapter)
		text, err := os.ReadFile(filepath.Join(chapter, "README.md"))
		if err != nil {
			t.Error(err)
			continue
		}
		at := 0
		for _, want := range chapterSections {
			if i == 0 && want == "## What changed since chapter" {
				want = "## What is in this chapter"
			}
			j := strings.Index(string(text[at:]), want)
			if j < 0 {
				t.Errorf("%s/README.md lacks %q after the sections before it", name, want)
				continue
			}
			at += j
		}
		if i > 0 && !strings.Contains(string(text), "make diff-code FROM=") {
			t.Errorf("%s/README.md does not point at make diff-code", name)
		}
		if !strings.Contains(string(text), "**Next:**") && !strings.Contains(string(text), "**Back to:**") {
			t.Errorf("%s/README.md does not link onwards", name)
		}
	}
}

// TestWordBudgets keeps the lesson ahead of its proof: at most 1,500 words
// for the root README and for a chapter's, 2,000 for chapter 04 (it has the
// memcached primer). Words are counted as wc -w counts them.
func TestWordBudgets(t *testing.T) {
	for _, f := range readmes(t) {
		text, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		limit := 1500
		if strings.Contains(f, "step04-") {
			limit = 2000
		}
		if n := len(bytes.Fields(text)); n > limit {
			t.Errorf("%s has %d words (at most %d)", f, n, limit)
		}
	}
}

// section returns the text from the heading to the next heading of its level.
func section(text []byte, heading string) string {
	s := string(text)
	i := strings.Index(s, heading)
	if i < 0 {
		return ""
	}
	s = s[i+len(heading):]
	if j := strings.Index(s, "\n## "); j >= 0 {
		s = s[:j]
	}
	return s
}
