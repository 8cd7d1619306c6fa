package alex

import "github.com/shopspring/decimal"

// Value is what quantity units at price (in priceCurrency) are worth in
// currency to, at r's rate: the one valuation the trade path, the planner's
// snapshot and the pages share. The amount is exact; callers round money
// where they store or show it.
func Value(quantity, price decimal.Decimal, priceCurrency, to string, r Rates) (Conversion, error) {
	return Convert(quantity.Mul(price), priceCurrency, to, r)
}
