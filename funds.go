package alex

import (
	"fmt"
	"regexp"
	"strings"
)

// symbolPattern is the shape of a symbol the API accepts (after
// NormalizeSymbol): share classes (BRK.B, BRK/B), index tickers (^GSPC) and
// currency pairs (EURUSD=X). The HTTP layer's schema pattern is the same
// rule before upper-casing.
var symbolPattern = regexp.MustCompile(`^[A-Z0-9./^=-]{1,20}$`)

// ValidSymbol tells whether s, already normalized, is a symbol the API accepts.
func ValidSymbol(s string) bool { return symbolPattern.MatchString(s) }

// fundSymbolPrefix marks the symbols of mutual fund schemes: "MF" and the
// scheme code, stable across NAV files and providers.
const fundSymbolPrefix = "MF"

// FundSymbol derives the instrument symbol of a fund scheme from its scheme
// code, e.g. "119551" → "MF119551".
func FundSymbol(schemeCode string) (string, error) {
	code := strings.TrimSpace(schemeCode)
	if code == "" || strings.Trim(code, "0123456789") != "" {
		return "", fmt.Errorf("scheme code %q is not a number", schemeCode)
	}
	sym := NormalizeSymbol(fundSymbolPrefix + code)
	if !ValidSymbol(sym) {
		return "", fmt.Errorf("scheme code %q makes no valid symbol", schemeCode)
	}
	return sym, nil
}

// FundSchemeCode is the inverse of FundSymbol: the scheme code of a fund
// symbol, and false for any other symbol.
func FundSchemeCode(symbol string) (string, bool) {
	code, ok := strings.CutPrefix(NormalizeSymbol(symbol), fundSymbolPrefix)
	if !ok || code == "" || strings.Trim(code, "0123456789") != "" {
		return "", false
	}
	return code, true
}
