package alex

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
)

// Regions, asset classes and instrument types of the API contract.
var (
	Regions = []string{"north_america", "europe", "asia", "latin_america", "africa",
		"middle_east", "oceania", "global", "international"}
	AssetClasses    = []string{"equity", "fixed_income", "real_estate", "commodities", "cash", "alternatives"}
	InstrumentTypes = []string{"etf", "stock", "mutual_fund", "bond_fund", "bond", "commodity", "reit"}
)

// ValidateTargets checks an allocation target map: keys from allowed, values
// 0–100 that add up to 100. It returns one FieldError per problem.
func ValidateTargets(location string, targets map[string]float64, allowed []string) []FieldError {
	var errs []FieldError
	keys := make([]string, 0, len(targets))
	for k := range targets {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	sum := 0.0
	for _, k := range keys {
		v := targets[k]
		switch {
		case !slices.Contains(allowed, k):
			errs = append(errs, FieldError{location + "." + k, fmt.Sprintf("unknown key %q; expected one of %s", k, strings.Join(allowed, ", "))})
		case v < 0 || v > 100:
			errs = append(errs, FieldError{location + "." + k, "expected a percentage from 0 to 100"})
		}
		sum += v
	}
	if len(errs) == 0 && math.Abs(sum-100) > 0.01 {
		errs = append(errs, FieldError{location, fmt.Sprintf("percentages must add up to 100, got %g", sum)})
	}
	return errs
}

// NormalizeSymbol upper-cases and trims a ticker symbol.
func NormalizeSymbol(s string) string {
	return strings.ToUpper(strings.TrimSpace(s))
}

// GuessInstrumentType is the type given to a symbol a user adds that the
// service does not know: tickers of up to five letters are taken for stocks.
func GuessInstrumentType(symbol string) string {
	if len(symbol) <= 5 {
		return "stock"
	}
	return "etf"
}
