-- The 22 instruments every installation starts with, with full allocation
-- data (each map adds up to 100). Prices are the contract's seed prices.

-- +goose Up
INSERT INTO instruments (symbol, name, instrument_type, current_price, price_updated_at, allocation_regions, allocation_sectors, allocation_asset_class) VALUES
('SPY', 'SPDR S&P 500 ETF Trust', 'etf', 450.25, now(), '{"north_america":100}', '{"technology":30,"healthcare":13,"financials":13,"consumer_discretionary":10,"communication":9,"industrials":8,"consumer_staples":6,"energy":4,"utilities":3,"real_estate":2,"materials":2}', '{"equity":100}'),
('QQQ', 'Invesco QQQ Trust', 'etf', 385.50, now(), '{"north_america":100}', '{"technology":50,"communication":16,"consumer_discretionary":14,"healthcare":7,"consumer_staples":6,"industrials":5,"utilities":2}', '{"equity":100}'),
('IWM', 'iShares Russell 2000 ETF', 'etf', 205.75, now(), '{"north_america":100}', '{"financials":17,"industrials":17,"healthcare":15,"technology":13,"consumer_discretionary":11,"real_estate":7,"energy":7,"materials":5,"utilities":3,"consumer_staples":3,"communication":2}', '{"equity":100}'),
('VEA', 'Vanguard FTSE Developed Markets ETF', 'etf', 48.30, now(), '{"europe":60,"asia":25,"oceania":8,"north_america":7}', '{"financials":20,"industrials":16,"healthcare":11,"consumer_discretionary":11,"technology":10,"consumer_staples":8,"materials":8,"energy":5,"communication":4,"utilities":4,"real_estate":3}', '{"equity":100}'),
('VWO', 'Vanguard FTSE Emerging Markets ETF', 'etf', 42.15, now(), '{"asia":75,"latin_america":10,"middle_east":8,"africa":5,"europe":2}', '{"technology":22,"financials":22,"consumer_discretionary":14,"communication":9,"materials":8,"industrials":7,"energy":6,"consumer_staples":5,"healthcare":4,"utilities":3}', '{"equity":100}'),
('EFA', 'iShares MSCI EAFE ETF', 'etf', 75.80, now(), '{"europe":65,"asia":25,"oceania":8,"middle_east":2}', '{"financials":19,"industrials":16,"healthcare":13,"consumer_discretionary":12,"technology":9,"consumer_staples":9,"materials":7,"energy":5,"communication":4,"utilities":3,"real_estate":3}', '{"equity":100}'),
('AGG', 'iShares Core U.S. Aggregate Bond ETF', 'bond_fund', 98.20, now(), '{"north_america":100}', '{"treasury":42,"mortgage_backed":27,"corporate":25,"government":6}', '{"fixed_income":100}'),
('BND', 'Vanguard Total Bond Market ETF', 'bond_fund', 72.50, now(), '{"north_america":100}', '{"treasury":45,"mortgage_backed":20,"corporate":29,"government":6}', '{"fixed_income":100}'),
('TLT', 'iShares 20+ Year Treasury Bond ETF', 'bond_fund', 92.30, now(), '{"north_america":100}', '{"treasury":100}', '{"fixed_income":100}'),
('HYG', 'iShares iBoxx $ High Yield Corporate Bond ETF', 'bond_fund', 76.85, now(), '{"north_america":100}', '{"corporate":100}', '{"fixed_income":100}'),
('XLK', 'Technology Select Sector SPDR Fund', 'etf', 175.40, now(), '{"north_america":100}', '{"technology":100}', '{"equity":100}'),
('XLV', 'Health Care Select Sector SPDR Fund', 'etf', 135.60, now(), '{"north_america":100}', '{"healthcare":100}', '{"equity":100}'),
('XLF', 'Financial Select Sector SPDR Fund', 'etf', 38.25, now(), '{"north_america":100}', '{"financials":100}', '{"equity":100}'),
('XLE', 'Energy Select Sector SPDR Fund', 'etf', 85.90, now(), '{"north_america":100}', '{"energy":100}', '{"equity":100}'),
('VNQ', 'Vanguard Real Estate ETF', 'reit', 82.45, now(), '{"north_america":100}', '{"real_estate":100}', '{"real_estate":100}'),
('GLD', 'SPDR Gold Shares', 'commodity', 195.70, now(), '{"global":100}', '{"commodities":100}', '{"commodities":100}'),
('SLV', 'iShares Silver Trust', 'commodity', 22.40, now(), '{"global":100}', '{"commodities":100}', '{"commodities":100}'),
('AOR', 'iShares Core Growth Allocation ETF', 'etf', 48.90, now(), '{"north_america":60,"international":40}', '{"technology":15,"financials":10,"healthcare":8,"consumer_discretionary":7,"industrials":7,"communication":5,"consumer_staples":4,"energy":2,"materials":2,"treasury":20,"corporate":12,"government":8}', '{"equity":60,"fixed_income":40}'),
('AOA', 'iShares Core Aggressive Allocation ETF', 'etf', 65.15, now(), '{"north_america":55,"international":45}', '{"technology":20,"financials":13,"healthcare":10,"consumer_discretionary":10,"industrials":10,"communication":7,"consumer_staples":5,"energy":3,"materials":2,"treasury":10,"corporate":6,"government":4}', '{"equity":80,"fixed_income":20}'),
('VUG', 'Vanguard Growth ETF', 'etf', 312.80, now(), '{"north_america":100}', '{"technology":50,"consumer_discretionary":18,"communication":12,"healthcare":8,"industrials":6,"financials":6}', '{"equity":100}'),
('VTV', 'Vanguard Value ETF', 'etf', 152.60, now(), '{"north_america":100}', '{"financials":22,"healthcare":18,"industrials":14,"consumer_staples":10,"energy":9,"technology":9,"utilities":6,"communication":4,"materials":4,"real_estate":4}', '{"equity":100}'),
('VIG', 'Vanguard Dividend Appreciation ETF', 'etf', 168.90, now(), '{"north_america":100}', '{"technology":25,"financials":20,"healthcare":16,"industrials":12,"consumer_staples":12,"consumer_discretionary":7,"materials":4,"utilities":3,"energy":1}', '{"equity":100}');

-- +goose Down
DELETE FROM instruments WHERE symbol IN ('SPY','QQQ','IWM','VEA','VWO','EFA','AGG','BND','TLT','HYG','XLK','XLV','XLF','XLE','VNQ','GLD','SLV','AOR','AOA','VUG','VTV','VIG');
