-- Analysis jobs: the job row the API serves, one row per stage, the keys of
-- idempotent submits, and the outbox of tasks still to hand to Redis.

-- +goose Up
CREATE TABLE jobs (
    id                 uuid PRIMARY KEY,
    clerk_user_id      text NOT NULL REFERENCES users ON DELETE CASCADE,
    job_type           text NOT NULL,
    status             text NOT NULL DEFAULT 'pending'
                       CHECK (status IN ('pending', 'running', 'completed', 'failed', 'cancelled')),
    request_payload    jsonb NOT NULL DEFAULT '{}',
    -- The planner's portfolio snapshot, input of every later stage; not served.
    snapshot           jsonb,
    report_payload     jsonb,
    charts_payload     jsonb,
    retirement_payload jsonb,
    summary_payload    jsonb,
    error_message      text,
    created_at         timestamptz NOT NULL DEFAULT now(),
    started_at         timestamptz,
    completed_at       timestamptz,
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX jobs_user_created_idx ON jobs (clerk_user_id, created_at DESC, id DESC);
CREATE INDEX jobs_user_active_idx ON jobs (clerk_user_id) WHERE status IN ('pending', 'running');

CREATE TABLE job_stages (
    job_id       uuid NOT NULL REFERENCES jobs ON DELETE CASCADE,
    name         text NOT NULL,
    position     integer NOT NULL,
    status       text NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'running', 'completed', 'failed', 'cancelled')),
    attempts     integer NOT NULL DEFAULT 0,
    -- How often the sweeper queued the stage again: part of the task id, so
    -- that a new task never collides with the one that was lost.
    requeues     integer NOT NULL DEFAULT 0,
    error        text,
    -- The task id the stage was last handed to Redis under.
    task_id      text,
    enqueued_at  timestamptz,
    heartbeat_at timestamptz,
    started_at   timestamptz,
    completed_at timestamptz,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (job_id, name)
);
-- The reconciler scans only unfinished stages.
CREATE INDEX job_stages_unfinished_idx ON job_stages (status, heartbeat_at) WHERE status IN ('pending', 'running');

CREATE TABLE idempotency_keys (
    clerk_user_id text NOT NULL,
    key           text NOT NULL,
    job_id        uuid NOT NULL REFERENCES jobs ON DELETE CASCADE,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (clerk_user_id, key)
);

-- Tasks written in the same transaction as the state that calls for them and
-- delivered to Redis after commit; the worker's sweeper delivers what a
-- crash or a Redis outage left behind.
CREATE TABLE outbox (
    id           bigserial PRIMARY KEY,
    job_id       uuid NOT NULL REFERENCES jobs ON DELETE CASCADE,
    stage        text NOT NULL,
    task_id      text NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    delivered_at timestamptz
);
CREATE INDEX outbox_undelivered_idx ON outbox (id) WHERE delivered_at IS NULL;

-- +goose Down
DROP TABLE outbox;
DROP TABLE idempotency_keys;
DROP TABLE job_stages;
DROP TABLE jobs;
