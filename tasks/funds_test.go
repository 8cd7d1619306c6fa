package tasks_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/alex-advisor/alex"
	"github.com/alex-advisor/alex/analysis"
	"github.com/alex-advisor/alex/auth"
	alexhttp "github.com/alex-advisor/alex/http"
	"github.com/alex-advisor/alex/market"
	"github.com/alex-advisor/alex/store"
	"github.com/alex-advisor/alex/tasks"
)

// fakeAMFI serves the sample NAV file, counting requests.
func fakeAMFI(t *testing.T) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		n.Add(1)
		_, _ = w.Write(market.SampleNAVFile)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// fakePolygon answers previous-close requests in Polygon.io's format with
// the prices given; other tickers are 404, and down makes every answer 500.
func fakePolygon(t *testing.T, prices map[string]float64, down *atomic.Bool) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if down != nil && down.Load() {
			http.Error(w, "down", http.StatusInternalServerError)
			return
		}
		ticker := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/v2/aggs/ticker/"), "/prev")
		p, ok := prices[ticker]
		if !ok || r.URL.Query().Get("apiKey") != "k" {
			http.Error(w, `{"status":"NOT_FOUND"}`, http.StatusNotFound)
			return
		}
		fmt.Fprintf(w, `{"ticker":%q,"queryCount":1,"resultsCount":1,"adjusted":true,"results":[{"T":%q,"v":1000,"o":%v,"c":%v,"h":%v,"l":%v,"t":1673038800000}],"status":"OK","request_id":"r"}`,
			ticker, ticker, p, p, p, p)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func quickClient() *market.Client {
	return market.NewClient(market.ClientOptions{Timeout: time.Second, Retries: 1, Backoff: time.Millisecond})
}

func (h *harness) fundCache(url string) *market.FundCache {
	return market.NewFundCache(&market.AMFI{URL: url, Client: quickClient()}, h.queue.Redis(), time.Hour, h.log)
}

// withFunds rebuilds the harness's API with the fund routes.
func (h *harness) withFunds(funds *market.FundCache) {
	h.api = alexhttp.New(alexhttp.Config{
		Store: h.store, Queue: h.queue, Log: h.log, MaxActiveJobsPerUser: 3, Funds: funds,
		Verifier: auth.NewVerifier(h.issuer.KeySource(), auth.VerifierOptions{Issuer: "alex-test"}),
	})
}

func chartValue(t *testing.T, job map[string]any, chart, name string) float64 {
	t.Helper()
	for _, d := range job["charts_payload"].(map[string]any)[chart].(map[string]any)["data"].([]any) {
		if item := d.(map[string]any); item["name"] == name {
			return item["value"].(float64)
		}
	}
	return 0
}

// The whole way of a fund: list families, list a family's schemes, buy units
// of one, see the position and the cash at NAV × units, and find the fund
// with its inferred allocation in a completed analysis.
func TestBuyAFundEndToEnd(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 3)
	amfi, requests := fakeAMFI(t)
	h.withFunds(h.fundCache(amfi.URL))
	h.startWorker(h.realStages(), tasks.WorkerOptions{})
	tok := h.token("user_fund_e2e")

	res := h.do("GET", "/api/v1/funds/families", tok, nil)
	require.Equal(t, http.StatusOK, res.status, "%s", res.body)
	assert.Contains(t, res.json(t)["families"], "HDFC Mutual Fund")

	res = h.do("GET", "/api/v1/funds/schemes?family=HDFC+Mutual+Fund&open_ended=true", tok, nil)
	require.Equal(t, http.StatusOK, res.status, "%s", res.body)
	var scheme map[string]any
	for _, s := range res.json(t)["schemes"].([]any) {
		if s.(map[string]any)["category"] == "Equity Scheme - Large Cap Fund" {
			scheme = s.(map[string]any)
		}
	}
	require.NotNil(t, scheme, "%s", res.body)
	symbol, nav := scheme["symbol"].(string), scheme["nav"].(float64)
	assert.Equal(t, "MF119063", symbol)

	// A rupee account, and a user who counts in rupees: nothing to convert.
	res = h.do("PUT", "/api/v1/user", tok, map[string]any{"base_currency": "INR"})
	require.Equal(t, http.StatusOK, res.status, "%s", res.body)
	res = h.do("POST", "/api/v1/accounts", tok, map[string]any{"account_name": "India Growth", "currency": "INR", "cash_balance": 10000})
	require.Equal(t, http.StatusCreated, res.status, "%s", res.body)
	accountID := res.json(t)["id"].(string)
	res = h.do("POST", "/api/v1/accounts/"+accountID+"/transactions", tok, map[string]any{"side": "buy", "symbol": symbol, "quantity": 4})
	require.Equal(t, http.StatusCreated, res.status, "%s", res.body)
	cost := math.Round(nav*4*100) / 100

	res = h.do("GET", "/api/v1/accounts/"+accountID+"/positions", tok, nil)
	require.Equal(t, http.StatusOK, res.status)
	positions := res.json(t)["positions"].([]any)
	require.Len(t, positions, 1)
	pos := positions[0].(map[string]any)
	assert.Equal(t, 4.0, pos["quantity"])
	assert.Equal(t, nav, pos["current_price"])
	assert.Equal(t, "mutual_fund", pos["instrument_type"])
	acc, err := h.store.Account(t.Context(), "user_fund_e2e", accountID)
	require.NoError(t, err)
	assert.Equal(t, decimal.NewFromFloat(10000-cost).StringFixed(2), acc.CashBalance.StringFixed(2), "cash = 10000 - NAV × units")

	id := h.submit(tok)
	require.Equal(t, alex.StatusCompleted, h.waitJob(id, 30*time.Second).Status)
	job := h.getJob(tok, id)
	assert.Empty(t, job["warnings"])
	assert.Equal(t, "INR", job["charts_payload"].(map[string]any)["asset_class_distribution"].(map[string]any)["currency"])
	assert.InDelta(t, cost, chartValue(t, job, "geographic_exposure", "Asia"), 0.01, "an Indian fund is in asia")
	assert.InDelta(t, cost, chartValue(t, job, "asset_class_distribution", "Equity"), 0.01)
	assert.InDelta(t, 10000-cost, chartValue(t, job, "asset_class_distribution", "Cash"), 0.01)
	assert.EqualValues(t, 1, requests.Load(), "one upstream call: the rest came from the cache")

	var hold store.Holdings
	// The planner's view: Plan keeps the allocation inferred at purchase.
	hold, err = h.store.HoldingsOf(t.Context(), "user_fund_e2e")
	require.NoError(t, err)
	in := hold.Positions[accountID][0].Instrument
	snapshot := analysis.Portfolio{Accounts: []analysis.Account{{ID: accountID, Positions: []analysis.Position{{
		Symbol: in.Symbol, Quantity: 4, Instrument: analysis.Instrument{Symbol: in.Symbol, Name: in.Name, Type: in.InstrumentType,
			Regions: in.AllocationRegions, Sectors: in.AllocationSectors, AssetClasses: in.AllocationAssetClass},
	}}}}}
	planned := analysis.Plan(snapshot).Accounts[0].Positions[0].Instrument
	assert.Equal(t, map[string]float64{"equity": 100}, map[string]float64(planned.AssetClasses))
	assert.Equal(t, map[string]float64{"asia": 100}, map[string]float64(planned.Regions))
	assert.True(t, in.AllocationInferred)
}

type failingPrices struct{ calls atomic.Int64 }

func (f *failingPrices) Prices(context.Context, []string) (map[string]analysis.Quote, error) {
	f.calls.Add(1)
	return nil, errors.New("polygon: HTTP 503")
}

// A price provider outage must not fail an analysis: the planner warns and
// carries on with the prices it has.
func TestPlannerCarriesOnWhenPricesFail(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 3)
	prices := &failingPrices{}
	stages := (&tasks.Analysis{Store: h.store, Prices: prices, PriceMaxAge: time.Nanosecond, Log: h.log}).Stages()
	h.startWorker(stages, tasks.WorkerOptions{})
	tok := h.token("user_price_outage")
	h.populate(tok)

	id := h.submit(tok)
	job := h.waitJob(id, 30*time.Second)
	require.Equal(t, alex.StatusCompleted, job.Status, "error: %v", job.ErrorMessage)
	assert.EqualValues(t, 1, prices.calls.Load())
	spy, err := h.store.Instrument(t.Context(), "SPY")
	require.NoError(t, err)
	assert.Equal(t, "450.25", spy.CurrentPrice.Decimal.String(), "the old price stays")
}

func TestRefreshPricesRecordsQuotesWithTheirTime(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 3)
	var down atomic.Bool
	polygon := fakePolygon(t, map[string]float64{"SPY": 600.5, "QQQ": 510.25}, &down)
	hold(t, h.store, "user_q", map[string]int64{"SPY": 1, "QQQ": 1, "BND": 1})
	at := time.Date(2026, 11, 24, 15, 0, 0, 0, time.UTC)
	r := &tasks.Refresher{Store: h.store, Log: h.log, Now: func() time.Time { return at },
		Prices: &market.Polygon{BaseURL: polygon.URL, APIKey: "k", Client: quickClient(), Parallel: 4}}

	require.NoError(t, r.RefreshPrices(t.Context()), "unknown tickers are no failure")
	for sym, want := range map[string]string{"SPY": "600.5", "QQQ": "510.25", "BND": "72.5"} {
		in, err := h.store.Instrument(t.Context(), sym)
		require.NoError(t, err)
		assert.Equal(t, want, in.CurrentPrice.Decimal.String(), sym)
		if sym != "BND" {
			require.NotNil(t, in.PriceUpdatedAt)
			assert.True(t, at.Equal(*in.PriceUpdatedAt), "%s recorded at %v", sym, in.PriceUpdatedAt)
		}
	}

	down.Store(true)
	at = at.Add(time.Hour)
	require.Error(t, r.RefreshPrices(t.Context()), "nothing arrived: asynq retries")
	spy, err := h.store.Instrument(t.Context(), "SPY")
	require.NoError(t, err)
	assert.Equal(t, "600.5", spy.CurrentPrice.Decimal.String(), "never a made-up price")
}

func TestRefreshNAVsRecordsFundPrices(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 3)
	amfi, _ := fakeAMFI(t)
	ctx := t.Context()
	_, _, err := h.store.GetOrCreateUser(ctx, "user_nav", "Nav")
	require.NoError(t, err)
	acc, err := h.store.CreateAccount(ctx, alex.Account{UserID: "user_nav", AccountName: "A", CashBalance: decimal.NewFromInt(100)})
	require.NoError(t, err)
	units := decimal.NewFromInt(1)
	_, err = h.store.ExecuteTrade(ctx, store.Trade{UserID: "user_nav", AccountID: acc.ID, Side: "buy", Symbol: "MF119063", Quantity: &units,
		NewInstrument: &alex.Instrument{Name: "HDFC Large Cap", InstrumentType: "mutual_fund", CurrentPrice: decimal.NewNullDecimal(decimal.NewFromInt(50))}})
	require.NoError(t, err)

	at := time.Date(2026, 11, 24, 18, 0, 0, 0, time.UTC)
	r := &tasks.Refresher{Store: h.store, Funds: h.fundCache(amfi.URL), Log: h.log, Now: func() time.Time { return at }}
	require.NoError(t, r.RefreshNAVs(ctx))
	in, err := h.store.Instrument(ctx, "MF119063")
	require.NoError(t, err)
	assert.Equal(t, "1123.087", in.CurrentPrice.Decimal.String())
	require.NotNil(t, in.PriceUpdatedAt)
	assert.True(t, at.Equal(*in.PriceUpdatedAt))
}

// Every replica's scheduler enqueues each tick; asynq.Unique lets only the
// first through.
func TestScheduledRefreshesAreEnqueuedOncePerTick(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 3)
	entries, err := tasks.ScheduledTasks(tasks.RefreshSchedule{PriceInterval: 15 * time.Minute})
	require.NoError(t, err)
	require.Len(t, entries, 4)
	assert.Equal(t, "CRON_TZ=America/New_York */15 9-16 * * 1-5", entries[0].Cron)
	assert.Equal(t, tasks.DefaultNAVCron, entries[1].Cron)
	assert.Equal(t, tasks.DefaultRatesCron, entries[2].Cron)
	assert.Equal(t, tasks.TypeRefreshRates, entries[2].Task.Type())
	assert.Equal(t, tasks.DefaultPurgeCron, entries[3].Cron)
	assert.Equal(t, tasks.TypePurge, entries[3].Task.Type())

	replicas := []*asynq.Client{asynq.NewClient(h.queue.ConnOpt()), asynq.NewClient(h.queue.ConnOpt())}
	for _, c := range replicas {
		t.Cleanup(func() { c.Close() })
	}
	for _, e := range entries {
		_, err := replicas[0].Enqueue(e.Task)
		require.NoError(t, err)
		_, err = replicas[1].Enqueue(e.Task)
		require.ErrorIs(t, err, asynq.ErrDuplicateTask, e.Task.Type())
	}
	pending, err := h.queue.Inspector().ListPendingTasks(tasks.QueueLow)
	require.NoError(t, err)
	assert.Len(t, pending, 4)

	_, err = tasks.ScheduledTasks(tasks.RefreshSchedule{PriceInterval: 90 * time.Minute})
	assert.Error(t, err)
}

// The worker's scheduler enqueues the refresh as an asynq task and the
// worker runs it.
func TestWorkerRunsScheduledRefreshes(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 3)
	h.populate(h.token("user_holder")) // the refresher quotes what someone holds: SPY among others
	polygon := fakePolygon(t, map[string]float64{"SPY": 460.75}, nil)
	entries, err := tasks.ScheduledTasks(tasks.RefreshSchedule{})
	require.NoError(t, err)
	entries[0].Cron = "@every 1s"
	h.startWorker(h.realStages(), tasks.WorkerOptions{
		Refresher: &tasks.Refresher{Store: h.store, Log: h.log,
			Prices: &market.Polygon{BaseURL: polygon.URL, APIKey: "k", Client: quickClient(), Parallel: 4}},
		Schedule: entries[:1],
	})
	require.Eventually(t, func() bool {
		in, err := h.store.Instrument(t.Context(), "SPY")
		require.NoError(t, err)
		return in.CurrentPrice.Decimal.String() == "460.75" && in.PriceUpdatedAt != nil
	}, 20*time.Second, 20*time.Millisecond)
}
