package analysis

import "slices"

// Keyword tables of the rule-based classifier. Words are lower case and
// match whole words of an instrument's name (see nameText).

var (
	cashWords       = []string{"money market", "liquid", "overnight", "cash management", "cash reserves"}
	realEstateWords = []string{"reit", "reits", "real estate", "property", "properties", "realty"}
	commodityWords  = []string{"gold", "silver", "platinum", "precious", "commodity", "commodities", "oil"}
	bondWords       = []string{"bond", "bonds", "treasury", "treasuries", "debt", "gilt", "gilts",
		"fixed income", "fixed maturity", "municipal", "muni", "t bill", "credit risk", "duration",
		"floater", "floating rate"}
	hybridWords = []string{"hybrid", "balanced", "allocation", "target date", "target retirement",
		"lifecycle", "solution oriented", "retirement fund", "children s fund"}
)

// namedHybrids are Indian (SEBI) hybrid categories with a defined mix;
// arbitrage funds hold hedged equity and behave like cash.
var namedHybrids = []keywordRule{
	{[]string{"multi asset"}, allocation{"equity": 60, "fixed_income": 25, "commodities": 15}},
	{[]string{"arbitrage"}, allocation{"cash": 65, "fixed_income": 35}},
	{[]string{"equity savings"}, allocation{"equity": 35, "fixed_income": 35, "cash": 30}},
	{[]string{"balanced advantage", "dynamic asset allocation"}, allocation{"equity": 50, "fixed_income": 50}},
}

// hybridTilts sets the equity share of other hybrids by their risk word;
// hybrids without one are the classic balancedMix.
var (
	hybridTilts = []keywordRule{
		{[]string{"aggressive"}, allocation{"equity": 75, "fixed_income": 25}},
		{[]string{"conservative"}, allocation{"equity": 25, "fixed_income": 75}},
		{[]string{"moderate"}, allocation{"equity": 50, "fixed_income": 50}},
	}
	balancedMix = allocation{"equity": 60, "fixed_income": 40}
)

// Region words. Countries apply to companies and funds; continents and
// trade areas only to funds, because company names use them loosely
// ("Pacific Gas and Electric", "Gulf Island Fabrication").
var (
	countryRegions = []keywordRule{
		{[]string{"us", "u s", "usa", "united states", "s p 500", "s p", "nasdaq", "russell", "dow jones",
			"wilshire", "canada", "canadian"}, only("north_america")},
		{[]string{"uk", "united kingdom", "britain", "british", "germany", "german", "france", "french",
			"switzerland", "swiss", "netherlands", "dutch", "italy", "italian", "spain", "spanish", "sweden",
			"swedish", "nordic"}, only("europe")},
		{[]string{"japan", "japanese", "china", "chinese", "korea", "korean", "taiwan", "hong kong",
			"singapore", "indonesia", "vietnam", "thailand", "malaysia", "philippines"}, only("asia")},
		{[]string{"brazil", "brazilian", "mexico", "mexican", "chile", "argentina", "colombia", "peru"},
			only("latin_america")},
		{[]string{"south africa", "nigeria", "egypt", "kenya"}, only("africa")},
		{[]string{"israel", "saudi", "uae", "qatar", "emirates"}, only("middle_east")},
		{[]string{"australia", "australian", "new zealand"}, only("oceania")},
	}
	continentRegions = []keywordRule{
		{[]string{"europe", "european", "eurozone", "euro stoxx"}, only("europe")},
		{[]string{"asia", "asian"}, only("asia")},
		{[]string{"pacific"}, allocation{"asia": 75, "oceania": 25}},
		{[]string{"latin", "latam"}, only("latin_america")},
		{[]string{"africa", "african"}, only("africa")},
		{[]string{"middle east", "gulf"}, only("middle_east")},
	}
	placeRegions = slices.Concat(countryRegions, continentRegions)

	exUSWords          = []string{"ex us", "ex u s", "ex usa", "ex north america"}
	emergingWords      = []string{"emerging", "frontier"}
	internationalWords = []string{"international", "intl", "overseas", "foreign", "developed", "eafe", "europacific"}
	globalWords        = []string{"global", "world", "all world", "acwi", "all country"}
)

// Indian mutual funds are named by fund house and SEBI category
// ("Equity Scheme - Large Cap Fund"); without a place word they invest in India.
var (
	indianFundWords    = []string{"scheme", "nifty", "sensex", "india", "indian", "elss", "bse", "nse"}
	indianFundFamilies = []string{"sbi", "hdfc", "icici", "axis", "kotak", "aditya birla", "uti",
		"mirae", "parag parikh", "tata", "dsp", "quant", "motilal oswal", "canara robeco", "edelweiss",
		"sundaram", "bandhan", "mahindra manulife", "baroda bnp", "lic", "whiteoak", "bajaj finserv"}
)

// Yahoo-style exchange suffixes of non-US listings.
var exchangeSuffixRegions = map[string]string{
	"NS": "asia", "BO": "asia", "T": "asia", "HK": "asia", "SS": "asia", "SZ": "asia", "KS": "asia",
	"TW": "asia", "SI": "asia",
	"L": "europe", "DE": "europe", "PA": "europe", "AS": "europe", "SW": "europe", "MI": "europe",
	"MC": "europe", "ST": "europe", "CO": "europe", "HE": "europe", "OL": "europe", "BR": "europe",
	"LS": "europe", "VI": "europe", "IR": "europe",
	"TO": "north_america", "V": "north_america",
	"AX": "oceania", "NZ": "oceania",
	"SA": "latin_america", "MX": "latin_america",
	"JO": "africa",
	"TA": "middle_east",
}

// stockSectorRules are tried in order; utilities come before energy so that
// "Gas & Electric" is a utility.
var stockSectorRules = []keywordRule{
	{[]string{"utilities", "utility", "electric", "water works"}, only("utilities")},
	{[]string{"pharma", "pharmaceutical", "pharmaceuticals", "therapeutics", "biotech", "biosciences",
		"health", "healthcare", "medical", "laboratories", "hospital", "hospitals", "genomics"}, only("healthcare")},
	{[]string{"bank", "bancorp", "bancshares", "financial", "insurance", "assurance", "payments",
		"securities", "capital", "lending", "credit"}, only("financials")},
	{[]string{"technology", "technologies", "tech", "software", "semiconductor", "semiconductors",
		"computer", "computing", "micro", "electronics", "networks", "cloud", "cyber", "data"}, only("technology")},
	{[]string{"energy", "oil", "gas", "petroleum", "drilling", "pipeline", "pipelines", "solar"}, only("energy")},
	{[]string{"mining", "chemical", "chemicals", "steel", "materials", "minerals", "gold", "copper",
		"paper", "packaging", "cement"}, only("materials")},
	{[]string{"industrial", "industries", "industrials", "aerospace", "defense", "airlines", "railroad",
		"rail", "logistics", "freight", "machinery", "construction", "engineering", "manufacturing"}, only("industrials")},
	{[]string{"communications", "communication", "telecom", "media", "wireless", "broadcasting",
		"entertainment", "interactive"}, only("communication")},
	{[]string{"foods", "food", "beverage", "beverages", "grocery", "tobacco", "household", "brewing"},
		only("consumer_staples")},
	{[]string{"motors", "motor", "auto", "automotive", "retail", "restaurants", "hotels", "resorts",
		"apparel", "homes", "leisure", "stores"}, only("consumer_discretionary")},
}

// fundSectorRules: a sector fund may name several sectors; each counts.
var fundSectorRules = []keywordRule{
	{[]string{"technology", "tech", "information technology", "digital", "semiconductor", "semiconductors",
		"software", "internet"}, only("technology")},
	{[]string{"health", "healthcare", "pharma", "biotech", "biotechnology", "medical"}, only("healthcare")},
	{[]string{"financial", "financials", "bank", "banks", "banking", "fintech"}, only("financials")},
	{[]string{"energy"}, only("energy")},
	{[]string{"utilities", "utility"}, only("utilities")},
	{[]string{"materials", "mining", "chemicals"}, only("materials")},
	{[]string{"industrials", "industrial", "infrastructure", "manufacturing", "aerospace", "defense",
		"transportation"}, only("industrials")},
	{[]string{"consumer discretionary", "discretionary", "retail", "auto", "automobile"},
		only("consumer_discretionary")},
	{[]string{"consumer staples", "staples", "fmcg", "consumption"}, only("consumer_staples")},
	{[]string{"communication", "communications", "telecom", "media"}, only("communication")},
}

var bondSectorRules = []keywordRule{
	{[]string{"treasury", "treasuries", "t bill", "tips"}, only("treasury")},
	{[]string{"government", "gilt", "gilts", "sovereign", "municipal", "muni", "psu", "agency", "sdl",
		"constant duration"}, only("government")},
	{[]string{"corporate", "credit", "high yield", "junk", "banking"}, only("corporate")},
}
