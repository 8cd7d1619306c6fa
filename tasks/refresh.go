package tasks

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
	_ "time/tzdata" // CRON_TZ schedules work in images without a zoneinfo

	"github.com/hibiken/asynq"
	"github.com/shopspring/decimal"

	"github.com/alex-advisor/alex"
	"github.com/alex-advisor/alex/analysis"
	"github.com/alex-advisor/alex/market"
	"github.com/alex-advisor/alex/store"
)

// Task types of the scheduled refreshes; each run is an asynq task of the
// low queue, visible in Asynqmon.
const (
	TypeRefreshPrices = "market:refresh_prices"
	TypeRefreshNAVs   = "market:refresh_navs"
	TypeRefreshRates  = "market:refresh_rates"
)

// Refresher records fresh instrument prices and fund NAVs in PostgreSQL,
// each with the time it was recorded (price_updated_at).
type Refresher struct {
	Store *store.Store
	// Prices quotes held instruments but funds; nil skips price refreshes.
	Prices analysis.PriceSource
	// PriceBudget is at most how many symbols one price refresh quotes:
	// the provider's quota between two runs (0: DefaultPriceBudget).
	PriceBudget int
	// Funds reloads NAVs; nil skips NAV refreshes.
	Funds *market.FundCache
	// Rates refetches the exchange rates; nil skips rate refreshes.
	Rates *market.RatesCache
	Log   *slog.Logger
	Now   func() time.Time
}

func (r *Refresher) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// DefaultPriceBudget is how many symbols a price refresh quotes when the
// Refresher names no budget: Polygon's free tier (5 requests a minute) over
// the default 15 minutes between refreshes.
const DefaultPriceBudget = 75

// RefreshPrices quotes the instruments people hold, the most held first,
// up to the run's budget (see store.MostHeldInstruments); an instrument
// nobody holds, and a fund (priced by RefreshNAVs), is not quoted. Quotes
// that arrived are recorded even when others failed, and confirm the
// symbols they are for; the task fails (and asynq retries it) only when
// none arrived.
func (r *Refresher) RefreshPrices(ctx context.Context) error {
	if r.Prices == nil {
		return nil
	}
	held, err := r.Store.MostHeldInstruments(ctx)
	if err != nil {
		return err
	}
	symbols := quoteCandidates(held, r.priceBudget())
	if len(symbols) == 0 {
		return nil
	}
	quotes, qerr := r.Prices.Prices(ctx, symbols)
	at := r.now().UTC()
	updates := make([]store.InstrumentUpdate, 0, len(quotes))
	for sym, q := range quotes {
		if q.Price > 0 {
			updates = append(updates, quoteUpdate(sym, q.WithDefaults(at), at))
		}
	}
	if err := r.Store.UpdateInstruments(ctx, updates); err != nil {
		return err
	}
	r.log().InfoContext(ctx, "prices refreshed", "held", len(held), "symbols", len(symbols), "recorded", len(updates))
	if qerr != nil {
		if len(updates) == 0 {
			return fmt.Errorf("refresh prices: %w", qerr)
		}
		r.log().WarnContext(ctx, "some prices were not refreshed", "err", qerr)
	}
	return nil
}

// quoteCandidates is the first budget symbols of held that a market
// provider prices: funds are left to RefreshNAVs.
func quoteCandidates(held []store.HeldInstrument, budget int) []string {
	var symbols []string
	for _, in := range held {
		if len(symbols) == budget {
			break
		}
		if _, fund := alex.FundSchemeCode(in.Symbol); !fund && in.InstrumentType != "mutual_fund" {
			symbols = append(symbols, in.Symbol)
		}
	}
	return symbols
}

func (r *Refresher) priceBudget() int {
	if r.PriceBudget > 0 {
		return r.PriceBudget
	}
	return DefaultPriceBudget
}

// RefreshNAVs reloads the fund data (which also renews the cache the API
// serves) and records the NAV of every fund instrument.
func (r *Refresher) RefreshNAVs(ctx context.Context) error {
	if r.Funds == nil {
		return nil
	}
	schemes, err := r.Funds.Reload(ctx)
	if err != nil {
		return fmt.Errorf("refresh navs: %w", err)
	}
	bySymbol := make(map[string]market.Scheme, len(schemes))
	for _, s := range schemes {
		if s.NAV != nil {
			bySymbol[s.Symbol] = s
		}
	}
	funds, err := r.Store.SearchInstruments(ctx, store.InstrumentFilter{Type: "mutual_fund"})
	if err != nil {
		return err
	}
	at := r.now().UTC()
	var updates []store.InstrumentUpdate
	for _, in := range funds {
		if sc, ok := bySymbol[in.Symbol]; ok {
			updates = append(updates, navUpdate(sc, at))
		}
	}
	if err := r.Store.UpdateInstruments(ctx, updates); err != nil {
		return err
	}
	r.log().InfoContext(ctx, "navs refreshed", "schemes", len(schemes), "recorded", len(updates))
	return nil
}

// quoteUpdate records a quote (with its defaults filled in) at recordedAt,
// in its own currency, for the day it is for.
func quoteUpdate(symbol string, q analysis.Quote, recordedAt time.Time) store.InstrumentUpdate {
	price := decimal.NewFromFloat(q.Price)
	return store.InstrumentUpdate{Symbol: symbol, Price: &price, Currency: q.Currency,
		PriceAt: recordedAt, AsOf: q.AsOf, Source: q.Source}
}

// navUpdate records a scheme's NAV for the day it is for, not the day it
// was fetched.
func navUpdate(sc market.Scheme, at time.Time) store.InstrumentUpdate {
	asOf, ok := sc.NAVAsOf()
	if !ok {
		asOf = at
	}
	return store.InstrumentUpdate{Symbol: sc.Symbol, Price: sc.NAV, Currency: market.FundCurrency,
		PriceAt: at, AsOf: asOf, Source: alex.PriceAMFI}
}

// RefreshRates fetches the day's exchange rates into the cache the API
// reads. It fails (and asynq retries it) when the source does; the cache
// keeps serving the previous day's rates, marked stale, meanwhile.
func (r *Refresher) RefreshRates(ctx context.Context) error {
	if r.Rates == nil {
		return nil
	}
	return r.Rates.Refresh(ctx)
}

func (r *Refresher) log() *slog.Logger {
	if r.Log != nil {
		return r.Log
	}
	return slog.Default()
}

// register routes the refresh task types to r.
func (r *Refresher) register(mux *asynq.ServeMux) {
	mux.HandleFunc(TypeRefreshPrices, func(ctx context.Context, _ *asynq.Task) error { return r.RefreshPrices(ctx) })
	mux.HandleFunc(TypeRefreshNAVs, func(ctx context.Context, _ *asynq.Task) error { return r.RefreshNAVs(ctx) })
	mux.HandleFunc(TypeRefreshRates, func(ctx context.Context, _ *asynq.Task) error { return r.RefreshRates(ctx) })
}

// RefreshSchedule says when the refreshes run.
type RefreshSchedule struct {
	// PriceInterval is the period of price refreshes during US market
	// hours, in whole minutes up to 60 (default 15 minutes).
	PriceInterval time.Duration
	// NAVCron is the cron spec of the daily NAV refresh; AMFI publishes
	// the day's NAVs by 23:00 India time.
	NAVCron string
	// RatesCron is the cron spec of the daily exchange rate refresh; the
	// ECB publishes around 16:00 CET on working days.
	RatesCron string
	// PurgeCron is the cron spec of the daily purge (DefaultPurgeCron).
	PurgeCron string
}

// DefaultNAVCron refreshes NAVs daily at 23:30 India time.
const DefaultNAVCron = "CRON_TZ=Asia/Kolkata 30 23 * * *"

// DefaultRatesCron refreshes exchange rates at 16:30 Frankfurt time on
// weekdays, half an hour after the ECB's usual publication.
const DefaultRatesCron = "CRON_TZ=Europe/Berlin 30 16 * * 1-5"

// ScheduledTask is one entry of the scheduler.
type ScheduledTask struct {
	Cron string
	Task *asynq.Task
}

// ScheduledTasks lists the refreshes of the schedule.
//
// Every worker replica runs a scheduler, so each tick is enqueued once per
// replica; only the first may count. The tasks carry asynq.Unique: Redis
// takes a lock on type+queue+payload for the TTL (half a period), and the
// other replicas' enqueues of the same tick fail with ErrDuplicateTask. The
// replicas' crons fire at the same wall-clock tick, milliseconds apart,
// long before a refresh (upstream calls) finishes and releases the lock.
// asynq.TaskID derived from the period would be exact, but the scheduler
// registers a task with fixed options, so the id could not change per
// period without a hook that mutates asynq's internals; and a fixed TaskID
// would collide with the last period's retained or archived task and stop
// the refreshes for good. The TTL of half a period never blocks the next one.
func ScheduledTasks(s RefreshSchedule) ([]ScheduledTask, error) {
	minutes := int(s.PriceInterval / time.Minute)
	if s.PriceInterval == 0 {
		minutes = 15
	}
	if minutes < 1 || minutes > 60 {
		return nil, fmt.Errorf("PRICE_REFRESH_INTERVAL must be 1m to 60m, not %s", s.PriceInterval)
	}
	// 9:00–16:59 New York time on weekdays: the session (9:30–16:00) and
	// its edges, as cron cannot start at 9:30.
	priceCron := fmt.Sprintf("CRON_TZ=America/New_York */%d 9-16 * * 1-5", minutes)
	if minutes == 60 {
		priceCron = "CRON_TZ=America/New_York 0 9-16 * * 1-5"
	}
	navCron := s.NAVCron
	if navCron == "" {
		navCron = DefaultNAVCron
	}
	ratesCron := s.RatesCron
	if ratesCron == "" {
		ratesCron = DefaultRatesCron
	}
	purgeCron := s.PurgeCron
	if purgeCron == "" {
		purgeCron = DefaultPurgeCron
	}
	period := time.Duration(minutes) * time.Minute
	return []ScheduledTask{
		{priceCron, asynq.NewTask(TypeRefreshPrices, nil, asynq.Queue(QueueLow), asynq.MaxRetry(3),
			asynq.Timeout(period), asynq.Unique(period/2))},
		{navCron, asynq.NewTask(TypeRefreshNAVs, nil, asynq.Queue(QueueLow), asynq.MaxRetry(5),
			asynq.Timeout(10*time.Minute), asynq.Unique(12*time.Hour))},
		{ratesCron, asynq.NewTask(TypeRefreshRates, nil, asynq.Queue(QueueLow), asynq.MaxRetry(5),
			asynq.Timeout(2*time.Minute), asynq.Unique(12*time.Hour))},
		{purgeCron, asynq.NewTask(TypePurge, nil, asynq.Queue(QueueLow), asynq.MaxRetry(5),
			asynq.Timeout(10*time.Minute), asynq.Unique(12*time.Hour))},
	}, nil
}

// NewScheduler builds the asynq scheduler of the refreshes.
func NewScheduler(conn asynq.RedisConnOpt, entries []ScheduledTask, log *slog.Logger) (*asynq.Scheduler, error) {
	s := asynq.NewScheduler(conn, &asynq.SchedulerOpts{
		Logger:   slogAdapter{log},
		LogLevel: asynq.WarnLevel,
		PostEnqueueFunc: func(info *asynq.TaskInfo, err error) {
			switch {
			case errors.Is(err, asynq.ErrDuplicateTask):
				log.Debug("scheduled refresh already enqueued by another replica")
			case err != nil:
				log.Warn("scheduled refresh not enqueued", "err", err)
			}
		},
	})
	for _, e := range entries {
		if _, err := s.Register(e.Cron, e.Task); err != nil {
			return nil, fmt.Errorf("schedule %s at %q: %w", e.Task.Type(), e.Cron, err)
		}
	}
	return s, nil
}
