package chat

import (
	"os"
	"testing"

	"github.com/hearth-community/hearth/store/storetest"
)

// TestMain runs the package's tests on SQLite and again on PostgreSQL (storetest.Lanes).
func TestMain(m *testing.M) { os.Exit(storetest.Lanes(m)) }
