// Package storetest opens the real PostgreSQL for tests: every test gets a
// schema of its own, migrated from the embedded migrations and dropped when
// the test ends, so tests run in parallel without seeing each other's rows.
//
// It may import store only (tests only).
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver for schema setup
	"github.com/stretchr/testify/require"

	"github.com/alex-advisor/alex/store"
)

// URL is the test database: TEST_DATABASE_URL, else the machine's PostgreSQL.
func URL() string {
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

// MustOpenDB returns a store on a fresh, migrated schema. A database that
// does not answer fails the test: nothing is skipped.
//
// TEST_STORE=sqlite runs the same tests on the embedded mode's SQLite
// instead: `TEST_STORE=sqlite go test ./http/` checks that the store's SQL
// holds on both.
func MustOpenDB(tb testing.TB) *store.Store {
	tb.Helper()
	if os.Getenv("TEST_STORE") == "sqlite" {
		return MustOpenSQLite(tb)
	}
	s, _ := MustOpenSchema(tb)
	return s
}

// MustOpenSQLite returns a store on a fresh, migrated SQLite file of the
// test's own, as the embedded mode opens it.
func MustOpenSQLite(tb testing.TB) *store.Store {
	tb.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, store.Options{URL: "sqlite:" + filepath.Join(tb.TempDir(), "alex.db")})
	require.NoError(tb, err)
	tb.Cleanup(func() { s.Close() })
	require.NoError(tb, s.Migrate(ctx, slog.New(slog.NewTextHandler(io.Discard, nil))))
	return s
}

// MustOpenSchema is MustOpenDB that also returns the schema's name, for
// processes started by the test that must use the same schema.
func MustOpenSchema(tb testing.TB) (*store.Store, string) {
	tb.Helper()
	schema := NewSchema(tb)
	ctx := context.Background()
	s, err := store.Open(ctx, store.Options{URL: URL(), Schema: schema, MaxOpenConns: 10})
	require.NoError(tb, err, "open test database at %s", URL())
	tb.Cleanup(func() { s.Close() })
	require.NoError(tb, s.Migrate(ctx, slog.New(slog.NewTextHandler(io.Discard, nil))))
	return s, schema
}

// NewSchema creates an empty schema that is dropped when the test ends, in
// the test database, which it creates first when it is missing.
func NewSchema(tb testing.TB) string {
	tb.Helper()
	require.NoError(tb, EnsureDatabase(context.Background(), URL()), "create the test database")
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "test_" + hex.EncodeToString(b)
	db, err := sql.Open("pgx", URL())
	require.NoError(tb, err)
	_, err = db.Exec("CREATE SCHEMA " + schema)
	require.NoError(tb, err, "create schema in %s", URL())
	tb.Cleanup(func() {
		_, _ = db.Exec("DROP SCHEMA " + schema + " CASCADE")
		db.Close()
	})
	return schema
}
