package postgres

import "testing"

func TestRewrite(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`SELECT a FROM t WHERE x = ? AND y = ?`, `SELECT a FROM t WHERE x = $1 AND y = $2`},
		{`SELECT ?2, ?1, ?2`, `SELECT $2, $1, $2`},
		{`SELECT ?1, ?`, `SELECT $1, $2`},
		{`SELECT 'what?' || ?, 'it''s ?'`, `SELECT 'what?' || $1, 'it''s ?'`},
		{"SELECT a -- the member's own\nFROM t WHERE x = ? -- a 'quoted ?' note\n AND y = ?", "SELECT a -- the member's own\nFROM t WHERE x = $1 -- a 'quoted ?' note\n AND y = $2"},
		{`WHERE id = CAST(? AS INTEGER) AND h = CAST(? AS BLOB) AND n = CAST(? AS TEXT)`,
			`WHERE id = CAST($1 AS BIGINT) AND h = CAST($2 AS BYTEA) AND n = CAST($3 AS TEXT)`},
		{`WHERE id IN (SELECT value FROM json_each(CAST(?2 AS TEXT)))`,
			`WHERE id IN (SELECT CAST(value AS BIGINT) FROM json_array_elements_text(CAST($2 AS JSON)))`},
		{`VALUES (NULLIF(?, 0), NULLIF(?2,0))`, `VALUES (NULLIF(CAST($1 AS BIGINT), 0), NULLIF(CAST($2 AS BIGINT), 0))`},
		{`WHERE id IN (SELECT value FROM json_each(?))`,
			`WHERE id IN (SELECT CAST(value AS BIGINT) FROM json_array_elements_text(CAST($1 AS JSON)))`},
	} {
		if got := Rewrite(c.in); got != c.want {
			t.Errorf("Rewrite(%q)\n got %q\nwant %q", c.in, got, c.want)
		}
	}
}
