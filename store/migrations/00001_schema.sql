-- The portfolio schema: users, instruments, accounts, positions, transactions,
-- and the key the service signs its own tokens with in local auth mode.

-- +goose Up
CREATE TABLE users (
    clerk_user_id            text PRIMARY KEY,
    display_name             text NOT NULL,
    years_until_retirement   integer NOT NULL DEFAULT 20 CHECK (years_until_retirement BETWEEN 0 AND 100),
    target_retirement_income numeric(16,2) NOT NULL DEFAULT 60000 CHECK (target_retirement_income >= 0),
    asset_class_targets      jsonb NOT NULL,
    region_targets           jsonb NOT NULL,
    created_at               timestamptz NOT NULL DEFAULT now(),
    updated_at               timestamptz NOT NULL DEFAULT now()
);

-- Credentials of local auth mode; Clerk users have none.
CREATE TABLE user_credentials (
    email         text PRIMARY KEY,
    clerk_user_id text NOT NULL UNIQUE REFERENCES users ON DELETE CASCADE,
    password_hash text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE instruments (
    symbol                 text PRIMARY KEY,
    name                   text NOT NULL,
    instrument_type        text NOT NULL,
    current_price          numeric(20,6),
    price_updated_at       timestamptz,
    allocation_regions     jsonb NOT NULL DEFAULT '{}',
    allocation_sectors     jsonb NOT NULL DEFAULT '{}',
    allocation_asset_class jsonb NOT NULL DEFAULT '{}',
    allocation_inferred    boolean NOT NULL DEFAULT false,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now()
);
-- Prefix autocomplete on symbol or name, case-insensitive.
CREATE INDEX instruments_lower_name_idx ON instruments (lower(name) text_pattern_ops);

CREATE TABLE accounts (
    id              uuid PRIMARY KEY,
    clerk_user_id   text NOT NULL REFERENCES users ON DELETE CASCADE,
    account_name    varchar(255) NOT NULL,
    account_purpose text NOT NULL DEFAULT '',
    cash_balance    numeric(18,2) NOT NULL DEFAULT 0 CHECK (cash_balance >= 0),
    cash_interest   numeric(8,6) NOT NULL DEFAULT 0 CHECK (cash_interest BETWEEN 0 AND 1),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX accounts_user_created_idx ON accounts (clerk_user_id, created_at DESC);

CREATE TABLE positions (
    id         uuid PRIMARY KEY,
    account_id uuid NOT NULL REFERENCES accounts ON DELETE CASCADE,
    symbol     text NOT NULL REFERENCES instruments,
    quantity   numeric(24,8) NOT NULL CHECK (quantity > 0),
    as_of_date date NOT NULL DEFAULT current_date,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (account_id, symbol)
);

CREATE TABLE transactions (
    id            uuid PRIMARY KEY,
    account_id    uuid NOT NULL REFERENCES accounts ON DELETE CASCADE,
    clerk_user_id text NOT NULL,
    side          text NOT NULL CHECK (side IN ('buy', 'sell')),
    symbol        text NOT NULL REFERENCES instruments,
    quantity      numeric(24,8) NOT NULL CHECK (quantity > 0),
    price         numeric(20,6) NOT NULL,
    amount        numeric(18,2) NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX transactions_account_created_idx ON transactions (account_id, created_at DESC, id DESC);

-- One row: the RSA key of local auth mode, shared by every API replica.
CREATE TABLE signing_keys (
    name        text PRIMARY KEY,
    private_pem text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE signing_keys;
DROP TABLE transactions;
DROP TABLE positions;
DROP TABLE accounts;
DROP TABLE instruments;
DROP TABLE user_credentials;
DROP TABLE users;
