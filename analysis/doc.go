// Package analysis computes the stages of an Alex portfolio analysis job.
//
// The stages are pure functions of a Portfolio snapshot: they do no I/O,
// never read the clock (callers pass now) and give the same output for the
// same input, so a job can be retried or replayed and its payloads compared
// byte for byte. Map iteration is always sorted where it reaches output.
//
//  1. Planner: Plan fills in every instrument's missing region, sector and
//     asset-class allocations with Classify, a rule-based classifier (known
//     tickers, instrument type, name keywords, Indian SEBI fund categories).
//     RefreshPrices replaces stale prices from a PriceSource; it never
//     invents a price and is the one planner step that takes a context.
//     Valuate converts every price and cash balance to the user's base
//     currency (alex.Convert, exact decimals, at dated ECB rates) and names
//     in Warnings what it could not value: such a holding is left out of
//     every total, never counted as worth nothing.
//  2. Charter: Charts returns the five charts of charts_payload, in the
//     base currency rounded to cents that add up exactly to the portfolio's
//     value; a chart's description names the holdings it left out.
//  3. Reporter: Analyze computes Metrics once (value, cash, concentration,
//     drift against targets, rebalancing trades, a deterministic retirement
//     projection); Report renders them as the markdown report.
//  4. Retirement: Simulate runs a seeded Monte Carlo simulation (math/rand/v2
//     PCG) of saving until retirement and withdrawing after it. SeedFor
//     derives the seed from a job id so a job reproduces its own result.
//  5. Summary: Summarize condenses metrics, charts and the simulation into
//     a sentence, key findings and recommendations.
//
// Charter, reporter and retirement depend only on the planner's output and
// may run in parallel. Each of them plans its input again (Plan is cheap and
// idempotent), so they are correct on an unplanned portfolio too.
//
// The optional LLM rewrite of the report is package narrator's: this
// package does no I/O.
//
// It may import alex and display, never an adapter (store, queue, market,
// narrator, http): a test keeps net/ out.
package analysis
