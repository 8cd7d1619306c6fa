// Package tasks runs analysis jobs on asynq.
//
// Lifecycle of a job:
//
//  1. Define: every stage of alex.Stages is one task type, "stage:<name>",
//     whose payload names the job and the stage (StagePayload). NewStageTask
//     builds it with the stage's queue, timeout, retry policy and a
//     deterministic task id (<job_id>:<stage>).
//  2. Enqueue: the API writes the job, its stages and an outbox row for the
//     planner in one transaction, then Deliver hands the task to Redis,
//     marks the row delivered and wakes an idle worker (queue.Wake). If
//     Redis is down the row stays, and the Sweeper of any worker delivers
//     it later.
//  3. Register and start: cmd/worker builds a Worker: the asynq server
//     (NewServer, NewMux(handler)), the sweeper, and a listener that, while
//     the worker has a free slot, blocks on wake-ups. Every replica pulls
//     from the same queues.
//  4. Run: a stage is claimed in PostgreSQL (only when the job is
//     unfinished, earlier stages completed and no live runner has it) by
//     the worker woken for it, or by the worker whose completion unblocked
//     it, or by whichever worker dequeues its asynq task; the other
//     claimants return at once. The runner beats a heartbeat while the
//     stage function runs, and writes the result with the completed status
//     in one transaction. That transaction also queues the stages the
//     completion makes ready, decided in SQL under the job row's lock (the
//     last of charter, reporter and retirement to finish queues summary),
//     and claims as many of them as the worker has free slots for: those
//     run in-process at once, so no hop waits for asynq's poll, and get no
//     task: the only tasks queued are those of the ready stages nobody
//     claimed. An attempt that lost (the stage was done meanwhile, or the
//     job was cancelled) writes nothing. A failed attempt goes back to
//     pending, for its task's retry or, with none, the sweeper (or the next
//     sibling's completion, which queues it); in-process runs and asynq's
//     tries share the stage's maxRetry+1 attempts.
//  5. Recover: the Sweeper re-queues, under a new task id, running stages
//     whose heartbeat went stale (their worker died) and pending stages whose
//     task vanished from Redis. Enqueueing twice is harmless.
//  6. Stop: Shutdown cancels the in-process runs (their stages go back to
//     pending, for the sweeper), lets the stages asynq
//     handed out finish within the server's timeout; the rest go back to
//     the queue.
//
// Besides stages, a worker given a Refresher handles the market refresh
// tasks (market:refresh_prices, market:refresh_navs, market:refresh_rates
// on the low queue), and given a Schedule runs an asynq scheduler that
// enqueues them; asynq.Unique keeps the schedulers of many replicas to one
// task per tick (see ScheduledTasks).
//
// It may import alex, analysis, narrator, market, metrics, queue and store,
// never http.
package tasks
