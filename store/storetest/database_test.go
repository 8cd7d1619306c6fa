package storetest_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/alex-advisor/alex/store/storetest"
)

// A fresh machine has PostgreSQL but no test database: EnsureDatabase
// creates it, and several processes doing so at once all succeed.
func TestEnsureDatabaseCreatesAMissingDatabase(t *testing.T) {
	ctx := context.Background()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "alex_fresh_" + hex.EncodeToString(b)
	u, err := url.Parse(storetest.URL())
	require.NoError(t, err)
	u.Path = "/" + name
	freshURL := u.String()
	u.Path = "/postgres"
	admin, err := sql.Open("pgx", u.String())
	require.NoError(t, err)
	t.Cleanup(func() {
		_, err := admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
		require.NoError(t, err)
		admin.Close()
	})
	require.Equal(t, 0, databases(t, admin, name), "precondition: %s does not exist", name)

	// Concurrent creators, as the test processes of several packages are:
	// each URL differs only in a parameter, so none shares another's once.
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			creator := *u
			creator.Path = "/" + name
			q := creator.Query()
			q.Set("application_name", fmt.Sprintf("creator%d", i))
			creator.RawQuery = q.Encode()
			errs[i] = storetest.EnsureDatabase(ctx, creator.String())
		}()
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	require.Equal(t, 1, databases(t, admin, name))

	db, err := sql.Open("pgx", freshURL)
	require.NoError(t, err)
	defer db.Close()
	require.NoError(t, db.PingContext(ctx), "the created database answers")
}

func databases(t *testing.T, db *sql.DB, name string) int {
	t.Helper()
	var n int
	require.NoError(t, db.QueryRow("SELECT count(*) FROM pg_database WHERE datname = $1", name).Scan(&n))
	return n
}
