package tasks_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/alex-advisor/alex"
	"github.com/alex-advisor/alex/store"
	"github.com/alex-advisor/alex/store/storetest"
	"github.com/alex-advisor/alex/tasks"
)

// Upper bounds of what one analysis costs, API and worker together, with
// the worker idle when the job arrives. Someone who adds a round trip to
// the path of every job sees this test fail, and either removes it or
// raises the bound knowingly.
const (
	maxStatementsPerJob = 50
	roundTripJobs       = 20
)

// TestStatementsPerJob counts the SQL statements (BEGIN and COMMIT
// included) and the Redis commands that analyses cost, end to end: the
// submit, the stages, their bookkeeping. The API and the worker connect to
// PostgreSQL as a role of their own, so that pg_stat_statements counts
// them and nothing else of the machine; the test watches its jobs through
// another role. Run it with -v to read the counts:
//
//	go test -count=1 -v -run TestStatementsPerJob ./tasks/
func TestStatementsPerJob(t *testing.T) {
	h := newHarness(t, 3)
	watcher := h.store
	role := countedRole(t)
	counted := openAs(t, role, h.schema)
	h.useStore(counted)
	// The sweeper, a timer, stays out of the count.
	h.startWorker((&tasks.Analysis{Store: counted}).Stages(), tasks.WorkerOptions{SweepEvery: time.Hour})
	tok := h.token("user_roundtrips")
	h.populate(tok)
	// A first job warms the pools and the prepared statements.
	waitTerminal(t, watcher, h.submit(tok))

	ctx := context.Background()
	stmtsBefore := statementsOf(t, watcher, role)
	redisBefore := redisCommands(t, h.redis.URL())
	for range roundTripJobs {
		j := waitTerminal(t, watcher, h.submit(tok))
		require.Equal(t, alex.StatusCompleted, j.Status)
	}
	stmts := statementsOf(t, watcher, role) - stmtsBefore
	cmds := redisCommands(t, h.redis.URL()) - redisBefore
	perJob := float64(stmts) / roundTripJobs
	t.Logf("per analysis: %.1f SQL statements, %.1f Redis commands (over %d jobs; Redis includes asynq's own timers)",
		perJob, float64(cmds)/roundTripJobs, roundTripJobs)
	if testing.Verbose() {
		logStatements(t, ctx, watcher, role)
	}
	require.LessOrEqual(t, perJob, float64(maxStatementsPerJob), "SQL statements per analysis")
}

// countedRole creates a login role that pg_stat_statements tells apart, and
// drops it when the test ends.
func countedRole(t *testing.T) string {
	t.Helper()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	role := "alex_count_" + hex.EncodeToString(b)
	db, err := sql.Open("pgx", storetest.URL())
	require.NoError(t, err)
	_, err = db.Exec("CREATE EXTENSION IF NOT EXISTS pg_stat_statements SCHEMA public")
	require.NoError(t, err, "pg_stat_statements must be in shared_preload_libraries")
	_, err = db.Exec("CREATE ROLE " + role + " LOGIN SUPERUSER")
	require.NoError(t, err)
	t.Cleanup(func() {
		_, _ = db.Exec("DROP ROLE IF EXISTS " + role)
		db.Close()
	})
	return role
}

// openAs opens the test schema as role.
func openAs(t *testing.T, role, schema string) *store.Store {
	t.Helper()
	u, err := url.Parse(storetest.URL())
	require.NoError(t, err)
	u.User = url.User(role)
	s, err := store.Open(context.Background(), store.Options{URL: u.String(), Schema: schema, MaxOpenConns: 10})
	require.NoError(t, err)
	// Registered after the role's drop, so it runs before it.
	t.Cleanup(func() { s.Close() })
	return s
}

func statementsOf(t *testing.T, s *store.Store, role string) int64 {
	t.Helper()
	var n int64
	require.NoError(t, s.DB().Raw(`SELECT coalesce(sum(calls), 0) FROM public.pg_stat_statements
		WHERE userid = (SELECT oid FROM pg_roles WHERE rolname = ?)`, role).Scan(&n).Error)
	return n
}

func logStatements(t *testing.T, ctx context.Context, s *store.Store, role string) {
	var rows []struct {
		Calls int64
		Query string
	}
	require.NoError(t, s.DB().WithContext(ctx).Raw(`SELECT calls, query FROM public.pg_stat_statements
		WHERE userid = (SELECT oid FROM pg_roles WHERE rolname = ?) ORDER BY calls DESC, query`, role).Scan(&rows).Error)
	for _, r := range rows {
		t.Logf("%6d  %s", r.Calls, strings.Join(strings.Fields(r.Query), " "))
	}
}

// redisCommands is the number of commands the Redis server has run.
func redisCommands(t *testing.T, redisURL string) int64 {
	t.Helper()
	opts, err := redis.ParseURL(redisURL)
	require.NoError(t, err)
	c := redis.NewClient(opts)
	defer c.Close()
	info, err := c.Info(context.Background(), "commandstats").Result()
	require.NoError(t, err)
	var n int64
	for line := range strings.Lines(info) {
		// cmdstat_get:calls=3,usec=...
		_, stats, ok := strings.Cut(strings.TrimSpace(line), ":calls=")
		if !ok || strings.HasPrefix(line, "cmdstat_info:") {
			continue
		}
		calls, _, _ := strings.Cut(stats, ",")
		v, err := strconv.ParseInt(calls, 10, 64)
		require.NoError(t, err)
		n += v
	}
	return n
}

// waitTerminal waits for the job to end, reading it through s.
func waitTerminal(t *testing.T, s *store.Store, jobID string) store.Job {
	t.Helper()
	var j store.Job
	require.Eventually(t, func() bool {
		var err error
		j, err = s.JobByID(context.Background(), jobID)
		require.NoError(t, err)
		return j.Terminal()
	}, 30*time.Second, 5*time.Millisecond, "job %s did not finish", jobID)
	return j
}
