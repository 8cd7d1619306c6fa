-- The Mutual Fund Broker's purchases: its frontend knows no cash, so each
-- purchase is paid by a deposit of its cost into the user's fund account.
-- A deposit is a ledger row of its own (side 'deposit', no symbol, quantity
-- or price), and each user has at most one fund account, so that two first
-- purchases at once cannot create two.
--
-- SQLite cannot drop a NOT NULL or change a CHECK, so the transactions table
-- is rebuilt the same way on both databases.

-- +goose Up
CREATE TABLE transactions_next (
    id             uuid PRIMARY KEY,
    account_id     uuid NOT NULL REFERENCES accounts ON DELETE CASCADE,
    clerk_user_id  text NOT NULL,
    side           text NOT NULL CHECK (side IN ('buy', 'sell', 'deposit')),
    symbol         text REFERENCES instruments,
    quantity       numeric(24,8) CHECK (quantity > 0),
    price          numeric(20,6),
    amount         numeric(18,2) NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    currency       text NOT NULL DEFAULT 'USD',
    price_currency text NOT NULL DEFAULT 'USD',
    fx_rate        numeric(24,10) NOT NULL DEFAULT 1,
    fx_as_of       date,
    -- A trade names what it traded; a deposit names nothing but money.
    CHECK ((side = 'deposit') = (symbol IS NULL AND quantity IS NULL AND price IS NULL))
);
INSERT INTO transactions_next (id, account_id, clerk_user_id, side, symbol, quantity, price, amount,
                               created_at, currency, price_currency, fx_rate, fx_as_of)
SELECT id, account_id, clerk_user_id, side, symbol, quantity, price, amount,
       created_at, currency, price_currency, fx_rate, fx_as_of FROM transactions;
DROP TABLE transactions;
ALTER TABLE transactions_next RENAME TO transactions;
CREATE INDEX transactions_account_created_idx ON transactions (account_id, created_at DESC, id DESC);

ALTER TABLE accounts ADD COLUMN fund_account boolean NOT NULL DEFAULT false;
CREATE UNIQUE INDEX accounts_one_fund_account_idx ON accounts (clerk_user_id) WHERE fund_account;

-- +goose Down
DROP INDEX accounts_one_fund_account_idx;
ALTER TABLE accounts DROP COLUMN fund_account;
DELETE FROM transactions WHERE side = 'deposit';
CREATE TABLE transactions_prev (
    id             uuid PRIMARY KEY,
    account_id     uuid NOT NULL REFERENCES accounts ON DELETE CASCADE,
    clerk_user_id  text NOT NULL,
    side           text NOT NULL CHECK (side IN ('buy', 'sell')),
    symbol         text NOT NULL REFERENCES instruments,
    quantity       numeric(24,8) NOT NULL CHECK (quantity > 0),
    price          numeric(20,6) NOT NULL,
    amount         numeric(18,2) NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    currency       text NOT NULL DEFAULT 'USD',
    price_currency text NOT NULL DEFAULT 'USD',
    fx_rate        numeric(24,10) NOT NULL DEFAULT 1,
    fx_as_of       date
);
INSERT INTO transactions_prev SELECT id, account_id, clerk_user_id, side, symbol, quantity, price, amount,
       created_at, currency, price_currency, fx_rate, fx_as_of FROM transactions;
DROP TABLE transactions;
ALTER TABLE transactions_prev RENAME TO transactions;
CREATE INDEX transactions_account_created_idx ON transactions (account_id, created_at DESC, id DESC);
