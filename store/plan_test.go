package store

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-community/hearth/store/storetest"
)

// TestHotQueryPlans checks that the hot reads rewritten to stay prepared (likely(),
// CAST(? AS ...)) still search by their index instead of scanning a table: the rewrite must
// change nothing but the re-preparing.
func TestHotQueryPlans(t *testing.T) {
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
	cases := []struct {
		name, query string
		args        []any
		want        []string // each must appear in the plan
	}{
		{"session", sessionByTokenSQL, []any{[]byte("x"), 1},
			[]string{"SEARCH s USING INDEX sqlite_autoindex_sessions_1 (token_hash=?)", "SEARCH u USING INTEGER PRIMARY KEY"}},
		{"history", messagesBeforeSQL, []any{1, 100, 50},
			[]string{"SEARCH m USING INDEX sqlite_autoindex_messages_1 (group_id=? AND seq<?)", "SEARCH u USING INTEGER PRIMARY KEY"}},
		{"catch-up", messagesAfterSQL, []any{1, 0, 200},
			[]string{"SEARCH m USING INDEX sqlite_autoindex_messages_1 (group_id=? AND seq>?)"}},
		{"group for member", groupForMemberSQL, []any{1, "welcome", 0},
			[]string{"SEARCH g USING INDEX sqlite_autoindex_groups_1 (slug=?)", "SEARCH m USING PRIMARY KEY (group_id=? AND user_id=?)"}},
		{"reactions", reactionCountsSQL, []any{"[1,2]"}, []string{"SEARCH reactions USING"}},
		{"held messages", heldMessagesSQL, []any{1, 2}, []string{"SEARCH m USING INDEX messages_held (group_id=? AND author_id=?)"}},
	}
	for _, c := range cases {
		rows, err := st.r.db.QueryContext(ctx, "EXPLAIN QUERY PLAN "+c.query, c.args...)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		all := strings.Join(plan, "\n")
		for _, w := range c.want {
			if !strings.Contains(all, w) {
				t.Errorf("%s: plan lacks %q:\n%s", c.name, w, all)
			}
		}
		if strings.Contains(all, "SCAN m") || strings.Contains(all, "SCAN s ") || strings.Contains(all, "SCAN reactions") {
			t.Errorf("%s: plan scans a table:\n%s", c.name, all)
		}
	}
}
