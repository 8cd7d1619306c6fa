package analysis

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// ReportPayload is the reporter stage's output (report_payload).
type ReportPayload struct {
	Content     string    `json:"content"` // markdown
	GeneratedAt time.Time `json:"generated_at"`
	Agent       string    `json:"agent"`
}

// reportSections are the report's ## headings, in order.
var reportSections = []string{"Executive Summary", "Portfolio Composition", "Diversification", "Risk",
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
	return ReportPayload{Content: renderReport(Analyze(p), now), GeneratedAt: now, Agent: "reporter"}
}

func renderReport(m Metrics, now time.Time) string {
	var b markdown
	b.heading(1, "Portfolio Analysis Report")
	b.paragraph("_Prepared " + now.UTC().Format("January 2, 2006") + "._")
	writers := []func(*markdown, Metrics){writeExecutiveSummary, writeComposition, writeDiversification,
		writeRisk, writeRetirementReadiness, writeRecommendations, writeConclusion}
	for i, write := range writers {
		b.heading(2, reportSections[i])
		write(&b, m)
	}
	return strings.TrimRight(b.String(), "\n") + "\n"
}

func writeExecutiveSummary(b *markdown, m Metrics) {
	if m.Value <= 0 {
		b.paragraph("There is nothing to analyze yet: no account holds cash or positions, so the portfolio is worth "+formatMoney(0)+".",
			"The sections below say what to set up first.")
		return
	}
	if len(m.Holdings) == 0 {
		b.paragraph(fmt.Sprintf("Your portfolio is worth **%s** across %s, all of it in cash.", formatMoney(m.Value), plural(len(m.Accounts), "account")),
			readinessHeadline(m))
		return
	}
	b.paragraph(
		fmt.Sprintf("Your portfolio is worth **%s** across %s and %s.", formatMoney(m.Value),
			plural(len(m.Accounts), "account"), plural(len(m.Holdings), "holding")),
		cashHeadline(m),
		fmt.Sprintf("The largest position, %s, is %s of the total.", m.LargestPosition.Symbol, formatPercent(m.LargestPosition.Percent)),
		driftHeadline(m),
		readinessHeadline(m),
	)
}

func cashHeadline(m Metrics) string {
	if m.Cash <= 0 {
		return "There is no cash buffer."
	}
	return fmt.Sprintf("Cash makes up %s (%s).", formatPercent(m.CashPercent), formatMoney(m.Cash))
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
	return fmt.Sprintf("Without new savings the portfolio would reach about %s in today's dollars in %s, %s of the %s your retirement income target calls for.",
		formatMoney(r.ProjectedValue), plural(r.YearsUntilRetirement, "year"), formatPercent(r.FundedRatio*100), formatMoney(r.Need))
}

func writeComposition(b *markdown, m Metrics) {
	if m.Value <= 0 {
		b.paragraph("No accounts hold any value yet.")
		return
	}
	var classRows [][]string
	for _, d := range m.AssetClasses {
		if d.Value > 0 {
			classRows = append(classRows, []string{d.Name, formatMoney(d.Value), formatPercent(d.CurrentPercent)})
		}
	}
	b.table("lrr", []string{"Asset class", "Value", "Share"}, classRows)

	accountRows := make([][]string, len(m.Accounts))
	for i, a := range m.Accounts {
		accountRows[i] = []string{a.Name, formatMoney(a.Cash), formatMoney(a.Invested), formatMoney(a.Value)}
	}
	b.table("lrrr", []string{"Account", "Cash", "Positions", "Total"}, accountRows)

	if len(m.Holdings) == 0 {
		b.paragraph("There are no positions: every dollar is in cash.")
		return
	}
	var holdingRows [][]string
	for _, h := range m.Holdings[:min(topHoldingsShown, len(m.Holdings))] {
		holdingRows = append(holdingRows, []string{h.Symbol, displayName(h.Type), formatMoney(h.Value), formatPercent(h.Percent)})
	}
	b.paragraph(fmt.Sprintf("Largest holdings (%d of %d), combined across accounts:", len(holdingRows), len(m.Holdings)))
	b.table("llrr", []string{"Holding", "Type", "Value", "Share"}, holdingRows)

	var types []string
	for _, t := range m.InstrumentTypes {
		types = append(types, fmt.Sprintf("%s %s", t.Name, formatPercent(t.Percent)))
	}
	b.paragraph("By instrument type: " + strings.Join(types, ", ") + ", cash " + formatPercent(m.CashPercent) + ".")
}

func writeDiversification(b *markdown, m Metrics) {
	if len(m.Holdings) == 0 {
		b.paragraph("With no positions there is nothing to diversify yet.")
		writeDriftTable(b, "Asset class", m.AssetClasses, m.HasAssetTargets, wholePortfolio)
		return
	}
	b.paragraph(positionCountSentences(m)...)
	writeDriftTable(b, "Asset class", m.AssetClasses, m.HasAssetTargets, wholePortfolio)
	writeDriftTable(b, "Region", m.Regions, m.HasRegionTargets, "of the invested value; regions without a target of their own count as international")
}

const wholePortfolio = "of the whole portfolio, cash included"

func positionCountSentences(m Metrics) []string {
	if len(m.Holdings) == 1 {
		return []string{fmt.Sprintf("%s is your only position, so the portfolio is as concentrated as it can be (Herfindahl index 1.000).", m.LargestPosition.Symbol)}
	}
	out := []string{
		fmt.Sprintf("You hold %s. The Herfindahl index of their weights is %.3f, as concentrated as %.1f equal-sized positions would be.",
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
func writeDriftTable(b *markdown, label string, ds []Drift, hasTargets bool, basis string) {
	if !hasTargets {
		var rows [][]string
		for _, d := range ds {
			rows = append(rows, []string{d.Name, formatMoney(d.Value), formatPercent(d.CurrentPercent)})
		}
		b.paragraph(fmt.Sprintf("%s exposure (%s); no targets are set to compare with:", label, basis))
		if len(rows) > 0 {
			b.table("lrr", []string{label, "Value", "Current"}, rows)
		}
		return
	}
	rows := make([][]string, len(ds))
	for i, d := range ds {
		rows[i] = []string{d.Name, formatPercent(d.CurrentPercent), formatPercent(d.TargetPercent), formatPoints(d.Drift)}
	}
	b.paragraph(fmt.Sprintf("%s drift against your targets (%s):", label, basis))
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
		formatPercent(equity.CurrentPercent), formatPercent(stressDecline*100), formatMoney(equity.Value*stressDecline),
		formatPercent(equity.CurrentPercent*stressDecline)))
	b.bullets(riskNotes(m))
}

func cashOnlyRisk(m Metrics) string {
	loss := m.Cash * math.Max(defaultInflation-m.CashInterest, 0)
	if loss <= 0 {
		return fmt.Sprintf("Everything is in cash earning %s, which keeps pace with %s inflation but will not grow toward retirement.",
			formatPercent(m.CashInterest*100), formatPercent(defaultInflation*100))
	}
	return fmt.Sprintf("Everything is in cash: no market risk, but at %s interest and %s inflation it loses about %s of purchasing power a year.",
		formatPercent(m.CashInterest*100), formatPercent(defaultInflation*100), formatMoney(loss))
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
	return fmt.Sprintf("**Concentration:** a Herfindahl index of %.3f means the portfolio behaves like %.1f equal-sized positions, so very few holdings decide the outcome.",
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
		strings.Join(symbols, ", "), formatMoney(value), formatPercent(percentOf(value, m.Value)), formatPercent(singleStockLimit))
}

func bondNote(m Metrics) string {
	bonds := m.assetClass("fixed_income")
	if bonds.Value <= 0 {
		return ""
	}
	return fmt.Sprintf("**Bonds** (%s, %s): bond prices fall when interest rates rise, by about the fund's duration in percent per point; a long-term Treasury fund (duration near 17 years) would lose about 17%% if rates rose one point.",
		formatMoney(bonds.Value), formatPercent(bonds.CurrentPercent))
}

func realEstateNote(m Metrics) string {
	re := m.assetClass("real_estate")
	if re.Value <= 0 {
		return ""
	}
	return fmt.Sprintf("**Real estate** (%s, %s): REITs pay steady income but are sensitive to interest rates and fall with stocks in downturns.",
		formatMoney(re.Value), formatPercent(re.CurrentPercent))
}

func commodityNote(m Metrics) string {
	c := m.assetClass("commodities")
	if c.Value <= 0 {
		return ""
	}
	return fmt.Sprintf("**Commodities** (%s, %s): they pay no income and swing about %s a year; a 5–10%% slice hedges inflation without dominating returns.",
		formatMoney(c.Value), formatPercent(c.CurrentPercent), formatPercent(DefaultReturns()["commodities"].StdDev*100))
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
	lost := excess * math.Max(m.ExpectedReturn-m.CashInterest, 0)
	return fmt.Sprintf("**Cash drag:** cash is %s of the portfolio, above a %s buffer, and earns %s. The %s above the buffer would earn about %s more a year at the portfolio's %s expected return.",
		formatPercent(m.CashPercent), formatPercent(cashBuffer), formatPercent(m.CashInterest*100), formatMoney(excess), formatMoney(lost), formatPercent(m.ExpectedReturn*100))
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
	b.paragraph(fmt.Sprintf("A retirement income of %s a year needs about %s saved, in today's dollars (25× the income, the 4%% rule).",
		formatMoney(r.TargetIncome), formatMoney(r.Need)))
	if m.Value <= 0 {
		b.paragraph(savingsSentence(r, "With nothing invested yet"))
		return
	}
	b.paragraph(
		fmt.Sprintf("Over the long run your current mix is expected to return %s a year, %s after %s inflation.",
			formatPercent(m.ExpectedReturn*100), formatPercent(r.RealReturn*100), formatPercent(defaultInflation*100)),
		fmt.Sprintf("At that rate, and without new contributions, %s grows to about %s in today's dollars in %s: %s of the goal.",
			formatMoney(m.Value), formatMoney(r.ProjectedValue), plural(r.YearsUntilRetirement, "year"), formatPercent(r.FundedRatio*100)),
		savingsSentence(r, "To close the gap"),
	)
	b.paragraph("The retirement simulation in this analysis adds market swings and your planned contributions to this estimate.")
}

func savingsSentence(r Readiness, lead string) string {
	switch {
	case r.FundedRatio >= 1:
		return "On these assumptions you are on track even without new savings."
	case r.YearsUntilRetirement == 0:
		return fmt.Sprintf("You are at retirement age, so the %s gap cannot be saved over time; consider a lower withdrawal or working longer.",
			formatMoney(r.Need-r.ProjectedValue))
	}
	return fmt.Sprintf("%s, you would need to save about %s a year (today's dollars) for %s.",
		lead, formatMoney(r.AnnualSavingsNeeded), plural(r.YearsUntilRetirement, "year"))
}

func writeRecommendations(b *markdown, m Metrics) {
	if m.HasAssetTargets && m.Value > 0 {
		if len(m.Trades) > 0 {
			b.paragraph("To bring your asset mix back to target:")
			var trades []string
			for _, t := range m.Trades {
				trades = append(trades, tradeText(t))
			}
			b.bullets(trades)
		} else {
			b.paragraph("Your asset mix is within a point of every target, so no rebalancing is needed.")
		}
	}
	b.numbered(advice(m))
}

// tradeText phrases a trade: "Sell $12,345.67 of equity".
func tradeText(t Trade) string {
	amount := formatMoney(t.Amount)
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
		return emptyPortfolioAdvice(m)
	}
	out := append(stockTrims(m), nonEmpty(cashAdvice(m), regionAdvice(m), savingsAdvice(m), feeAdvice(m), targetsAdvice(m))...)
	if len(out) == 0 {
		out = append(out, "Keep your current course: review the portfolio once a year and rebalance when any asset class drifts more than 5 points from target.")
	}
	return out
}

func emptyPortfolioAdvice(m Metrics) []string {
	out := []string{"Add your accounts with their cash balances and positions so the analysis has something to work with."}
	if !m.HasAssetTargets {
		out = append(out, "Set asset-class targets (for example 70% equity, 30% fixed income) to guide your first investments.")
	}
	if r := m.Retirement; r.AnnualSavingsNeeded > 0 {
		out = append(out, fmt.Sprintf("Start saving about %s a year (today's dollars) to reach %s by retirement in %s.",
			formatMoney(r.AnnualSavingsNeeded), formatMoney(r.Need), plural(r.YearsUntilRetirement, "year")))
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
			h.Symbol, formatPercent(h.Percent), formatPercent(singleStockLimit), formatMoney(h.Value-singleStockLimit/100*m.Value)))
	}
	return out
}

// cashAdvice is only needed when rebalancing does not already invest the cash.
func cashAdvice(m Metrics) string {
	excess := excessCash(m)
	if excess <= 0 || tradesCash(m) {
		return ""
	}
	return fmt.Sprintf("Invest about %s of your %s cash, keeping a %s emergency buffer.", formatMoney(excess), formatMoney(m.Cash), formatPercent(cashBuffer))
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
		formatMoney(-under.Drift/100*m.InvestedValue), regionPhrase(under.Key), formatPercent(under.CurrentPercent), formatPercent(under.TargetPercent))
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
	return fmt.Sprintf("Save about %s a year (today's dollars) toward retirement to reach %s in %s.",
		formatMoney(r.AnnualSavingsNeeded), formatMoney(r.Need), plural(r.YearsUntilRetirement, "year"))
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
	b.paragraph(fmt.Sprintf("Overall, this is %s portfolio of %s that is %s%s.", kind, formatMoney(m.Value), onTarget, readiness),
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
