-- A symbol a user adds stays theirs until a provider confirms it: owner_user_id
-- names the user who added it, NULL is a public instrument (seeded, quoted by
-- the market provider, or a fund from AMFI). One row per symbol stays: positions
-- and transactions reference instruments by symbol, and a quote is the same for
-- everyone, so a second user adding the same unconfirmed symbol holds the same
-- row; it shows only to the users who hold it or added it (store.visibleTo).
-- No foreign key to users: an instrument outlives its owner's account while
-- other users' positions reference it.

-- +goose Up
ALTER TABLE instruments ADD COLUMN owner_user_id text;
CREATE INDEX instruments_owner_idx ON instruments (owner_user_id) WHERE owner_user_id IS NOT NULL;

-- Symbols users added that no provider ever priced become private to a user
-- who holds them; those nobody references go.
UPDATE instruments SET owner_user_id = (
    SELECT min(a.clerk_user_id) FROM positions p JOIN accounts a ON a.id = p.account_id
    WHERE p.symbol = instruments.symbol)
WHERE current_price IS NULL AND name = symbol || ' - User Added';
DELETE FROM instruments
WHERE owner_user_id IS NULL AND current_price IS NULL AND name = symbol || ' - User Added'
  AND symbol NOT IN (SELECT symbol FROM positions)
  AND symbol NOT IN (SELECT symbol FROM transactions WHERE symbol IS NOT NULL);

-- +goose Down
DROP INDEX instruments_owner_idx;
ALTER TABLE instruments DROP COLUMN owner_user_id;
