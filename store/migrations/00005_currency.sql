-- Money carries its currency (ISO 4217), prices the date they are for and
-- where they came from, trades the rate they were converted at, and jobs
-- the warnings of their analysis. The symbols populate-test-data uses become
-- seed instruments with prices and full allocations.

-- +goose Up
ALTER TABLE users ADD COLUMN base_currency text NOT NULL DEFAULT 'USD'
    CHECK (length(base_currency) = 3 AND upper(base_currency) = base_currency);

ALTER TABLE accounts ADD COLUMN currency text NOT NULL DEFAULT 'USD'
    CHECK (length(currency) = 3 AND upper(currency) = currency);

ALTER TABLE instruments ADD COLUMN currency text NOT NULL DEFAULT 'USD'
    CHECK (length(currency) = 3 AND upper(currency) = currency);
ALTER TABLE instruments ADD COLUMN price_as_of date;
ALTER TABLE instruments ADD COLUMN price_source text
    CHECK (price_source IN ('seed', 'market', 'amfi', 'user'));

ALTER TABLE transactions ADD COLUMN currency text NOT NULL DEFAULT 'USD';
ALTER TABLE transactions ADD COLUMN price_currency text NOT NULL DEFAULT 'USD';
ALTER TABLE transactions ADD COLUMN fx_rate numeric(24,10) NOT NULL DEFAULT 1;
ALTER TABLE transactions ADD COLUMN fx_as_of date;

ALTER TABLE jobs ADD COLUMN warnings json;

-- Funds bought so far are AMFI's schemes, priced in rupees at their NAV.
UPDATE instruments SET currency = 'INR', price_source = 'amfi' WHERE instrument_type = 'mutual_fund' AND symbol LIKE 'MF%';
UPDATE instruments SET price_source = 'seed'
    WHERE symbol IN ('SPY','QQQ','IWM','VEA','VWO','EFA','AGG','BND','TLT','HYG','XLK','XLV','XLF','XLE','VNQ','GLD','SLV','AOR','AOA','VUG','VTV','VIG');
UPDATE instruments SET price_source = 'market' WHERE price_source IS NULL AND current_price IS NOT NULL;
UPDATE instruments SET price_as_of = CAST(price_updated_at AS date) WHERE price_updated_at IS NOT NULL;
UPDATE instruments SET instrument_type = 'etf' WHERE symbol IN ('VNQ', 'GLD', 'TLT');

-- A symbol a user added before it was seeded takes the seed's data.
INSERT INTO instruments (symbol, name, instrument_type, currency, current_price, price_updated_at, price_as_of, price_source, allocation_regions, allocation_sectors, allocation_asset_class) VALUES
('VTI', 'Vanguard Total Stock Market ETF', 'etf', 'USD', 289.40, now(), CURRENT_DATE, 'seed', '{"north_america":100}', '{"technology":31,"healthcare":12,"financials":13,"consumer_discretionary":11,"communication":8,"industrials":9,"consumer_staples":5,"energy":4,"utilities":2,"real_estate":3,"materials":2}', '{"equity":100}'),
('VXUS', 'Vanguard Total International Stock ETF', 'etf', 'USD', 64.85, now(), CURRENT_DATE, 'seed', '{"europe":40,"asia":40,"north_america":8,"oceania":5,"latin_america":3,"middle_east":2,"africa":2}', '{"financials":21,"industrials":15,"technology":14,"consumer_discretionary":11,"healthcare":9,"consumer_staples":7,"materials":7,"communication":6,"energy":5,"utilities":3,"real_estate":2}', '{"equity":100}'),
('AAPL', 'Apple Inc.', 'stock', 'USD', 229.35, now(), CURRENT_DATE, 'seed', '{"north_america":100}', '{"technology":100}', '{"equity":100}'),
('AMZN', 'Amazon.com, Inc.', 'stock', 'USD', 218.60, now(), CURRENT_DATE, 'seed', '{"north_america":100}', '{"consumer_discretionary":100}', '{"equity":100}'),
('GOOGL', 'Alphabet Inc. Class A', 'stock', 'USD', 176.20, now(), CURRENT_DATE, 'seed', '{"north_america":100}', '{"communication":100}', '{"equity":100}'),
('MSFT', 'Microsoft Corporation', 'stock', 'USD', 421.75, now(), CURRENT_DATE, 'seed', '{"north_america":100}', '{"technology":100}', '{"equity":100}'),
('NVDA', 'NVIDIA Corporation', 'stock', 'USD', 138.90, now(), CURRENT_DATE, 'seed', '{"north_america":100}', '{"technology":100}', '{"equity":100}'),
('TSLA', 'Tesla, Inc.', 'stock', 'USD', 251.45, now(), CURRENT_DATE, 'seed', '{"north_america":100}', '{"consumer_discretionary":100}', '{"equity":100}')
ON CONFLICT (symbol) DO UPDATE SET
    name = excluded.name, instrument_type = excluded.instrument_type, currency = excluded.currency,
    current_price = excluded.current_price, price_updated_at = excluded.price_updated_at,
    price_as_of = excluded.price_as_of, price_source = excluded.price_source,
    allocation_regions = excluded.allocation_regions, allocation_sectors = excluded.allocation_sectors,
    allocation_asset_class = excluded.allocation_asset_class, allocation_inferred = false;

-- +goose Down
UPDATE instruments SET instrument_type = 'reit' WHERE symbol = 'VNQ';
UPDATE instruments SET instrument_type = 'commodity' WHERE symbol = 'GLD';
UPDATE instruments SET instrument_type = 'bond_fund' WHERE symbol = 'TLT';
ALTER TABLE jobs DROP COLUMN warnings;
ALTER TABLE transactions DROP COLUMN fx_as_of;
ALTER TABLE transactions DROP COLUMN fx_rate;
ALTER TABLE transactions DROP COLUMN price_currency;
ALTER TABLE transactions DROP COLUMN currency;
ALTER TABLE instruments DROP COLUMN price_source;
ALTER TABLE instruments DROP COLUMN price_as_of;
ALTER TABLE instruments DROP COLUMN currency;
ALTER TABLE accounts DROP COLUMN currency;
ALTER TABLE users DROP COLUMN base_currency;
