package main

import (
	"fmt"
	"html"
	"math"
	"strings"
)

// chart draws the lines with a goal as horizontal bars of their score
// (measured against goal, 1 = the goal), on a log scale from 0.01 to 100,
// as a self-contained SVG.
func chart(lines []line) string {
	const (
		labelW, barW, rowH, top = 430, 420, 26, 40
		minScore, maxScore      = 0.01, 100.0
	)
	var rows []line
	for _, l := range lines {
		if l.Met != nil {
			rows = append(rows, l)
		}
	}
	height := top + rowH*len(rows) + 30
	x := func(score float64) float64 { // log scale
		score = min(max(score, minScore), maxScore)
		return labelW + barW*(math.Log10(score)-math.Log10(minScore))/(math.Log10(maxScore)-math.Log10(minScore))
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">`+"\n", labelW+barW+80, height)
	b.WriteString(`<rect width="100%" height="100%" fill="#fff"/>` + "\n")
	fmt.Fprintf(&b, `<text x="8" y="20" font-size="14" font-weight="bold">Each goal: measured against goal (log scale; right of the line meets it)</text>`+"\n")
	for i, l := range rows {
		y := top + i*rowH
		color := "#c0392b"
		if *l.Met {
			color = "#27ae60"
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%s</text>`+"\n", labelW-8, y+16, html.EscapeString(l.What))
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"/>`+"\n", labelW, y+4, x(l.Score)-labelW, rowH-8, color)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d">%.2f</text>`+"\n", x(l.Score)+4, y+16, l.Score)
	}
	goal := x(1)
	fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#000" stroke-dasharray="4 3"/>`+"\n", goal, top-4, goal, height-24)
	for _, tick := range []float64{0.01, 0.1, 1, 10, 100} {
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle" fill="#555">%g×</text>`+"\n", x(tick), height-8, tick)
	}
	b.WriteString("</svg>\n")
	return b.String()
}
