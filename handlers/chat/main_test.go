package chat

import (
	"context"
	"os"
	"testing"

	"github.com/hearth-community/hearth/store"
	"github.com/hearth-community/hearth/store/storetest"
)

// TestMain runs the package's tests on SQLite and again on PostgreSQL (storetest.Lanes).
func TestMain(m *testing.M) {
	storetest.Prepare(func(ctx context.Context, url string) error {
		st, err := store.Open(ctx, store.Options{DatabaseURL: url})
		if err != nil {
			return err
		}
		defer st.Close()
		return st.Migrate(ctx)
	})
	os.Exit(storetest.Lanes(m))
}
