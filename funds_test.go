package alex

import "testing"

func TestFundSymbol(t *testing.T) {
	tests := []struct {
		code, want string
		ok         bool
	}{
		{"119551", "MF119551", true},
		{" 100027 ", "MF100027", true},
		{"", "", false},
		{"12A", "", false},
		{"123456789012345678901234567890123", "", false}, // longer than a symbol may be
	}
	for _, tt := range tests {
		got, err := FundSymbol(tt.code)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("FundSymbol(%q) = %q, %v; want %q, ok=%v", tt.code, got, err, tt.want, tt.ok)
		}
		if tt.ok {
			if code, ok := FundSchemeCode(got); !ok || code != NormalizeSymbol(tt.code) {
				t.Errorf("FundSchemeCode(%q) = %q, %v", got, code, ok)
			}
		}
	}
	for _, sym := range []string{"SPY", "MF", "MFX1", "MSFT"} {
		if code, ok := FundSchemeCode(sym); ok {
			t.Errorf("FundSchemeCode(%q) = %q, want not a fund", sym, code)
		}
	}
}

func TestValidSymbol(t *testing.T) {
	for _, sym := range []string{"SPY", "BRK.B", "BRK/B", "BRK-B", "^GSPC", "EURUSD=X", "MF119551", "A", "ABCDEFGHIJ0123456789"} {
		if !ValidSymbol(sym) {
			t.Errorf("ValidSymbol(%q) = false, want true", sym)
		}
	}
	for _, sym := range []string{"", "brk.b", "BRK B", "SPY%", "A_B", "ABCDEFGHIJ01234567890", "Ä"} {
		if ValidSymbol(sym) {
			t.Errorf("ValidSymbol(%q) = true, want false", sym)
		}
	}
}
