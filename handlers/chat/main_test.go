package chat

import (
	"os"
	"testing"

	"github.com/hearth-community/hearth/store"
	"github.com/hearth-community/hearth/store/storetest"
)

// TestMain runs the package's tests on SQLite and again on PostgreSQL (storetest.Lanes).
func TestMain(m *testing.M) {
	storetest.Prepare(store.MigratePostgres)
	os.Exit(storetest.Lanes(m))
}
