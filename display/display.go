// Package display writes numbers the way a person reads them in the
// service's reports and pages: digits grouped by thousands, exchange rates
// to five significant digits. It is pure and imports nothing of the
// project, so the analysis, the report page and the home page share one way.
package display

import (
	"math"
	"strconv"
	"strings"
)

// Grouped puts a comma between each group of three digits of a decimal
// number written as text ("-1234567.5" → "-1,234,567.5").
func Grouped(number string) string {
	sign, unsigned := "", number
	if strings.HasPrefix(number, "-") {
		sign, unsigned = "-", number[1:]
	}
	whole, frac, hasFrac := strings.Cut(unsigned, ".")
	var b strings.Builder
	b.WriteString(sign)
	for i, d := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(d)
	}
	if hasFrac {
		b.WriteString("." + frac)
	}
	return b.String()
}

// Rate writes an exchange rate with five significant digits, no trailing
// zeros and no exponent (0.011555, 1.0298, 83.47); ok is false for a rate
// that is not a positive finite number.
func Rate(r float64) (s string, ok bool) {
	if !(r > 0) || math.IsInf(r, 0) {
		return "", false
	}
	decimals := max(4-int(math.Floor(math.Log10(r))), 0)
	s = strconv.FormatFloat(r, 'f', decimals, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s, true
}

// Share is part as a percentage of whole, 0 when whole is not positive.
func Share(part, whole float64) float64 {
	if whole <= 0 {
		return 0
	}
	return part / whole * 100
}
