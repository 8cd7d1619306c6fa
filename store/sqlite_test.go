package store_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/alex-advisor/alex/store/storetest"
)

// The SQLite of the embedded mode gets the same tables and columns from the
// same migrations as PostgreSQL.
func TestSQLiteSchemaMatchesPostgres(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pg, schema := storetest.MustOpenSchema(t)
	lite := storetest.MustOpenSQLite(t)

	var pgColumns []string
	require.NoError(t, pg.DB().WithContext(ctx).Raw(`SELECT table_name || '.' || column_name FROM information_schema.columns
		WHERE table_schema = ? AND table_name <> 'goose_db_version' ORDER BY 1`, schema).Scan(&pgColumns).Error)
	var liteColumns []string
	require.NoError(t, lite.DB().WithContext(ctx).Raw(`SELECT m.name || '.' || p.name FROM sqlite_master m, pragma_table_info(m.name) p
		WHERE m.type = 'table' AND m.name NOT IN ('goose_db_version', 'sqlite_sequence') ORDER BY 1`).Scan(&liteColumns).Error)
	require.NotEmpty(t, pgColumns)
	require.Equal(t, pgColumns, liteColumns)

	var seeds int64
	require.NoError(t, lite.DB().Raw("SELECT count(*) FROM instruments").Scan(&seeds).Error)
	require.EqualValues(t, 30, seeds)
}
