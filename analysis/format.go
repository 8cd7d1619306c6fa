package analysis

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/alex-advisor/alex/display"
)

// formatMoney renders dollars as $1,234,567.89 (and -$12.50).
func formatMoney(dollars float64) string {
	cents := int64(math.Round(dollars * 100))
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	return fmt.Sprintf("%s$%s.%02d", sign, groupThousands(cents/100), cents%100)
}

// formatNumber renders an amount with thousands grouped and two decimals,
// without a currency sign: 1,234,567.89.
func formatNumber(x float64) string {
	return strings.Replace(formatMoney(x), "$", "", 1)
}

// formatMoneyIn renders an amount of currency: dollars as formatMoney does,
// any other currency by its code, 1,234.50 EUR.
func formatMoneyIn(x float64, currency string) string {
	if currency == "" || currency == "USD" {
		return formatMoney(x)
	}
	return formatNumber(x) + " " + currency
}

// currencyUnit words amounts of one currency: USD reads as dollars, any
// other currency by its code.
type currencyUnit string

func (c currencyUnit) format(x float64) string { return formatMoneyIn(x, string(c)) }

// todays names money of today's purchasing power: "today's dollars".
func (c currencyUnit) todays() string {
	if c == "" || c == "USD" {
		return "today's dollars"
	}
	return "today's money (" + string(c) + ")"
}

// ofYear names the nominal money of a year: "2046 dollars".
func (c currencyUnit) ofYear(year int) string {
	if c == "" || c == "USD" {
		return fmt.Sprintf("%d dollars", year)
	}
	return fmt.Sprintf("%d money (%s)", year, c)
}

// nominal names money of the year it is paid in: "nominal dollars".
func (c currencyUnit) nominal() string {
	if c == "" || c == "USD" {
		return "nominal dollars"
	}
	return "nominal money (" + string(c) + ")"
}

func groupThousands(n int64) string { return display.Grouped(strconv.FormatInt(n, 10)) }

// formatPercent renders a percentage with one decimal: 12.3%.
func formatPercent(pct float64) string {
	return strconv.FormatFloat(cleanZero(math.Round(pct*10)/10), 'f', 1, 64) + "%"
}

// formatPoints renders a drift in percentage points with its sign: +5.2 pts.
func formatPoints(points float64) string {
	p := cleanZero(math.Round(points*10) / 10)
	sign := ""
	if p > 0 {
		sign = "+"
	}
	return sign + strconv.FormatFloat(p, 'f', 1, 64) + " pts"
}

// cleanZero turns -0 into 0 so rounding a tiny negative never prints "-0.0".
func cleanZero(x float64) float64 {
	if x == 0 {
		return 0
	}
	return x
}

// percentOf is part as a percentage of whole, 0 when whole is not positive.
func percentOf(part, whole float64) float64 { return display.Share(part, whole) }

// formatRateValue renders an exchange rate with five significant digits,
// no trailing zeros and no exponent: 0.011555, 1.0298, 83.47.
func formatRateValue(rate float64) string {
	if s, ok := display.Rate(rate); ok {
		return s
	}
	return "0"
}
