package alex

// DefaultCurrency is the currency of accounts and users that name none.
const DefaultCurrency = "USD"

// ValidCurrency tells whether code has the shape of an ISO 4217 code:
// three upper-case ASCII letters.
func ValidCurrency(code string) bool {
	if len(code) != 3 {
		return false
	}
	for i := range 3 {
		if code[i] < 'A' || code[i] > 'Z' {
			return false
		}
	}
	return true
}
