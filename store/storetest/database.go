package storetest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// PostgreSQL error codes EnsureDatabase reads.
const (
	codeNoSuchDatabase    = "3D000" // invalid_catalog_name: the database does not exist
	codeDuplicateDatabase = "42P04" // another process created it first
	codeUniqueViolation   = "23505" // the same race, seen in pg_database's unique index
)

// ensured remembers the databases this process has made sure of, so that the
// many tests of a package ask once.
var ensured sync.Map // database URL → *sync.Once-guarded error

type ensureResult struct {
	once sync.Once
	err  error
}

// EnsureDatabase creates the database dbURL names when it does not exist
// yet, through the server's maintenance database `postgres`: a fresh machine
// has PostgreSQL but no test database. Packages' tests run in parallel
// processes, so another process creating the same database at the same time
// is success, not an error. dbURL must be a postgres:// URL.
func EnsureDatabase(ctx context.Context, dbURL string) error {
	v, _ := ensured.LoadOrStore(dbURL, &ensureResult{})
	r := v.(*ensureResult)
	r.once.Do(func() { r.err = ensureDatabase(ctx, dbURL) })
	return r.err
}

func ensureDatabase(ctx context.Context, dbURL string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	err := ping(ctx, dbURL)
	if pgCode(err) != codeNoSuchDatabase {
		return err // there already, or a failure creating would not cure
	}
	name, adminURL, err := maintenanceURL(dbURL)
	if err != nil {
		return err
	}
	admin, err := sql.Open("pgx", adminURL)
	if err != nil {
		return fmt.Errorf("open %s: %w", adminURL, err)
	}
	defer admin.Close()
	_, err = admin.ExecContext(ctx, "CREATE DATABASE "+quoteIdent(name))
	switch pgCode(err) {
	case "", codeDuplicateDatabase, codeUniqueViolation:
		return nil
	}
	return fmt.Errorf("create database %s: %w", name, err)
}

func ping(ctx context.Context, dbURL string) error {
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		return fmt.Errorf("open %s: %w", dbURL, err)
	}
	defer db.Close()
	return db.PingContext(ctx)
}

// maintenanceURL is dbURL with its database replaced by `postgres`, and the
// name of the database it replaced.
func maintenanceURL(dbURL string) (name, adminURL string, err error) {
	u, err := url.Parse(dbURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", "", fmt.Errorf("test database URL %q is not a postgres:// URL", dbURL)
	}
	name = strings.TrimPrefix(u.Path, "/")
	if name == "" || name == "postgres" {
		return "", "", fmt.Errorf("test database URL %q names no database to create", dbURL)
	}
	u.Path = "/postgres"
	return name, u.String(), nil
}

func pgCode(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}
	return ""
}

func quoteIdent(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}
