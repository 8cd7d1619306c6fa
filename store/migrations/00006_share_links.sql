-- Share links: a job's report shown without login to whoever has the link,
-- until it expires or its owner revokes the job's links. Only the SHA-256
-- of a link's token is kept (hex): the database cannot hand out a working
-- link. A deleted job takes its links with it.

-- +goose Up
CREATE TABLE share_links (
    token_hash text PRIMARY KEY,
    job_id     uuid NOT NULL REFERENCES jobs ON DELETE CASCADE,
    expires_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX share_links_job_idx ON share_links (job_id);

-- +goose Down
DROP TABLE share_links;
