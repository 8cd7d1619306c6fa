package analysis

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/alex-advisor/alex"
)

// ReportPayload is the reporter stage's output (report_payload).
type ReportPayload struct {
	Content     string     `json:"content"`  // markdown
	Currency    string     `json:"currency"` // every amount of the content is in it
	Rates       []RateUsed `json:"rates"`    // the exchange rates that took amounts there
	GeneratedAt time.Time  `json:"generated_at"`
	Agent       string     `json:"agent"`
}

// ReportSections lists the report's ## headings, in order.
func ReportSections() []string { return slices.Clone(reportSections) }

// reportSections are the report's ## headings, in order. Data quality
// comes right after the Executive Summary, before any table: a reader
// should know which holdings the numbers leave out, and how old the prices
// and rates behind them are, before reading the numbers.
var reportSections = []string{"Executive Summary", "Data quality", "Portfolio Composition", "Diversification", "Risk",
	"Retirement Readiness", "Recommendations", "Conclusion"}

const (
	// cashBuffer is the share of a portfolio (percent) worth keeping in
	// cash; more than that drags on returns.
	cashBuffer = 5.0
	// singleStockLimit is the largest share (percent) one company should
	// take: one bad year for it then costs the portfolio little.
	singleStockLimit = 5.0
	// concentratedHHI is the Herfindahl index from which a portfolio counts
	// as concentrated (the level antitrust practice calls highly concentrated).
	concentratedHHI = 0.25
	// regionShiftBand is the regional drift (points) worth acting on;
	// regional exposure moves with markets more than asset classes do.
	regionShiftBand = 5.0
	// stressDecline is the stock-market fall of the stress test, about the
	// size of the early-2020 crash.
	stressDecline = 0.30
	// Expense ratios compared for mutual funds: a typical active fund
	// against a broad index fund.
	activeFundFee = 0.01
	indexFundFee  = 0.0005
)

// Report is the reporter stage: a markdown report built from Analyze(p).
func Report(p Portfolio, now time.Time) ReportPayload {
	m := Analyze(p)
	return ReportPayload{Content: renderReport(m, now), Currency: m.Currency, Rates: m.Rates, GeneratedAt: now, Agent: "reporter"}
}

func renderReport(m Metrics, now time.Time) string {
	var b markdown
	b.heading(1, "Portfolio Analysis Report")
	b.paragraph("_Prepared " + now.UTC().Format("January 2, 2006") + "._")
	writers := []func(*markdown, Metrics){writeExecutiveSummary, writeDataQuality, writeComposition, writeDiversification,
		writeRisk, writeRetirementReadiness, writeRecommendations, writeConclusion}
	for i, write := range writers {
		b.heading(2, reportSections[i])
		write(&b, m)
	}
	return strings.TrimRight(b.String(), "\n") + "\n"
}

// money formats an amount in the metrics' currency.
func (m Metrics) money(x float64) string { return currencyUnit(m.Currency).format(x) }

// todays names the money of today's purchasing power: "today's dollars".
func (m Metrics) todays() string { return currencyUnit(m.Currency).todays() }

// unpricedHeadline names the holdings no total counts, or nothing.
func unpricedHeadline(m Metrics) string {
	return unpricedSentence(m, "every total (see Data quality)")
}

// unpricedSentence names the holdings without a usable price and what
// they are left out of; "" when every holding is priced.
func unpricedSentence(m Metrics, leftOutOf string) string {
	switch len(m.Unpriced) {
	case 0:
		return ""
	case 1:
		return m.Unpriced[0] + " has no usable price, so it is left out of " + leftOutOf + "."
	}
	return joinAnd(m.Unpriced) + " have no usable price, so they are left out of " + leftOutOf + "."
}

// holdingNoun is "valued holding" when some holdings could not be valued.
func holdingNoun(m Metrics) string {
	if len(m.Unpriced) > 0 {
		return "valued holding"
	}
	return "holding"
}

// percentBase states, once, what every percentage of the report is a share of.
func percentBase(m Metrics) string {
	return fmt.Sprintf("Percentages are shares of your whole portfolio of %s, cash included.", m.money(m.Value))
}

func writeExecutiveSummary(b *markdown, m Metrics) {
	if m.Value <= 0 && len(m.Unpriced) > 0 {
		b.paragraph("There is nothing to analyze yet: none of your holdings could be valued and no account holds cash.",
			unpricedHeadline(m), "The sections below say what to set up first.")
		return
	}
	if m.Value <= 0 {
		b.paragraph("There is nothing to analyze yet: no account holds cash or positions, so the portfolio is worth "+m.money(0)+".",
			"The sections below say what to set up first.")
		return
	}
	if len(m.Holdings) == 0 {
		b.paragraph(fmt.Sprintf("Your portfolio is worth **%s** across %s, all of it in cash.", m.money(m.Value), plural(len(m.Accounts), "account")),
			unpricedHeadline(m), readinessHeadline(m))
		b.paragraph(percentBase(m))
		return
	}
	b.paragraph(
		fmt.Sprintf("Your portfolio is worth **%s** across %s and %s.", m.money(m.Value),
			plural(len(m.Accounts), "account"), plural(len(m.Holdings), holdingNoun(m))),
		unpricedHeadline(m),
		cashHeadline(m),
		fmt.Sprintf("The largest position, %s, is %s of the total.", m.LargestPosition.Symbol, formatPercent(m.LargestPosition.Percent)),
		driftHeadline(m),
		readinessHeadline(m),
	)
	b.paragraph(percentBase(m))
}

// writeDataQuality names every warning (unpriced holdings, old prices,
// old or missing rates), the exchange rates used with their dates, and
// where the prices come from. A portfolio with nothing to warn about gets
// one sentence saying so.
func writeDataQuality(b *markdown, m Metrics) {
	sources := priceSourcesPhrase(m.PriceSources)
	if len(m.Warnings) == 0 && len(m.Rates) == 0 {
		switch {
		case len(m.Holdings) > 0 && sources != "":
			b.paragraph(fmt.Sprintf("Every holding was valued at a current price in %s (%s).", m.Currency, sources))
		case len(m.Holdings) > 0:
			b.paragraph(fmt.Sprintf("Every holding was valued at a current price in %s.", m.Currency))
		case m.Value > 0:
			b.paragraph(fmt.Sprintf("Everything is cash in %s, so no price or exchange rate was needed.", m.Currency))
		default:
			b.paragraph("There is nothing to value yet, so no price or exchange rate was needed.")
		}
		return
	}
	if len(m.Warnings) > 0 {
		b.paragraph("What these numbers leave out or may have wrong:")
		items := make([]string, len(m.Warnings))
		for i, w := range m.Warnings {
			items[i] = w.Message
		}
		b.bullets(items)
	}
	if len(m.Rates) > 0 {
		b.paragraph(fmt.Sprintf("Amounts in other currencies were converted to %s at these exchange rates:", m.Currency))
		items := make([]string, len(m.Rates))
		for i, r := range m.Rates {
			items[i] = rateText(r)
		}
		b.bullets(items)
	}
	if sources != "" {
		b.paragraph("Prices used: " + sources + ".")
	}
}

// rateText phrases a rate: "1 INR = 0.01134 USD, European Central Bank
// reference rate of 2026-11-20".
func rateText(r RateUsed) string {
	s := fmt.Sprintf("1 %s = %s %s, European Central Bank reference rate of %s", r.From, formatRateValue(r.Rate), r.To, r.AsOf)
	if r.Stale {
		s += " (not today's)"
	}
	return s
}

// priceSourcePhrase says where a price comes from, by its source's name.
func priceSourcePhrase(name string) string {
	if name == "" {
		return "prices from an unrecorded source"
	}
	for _, s := range alex.PriceSources {
		if s.Name == name {
			return s.Phrase
		}
	}
	return name + " prices"
}

// priceSourcesPhrase summarizes the price sources: "14 holdings at market
// prices of 2025-01-14 to 2025-01-15, 2 at prices you entered of 2024-12-01".
func priceSourcesPhrase(sources []PriceSourceSummary) string {
	var parts []string
	for i, s := range sources {
		name := priceSourcePhrase(s.Source)
		when := "without a date"
		switch {
		case s.Newest == "":
		case s.Oldest == s.Newest:
			when = "of " + s.Newest
		default:
			when = "of " + s.Oldest + " to " + s.Newest
		}
		if s.Newest != "" && s.Undated > 0 {
			when += fmt.Sprintf(" (%d undated)", s.Undated)
		}
		count := plural(s.Holdings, "holding")
		if i > 0 {
			count = fmt.Sprint(s.Holdings)
		}
		parts = append(parts, fmt.Sprintf("%s at %s %s", count, name, when))
	}
	return strings.Join(parts, ", ")
}

func cashHeadline(m Metrics) string {
	if m.Cash <= 0 {
		return "There is no cash buffer."
	}
	return fmt.Sprintf("Cash makes up %s (%s), earning %s a year.", formatPercent(m.CashPercent), m.money(m.Cash), formatRate(m.CashReturn))
}

// driftHeadline names the asset classes furthest from target.
func driftHeadline(m Metrics) string {
	if !m.HasAssetTargets {
		return "No asset-class targets are set, so drift cannot be measured."
	}
	var parts []string
	for _, d := range largestDrifts(m.AssetClasses, 2) {
		parts = append(parts, fmt.Sprintf("%s is %s", lowerName(d.Key), driftWords(d.Drift)))
	}
	if len(parts) == 0 {
		return "Every asset class is within a point of its target."
	}
	return "Against your targets, " + strings.Join(parts, " and ") + "."
}

func driftWords(drift float64) string {
	points := strings.TrimPrefix(formatPoints(math.Abs(drift)), "+")
	if drift > 0 {
		return points + " overweight"
	}
	return points + " underweight"
}

// largestDrifts are up to n classes outside the rebalancing band, largest first.
func largestDrifts(ds []Drift, n int) []Drift {
	var out []Drift
	for _, d := range ds {
		if math.Abs(d.Drift) >= rebalanceBand {
			out = append(out, d)
		}
	}
	slices.SortStableFunc(out, func(a, b Drift) int { return cmp.Compare(math.Abs(b.Drift), math.Abs(a.Drift)) })
	return out[:min(n, len(out))]
}

func readinessHeadline(m Metrics) string {
	r := m.Retirement
	if r.Need <= 0 {
		return ""
	}
	return fmt.Sprintf("Without new savings the portfolio would reach about %s in %s in %s, %s of the %s your retirement income target calls for.",
		m.money(r.ProjectedValue), m.todays(), plural(r.YearsUntilRetirement, "year"), formatPercent(r.FundedRatio*100), m.money(r.Need))
}

func writeComposition(b *markdown, m Metrics) {
	if m.Value <= 0 {
		b.paragraph("No accounts hold any value yet.")
		return
	}
	// The percentages are the charts': a class's or a holding's value over
	// the whole portfolio, cash included (stated once, in the summary).
	var classRows [][]string
	for _, d := range m.AssetClasses {
		if d.Value > 0 {
			classRows = append(classRows, []string{d.Name, m.money(d.Value), formatPercent(d.CurrentPercent)})
		}
	}
	b.table("lrr", []string{"Asset class", "Value", "Share"}, classRows)

	accountRows := make([][]string, len(m.Accounts))
	for i, a := range m.Accounts {
		accountRows[i] = []string{a.Name, m.money(a.Cash), m.money(a.Invested), m.money(a.Value)}
	}
	b.table("lrrr", []string{"Account", "Cash", "Positions", "Total"}, accountRows)

	if len(m.Holdings) == 0 {
		b.paragraph("There are no valued positions: all of the money is in cash.")
		return
	}
	var holdingRows [][]string
	for _, h := range m.Holdings[:min(topHoldingsShown, len(m.Holdings))] {
		holdingRows = append(holdingRows, []string{h.Symbol, displayName(h.Type), m.money(h.Value), formatPercent(h.Percent)})
	}
	b.paragraph(fmt.Sprintf("Largest holdings (%d of %d), combined across accounts:", len(holdingRows), len(m.Holdings)))
	b.table("llrr", []string{"Holding", "Type", "Value", "Share"}, holdingRows)
	b.paragraph(unpricedHeadline(m))

	var types []string
	for _, t := range m.InstrumentTypes {
		types = append(types, fmt.Sprintf("%s %s", t.Name, formatPercent(t.Percent)))
	}
	b.paragraph("By instrument type: " + strings.Join(types, ", ") + ", cash " + formatPercent(m.CashPercent) + ".")
}

func writeDiversification(b *markdown, m Metrics) {
	if len(m.Holdings) == 0 {
		b.paragraph("With no positions there is nothing to diversify yet.")
		writeDriftTable(b, m, "Asset class", m.AssetClasses, m.HasAssetTargets, "")
		return
	}
	b.paragraph(positionCountSentences(m)...)
	writeDriftTable(b, m, "Asset class", m.AssetClasses, m.HasAssetTargets, "")
	writeDriftTable(b, m, "Region", m.Regions, m.HasRegionTargets, regionBasis(m))
}

// regionBasis explains the region rows: region targets are usually meant
// for the invested money, but the shares are of the whole portfolio like
// every other percentage, so cash is a row of its own.
func regionBasis(m Metrics) string {
	basis := "cash is a row of its own, as in the geographic chart"
	for _, d := range m.Regions {
		if d.Key == "international" && d.TargetPercent > 0 {
			return basis + "; regions without a target of their own count as international"
		}
	}
	return basis
}

func positionCountSentences(m Metrics) []string {
	if len(m.Holdings) == 1 && m.Cash <= 0 {
		return []string{fmt.Sprintf("%s is your only position, so the portfolio is as concentrated as it can be (Herfindahl index 1.000).", m.LargestPosition.Symbol)}
	}
	if len(m.Holdings) == 1 {
		return []string{fmt.Sprintf("%s is your only position, %s of the portfolio; with cash as the rest, the Herfindahl index is %.3f, as concentrated as %.1f equal-sized holdings would be.",
			m.LargestPosition.Symbol, formatPercent(m.LargestPosition.Percent), m.HHI, m.EffectiveHoldings)}
	}
	out := []string{
		fmt.Sprintf("You hold %s. The Herfindahl index of their shares of the portfolio, cash counted as one more, is %.3f, as concentrated as %.1f equal-sized holdings would be.",
			plural(len(m.Holdings), "distinct position"), m.HHI, m.EffectiveHoldings),
		fmt.Sprintf("The largest, %s, is %s of the portfolio.", m.LargestPosition.Symbol, formatPercent(m.LargestPosition.Percent)),
	}
	if len(holdingsOfType(m, "stock")) < len(m.Holdings) {
		out = append(out, "Funds hold many securities each, so diversification looking through them is broader than this count suggests.")
	}
	return out
}

// writeDriftTable compares current shares with targets, or lists the
// shares alone when no targets are set.
func writeDriftTable(b *markdown, m Metrics, label string, ds []Drift, hasTargets bool, basis string) {
	note := ""
	if basis != "" {
		note = " (" + basis + ")"
	}
	if !hasTargets {
		var rows [][]string
		for _, d := range ds {
			rows = append(rows, []string{d.Name, m.money(d.Value), formatPercent(d.CurrentPercent)})
		}
		b.paragraph(fmt.Sprintf("%s exposure%s; no targets are set to compare with:", label, note))
		if len(rows) > 0 {
			b.table("lrr", []string{label, "Value", "Current"}, rows)
		}
		return
	}
	rows := make([][]string, len(ds))
	for i, d := range ds {
		rows[i] = []string{d.Name, formatPercent(d.CurrentPercent), formatPercent(d.TargetPercent), formatPoints(d.Drift)}
	}
	b.paragraph(fmt.Sprintf("%s drift against your targets%s:", label, note))
	b.table("lrrr", []string{label, "Current", "Target", "Drift"}, rows)
}

func writeRisk(b *markdown, m Metrics) {
	if m.Value <= 0 {
		b.paragraph("There is no market risk because nothing is invested, but there is no growth either.")
		return
	}
	if len(m.Holdings) == 0 {
		b.paragraph(cashOnlyRisk(m))
		return
	}
	equity := m.assetClass("equity")
	b.paragraph(fmt.Sprintf("Equity is %s of the portfolio. If stocks fell %s, about as much as in early 2020, the portfolio would lose about %s (%s).",
		formatPercent(equity.CurrentPercent), formatPercent(stressDecline*100), m.money(equity.Value*stressDecline),
		formatPercent(equity.CurrentPercent*stressDecline)))
	b.bullets(riskNotes(m))
}

func cashOnlyRisk(m Metrics) string {
	loss := m.Cash * math.Max(defaultInflation-m.CashReturn, 0)
	if loss <= 0 {
		return fmt.Sprintf("Everything is in cash earning %s, which keeps pace with %s inflation but will not grow toward retirement.",
			formatRate(m.CashReturn), formatPercent(defaultInflation*100))
	}
	return fmt.Sprintf("Everything is in cash: no market risk, but at %s interest and %s inflation it loses about %s of purchasing power a year.",
		formatRate(m.CashReturn), formatPercent(defaultInflation*100), m.money(loss))
}

// riskNotes are the risks of what the portfolio holds, each with its numbers.
func riskNotes(m Metrics) []string {
	return nonEmpty(concentrationNote(m), singleStockNote(m), bondNote(m), realEstateNote(m),
		commodityNote(m), mutualFundNote(m), cashDragNote(m))
}

// concentrationNote flags portfolios that behave like four or fewer equal
// positions; a large broad index fund alone is not a concentration risk.
func concentrationNote(m Metrics) string {
	if m.HHI < concentratedHHI {
		return ""
	}
	return fmt.Sprintf("**Concentration:** a Herfindahl index of %.3f means the portfolio behaves like %.1f equal-sized holdings, so very few holdings decide the outcome.",
		m.HHI, m.EffectiveHoldings)
}

func singleStockNote(m Metrics) string {
	stocks := holdingsOfType(m, "stock")
	if len(stocks) == 0 {
		return ""
	}
	value, symbols := 0.0, []string{}
	for _, h := range stocks {
		value += h.Value
		symbols = append(symbols, h.Symbol)
	}
	return fmt.Sprintf("**Single stocks** (%s; %s, %s): one company's bad news can halve its price, so keep each under %s of the portfolio.",
		strings.Join(symbols, ", "), m.money(value), formatPercent(percentOf(value, m.Value)), formatPercent(singleStockLimit))
}

// classNote is the risk of an asset class the portfolio holds, after its
// value and share; "" when it holds none.
func classNote(m Metrics, class, label, risk string) string {
	c := m.assetClass(class)
	if c.Value <= 0 {
		return ""
	}
	return fmt.Sprintf("**%s** (%s, %s): %s", label, m.money(c.Value), formatPercent(c.CurrentPercent), risk)
}

func bondNote(m Metrics) string {
	return classNote(m, "fixed_income", "Bonds", "bond prices fall when interest rates rise, by about the fund's duration in percent per point; "+
		"a long-term Treasury fund (duration near 17 years) would lose about 17% if rates rose one point.")
}

func realEstateNote(m Metrics) string {
	return classNote(m, "real_estate", "Real estate",
		"REITs pay steady income but are sensitive to interest rates and fall with stocks in downturns.")
}

func commodityNote(m Metrics) string {
	return classNote(m, "commodities", "Commodities", "they pay no income and swing about "+
		formatPercent(DefaultReturns()["commodities"].StdDev*100)+" a year; a 5–10% slice hedges inflation without dominating returns.")
}

func mutualFundNote(m Metrics) string {
	funds := holdingsOfType(m, "mutual_fund")
	if len(funds) == 0 {
		return ""
	}
	years := max(m.Retirement.YearsUntilRetirement, 20)
	return fmt.Sprintf("**Mutual funds** (%s): check their expense ratios; over %d years a %s fee leaves about %s less than a %s index fund.",
		plural(len(funds), "fund"), years, formatPercent(activeFundFee*100), formatPercent(feeDrag(m.ExpectedReturn, years)*100),
		fmt.Sprintf("%.2f%%", indexFundFee*100))
}

// feeDrag is the share of final wealth an active fund's fee costs against
// an index fund's over years at the expected return.
func feeDrag(expectedReturn float64, years int) float64 {
	ratio := (1 + expectedReturn - activeFundFee) / (1 + expectedReturn - indexFundFee)
	return 1 - math.Pow(ratio, float64(years))
}

func cashDragNote(m Metrics) string {
	excess := excessCash(m)
	if excess <= 0 {
		return ""
	}
	lost := excess * math.Max(m.ExpectedReturn-m.CashReturn, 0)
	return fmt.Sprintf("**Cash drag:** cash is %s of the portfolio, above a %s buffer, and earns %s. The %s above the buffer would earn about %s more a year at the portfolio's %s expected return.",
		formatPercent(m.CashPercent), formatPercent(cashBuffer), formatRate(m.CashReturn), m.money(excess), m.money(lost), formatPercent(m.ExpectedReturn*100))
}

// excessCash is the cash above the buffer worth keeping.
func excessCash(m Metrics) float64 {
	return math.Max(m.Cash-cashBuffer/100*m.Value, 0)
}

func holdingsOfType(m Metrics, kind string) []Holding {
	var out []Holding
	for _, h := range m.Holdings {
		if h.Type == kind {
			out = append(out, h)
		}
	}
	return out
}

func writeRetirementReadiness(b *markdown, m Metrics) {
	r := m.Retirement
	if r.Need <= 0 {
		b.paragraph("No target retirement income is set, so readiness cannot be measured. Set one in your profile.")
		return
	}
	b.paragraph(fmt.Sprintf("A retirement income of %s a year needs about %s saved, in %s (25× the income, the 4%% rule).",
		m.money(r.TargetIncome), m.money(r.Need), m.todays()))
	if m.Value <= 0 {
		b.paragraph(savingsSentence(m, "With nothing invested yet"))
		return
	}
	b.paragraph(
		fmt.Sprintf("Over the long run your current mix is expected to return %s a year, %s after %s inflation.",
			formatPercent(m.ExpectedReturn*100), formatPercent(r.RealReturn*100), formatPercent(defaultInflation*100)),
		fmt.Sprintf("At that rate, and without new contributions, %s grows to about %s in %s in %s: %s of the goal.",
			m.money(m.Value), m.money(r.ProjectedValue), m.todays(), plural(r.YearsUntilRetirement, "year"), formatPercent(r.FundedRatio*100)),
		savingsSentence(m, "To close the gap"),
	)
	b.paragraph("The retirement simulation in this analysis adds market swings and your planned contributions to this estimate.")
}

func savingsSentence(m Metrics, lead string) string {
	r := m.Retirement
	switch {
	case r.FundedRatio >= 1:
		return "On these assumptions you are on track even without new savings."
	case r.YearsUntilRetirement == 0:
		return fmt.Sprintf("You are at retirement age, so the %s gap cannot be saved over time; consider a lower withdrawal or working longer.",
			m.money(r.Need-r.ProjectedValue))
	}
	return fmt.Sprintf("%s, you would need to save about %s a year (%s) for %s.",
		lead, m.money(r.AnnualSavingsNeeded), m.todays(), plural(r.YearsUntilRetirement, "year"))
}

func writeRecommendations(b *markdown, m Metrics) {
	if m.HasAssetTargets && m.Value > 0 {
		if len(m.Trades) > 0 {
			b.paragraph("To bring your asset mix back to target:")
			var trades []string
			for _, t := range m.Trades {
				trades = append(trades, tradeText(m, t))
			}
			b.bullets(trades)
		} else {
			b.paragraph("Your asset mix is within a point of every target, so no rebalancing is needed.")
		}
	}
	b.numbered(advice(m))
}

// tradeText phrases a trade: "Sell $12,345.67 of equity".
func tradeText(m Metrics, t Trade) string {
	amount := m.money(t.Amount)
	switch {
	case t.AssetClass == "cash" && t.Action == "sell":
		return "Invest " + amount + " of idle cash"
	case t.AssetClass == "cash":
		return "Set aside " + amount + " more in cash"
	case t.Action == "sell":
		return "Sell " + amount + " of " + lowerName(t.AssetClass)
	default:
		return "Buy " + amount + " of " + lowerName(t.AssetClass)
	}
}

// advice lists the recommendations the numbers call for, most important
// first. The summary stage draws on the same list.
func advice(m Metrics) []string {
	if m.Value <= 0 {
		return append(nonEmpty(priceAdvice(m)), emptyPortfolioAdvice(m)...)
	}
	out := append(nonEmpty(priceAdvice(m)), stockTrims(m)...)
	out = append(out, nonEmpty(cashAdvice(m), regionAdvice(m), savingsAdvice(m), feeAdvice(m), targetsAdvice(m))...)
	if len(out) == 0 {
		out = append(out, "Keep your current course: review the portfolio once a year and rebalance when any asset class drifts more than 5 points from target.")
	}
	return out
}

// priceAdvice asks for the prices no total could count; until they are
// there every number of the analysis leaves those holdings out.
func priceAdvice(m Metrics) string {
	switch len(m.Unpriced) {
	case 0:
		return ""
	case 1:
		return fmt.Sprintf("Check the symbol of %s or enter its price, so that it counts in your totals; it is left out until it has one.", m.Unpriced[0])
	}
	return fmt.Sprintf("Check the symbols of %s or enter their prices, so that they count in your totals; they are left out until they have one.", joinAnd(m.Unpriced))
}

func emptyPortfolioAdvice(m Metrics) []string {
	out := []string{"Add your accounts with their cash balances and positions so the analysis has something to work with."}
	if len(m.Unpriced) > 0 {
		out = nil
	}
	if !m.HasAssetTargets {
		out = append(out, "Set asset-class targets (for example 70% equity, 30% fixed income) to guide your first investments.")
	}
	if r := m.Retirement; r.AnnualSavingsNeeded > 0 {
		out = append(out, fmt.Sprintf("Start saving about %s a year (%s) to reach %s by retirement in %s.",
			m.money(r.AnnualSavingsNeeded), m.todays(), m.money(r.Need), plural(r.YearsUntilRetirement, "year")))
	}
	return out
}

// stockTrims suggests selling single stocks above the single-stock limit.
func stockTrims(m Metrics) []string {
	var out []string
	for _, h := range holdingsOfType(m, "stock") {
		if h.Percent < singleStockLimit+rebalanceBand {
			continue // trimming a fraction of a point is not worth a trade
		}
		out = append(out, fmt.Sprintf("Trim %s from %s to %s of the portfolio by selling about %s, and spread it over broad funds.",
			h.Symbol, formatPercent(h.Percent), formatPercent(singleStockLimit), m.money(h.Value-singleStockLimit/100*m.Value)))
	}
	return out
}

// cashAdvice is only needed when rebalancing does not already invest the cash.
func cashAdvice(m Metrics) string {
	excess := excessCash(m)
	if excess <= 0 || tradesCash(m) {
		return ""
	}
	return fmt.Sprintf("Invest about %s of your %s cash, keeping a %s emergency buffer.", m.money(excess), m.money(m.Cash), formatPercent(cashBuffer))
}

func tradesCash(m Metrics) bool {
	for _, t := range m.Trades {
		if t.AssetClass == "cash" {
			return true
		}
	}
	return false
}

// regionAdvice points at the region furthest below its target.
func regionAdvice(m Metrics) string {
	if !m.HasRegionTargets || m.InvestedValue <= 0 {
		return ""
	}
	var under *Drift
	for i, d := range m.Regions {
		if d.Drift <= -regionShiftBand && (under == nil || d.Drift < under.Drift) {
			under = &m.Regions[i]
		}
	}
	if under == nil {
		return ""
	}
	return fmt.Sprintf("Shift about %s toward %s holdings to lift them from %s to your %s target, for example through a broad index fund.",
		m.money(-under.Drift/100*m.Value), regionPhrase(under.Key), formatPercent(under.CurrentPercent), formatPercent(under.TargetPercent))
}

func regionPhrase(key string) string {
	switch key {
	case "north_america":
		return "North American"
	case "international", "global":
		return key
	}
	return displayName(key)
}

func savingsAdvice(m Metrics) string {
	r := m.Retirement
	if r.AnnualSavingsNeeded <= 0 {
		return ""
	}
	return fmt.Sprintf("Save about %s a year (%s) toward retirement to reach %s in %s.",
		m.money(r.AnnualSavingsNeeded), m.todays(), m.money(r.Need), plural(r.YearsUntilRetirement, "year"))
}

func feeAdvice(m Metrics) string {
	if len(holdingsOfType(m, "mutual_fund")) == 0 {
		return ""
	}
	return "Compare your mutual funds' expense ratios with index funds of the same category and switch where the fee gap is large."
}

func targetsAdvice(m Metrics) string {
	if m.HasAssetTargets {
		return ""
	}
	return "Set asset-class targets so future reports can measure drift and suggest trades."
}

func writeConclusion(b *markdown, m Metrics) {
	if m.Value <= 0 {
		b.paragraph("Once accounts and positions are added, this report will measure diversification, risk and retirement readiness.")
		return
	}
	kind := "a reasonably diversified"
	switch {
	case len(m.Holdings) == 0:
		kind = "an all-cash"
	case m.HHI >= concentratedHHI || len(m.Holdings) < 5:
		kind = "a concentrated"
	}
	onTarget := "close to its targets"
	if len(m.Trades) > 0 {
		onTarget = "off its targets"
	}
	if !m.HasAssetTargets {
		onTarget = "without targets to measure against"
	}
	readiness := ""
	if r := m.Retirement; r.Need > 0 {
		readiness = fmt.Sprintf(", and on its own %s funded for retirement", formatPercent(r.FundedRatio*100))
	}
	next := "rebalance as listed above."
	if len(m.Trades) == 0 {
		next = lowerFirst(advice(m)[0])
	}
	b.paragraph(fmt.Sprintf("Overall, this is %s portfolio of %s that is %s%s.", kind, m.money(m.Value), onTarget, readiness),
		"The most valuable next step: "+next)
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// CheckSections requires every report heading, as its own line, in order:
// a rewrite of the report must keep them.
func CheckSections(content string) error {
	if strings.TrimSpace(content) == "" {
		return errors.New("empty report")
	}
	next := 0
	for line := range strings.SplitSeq(content, "\n") {
		if next < len(reportSections) && strings.TrimSpace(line) == "## "+reportSections[next] {
			next++
		}
	}
	if next < len(reportSections) {
		return fmt.Errorf("report without its section %q", reportSections[next])
	}
	return nil
}
