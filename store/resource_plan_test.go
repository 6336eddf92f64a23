package store

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-community/hearth/store/storetest"
)

// TestSearchQueryPlan checks that a filtered search walks the full-text matches and looks
// each resource up by id. The other way round (walking the resources and running the
// full-text query for each) took 229 ms for a search that found nothing among 500
// resources. The newest matches come first without a sort, so the LIMIT stops the walk.
func TestSearchQueryPlan(t *testing.T) {
	storetest.SkipOnPostgres(t, "SQLite query plans")
	ctx := context.Background()
	st, err := Open(ctx, Options{Path: filepath.Join(t.TempDir(), "hearth.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	q := searchMatchesSQL(true, "r.status = 'published' AND r.category = CAST(? AS TEXT)")
	rows, err := st.r.db.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q, `"sleep"`, "self-care", 1001)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	all := strings.Join(plan, "\n")
	fts := strings.Index(all, "SCAN resources_fts VIRTUAL TABLE")
	res := strings.Index(all, "SEARCH r USING INTEGER PRIMARY KEY")
	if fts < 0 || res < 0 || res < fts {
		t.Fatalf("the full-text query must be the outer loop:\n%s", all)
	}
	// Newest first is the index's own order (00017): no sort of every match.
	if strings.Contains(all, "TEMP B-TREE") {
		t.Fatalf("the matches must come in the index's order, not be sorted:\n%s", all)
	}
}
