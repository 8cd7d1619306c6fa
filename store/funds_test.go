package store_test

import (
	"context"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/alex-advisor/alex"
	"github.com/alex-advisor/alex/store"
	"github.com/alex-advisor/alex/store/storetest"
)

// A fund bought for the first time becomes an instrument in the trade's own
// transaction: a trade that fails leaves no instrument behind.
func TestTradeCreatesTheNewInstrumentInItsTransaction(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.MustOpenDB(t)
	_, _, err := s.GetOrCreateUser(ctx, "user_1", "One")
	require.NoError(t, err)
	a, err := s.CreateAccount(ctx, alex.Account{UserID: "user_1", AccountName: "A", CashBalance: decimal.NewFromInt(100)})
	require.NoError(t, err)
	fund := &alex.Instrument{
		Name: "HDFC Large Cap Fund - Growth Option - Direct Plan", InstrumentType: "mutual_fund",
		CurrentPrice:         decimal.NewNullDecimal(decimal.RequireFromString("25.5")),
		AllocationAssetClass: alex.Allocation{"equity": 100}, AllocationRegions: alex.Allocation{"asia": 100},
		AllocationSectors: alex.Allocation{"diversified": 100}, AllocationInferred: true,
	}
	units := decimal.NewFromInt(10)

	_, err = s.ExecuteTrade(ctx, store.Trade{UserID: "user_1", AccountID: a.ID, Side: "buy", Symbol: "MF119063", Quantity: &units, NewInstrument: fund})
	require.Equal(t, alex.EINVALID, alex.ErrorCode(err), "255 is more than the cash: %v", err)
	_, err = s.Instrument(ctx, "MF119063")
	require.Equal(t, alex.ENOTFOUND, alex.ErrorCode(err), "the failed trade rolled the instrument back")

	units = decimal.NewFromInt(2)
	tr, err := s.ExecuteTrade(ctx, store.Trade{UserID: "user_1", AccountID: a.ID, Side: "buy", Symbol: "MF119063", Quantity: &units, NewInstrument: fund})
	require.NoError(t, err)
	assert.Equal(t, "51", tr.Amount.String())
	in, err := s.Instrument(ctx, "MF119063")
	require.NoError(t, err)
	assert.Equal(t, "mutual_fund", in.InstrumentType)
	assert.Equal(t, alex.Allocation{"equity": 100}, in.AllocationAssetClass)

	// A later trade keeps the instrument as it is: its price is the NAV the
	// refresh recorded, not the one the buyer's request carried.
	cheaper := *fund
	cheaper.CurrentPrice = decimal.NewNullDecimal(decimal.NewFromInt(1))
	units = decimal.NewFromInt(1)
	tr, err = s.ExecuteTrade(ctx, store.Trade{UserID: "user_1", AccountID: a.ID, Side: "buy", Symbol: "MF119063", Quantity: &units, NewInstrument: &cheaper})
	require.NoError(t, err)
	assert.Equal(t, "25.5", tr.Price.String())
}
