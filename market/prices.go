package market

import (
	"context"
	"errors"

	"github.com/alex-advisor/alex"
	"github.com/alex-advisor/alex/analysis"
)

// Prices quotes fund symbols (MF<scheme code>) at their NAV from the fund
// cache and every other symbol from Stocks. Either may be nil.
type Prices struct {
	Stocks analysis.PriceSource
	Funds  *FundCache
}

// Prices implements analysis.PriceSource.
func (p Prices) Prices(ctx context.Context, symbols []string) (map[string]analysis.Quote, error) {
	out := make(map[string]analysis.Quote, len(symbols))
	var stocks []string
	var errs []error
	for _, sym := range symbols {
		code, fund := alex.FundSchemeCode(sym)
		switch {
		case !fund:
			stocks = append(stocks, sym)
		case p.Funds != nil:
			s, f, err := p.Funds.Scheme(ctx, code)
			switch {
			case alex.ErrorCode(err) == alex.ENOTFOUND:
			case err != nil:
				errs = append(errs, err)
			case s.NAV != nil:
				asOf, ok := s.NAVAsOf()
				if !ok {
					asOf = f.FetchedAt
				}
				out[sym] = analysis.Quote{Price: s.NAV.InexactFloat64(), Currency: FundCurrency, AsOf: asOf, Source: alex.PriceAMFI}
			}
		}
	}
	if len(stocks) > 0 && p.Stocks != nil {
		quotes, err := p.Stocks.Prices(ctx, stocks)
		for sym, q := range quotes {
			out[sym] = q
		}
		errs = append(errs, err)
	}
	return out, errors.Join(errs...)
}
