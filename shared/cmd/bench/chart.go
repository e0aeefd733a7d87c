package main

import (
	"bytes"
	"fmt"
	"html"
	"time"
)

// chart is one table drawn as bars: each server's throughput as a share of
// the limit's.
type chart struct {
	delay time.Duration
	rows  []row
}

// barChart draws every chart as a group of horizontal bars in one SVG.
func barChart(charts []chart) []byte {
	const (
		width, labelW, barH, gap, groupGap, top = 830, 250, 18, 6, 40, 40
		scaleW                                  = width - labelW - 160
	)
	height := top
	for _, c := range charts {
		height += groupGap + len(c.rows)*(barH+gap)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="system-ui, sans-serif" font-size="13">`+"\n", width, height+20)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="#fff"/><text x="10" y="24" font-size="16" font-weight="600">GET / throughput as a share of the limit (one memcached get per request)</text>`+"\n")
	y := top
	for _, c := range charts {
		y += groupGap
		fmt.Fprintf(&b, `<text x="10" y="%d" font-weight="600">TASKS_QUERY_DELAY=%s</text>`+"\n", y-10, c.delay)
		for _, r := range c.rows {
			ratio := r.ratio
			w := int(ratio * scaleW)
			if w > scaleW {
				w = scaleW
			}
			color := "#2f6fed"
			if r.name == c.rows[len(c.rows)-1].name {
				color = "#8a94a6"
			}
			fmt.Fprintf(&b, `<text x="10" y="%d">%s</text>`, y+barH-4, html.EscapeString(r.name))
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s"/>`, labelW, y, max(w, 1), barH, color)
			fmt.Fprintf(&b, `<text x="%d" y="%d">%.2f× (%.0f req/s)</text>`+"\n", labelW+max(w, 1)+6, y+barH-4, ratio, r.rps)
			y += barH + gap
		}
	}
	b.WriteString("</svg>\n")
	return b.Bytes()
}
