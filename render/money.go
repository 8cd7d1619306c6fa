package render

import (
	"math"
	"strconv"
	"strings"

	"github.com/alex-advisor/alex/display"
)

// currencySigns are the signs a reader knows without the code. A sign
// shared by several currencies ($ of Canada, Australia, ...) is written
// with its country prefix, as CLDR does; any other currency by its code.
var currencySigns = map[string]string{
	"USD": "$", "EUR": "€", "GBP": "£", "INR": "₹", "JPY": "¥", "CNY": "CN¥", "KRW": "₩",
	"CAD": "CA$", "AUD": "A$", "NZD": "NZ$", "HKD": "HK$", "MXN": "MX$", "BRL": "R$",
}

// zeroDecimal are currencies without minor units in everyday use.
var zeroDecimal = map[string]bool{"JPY": true, "KRW": true}

// money formats an amount of currency: $1,234,567.89, €12.50, ₹300,000.00
// (thousands grouped the English way for every currency, the page being in
// English), 1,234.50 CHF for a currency without a sign of its own.
func money(x float64, currency string) string {
	decimals := 2
	if zeroDecimal[currency] {
		decimals = 0
	}
	scale := math.Pow10(decimals)
	number := groupedNumber(math.Round(math.Abs(x)*scale)/scale, decimals)
	sign := ""
	if math.Round(x*100) < 0 {
		sign = "-"
	}
	if s, ok := currencySigns[currency]; ok {
		return sign + s + number
	}
	if currency == "" {
		return sign + number
	}
	return sign + number + " " + currency
}

// compactMoney is an axis label: $120k, €1.5M, 2.3M CHF.
func compactMoney(x float64, currency string) string {
	abs := math.Abs(x)
	var number string
	switch {
	case abs >= 1e9:
		number = trimmed(abs/1e9) + "B"
	case abs >= 1e6:
		number = trimmed(abs/1e6) + "M"
	case abs >= 1e3:
		number = trimmed(abs/1e3) + "k"
	default:
		number = trimmed(abs)
	}
	sign := ""
	if x < 0 {
		sign = "-"
	}
	if s, ok := currencySigns[currency]; ok {
		return sign + s + number
	}
	return strings.TrimSpace(sign + number + " " + currency)
}

// trimmed writes x with at most one decimal, none when it is whole.
func trimmed(x float64) string {
	s := strconv.FormatFloat(math.Round(x*10)/10, 'f', 1, 64)
	return strings.TrimSuffix(s, ".0")
}

// groupedNumber writes x with thousands grouped.
func groupedNumber(x float64, decimals int) string {
	return display.Grouped(strconv.FormatFloat(x, 'f', decimals, 64))
}

// percent writes a percentage with one decimal: 12.3%.
func percent(pct float64) string {
	p := math.Round(pct*10) / 10
	if p == 0 {
		p = 0 // no -0.0
	}
	return strconv.FormatFloat(p, 'f', 1, 64) + "%"
}

// share is part as a percentage of whole, 0 when whole is not positive.
func share(part, whole float64) float64 { return display.Share(part, whole) }

// rate writes an exchange rate with five significant digits, no trailing
// zeros: 0.011555, 1.0298, 83.47.
func rate(r float64) string {
	if s, ok := display.Rate(r); ok {
		return s
	}
	return "unknown"
}
