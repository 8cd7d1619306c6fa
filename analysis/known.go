package analysis

// profile is what the classifier knows about a well-known ticker.
type profile struct {
	kind                     string // instrument type
	assets, regions, sectors allocation
}

// Typical breakdowns of widely held funds (rounded, recent years). They are
// estimates for instruments that arrive without allocation data; seeded
// instruments carry their own maps and never reach this table.
var (
	worldRegions          = allocation{"north_america": 62, "europe": 16, "asia": 15, "oceania": 2, "latin_america": 2, "middle_east": 2, "africa": 1}
	totalExUSRegions      = allocation{"europe": 40, "asia": 42, "north_america": 7, "oceania": 5, "latin_america": 3, "middle_east": 2, "africa": 1}
	developedExUSRegions  = allocation{"europe": 60, "asia": 27, "oceania": 7, "north_america": 5, "middle_east": 1}
	emergingMarketRegions = allocation{"asia": 78, "latin_america": 8, "middle_east": 6, "africa": 4, "europe": 4}

	sp500Sectors = allocation{"technology": 32, "financials": 13, "healthcare": 11, "consumer_discretionary": 10,
		"communication": 9, "industrials": 8, "consumer_staples": 6, "energy": 4, "utilities": 3, "real_estate": 2, "materials": 2}
	totalMarketSectors = allocation{"technology": 30, "financials": 13, "healthcare": 12, "consumer_discretionary": 10,
		"industrials": 10, "communication": 8, "consumer_staples": 5, "energy": 4, "real_estate": 3, "utilities": 3, "materials": 2}
	nasdaq100Sectors = allocation{"technology": 50, "consumer_discretionary": 18, "communication": 16, "healthcare": 6,
		"consumer_staples": 5, "industrials": 4, "utilities": 1}
	smallCapSectors = allocation{"industrials": 17, "financials": 17, "healthcare": 16, "technology": 14,
		"consumer_discretionary": 10, "real_estate": 7, "energy": 7, "materials": 5, "utilities": 3, "consumer_staples": 2, "communication": 2}
	dowSectors = allocation{"financials": 25, "technology": 20, "healthcare": 17, "industrials": 14,
		"consumer_discretionary": 13, "consumer_staples": 6, "communication": 2, "energy": 2, "materials": 1}
	growthSectors = allocation{"technology": 50, "consumer_discretionary": 17, "communication": 12, "healthcare": 7,
		"industrials": 6, "financials": 5, "real_estate": 1, "materials": 1, "consumer_staples": 1}
	valueSectors = allocation{"financials": 22, "healthcare": 17, "industrials": 14, "technology": 9,
		"consumer_staples": 9, "energy": 8, "utilities": 6, "communication": 4, "materials": 4, "consumer_discretionary": 4, "real_estate": 3}
	dividendGrowthSectors = allocation{"technology": 24, "financials": 22, "healthcare": 15, "industrials": 12,
		"consumer_staples": 10, "consumer_discretionary": 7, "materials": 4, "utilities": 3, "communication": 2, "energy": 1}
	highDividendSectors = allocation{"financials": 20, "healthcare": 14, "industrials": 13, "consumer_staples": 13,
		"energy": 11, "technology": 10, "consumer_discretionary": 8, "communication": 5, "utilities": 4, "materials": 2}
	internationalSectors = allocation{"financials": 21, "industrials": 15, "technology": 13, "consumer_discretionary": 11,
		"healthcare": 9, "materials": 7, "consumer_staples": 7, "communication": 6, "energy": 5, "utilities": 3, "real_estate": 3}
	emergingSectors = allocation{"technology": 22, "financials": 22, "consumer_discretionary": 13, "communication": 9,
		"materials": 7, "industrials": 7, "energy": 5, "consumer_staples": 5, "healthcare": 4, "utilities": 3, "real_estate": 3}
	aggregateBondSectors = allocation{"treasury": 45, "government": 25, "corporate": 30}
)

func equityETF(regions, sectors allocation) profile {
	return profile{kind: "etf", assets: only("equity"), regions: regions, sectors: sectors}
}

func usEquityETF(sectors allocation) profile { return equityETF(only("north_america"), sectors) }

func bondETF(regions, sectors allocation) profile {
	return profile{kind: "bond_fund", assets: only("fixed_income"), regions: regions, sectors: sectors}
}

func commodityETF() profile {
	return profile{kind: "commodity", assets: only("commodities"), regions: only("global"), sectors: only("commodities")}
}

func realEstateETF(regions allocation) profile {
	return profile{kind: "reit", assets: only("real_estate"), regions: regions, sectors: only("real_estate")}
}

// allocationETF is a global equity/bond fund with equityPct in stocks.
func allocationETF(equityPct float64) profile {
	assets := allocation{"equity": equityPct, "fixed_income": 100 - equityPct}
	return profile{
		kind:    "etf",
		assets:  assets,
		regions: worldRegions,
		sectors: blend(map[string]allocation{"equity": totalMarketSectors, "fixed_income": aggregateBondSectors}, assets),
	}
}

func stock(sector string) profile {
	return foreignStock(sector, "north_america")
}

func foreignStock(sector, region string) profile {
	return profile{kind: "stock", assets: only("equity"), regions: only(region), sectors: only(sector)}
}

func reitStock() profile {
	return profile{kind: "reit", assets: only("real_estate"), regions: only("north_america"), sectors: only("real_estate")}
}

// knownInstruments is keyed by upper-case symbol.
var knownInstruments = map[string]profile{
	// US equity funds.
	"SPY": usEquityETF(sp500Sectors), "VOO": usEquityETF(sp500Sectors), "IVV": usEquityETF(sp500Sectors),
	"SPLG": usEquityETF(sp500Sectors),
	"VTI":  usEquityETF(totalMarketSectors), "ITOT": usEquityETF(totalMarketSectors), "SCHB": usEquityETF(totalMarketSectors),
	"QQQ": usEquityETF(nasdaq100Sectors), "QQQM": usEquityETF(nasdaq100Sectors),
	"IWM": usEquityETF(smallCapSectors), "VB": usEquityETF(smallCapSectors), "IJR": usEquityETF(smallCapSectors),
	"DIA": usEquityETF(dowSectors),
	"VUG": usEquityETF(growthSectors), "IWF": usEquityETF(growthSectors), "SCHG": usEquityETF(growthSectors),
	"VTV": usEquityETF(valueSectors), "IWD": usEquityETF(valueSectors), "SCHV": usEquityETF(valueSectors),
	"VIG": usEquityETF(dividendGrowthSectors), "DGRO": usEquityETF(dividendGrowthSectors),
	"SCHD": usEquityETF(highDividendSectors), "VYM": usEquityETF(highDividendSectors), "HDV": usEquityETF(highDividendSectors),
	// Sector funds.
	"XLK": usEquityETF(only("technology")), "VGT": usEquityETF(only("technology")),
	"SMH": usEquityETF(only("technology")), "SOXX": usEquityETF(only("technology")),
	"XLV": usEquityETF(only("healthcare")), "XLF": usEquityETF(only("financials")),
	"XLE": usEquityETF(only("energy")), "XLY": usEquityETF(only("consumer_discretionary")),
	"XLP": usEquityETF(only("consumer_staples")), "XLI": usEquityETF(only("industrials")),
	"XLB": usEquityETF(only("materials")), "XLU": usEquityETF(only("utilities")),
	"XLC": usEquityETF(only("communication")),
	// International equity funds.
	"VXUS": equityETF(totalExUSRegions, internationalSectors), "IXUS": equityETF(totalExUSRegions, internationalSectors),
	"ACWX": equityETF(totalExUSRegions, internationalSectors),
	"VEA":  equityETF(developedExUSRegions, internationalSectors), "EFA": equityETF(developedExUSRegions, internationalSectors),
	"IEFA": equityETF(developedExUSRegions, internationalSectors), "SCHF": equityETF(developedExUSRegions, internationalSectors),
	"VWO": equityETF(emergingMarketRegions, emergingSectors), "EEM": equityETF(emergingMarketRegions, emergingSectors),
	"IEMG": equityETF(emergingMarketRegions, emergingSectors),
	"VT":   equityETF(worldRegions, totalMarketSectors), "ACWI": equityETF(worldRegions, totalMarketSectors),
	// Bond funds.
	"BND": bondETF(only("north_america"), aggregateBondSectors), "AGG": bondETF(only("north_america"), aggregateBondSectors),
	"SCHZ": bondETF(only("north_america"), aggregateBondSectors),
	"TLT":  bondETF(only("north_america"), only("treasury")), "IEF": bondETF(only("north_america"), only("treasury")),
	"SHY": bondETF(only("north_america"), only("treasury")), "GOVT": bondETF(only("north_america"), only("treasury")),
	"VGSH": bondETF(only("north_america"), only("treasury")), "VGIT": bondETF(only("north_america"), only("treasury")),
	"VGLT": bondETF(only("north_america"), only("treasury")), "TIP": bondETF(only("north_america"), only("treasury")),
	"SCHP": bondETF(only("north_america"), only("treasury")), "VTIP": bondETF(only("north_america"), only("treasury")),
	"LQD": bondETF(only("north_america"), only("corporate")), "VCIT": bondETF(only("north_america"), only("corporate")),
	"VCSH": bondETF(only("north_america"), only("corporate")), "HYG": bondETF(only("north_america"), only("corporate")),
	"JNK": bondETF(only("north_america"), only("corporate")),
	"MUB": bondETF(only("north_america"), only("government")), "VTEB": bondETF(only("north_america"), only("government")),
	"BNDX": bondETF(only("international"), allocation{"government": 60, "corporate": 40}),
	"EMB":  bondETF(emergingMarketRegions, allocation{"government": 80, "corporate": 20}),
	// Treasury-bill funds behave like cash.
	"SGOV": {kind: "bond_fund", assets: only("cash"), regions: only("north_america"), sectors: only("treasury")},
	"BIL":  {kind: "bond_fund", assets: only("cash"), regions: only("north_america"), sectors: only("treasury")},
	// Real estate and commodities.
	"VNQ": realEstateETF(only("north_america")), "XLRE": realEstateETF(only("north_america")),
	"SCHH": realEstateETF(only("north_america")), "IYR": realEstateETF(only("north_america")),
	"VNQI": realEstateETF(only("international")),
	"GLD":  commodityETF(), "IAU": commodityETF(), "GLDM": commodityETF(), "SLV": commodityETF(),
	"DBC": commodityETF(), "PDBC": commodityETF(), "GSG": commodityETF(), "USO": commodityETF(),
	// Allocation funds.
	"AOA": allocationETF(80), "AOR": allocationETF(60), "AOM": allocationETF(40), "AOK": allocationETF(30),
	// Large companies.
	"AAPL": stock("technology"), "MSFT": stock("technology"), "NVDA": stock("technology"),
	"AVGO": stock("technology"), "ORCL": stock("technology"), "CRM": stock("technology"),
	"ADBE": stock("technology"), "AMD": stock("technology"), "INTC": stock("technology"),
	"CSCO": stock("technology"), "IBM": stock("technology"),
	"GOOGL": stock("communication"), "GOOG": stock("communication"), "META": stock("communication"),
	"NFLX": stock("communication"), "DIS": stock("communication"), "T": stock("communication"),
	"VZ": stock("communication"), "TMUS": stock("communication"),
	"AMZN": stock("consumer_discretionary"), "TSLA": stock("consumer_discretionary"),
	"HD": stock("consumer_discretionary"), "MCD": stock("consumer_discretionary"),
	"NKE": stock("consumer_discretionary"), "SBUX": stock("consumer_discretionary"),
	"LOW": stock("consumer_discretionary"), "BKNG": stock("consumer_discretionary"),
	"JPM": stock("financials"), "BAC": stock("financials"), "WFC": stock("financials"),
	"GS": stock("financials"), "MS": stock("financials"), "C": stock("financials"),
	"V": stock("financials"), "MA": stock("financials"), "AXP": stock("financials"),
	"BRK.B": stock("financials"), "BRK-B": stock("financials"), "BLK": stock("financials"),
	"SCHW": stock("financials"),
	"JNJ":  stock("healthcare"), "UNH": stock("healthcare"), "PFE": stock("healthcare"),
	"LLY": stock("healthcare"), "MRK": stock("healthcare"), "ABBV": stock("healthcare"),
	"TMO": stock("healthcare"), "ABT": stock("healthcare"),
	"XOM": stock("energy"), "CVX": stock("energy"), "COP": stock("energy"),
	"PG": stock("consumer_staples"), "KO": stock("consumer_staples"), "PEP": stock("consumer_staples"),
	"WMT": stock("consumer_staples"), "COST": stock("consumer_staples"), "PM": stock("consumer_staples"),
	"BA": stock("industrials"), "CAT": stock("industrials"), "GE": stock("industrials"),
	"HON": stock("industrials"), "UPS": stock("industrials"), "LMT": stock("industrials"),
	"RTX": stock("industrials"), "DE": stock("industrials"),
	"NEE": stock("utilities"), "DUK": stock("utilities"), "SO": stock("utilities"),
	"LIN": stock("materials"),
	"AMT": reitStock(), "PLD": reitStock(), "O": reitStock(), "SPG": reitStock(), "EQIX": reitStock(),
	"TSM": foreignStock("technology", "asia"), "ASML": foreignStock("technology", "europe"),
	"SAP": foreignStock("technology", "europe"), "BABA": foreignStock("consumer_discretionary", "asia"),
	"TM": foreignStock("consumer_discretionary", "asia"), "SONY": foreignStock("consumer_discretionary", "asia"),
	"NVO": foreignStock("healthcare", "europe"), "SHEL": foreignStock("energy", "europe"),
}
