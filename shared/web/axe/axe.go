// Package axe runs axe-core, Deque's accessibility checker, in a page that
// a test has opened in a real browser. axe-core's script is vendored beside
// this file (MPL-2.0, see NOTICE), so an audit needs no network.
//
// A test opens the page with chromedp and calls Audit, which evaluates
// Script in the page, then Run, which resolves to the page's violations.
package axe

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/chromedp/chromedp"
)

// Script is axe-core's minified source; evaluating it defines window.axe.
//
//go:embed axe.min.js
var Script string

// Tags are the rule sets an audit runs: WCAG 2.0 and 2.1, levels A and
// AA, and axe-core's best practices.
var Tags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"}

// Run is a JavaScript expression that audits the whole document with the
// rules of Tags and resolves to the violations: an array of objects that
// decodes into []Violation.
var Run = `axe.run(document, {
  runOnly: {type: "tag", values: ` + jsonString(Tags) + `},
  resultTypes: ["violations"]
}).then(r => r.violations.map(v => ({
  id: v.id, impact: v.impact, help: v.help,
  nodes: v.nodes.map(n => ({target: n.target.map(String), html: n.html, summary: n.failureSummary}))
})))`

// Violation is one rule the page breaks, with the elements that break it.
type Violation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target  []string `json:"target"`
		HTML    string   `json:"html"`
		Summary string   `json:"summary"`
	} `json:"nodes"`
}

// String describes the violation and every element at fault, one a line.
func (v Violation) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s): %s", v.ID, v.Impact, v.Help)
	for _, n := range v.Nodes {
		fmt.Fprintf(&b, "\n    %s  %s", strings.Join(n.Target, " "), n.HTML)
		if n.Summary != "" {
			fmt.Fprintf(&b, "\n      %s", strings.ReplaceAll(n.Summary, "\n", "\n      "))
		}
	}
	return b.String()
}

func jsonString(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// Audit loads axe-core into the page of a chromedp context and returns the
// page's violations.
func Audit(ctx context.Context) ([]Violation, error) {
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](Script+"\n;true")); err != nil {
		return nil, fmt.Errorf("load axe-core: %w", err)
	}
	violations, err := chromedp.Run(ctx, chromedp.Evaluate[[]Violation](Run, chromedp.EvalAwaitPromise))
	if err != nil {
		return nil, fmt.Errorf("run axe-core: %w", err)
	}
	return violations, nil
}
