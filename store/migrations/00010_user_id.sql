-- The owner of a row is a user of this service, whether Clerk or the
-- service's own login made them: the column says user_id, and the users table
-- keys its rows by id. The JSON the Alex frontend reads keeps clerk_user_id.

-- +goose Up
ALTER TABLE users RENAME COLUMN clerk_user_id TO id;
ALTER TABLE user_credentials RENAME COLUMN clerk_user_id TO user_id;
ALTER TABLE accounts RENAME COLUMN clerk_user_id TO user_id;
ALTER TABLE transactions RENAME COLUMN clerk_user_id TO user_id;
ALTER TABLE jobs RENAME COLUMN clerk_user_id TO user_id;
ALTER TABLE idempotency_keys RENAME COLUMN clerk_user_id TO user_id;

-- +goose Down
ALTER TABLE idempotency_keys RENAME COLUMN user_id TO clerk_user_id;
ALTER TABLE jobs RENAME COLUMN user_id TO clerk_user_id;
ALTER TABLE transactions RENAME COLUMN user_id TO clerk_user_id;
ALTER TABLE accounts RENAME COLUMN user_id TO clerk_user_id;
ALTER TABLE user_credentials RENAME COLUMN user_id TO clerk_user_id;
ALTER TABLE users RENAME COLUMN id TO clerk_user_id;
