package render

import (
	"fmt"
	"html/template"
	"math"
	"regexp"
	"strings"

	"github.com/alex-advisor/alex/analysis"
)

// The charts are SVG written here, not by a script: the page runs no code
// and loads nothing, and prints as it shows. Every text in them goes
// through svgText; numbers are formatted by the code.

// hexColor is the only color form a payload's color may take into the page.
var hexColor = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// fallbackColor stands in for a color the payload got wrong.
const fallbackColor = "#8c96a3"

func colorOf(s analysis.Slice) string {
	if hexColor.MatchString(s.Color) {
		return s.Color
	}
	return fallbackColor
}

func svgText(s string) string { return template.HTMLEscapeString(s) }

// svg is an SVG document being written.
type svg struct {
	b strings.Builder
}

func newSVG(width, height int, class, label string) *svg {
	s := &svg{}
	fmt.Fprintf(&s.b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" class="%s" role="img" aria-label="%s">`,
		width, height, class, svgText(label))
	return s
}

func (s *svg) add(format string, args ...any) { fmt.Fprintf(&s.b, format, args...) }

// done closes the document. Its text is escaped piece by piece above.
func (s *svg) done() template.HTML {
	s.b.WriteString("</svg>")
	return template.HTML(s.b.String()) //nolint:gosec
}

const (
	pieSize    = 220
	pieRadius  = 100
	donutInner = 60
)

// pieSVG draws the slices clockwise from twelve o'clock; a donut leaves a
// hole with the total in it.
func pieSVG(c analysis.Chart, donut bool) template.HTML {
	total := chartTotal(c)
	s := newSVG(pieSize, pieSize, "chart pie", c.Title)
	center := float64(pieSize) / 2
	if total <= 0 {
		s.add(`<circle cx="%g" cy="%g" r="%d" class="empty"/>`, center, center, pieRadius)
		return s.done()
	}
	angle := 0.0
	for _, sl := range c.Data {
		sweep := sl.Value / total * 2 * math.Pi
		title := fmt.Sprintf("<title>%s: %s (%s)</title>", svgText(sl.Name), svgText(money(sl.Value, c.Currency)), percent(share(sl.Value, total)))
		switch {
		case sweep >= 2*math.Pi-1e-9 && donut:
			s.add(`<circle class="slice" cx="%g" cy="%g" r="%g" fill="none" style="stroke: %s; stroke-width: %d">%s</circle>`,
				center, center, float64(pieRadius+donutInner)/2, colorOf(sl), pieRadius-donutInner, title)
		case sweep >= 2*math.Pi-1e-9:
			s.add(`<circle class="slice" cx="%g" cy="%g" r="%d" fill="%s">%s</circle>`, center, center, pieRadius, colorOf(sl), title)
		case donut:
			s.add(`<path class="slice" d="%s" fill="%s">%s</path>`, ringPath(center, angle, angle+sweep), colorOf(sl), title)
		default:
			s.add(`<path class="slice" d="%s" fill="%s">%s</path>`, wedgePath(center, angle, angle+sweep), colorOf(sl), title)
		}
		angle += sweep
	}
	if donut {
		s.add(`<text x="%g" y="%g" class="total">%s</text>`, center, center+5, svgText(compactMoney(total, c.Currency)))
	}
	return s.done()
}

// point is where angle (radians clockwise from twelve o'clock) meets the
// circle of radius r around (c, c).
func point(c, r, angle float64) (float64, float64) {
	return c + r*math.Sin(angle), c - r*math.Cos(angle)
}

func largeArc(from, to float64) int {
	if to-from > math.Pi {
		return 1
	}
	return 0
}

func wedgePath(c, from, to float64) string {
	x0, y0 := point(c, pieRadius, from)
	x1, y1 := point(c, pieRadius, to)
	return fmt.Sprintf("M%.2f %.2fL%.2f %.2fA%d %d 0 %d 1 %.2f %.2fZ", c, c, x0, y0, pieRadius, pieRadius, largeArc(from, to), x1, y1)
}

func ringPath(c, from, to float64) string {
	ox0, oy0 := point(c, pieRadius, from)
	ox1, oy1 := point(c, pieRadius, to)
	ix1, iy1 := point(c, donutInner, to)
	ix0, iy0 := point(c, donutInner, from)
	large := largeArc(from, to)
	return fmt.Sprintf("M%.2f %.2fA%d %d 0 %d 1 %.2f %.2fL%.2f %.2fA%d %d 0 %d 0 %.2f %.2fZ",
		ox0, oy0, pieRadius, pieRadius, large, ox1, oy1, ix1, iy1, donutInner, donutInner, large, ix0, iy0)
}

func chartTotal(c analysis.Chart) float64 {
	total := 0.0
	for _, sl := range c.Data {
		total += math.Max(sl.Value, 0)
	}
	return total
}

// frame is a plot area inside an SVG: the margins hold the axes' labels.
type frame struct {
	width, height            int
	left, right, top, bottom float64
}

func (f frame) plotWidth() float64  { return float64(f.width) - f.left - f.right }
func (f frame) plotHeight() float64 { return float64(f.height) - f.top - f.bottom }

// niceTicks are 0 and round steps (1, 2, 2.5 or 5 × 10ⁿ) up to at least
// top, about four of them.
func niceTicks(top float64) []float64 {
	if !(top > 0) {
		return []float64{0, 1}
	}
	raw := top / 4
	magnitude := math.Pow(10, math.Floor(math.Log10(raw)))
	step := magnitude * 10
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*magnitude >= raw {
			step = m * magnitude
			break
		}
	}
	ticks := []float64{0}
	for v := step; ; v += step {
		ticks = append(ticks, v)
		if v >= top-step*1e-9 {
			return ticks
		}
	}
}

// barSVG draws vertical bars with a money axis on the left and each bar's
// name under it, slanted so long names fit.
func barSVG(c analysis.Chart) template.HTML {
	f := frame{width: 960, height: 330, left: 70, right: 16, top: 24, bottom: 90}
	s := newSVG(f.width, f.height, "chart bar", c.Title)
	ticks := niceTicks(maxValue(c))
	top := ticks[len(ticks)-1]
	y := func(v float64) float64 { return f.top + f.plotHeight()*(1-v/top) }
	for _, t := range ticks {
		s.add(`<line class="grid" x1="%g" y1="%.1f" x2="%g" y2="%.1f"/>`, f.left, y(t), float64(f.width)-f.right, y(t))
		s.add(`<text class="tick" x="%g" y="%.1f" text-anchor="end">%s</text>`, f.left-8, y(t)+4, svgText(compactMoney(t, c.Currency)))
	}
	total := chartTotal(c)
	slot := f.plotWidth() / float64(max(len(c.Data), 1))
	barWidth := math.Min(slot*0.6, 64)
	for i, sl := range c.Data {
		cx := f.left + slot*(float64(i)+0.5)
		v := math.Max(sl.Value, 0)
		s.add(`<rect class="bar" x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s: %s (%s)</title></rect>`,
			cx-barWidth/2, y(v), barWidth, y(0)-y(v), colorOf(sl), svgText(sl.Name), svgText(money(sl.Value, c.Currency)), percent(share(v, total)))
		s.add(`<text class="value" x="%.1f" y="%.1f" text-anchor="middle">%s</text>`, cx, y(v)-6, percent(share(v, total)))
		s.add(`<text class="label" x="%.1f" y="%.1f" text-anchor="end" transform="rotate(-35 %.1f %.1f)">%s</text>`,
			cx+4, y(0)+16, cx+4, y(0)+16, svgText(sl.Name))
	}
	s.add(`<line class="axis" x1="%g" y1="%.1f" x2="%g" y2="%.1f"/>`, f.left, y(0), float64(f.width)-f.right, y(0))
	return s.done()
}

// horizontalBarSVG draws one bar per row, its name on the left and its
// value at its end, with a money axis below.
func horizontalBarSVG(c analysis.Chart) template.HTML {
	const row = 28
	f := frame{width: 960, left: 96, right: 170, top: 8, bottom: 30}
	f.height = int(f.top+f.bottom) + row*max(len(c.Data), 1)
	s := newSVG(f.width, f.height, "chart hbar", c.Title)
	ticks := niceTicks(maxValue(c))
	top := ticks[len(ticks)-1]
	x := func(v float64) float64 { return f.left + f.plotWidth()*v/top }
	bottom := float64(f.height) - f.bottom
	for _, t := range ticks {
		s.add(`<line class="grid" x1="%.1f" y1="%g" x2="%.1f" y2="%g"/>`, x(t), f.top, x(t), bottom)
		s.add(`<text class="tick" x="%.1f" y="%g" text-anchor="middle">%s</text>`, x(t), bottom+18, svgText(compactMoney(t, c.Currency)))
	}
	total := chartTotal(c)
	for i, sl := range c.Data {
		v := math.Max(sl.Value, 0)
		y := f.top + float64(i*row)
		s.add(`<text class="label" x="%g" y="%g" text-anchor="end">%s</text>`, f.left-8, y+row/2+4, svgText(sl.Name))
		s.add(`<rect class="bar" x="%g" y="%g" width="%.1f" height="%d" fill="%s"><title>%s: %s (%s)</title></rect>`,
			f.left, y+5, x(v)-f.left, row-10, colorOf(sl), svgText(sl.Name), svgText(money(sl.Value, c.Currency)), percent(share(v, total)))
		s.add(`<text class="value" x="%.1f" y="%g">%s · %s</text>`, x(v)+6, y+row/2+4, svgText(money(sl.Value, c.Currency)), percent(share(v, total)))
	}
	s.add(`<line class="axis" x1="%g" y1="%g" x2="%g" y2="%g"/>`, f.left, f.top, f.left, bottom)
	return s.done()
}

func maxValue(c analysis.Chart) float64 {
	top := 0.0
	for _, sl := range c.Data {
		top = math.Max(top, sl.Value)
	}
	return top
}

// band is a projection over the years: the p10–p90 spread and the median.
type band struct {
	years             []int // years from now, ascending, from 0
	low, mid, high    []float64
	retirementYear    int // years from now
	thisYear          int
	currency, caption string
}

// projectionBands are the nominal and the real projection of a retirement
// payload, starting today at the portfolio's value.
func projectionBands(r analysis.RetirementPayload, thisYear int) (nominal, real band) {
	start := r.Assumptions.StartingValue
	nominal = band{years: []int{0}, low: []float64{start}, mid: []float64{start}, high: []float64{start},
		retirementYear: r.Assumptions.YearsUntilRetirement, thisYear: thisYear, currency: r.Currency}
	real = nominal
	real.years, real.low, real.mid, real.high = []int{0}, []float64{start}, []float64{start}, []float64{start}
	for _, m := range r.Milestones {
		nominal.years = append(nominal.years, m.YearsFromNow)
		nominal.low = append(nominal.low, m.P10)
		nominal.mid = append(nominal.mid, m.MedianValue)
		nominal.high = append(nominal.high, m.P90)
		real.years = append(real.years, m.YearsFromNow)
		real.low = append(real.low, m.RealP10)
		real.mid = append(real.mid, m.RealMedianValue)
		real.high = append(real.high, m.RealP90)
	}
	nominal.caption = "Nominal (money of each year)"
	real.caption = "Real (today's money)"
	return nominal, real
}

// fanSVG draws the p10–p90 band, the median line and the retirement year.
func fanSVG(b band) template.HTML {
	f := frame{width: 480, height: 280, left: 58, right: 14, top: 18, bottom: 30}
	s := newSVG(f.width, f.height, "chart fan", "Projection, "+b.caption)
	top := 0.0
	for _, v := range b.high {
		top = math.Max(top, v)
	}
	ticks := niceTicks(top)
	yTop := ticks[len(ticks)-1]
	last := float64(max(b.years[len(b.years)-1], 1))
	x := func(year int) float64 { return f.left + f.plotWidth()*float64(year)/last }
	y := func(v float64) float64 { return f.top + f.plotHeight()*(1-math.Max(v, 0)/yTop) }
	for _, t := range ticks {
		s.add(`<line class="grid" x1="%g" y1="%.1f" x2="%g" y2="%.1f"/>`, f.left, y(t), float64(f.width)-f.right, y(t))
		s.add(`<text class="tick" x="%g" y="%.1f" text-anchor="end">%s</text>`, f.left-8, y(t)+4, svgText(compactMoney(t, b.currency)))
	}
	bottom := float64(f.height) - f.bottom
	for _, yr := range yearTicks(b.years) {
		s.add(`<text class="tick" x="%.1f" y="%g" text-anchor="middle">%d</text>`, x(yr), bottom+20, b.thisYear+yr)
	}
	var area, line []string
	for i, yr := range b.years {
		area = append(area, fmt.Sprintf("%.1f,%.1f", x(yr), y(b.high[i])))
		line = append(line, fmt.Sprintf("%.1f,%.1f", x(yr), y(b.mid[i])))
	}
	for i := len(b.years) - 1; i >= 0; i-- {
		area = append(area, fmt.Sprintf("%.1f,%.1f", x(b.years[i]), y(b.low[i])))
	}
	s.add(`<polygon class="band" points="%s"><title>10th to 90th percentile</title></polygon>`, strings.Join(area, " "))
	s.add(`<polyline class="median" points="%s"><title>Median</title></polyline>`, strings.Join(line, " "))
	if b.retirementYear > 0 && float64(b.retirementYear) < last {
		rx := x(b.retirementYear)
		s.add(`<line class="retire" x1="%.1f" y1="%g" x2="%.1f" y2="%g"/>`, rx, f.top, rx, bottom)
		s.add(`<text class="note" x="%.1f" y="%g">Retirement</text>`, rx+5, f.top+12)
	}
	s.add(`<line class="axis" x1="%g" y1="%g" x2="%g" y2="%g"/>`, f.left, bottom, float64(f.width)-f.right, bottom)
	return s.done()
}

// yearTicks are the years to label on a projection's axis: today and every
// tenth year (every fifth on a short horizon).
func yearTicks(years []int) []int {
	last := years[len(years)-1]
	every := 10
	if last <= 25 {
		every = 5
	}
	var out []int
	for y := 0; y <= last; y += every {
		out = append(out, y)
	}
	return out
}
