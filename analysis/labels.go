package analysis

import (
	"fmt"
	"hash/fnv"
	"math"
	"strings"
	"unicode"
	"unicode/utf8"
)

// displayNames covers keys whose title-cased form reads wrong.
var displayNames = map[string]string{
	"etf":  "ETF",
	"reit": "REIT",
}

// displayName turns a snake_case key into a label: "fixed_income" → "Fixed Income".
func displayName(key string) string {
	if name, ok := displayNames[key]; ok {
		return name
	}
	words := strings.FieldsFunc(key, func(r rune) bool { return r == '_' || r == ' ' })
	for i, w := range words {
		r, size := utf8.DecodeRuneInString(w)
		words[i] = string(unicode.ToUpper(r)) + w[size:]
	}
	return strings.Join(words, " ")
}

// lowerName is a display name for use inside a sentence: "fixed income".
func lowerName(key string) string { return strings.ToLower(displayName(key)) }

// palette gives every well-known category one color in every chart, so
// "Equity" is the same blue on the pie and in the legend of the next report.
var palette = map[string]string{
	// Asset classes.
	"equity":       "#2563eb",
	"fixed_income": "#16a34a",
	"real_estate":  "#d97706",
	"commodities":  "#ca8a04",
	"cash":         "#64748b",
	"alternatives": "#9333ea",
	// Regions.
	"north_america": "#1d4ed8",
	"europe":        "#0891b2",
	"asia":          "#dc2626",
	"latin_america": "#ea580c",
	"africa":        "#65a30d",
	"middle_east":   "#c026d3",
	"oceania":       "#0d9488",
	"global":        "#4f46e5",
	"international": "#7c3aed",
	// Sectors.
	"technology":             "#3b82f6",
	"healthcare":             "#10b981",
	"financials":             "#f59e0b",
	"energy":                 "#ef4444",
	"consumer_discretionary": "#8b5cf6",
	"consumer_staples":       "#84cc16",
	"industrials":            "#78716c",
	"materials":              "#a16207",
	"utilities":              "#06b6d4",
	"communication":          "#ec4899",
	"treasury":               "#166534",
	"government":             "#22c55e",
	"corporate":              "#15803d",
	"diversified":            "#6366f1",
	"other":                  "#9ca3af",
}

// colorFor is the palette color of key, or a color derived from a hash of
// the key for names the palette does not know (symbols, account names), so
// a name keeps its color from one analysis to the next.
func colorFor(key string) string {
	if c, ok := palette[key]; ok {
		return c
	}
	h := fnv.New32a()
	h.Write([]byte(key))
	sum := h.Sum32()
	hue := float64(sum % 360)
	lightness := 0.40 + float64((sum>>9)%16)/100 // 0.40..0.55: readable on white and dark
	return hslToHex(hue, 0.60, lightness)
}

// hslToHex converts hue (degrees), saturation and lightness (0..1) to #rrggbb.
func hslToHex(hue, saturation, lightness float64) string {
	chroma := (1 - math.Abs(2*lightness-1)) * saturation
	x := chroma * (1 - math.Abs(math.Mod(hue/60, 2)-1))
	var r, g, b float64
	switch {
	case hue < 60:
		r, g = chroma, x
	case hue < 120:
		r, g = x, chroma
	case hue < 180:
		g, b = chroma, x
	case hue < 240:
		g, b = x, chroma
	case hue < 300:
		r, b = x, chroma
	default:
		r, b = chroma, x
	}
	m := lightness - chroma/2
	channel := func(v float64) int { return int(math.Round((v + m) * 255)) }
	return fmt.Sprintf("#%02x%02x%02x", channel(r), channel(g), channel(b))
}
