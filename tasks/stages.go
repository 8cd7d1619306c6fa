package tasks

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"

	"github.com/alex-advisor/alex"
	"github.com/alex-advisor/alex/analysis"
	"github.com/alex-advisor/alex/store"
)

// Analysis runs the stages of a portfolio analysis: each loads its inputs
// from the job and hands them to the pure computations of package analysis.
type Analysis struct {
	Store *store.Store
	// Prices refreshes prices older than PriceMaxAge; nil keeps them.
	Prices      analysis.PriceSource
	PriceMaxAge time.Duration
	// PriceTimeout bounds the price refresh of one planner run (default
	// 30 s): a slow provider must not use up the stage's time.
	PriceTimeout time.Duration
	// PriceStaleAfter is the age past which a job warns that a price is
	// old; 0 never warns.
	PriceStaleAfter time.Duration
	// Rates gives today's exchange rates, asked only when a holding or
	// cash balance is in another currency than the user's base; nil (or an
	// error) leaves such amounts out of the totals, with a warning.
	Rates func(context.Context) (alex.Rates, error)
	// Narrator rewrites the report with an LLM; nil keeps it deterministic.
	Narrator *analysis.Narrator
	// Log receives the warnings of stages that carry on; nil is slog.Default.
	Log *slog.Logger
}

// Stages maps each stage to its function.
func (a *Analysis) Stages() map[string]StageFunc {
	return map[string]StageFunc{
		"planner":    a.plan,
		"charter":    a.chart,
		"reporter":   a.report,
		"retirement": a.retire,
		"summary":    a.summarize,
	}
}

func (a *Analysis) plan(ctx context.Context, job store.Job) ([]byte, error) {
	h, err := a.Store.HoldingsOf(ctx, job.UserID)
	if err != nil {
		return nil, err
	}
	p, refreshed := a.refreshPrices(ctx, job, portfolioOf(h))
	valued := analysis.Valuate(p, analysis.Valuation{Currency: h.User.BaseCurrency,
		Rates: a.ratesFor(ctx, job, p, h.User.BaseCurrency), Now: time.Now(), StaleAfter: a.PriceStaleAfter})
	planned := analysis.Plan(valued)
	if err := a.Store.UpdateInstruments(ctx, instrumentUpdates(p, planned, refreshed)); err != nil {
		return nil, err
	}
	return json.Marshal(planned)
}

// ratesFor asks for the exchange rates when p holds anything not in base.
// Without them Valuate reports what it could not convert; the analysis
// goes on.
func (a *Analysis) ratesFor(ctx context.Context, job store.Job, p analysis.Portfolio, base string) *alex.Rates {
	if a.Rates == nil || !analysis.NeedsRates(p, base) {
		return nil
	}
	rates, err := a.Rates(ctx)
	if err != nil {
		a.log().WarnContext(ctx, "planner: no exchange rates, foreign amounts are left out", "job_id", job.ID, "err", err)
		return nil
	}
	return &rates
}

func (a *Analysis) log() *slog.Logger {
	if a.Log == nil {
		return slog.Default()
	}
	return a.Log
}

// refreshPrices refreshes stale prices. A price provider outage must not
// fail an analysis: on error the planner logs a warning and carries on with
// the prices it has, which RefreshPrices leaves unchanged.
func (a *Analysis) refreshPrices(ctx context.Context, job store.Job, p analysis.Portfolio) (analysis.Portfolio, []string) {
	if a.Prices == nil {
		return p, nil
	}
	timeout := a.PriceTimeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	priceCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	refreshedP, refreshed, err := analysis.RefreshPrices(priceCtx, p, a.Prices, time.Now(), a.PriceMaxAge)
	if err != nil {
		a.log().WarnContext(ctx, "planner: price refresh failed, carrying on with the last known prices",
			"job_id", job.ID, "err", err)
	}
	return refreshedP, refreshed
}

func (a *Analysis) chart(_ context.Context, job store.Job) ([]byte, error) {
	p, err := snapshotOf(job)
	if err != nil {
		return nil, err
	}
	return json.Marshal(analysis.Charts(p))
}

func (a *Analysis) report(ctx context.Context, job store.Job) ([]byte, error) {
	p, err := snapshotOf(job)
	if err != nil {
		return nil, err
	}
	r := analysis.Report(p, time.Now())
	if a.Narrator != nil {
		r = a.Narrator.Rewrite(ctx, r, analysis.Analyze(p))
	}
	return json.Marshal(r)
}

func (a *Analysis) retire(_ context.Context, job store.Job) ([]byte, error) {
	p, err := snapshotOf(job)
	if err != nil {
		return nil, err
	}
	opts, seed, err := retirementOptions(job)
	if err != nil {
		return nil, err
	}
	return json.Marshal(analysis.Simulate(p, opts, seed, time.Now()))
}

func (a *Analysis) summarize(_ context.Context, job store.Job) ([]byte, error) {
	p, err := snapshotOf(job)
	if err != nil {
		return nil, err
	}
	var charts analysis.ChartsPayload
	var ret analysis.RetirementPayload
	if err := json.Unmarshal(job.ChartsPayload, &charts); err != nil {
		return nil, fmt.Errorf("charts payload: %v: %w", err, asynq.SkipRetry)
	}
	if err := json.Unmarshal(job.RetirementPayload, &ret); err != nil {
		return nil, fmt.Errorf("retirement payload: %v: %w", err, asynq.SkipRetry)
	}
	return json.Marshal(analysis.Summarize(analysis.Analyze(p), charts, ret))
}

// retirementOptions reads the request's options over the defaults; the seed
// is the job's unless the request names one, so a job is reproducible.
func retirementOptions(job store.Job) (analysis.RetirementOptions, uint64, error) {
	opts := analysis.DefaultRetirementOptions()
	var req struct {
		Options json.RawMessage `json:"options"`
	}
	if err := json.Unmarshal(job.RequestPayload, &req); err != nil {
		return opts, 0, fmt.Errorf("request payload: %v: %w", err, asynq.SkipRetry)
	}
	var seed struct {
		Seed *uint64 `json:"seed"`
	}
	if len(req.Options) > 0 && string(req.Options) != "null" {
		if err := json.Unmarshal(req.Options, &opts); err != nil {
			return opts, 0, fmt.Errorf("retirement options: %v: %w", err, asynq.SkipRetry)
		}
		_ = json.Unmarshal(req.Options, &seed)
	}
	opts.Paths = min(opts.Paths, analysis.MaxPaths)
	if seed.Seed != nil {
		return opts, *seed.Seed, nil
	}
	return opts, analysis.SeedFor(job.ID), nil
}

func snapshotOf(job store.Job) (analysis.Portfolio, error) {
	var p analysis.Portfolio
	if err := json.Unmarshal(job.Snapshot, &p); err != nil {
		return p, fmt.Errorf("portfolio snapshot: %v: %w", err, asynq.SkipRetry)
	}
	return p, nil
}

// portfolioOf maps stored holdings to the analysis snapshot.
func portfolioOf(h store.Holdings) analysis.Portfolio {
	p := analysis.Portfolio{
		UserID:                 h.User.ID,
		YearsUntilRetirement:   h.User.YearsUntilRetirement,
		TargetRetirementIncome: h.User.TargetRetirementIncome.InexactFloat64(),
		AssetClassTargets:      h.User.AssetClassTargets,
		RegionTargets:          h.User.RegionTargets,
	}
	for _, a := range h.Accounts {
		acc := analysis.Account{ID: a.ID, Name: a.AccountName, Purpose: a.AccountPurpose, Currency: a.Currency,
			CashBalance: a.CashBalance.InexactFloat64(), CashInterest: a.CashInterest.InexactFloat64()}
		for _, pos := range h.Positions[a.ID] {
			acc.Positions = append(acc.Positions, analysis.Position{Symbol: pos.Symbol,
				Quantity: pos.Quantity.InexactFloat64(), Instrument: instrumentOf(pos.Instrument)})
		}
		p.Accounts = append(p.Accounts, acc)
	}
	return p
}

func instrumentOf(in alex.Instrument) analysis.Instrument {
	out := analysis.Instrument{Symbol: in.Symbol, Name: in.Name, Type: in.InstrumentType, Currency: in.Currency,
		Regions: in.AllocationRegions, Sectors: in.AllocationSectors, AssetClasses: in.AllocationAssetClass,
		Inferred: in.AllocationInferred}
	if in.CurrentPrice.Valid {
		out.Price = in.CurrentPrice.Decimal.InexactFloat64()
	}
	// A price is as old as the day it is for (a NAV's own date), not as
	// the moment it was recorded.
	switch {
	case in.PriceAsOf != nil:
		out.PriceUpdatedAt = *in.PriceAsOf
	case in.PriceUpdatedAt != nil:
		out.PriceUpdatedAt = *in.PriceUpdatedAt
	}
	if in.PriceSource != nil {
		out.PriceSource = *in.PriceSource
	}
	return out
}

// instrumentUpdates lists what planning learned: refreshed prices (as
// quoted, from priced) and allocations inferred for instruments that had
// none.
func instrumentUpdates(priced, after analysis.Portfolio, refreshed []string) []store.InstrumentUpdate {
	fresh := map[string]bool{}
	for _, s := range refreshed {
		fresh[s] = true
	}
	seen := map[string]bool{}
	var updates []store.InstrumentUpdate
	for i, acc := range after.Accounts {
		for j, pos := range acc.Positions {
			in := pos.Instrument
			if seen[in.Symbol] {
				continue
			}
			seen[in.Symbol] = true
			u := store.InstrumentUpdate{Symbol: in.Symbol}
			quoted := priced.Accounts[i].Positions[j].Instrument
			if fresh[in.Symbol] {
				u = quoteUpdate(in.Symbol, analysis.Quote{Price: quoted.Price, Currency: quoted.Currency,
					AsOf: quoted.PriceUpdatedAt, Source: quoted.PriceSource}, time.Now().UTC())
			}
			if len(quoted.AssetClasses) == 0 && len(in.AssetClasses) > 0 {
				u.Regions, u.Sectors, u.AssetClasses = in.Regions, in.Sectors, in.AssetClasses
			}
			if u.Price != nil || u.AssetClasses != nil {
				updates = append(updates, u)
			}
		}
	}
	return updates
}
