-- A position may be held at 0: the Alex frontend sets a quantity to 0 from
-- its editor and keeps the row (POST /positions still requires more than 0).
-- SQLite cannot change a CHECK in place, so the table is rebuilt; the same
-- statements run on PostgreSQL, where its constraints keep the names
-- positions_new_* they were created with.

-- +goose Up
CREATE TABLE positions_new (
    id         uuid PRIMARY KEY,
    account_id uuid NOT NULL REFERENCES accounts ON DELETE CASCADE,
    symbol     text NOT NULL REFERENCES instruments,
    quantity   numeric(24,8) NOT NULL CHECK (quantity >= 0),
    as_of_date date NOT NULL DEFAULT current_date,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (account_id, symbol)
);
INSERT INTO positions_new (id, account_id, symbol, quantity, as_of_date, created_at, updated_at)
    SELECT id, account_id, symbol, quantity, as_of_date, created_at, updated_at FROM positions;
DROP TABLE positions;
ALTER TABLE positions_new RENAME TO positions;

-- +goose Down
CREATE TABLE positions_old (
    id         uuid PRIMARY KEY,
    account_id uuid NOT NULL REFERENCES accounts ON DELETE CASCADE,
    symbol     text NOT NULL REFERENCES instruments,
    quantity   numeric(24,8) NOT NULL CHECK (quantity > 0),
    as_of_date date NOT NULL DEFAULT current_date,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (account_id, symbol)
);
INSERT INTO positions_old (id, account_id, symbol, quantity, as_of_date, created_at, updated_at)
    SELECT id, account_id, symbol, quantity, as_of_date, created_at, updated_at FROM positions WHERE quantity > 0;
DROP TABLE positions;
ALTER TABLE positions_old RENAME TO positions;
