package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"regexp"
	"strings"
	"testing/fstest"

	sqlitedriver "github.com/glebarez/go-sqlite"
	"github.com/glebarez/sqlite"
	"github.com/pressly/goose/v3"
	"gorm.io/gorm"
)

// sqliteScheme starts the URL of a SQLite database: sqlite:<path>.
const sqliteScheme = "sqlite:"

func isSQLite(url string) bool { return strings.HasPrefix(url, sqliteScheme) }

// sqliteDialector opens the file with foreign keys enforced (PostgreSQL
// always does), a write-ahead log, a wait instead of an error while another
// process writes, and times written in a format that sorts as it compares.
func sqliteDialector(url string) gorm.Dialector {
	path := strings.TrimPrefix(strings.TrimPrefix(url, sqliteScheme), "//")
	return sqlite.Open(path + "?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)" +
		"&_pragma=busy_timeout(10000)&_txlock=immediate&_time_format=sqlite")
}

func (s *Store) sqlite() bool { return s.db.Dialector.Name() == "sqlite" }

// lockRow is the row lock clause a transaction takes on a row it is about
// to change: PostgreSQL's, or nothing on SQLite, whose transactions
// (BEGIN IMMEDIATE) already hold the only write lock.
func lockRow(db *gorm.DB, clause string) string {
	if db.Dialector.Name() == "sqlite" {
		return ""
	}
	return " " + clause
}

// asyncCommitFrom is the FROM clause that lets a one-statement transaction
// commit without waiting for its WAL to reach the disk, on PostgreSQL: for
// writes that something redoes if a crash loses them. Its commit is still
// atomic, and seen by others at once. A transaction of its own (SET LOCAL)
// would cost three round trips more. Nothing on SQLite. It goes after the
// SET of an UPDATE without FROM.
func asyncCommitFrom(db *gorm.DB) string {
	if db.Dialector.Name() == "sqlite" {
		return ""
	}
	return " FROM (SELECT set_config('synchronous_commit', 'off', true)) AS async_commit"
}

// migrateSQLite applies the migrations of PostgreSQL, translated.
func (s *Store) migrateSQLite(ctx context.Context, log *slog.Logger) error {
	fsys, err := sqliteMigrations()
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	provider, err := goose.NewProvider(goose.DialectSQLite3, s.sqlDB, fsys,
		goose.WithSlog(log), goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return up(ctx, provider, log)
}

func sqliteMigrations() (fs.FS, error) {
	files, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	out := fstest.MapFS{}
	for _, name := range files {
		b, err := fs.ReadFile(migrations, name)
		if err != nil {
			return nil, err
		}
		out[strings.TrimPrefix(name, "migrations/")] = &fstest.MapFile{Data: []byte(toSQLite(string(b)))}
	}
	return out, nil
}

// sqliteDDL rewrites what PostgreSQL's DDL says differently. SQLite takes
// any type name; these are the ones whose meaning it would miss.
var sqliteDDL = []struct {
	pattern *regexp.Regexp
	with    string
}{
	// Only INTEGER PRIMARY KEY numbers rows by itself.
	{regexp.MustCompile(`(?i)\bbigserial\s+PRIMARY\s+KEY\b`), "INTEGER PRIMARY KEY AUTOINCREMENT"},
	// The driver reads TIMESTAMP columns back as times.
	{regexp.MustCompile(`(?i)\btimestamptz\b`), "TIMESTAMP"},
	// now() as the driver writes times, so that they compare as text.
	{regexp.MustCompile(`(?i)\bnow\(\)`), "(strftime('%Y-%m-%d %H:%M:%f+00:00', 'now'))"},
	{regexp.MustCompile(`::jsonb\b`), ""},
	// A timestamp's date: SQLite's CAST would keep only the year.
	{regexp.MustCompile(`(?i)\bCAST\((\w+) AS date\)`), "date($1)"},
	// Operator classes are PostgreSQL's (prefix LIKE on an index).
	{regexp.MustCompile(`\s+text_pattern_ops\b`), ""},
	// A column's type is only a hint to SQLite, and it cannot alter one.
	{regexp.MustCompile(`(?is)\bALTER\s+TABLE\s+\w+\s+ALTER\s+COLUMN\s+\w+\s+TYPE\b[^;]*;`), ""},
}

func toSQLite(ddl string) string {
	for _, r := range sqliteDDL {
		ddl = r.pattern.ReplaceAllString(ddl, r.with)
	}
	return ddl
}

// sqliteState maps SQLite's extended result codes to the SQLSTATE of
// PostgreSQL that means the same.
func sqliteState(err error) string {
	var e *sqlitedriver.Error
	if !errors.As(err, &e) {
		return ""
	}
	switch e.Code() {
	case 1555, 2067: // SQLITE_CONSTRAINT_PRIMARYKEY, SQLITE_CONSTRAINT_UNIQUE
		return "23505"
	case 787: // SQLITE_CONSTRAINT_FOREIGNKEY
		return "23503"
	case 275: // SQLITE_CONSTRAINT_CHECK
		return "23514"
	case 5, 6, 517: // SQLITE_BUSY, SQLITE_LOCKED, SQLITE_BUSY_SNAPSHOT
		return "40001"
	}
	return ""
}
