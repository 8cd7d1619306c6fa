package analysis

import (
	"strings"
	"unicode"
)

// Classify returns a copy of in whose empty allocation maps (regions,
// sectors, asset classes) are filled in by rules: first a table of
// well-known tickers, then the instrument type and keywords of its name.
// Maps that are present are kept, rescaled to add up to exactly 100.
// Inferred is set when anything was filled in.
func Classify(in Instrument) Instrument {
	out := in // every map is replaced by a fresh one below
	out.Regions = normalizePercentages(in.Regions)
	out.Sectors = normalizePercentages(in.Sectors)
	out.AssetClasses = normalizePercentages(in.AssetClasses)
	if out.Regions != nil && out.Sectors != nil && out.AssetClasses != nil {
		return out
	}
	out.Inferred = true
	if known, ok := knownInstruments[normalizeSymbol(in.Symbol)]; ok {
		fillFromKnown(&out, known)
		return out
	}
	kind := instrumentKind(in.Type)
	text := newNameText(in.Name)
	if out.AssetClasses == nil {
		out.AssetClasses = guessAssetClasses(kind, text)
	}
	if out.Regions == nil {
		out.Regions = guessRegions(kind, in.Symbol, text, out.AssetClasses)
	}
	if out.Sectors == nil {
		out.Sectors = guessSectors(kind, text, out.AssetClasses)
	}
	return out
}

// fillFromKnown copies the missing maps of a well-known ticker. The API
// types every unknown ticker of up to five letters as a stock, so a known
// fund typed "stock" gets its real type back.
func fillFromKnown(out *Instrument, known profile) {
	if out.AssetClasses == nil {
		out.AssetClasses = normalizePercentages(known.assets)
	}
	if out.Regions == nil {
		out.Regions = normalizePercentages(known.regions)
	}
	if out.Sectors == nil {
		out.Sectors = normalizePercentages(known.sectors)
	}
	if kind := instrumentKind(out.Type); kind == "" || kind == "stock" {
		out.Type = known.kind
	}
}

// instrumentKind is the lower-case instrument type.
func instrumentKind(t string) string { return strings.ToLower(strings.TrimSpace(t)) }

// nameText is an instrument name reduced to lower-case words and padded with
// spaces, so that phrases match whole words only: "gold" does not match
// "Goldman" and "S&P 500" becomes "s p 500".
type nameText string

func newNameText(name string) nameText {
	words := strings.FieldsFunc(strings.ToLower(name), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	return nameText(" " + strings.Join(words, " ") + " ")
}

func (t nameText) hasAny(phrases ...string) bool {
	for _, p := range phrases {
		if strings.Contains(string(t), " "+p+" ") {
			return true
		}
	}
	return false
}

// keywordRule assigns alloc to names containing any of words.
type keywordRule struct {
	words []string
	alloc allocation
}

// firstMatch is the allocation of the first rule that matches, or nil.
func firstMatch(rules []keywordRule, text nameText) allocation {
	for _, r := range rules {
		if text.hasAny(r.words...) {
			return normalizePercentages(r.alloc)
		}
	}
	return nil
}

// allMatches adds up the allocations of every matching rule, so "Europe &
// Asia Fund" is split between both, or returns nil if none matches.
func allMatches(rules []keywordRule, text nameText) allocation {
	sum := allocation{}
	for _, r := range rules {
		if text.hasAny(r.words...) {
			for k, v := range r.alloc {
				sum[k] += v
			}
		}
	}
	return normalizePercentages(sum)
}

func only(key string) allocation { return allocation{key: 100} }

// guessAssetClasses decides what a fund holds from its type and name. Cash
// words win over everything (an Indian "Debt Scheme - Liquid Fund" is cash),
// then hybrids, then bonds, real estate and commodities; the rest is equity.
func guessAssetClasses(kind string, text nameText) allocation {
	switch {
	case kind == "commodity":
		return only("commodities")
	case kind == "reit":
		return only("real_estate")
	case kind == "stock":
		if text.hasAny(realEstateWords...) {
			return only("real_estate")
		}
		return only("equity")
	case text.hasAny(cashWords...):
		return only("cash")
	}
	if mix := hybridMix(text); mix != nil {
		return mix
	}
	switch {
	case kind == "bond" || kind == "bond_fund" || looksLikeBonds(text):
		return only("fixed_income")
	case text.hasAny(realEstateWords...):
		return only("real_estate")
	case text.hasAny(commodityWords...):
		return only("commodities")
	default:
		return only("equity")
	}
}

// looksLikeBonds: "income" alone means bonds, except in equity income and
// dividend income funds.
func looksLikeBonds(text nameText) bool {
	if text.hasAny(bondWords...) {
		return true
	}
	return text.hasAny("income") && !text.hasAny("equity", "dividend", "dividends", "stock", "stocks")
}

// hybridMix is the equity/bond split of a balanced or hybrid fund, or nil.
func hybridMix(text nameText) allocation {
	if mix := firstMatch(namedHybrids, text); mix != nil {
		return mix
	}
	if !text.hasAny(hybridWords...) {
		return nil
	}
	if mix := firstMatch(hybridTilts, text); mix != nil {
		return mix
	}
	return normalizePercentages(balancedMix)
}

// guessRegions: commodities have no home region; stocks are domiciled by
// exchange suffix or country words; funds by the regions their names cite.
func guessRegions(kind, symbol string, text nameText, assets allocation) allocation {
	if assets["commodities"] == 100 {
		return only("global")
	}
	if kind == "stock" {
		return stockRegions(symbol, text)
	}
	return fundRegions(symbol, text)
}

func stockRegions(symbol string, text nameText) allocation {
	if r := exchangeRegion(symbol); r != "" {
		return only(r)
	}
	if r := allMatches(countryRegions, text); r != nil {
		return r
	}
	if text.hasAny("adr") {
		return only("international")
	}
	return only("north_america")
}

// fundRegions checks the most specific wording first: "ex-US" before the
// "US" in it, countries and continents before "emerging" or "global".
func fundRegions(symbol string, text nameText) allocation {
	if text.hasAny(exUSWords...) {
		return only("international")
	}
	if r := allMatches(placeRegions, text); r != nil {
		return r
	}
	if text.hasAny(emergingWords...) {
		return normalizePercentages(emergingMarketRegions)
	}
	if text.hasAny(internationalWords...) {
		return only("international")
	}
	if text.hasAny(globalWords...) {
		return normalizePercentages(worldRegions)
	}
	if r := exchangeRegion(symbol); r != "" {
		return only(r)
	}
	if isIndianFund(text) {
		return only("asia")
	}
	return only("north_america")
}

// exchangeRegion maps a Yahoo-style exchange suffix (RELIANCE.NS, VOD.L).
func exchangeRegion(symbol string) string {
	i := strings.LastIndexByte(symbol, '.')
	if i < 0 {
		return ""
	}
	return exchangeSuffixRegions[strings.ToUpper(symbol[i+1:])]
}

func isIndianFund(text nameText) bool {
	return text.hasAny(indianFundWords...) || text.hasAny(indianFundFamilies...)
}

// guessSectors splits each asset class into sectors and blends them by the
// asset mix, so a 60/40 fund shows 60% equity sectors and 40% bond sectors.
func guessSectors(kind string, text nameText, assets allocation) allocation {
	parts := map[string]allocation{}
	for class := range assets {
		parts[class] = classSectors(class, kind, text)
	}
	return blend(parts, assets)
}

func classSectors(class, kind string, text nameText) allocation {
	switch class {
	case "equity":
		return equitySectors(kind, text)
	case "fixed_income":
		if s := allMatches(bondSectorRules, text); s != nil {
			return s
		}
		return allocation{"government": 50, "corporate": 50}
	case "real_estate", "commodities", "cash":
		return only(class)
	default:
		return only("other")
	}
}

// equitySectors: a company has one sector (the first keyword that fits); a
// fund named after several sectors is split between them.
func equitySectors(kind string, text nameText) allocation {
	if kind == "stock" {
		if s := firstMatch(stockSectorRules, text); s != nil {
			return s
		}
		return only("other")
	}
	if s := allMatches(fundSectorRules, text); s != nil {
		return s
	}
	return only("diversified")
}
