// Package store adapts PostgreSQL through GORM. The schema is owned by the
// SQL migrations embedded in migrations/, applied with goose; GORM only reads
// and writes rows.
//
// For the embedded laptop mode the same store runs on a SQLite file (a pure
// Go driver): the same migrations, translated where PostgreSQL's dialect
// differs (sqlite.go), and the same queries, written in the SQL both share.
//
// It may import alex only.
package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"hash/crc64"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/alex-advisor/alex"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Store is the PostgreSQL adapter.
type Store struct {
	db     *gorm.DB
	sqlDB  *sql.DB
	pool   *pgxpool.Pool // PostgreSQL's connections; nil on SQLite
	schema string
}

// Options configure Open.
type Options struct {
	// URL is postgres://... or sqlite:<path of the database file>.
	URL string
	// Schema, when set, is the search_path of every connection (tests use one
	// schema each).
	Schema           string
	MaxOpenConns     int
	StatementTimeout time.Duration
}

// Open connects to the database. It does not migrate.
func Open(ctx context.Context, opts Options) (*Store, error) {
	maxOpen := opts.MaxOpenConns
	if maxOpen == 0 {
		maxOpen = 20
	}
	s := &Store{schema: opts.Schema}
	var dialector gorm.Dialector
	if isSQLite(opts.URL) {
		dialector = sqliteDialector(opts.URL)
	} else {
		pool, err := openPool(ctx, opts, maxOpen)
		if err != nil {
			return nil, err
		}
		s.pool = pool
		dialector = postgres.New(postgres.Config{Conn: stdlib.OpenDBFromPool(pool)})
	}
	db, err := gorm.Open(dialector, &gorm.Config{
		Logger:                 logger.Discard,
		SkipDefaultTransaction: true,
		PrepareStmt:            false, // pgx caches prepared statements per connection itself
		TranslateError:         false,
		NowFunc:                now,
	})
	if err != nil {
		s.closePool()
		return nil, fmt.Errorf("open database: %w", err)
	}
	if s.sqlDB, err = db.DB(); err != nil {
		s.closePool()
		return nil, fmt.Errorf("open database: %w", err)
	}
	s.db = db
	if s.pool == nil {
		// One writer at a time is SQLite's rule: one connection keeps the
		// store's transactions from waiting on each other's locks.
		s.sqlDB.SetMaxOpenConns(1)
		s.sqlDB.SetMaxIdleConns(1)
		s.sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := s.Ping(pingCtx); err != nil {
		return nil, errors.Join(err, s.Close())
	}
	return s, nil
}

// openPool opens PostgreSQL's connection pool. It is pgxpool's, under
// database/sql (which then keeps no connection of its own), because
// pgxpool hands a freed connection to the query that has waited longest,
// where database/sql hands it to a random waiter: under a load with more
// requests than connections, that lottery made the tail of a job read ten
// times its median.
func openPool(ctx context.Context, opts Options, maxOpen int) (*pgxpool.Pool, error) {
	dsn, err := pgconnConfig(opts)
	if err != nil {
		return nil, err
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse DATABASE_URL: %w", err)
	}
	cfg.MaxConns = int32(maxOpen)
	cfg.MaxConnIdleTime = 5 * time.Minute
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	return pool, nil
}

func (s *Store) closePool() {
	if s.pool != nil {
		s.pool.Close()
	}
}

// PoolStats are the figures of the connection pool.
type PoolStats struct {
	MaxConns, InUse, Idle int
	// Waits counts the connections taken after waiting for one to be
	// free; WaitTime is their total wait.
	Waits    int64
	WaitTime time.Duration
}

// PoolStats reads the connection pool's figures.
func (s *Store) PoolStats() PoolStats {
	if s.pool == nil {
		st := s.sqlDB.Stats()
		return PoolStats{MaxConns: st.MaxOpenConnections, InUse: st.InUse, Idle: st.Idle,
			Waits: st.WaitCount, WaitTime: st.WaitDuration}
	}
	st := s.pool.Stat()
	return PoolStats{MaxConns: int(st.MaxConns()), InUse: int(st.AcquiredConns()), Idle: int(st.IdleConns()),
		Waits: st.EmptyAcquireCount(), WaitTime: st.EmptyAcquireWaitTime()}
}

// pgconnConfig adds the search path and the statement timeout to the URL as
// runtime parameters, so that every pooled connection carries them.
func pgconnConfig(opts Options) (string, error) {
	if _, err := pgconn.ParseConfig(opts.URL); err != nil {
		return "", fmt.Errorf("parse DATABASE_URL: %w", err)
	}
	timeout := opts.StatementTimeout
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	dsn := opts.URL
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	dsn += fmt.Sprintf("%sstatement_timeout=%d", sep, timeout.Milliseconds())
	if opts.Schema != "" {
		dsn += "&search_path=" + opts.Schema
	}
	return dsn, nil
}

// now is the time the store writes: PostgreSQL keeps microseconds, so
// responses carry what a later read returns.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// Close closes the connection pool.
func (s *Store) Close() error {
	err := s.sqlDB.Close()
	s.closePool()
	return err
}

// Ping checks that PostgreSQL answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.sqlDB.PingContext(ctx); err != nil {
		return unavailable(err)
	}
	return nil
}

// Migrate applies the embedded migrations under an advisory lock, so that
// replicas starting together migrate once.
func (s *Store) Migrate(ctx context.Context, log *slog.Logger) error {
	if s.sqlite() {
		return s.migrateSQLite(ctx, log)
	}
	lockID := lock.DefaultLockID
	if s.schema != "" {
		lockID = int64(crc64.Checksum([]byte(s.schema), crc64.MakeTable(crc64.ECMA)) >> 1)
	}
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(lockID), lock.WithLockTimeout(1, 60))
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	fsys, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	provider, err := goose.NewProvider(goose.DialectPostgres, s.sqlDB, fsys,
		goose.WithSessionLocker(locker), goose.WithSlog(log), goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return up(ctx, provider, log)
}

func up(ctx context.Context, provider *goose.Provider, log *slog.Logger) error {
	results, err := provider.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for _, r := range results {
		log.Info("migration applied", "version", r.Source.Version, "file", r.Source.Path,
			"duration_ms", float64(r.Duration.Microseconds())/1000)
	}
	version, err := provider.GetDBVersion(ctx)
	if err != nil {
		return fmt.Errorf("migrate: read the version: %w", err)
	}
	// Said also when nothing was to apply: `api migrate` then tells where
	// the database stands.
	log.Info("database migrated", "applied", len(results), "version", version)
	return nil
}

// DB exposes the GORM handle to the adapters in this module that extend the
// store (jobs, outbox); callers outside store use the typed methods.
func (s *Store) DB() *gorm.DB { return s.db }

// ErrNotFound is returned wrapped in an alex.Error with code ENOTFOUND.
func notFound(what string) error {
	return alex.Errorf(alex.ENOTFOUND, "%s not found.", what)
}

// translate turns database errors into domain errors once, here.
func translate(err error, what string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gorm.ErrRecordNotFound), errors.Is(err, sql.ErrNoRows):
		return notFound(what)
	}
	if code := sqlState(err); code != "" {
		switch code {
		case "23505":
			return alex.Errorf(alex.ECONFLICT, "%s already exists.", what)
		case "23503":
			return alex.Errorf(alex.ENOTFOUND, "%s refers to something that does not exist.", what)
		case "23514", "22003":
			return alex.Errorf(alex.EINVALID, "%s has a value out of range.", what)
		case "57014":
			return alex.Errorf(alex.EUNAVAILABLE, "The database took too long to answer.")
		case "40001", "40P01":
			// Serialization failure or deadlock: trying again succeeds.
			return unavailable(err)
		}
		if len(code) == 5 && (code[:2] == "08" || code[:2] == "57" || code[:2] == "53") {
			return unavailable(err)
		}
	}
	if isConnectionError(err) {
		return unavailable(err)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// retryAborted runs write, a whole transaction or one statement, up to
// three times while the database aborts it to break a deadlock or a
// serialization conflict (SQLite's busy counts as one): the error means
// "try again", and the writes of the job state machine must not be lost to
// it. Their statements lock a job's stage rows in orders no single rule
// fixes (a failure cancels the stages a delivery is marking), so
// PostgreSQL's deadlock detector now and then aborts one; a failure lost
// that way left its stage running until the sweeper found it silent and
// ran it again.
func retryAborted(write func() error) error {
	var err error
	for range 3 {
		if err = write(); !aborted(err) {
			return err
		}
	}
	return err
}

// transaction is a transaction of the job state machine: see retryAborted.
func (s *Store) transaction(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return retryAborted(func() error { return s.db.WithContext(ctx).Transaction(fn) })
}

func aborted(err error) bool {
	code := sqlState(err)
	return code == "40001" || code == "40P01"
}

// sqlState is the SQLSTATE of a database error; SQLite's codes are mapped to
// the PostgreSQL states they mean.
func sqlState(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}
	return sqliteState(err)
}

func isConnectionError(err error) bool {
	var netErr net.Error
	var connectErr *pgconn.ConnectError
	// A connection cut mid-answer surfaces as an unexpected EOF.
	return errors.As(err, &netErr) || errors.As(err, &connectErr) ||
		errors.Is(err, sql.ErrConnDone) || errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, context.DeadlineExceeded)
}

// unavailableError keeps the cause for logs while showing users a safe message.
type unavailableError struct {
	domain *alex.Error
	cause  error
}

func (e unavailableError) Unwrap() []error { return []error{e.domain, e.cause} }
func (e unavailableError) Error() string   { return "database unavailable: " + e.cause.Error() }

func unavailable(err error) error {
	return unavailableError{
		domain: alex.Errorf(alex.EUNAVAILABLE, "The database is unavailable; try again shortly."),
		cause:  err,
	}
}
