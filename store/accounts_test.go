package store_test

import (
	"database/sql"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/hearth-community/hearth/store/storetest"

	"github.com/hearth-community/hearth/store"
)

func TestNameSkeleton(t *testing.T) {
	same := [][2]string{
		{"Maple", "Mаple"},    // Cyrillic а
		{"Maple", "Maрle"},    // Cyrillic р
		{"Maple", "MAPLE"},    // case
		{"Maple", "MapIe"},    // capital I for l
		{"Maple", "Map1e"},    // digit 1 for l
		{"Maple", "Ｍａｐｌｅ"},    // full width (NFKC)
		{"Bob", "B0b"},        // zero for o
		{"Robin", "ROBlN"},    // case and I/l together
		{"modern", "rnodern"}, // rn looks like m
		{"Wren", "Ꮃren"},      // Cherokee Ꮃ
	}
	for _, p := range same {
		if a, b := store.NameSkeleton(p[0]), store.NameSkeleton(p[1]); a != b {
			t.Errorf("%q and %q look alike but have skeletons %q and %q", p[0], p[1], a, b)
		}
	}
	differ := [][2]string{{"Maple", "Mable"}, {"ann_b", "ann-b"}, {"Bob", "Rob"}, {"Ash", "Ashe"}}
	for _, p := range differ {
		if a, b := store.NameSkeleton(p[0]), store.NameSkeleton(p[1]); a == b {
			t.Errorf("%q and %q differ but share the skeleton %q", p[0], p[1], a)
		}
	}
}

// A look-alike of another member's display name is refused at sign-up and at a rename; the
// same name in another case is "taken"; a member may restyle their own name.
func TestLookAlikeDisplayNamesRefused(t *testing.T) {
	st := open(t)
	ctx := t.Context()
	admin, err := st.CreateUser(ctx, store.NewUser{Username: "admin", DisplayName: "Maple"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = st.CreateUser(ctx, store.NewUser{Username: "mallory", DisplayName: "Mаple"})
	if !errors.Is(err, store.ErrDisplayNameSimilar) || !errors.Is(err, store.ErrDisplayNameTaken) {
		t.Fatalf("Cyrillic look-alike at sign-up: %v", err)
	}
	if _, err := st.CreateUser(ctx, store.NewUser{Username: "mallory", DisplayName: "MAPLE"}); !errors.Is(err, store.ErrDisplayNameTaken) ||
		errors.Is(err, store.ErrDisplayNameSimilar) {
		t.Fatalf("same name in capitals: %v", err)
	}
	m, err := st.CreateUser(ctx, store.NewUser{Username: "mallory", DisplayName: "Willow"})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetDisplayName(ctx, m.ID, "MapIe"); !errors.Is(err, store.ErrDisplayNameSimilar) {
		t.Fatalf("rename to a look-alike: %v", err)
	}
	if u, _ := st.UserByID(ctx, m.ID); u.DisplayName != "Willow" {
		t.Fatalf("a refused rename changed the name to %q", u.DisplayName)
	}
	if err := st.SetDisplayName(ctx, admin.ID, "MAPLE"); err != nil {
		t.Fatalf("restyling one's own name: %v", err)
	}
	if err := st.SetDisplayName(ctx, m.ID, "Wi11ow"); err != nil {
		t.Fatalf("restyling one's own name: %v", err)
	}
	if _, err := st.CreateUser(ctx, store.NewUser{Username: "third", DisplayName: "willow"}); !errors.Is(err, store.ErrDisplayNameSimilar) {
		t.Fatalf("look-alike of a renamed member: %v", err)
	}
}

// Accounts made before the skeleton column existed get their skeleton at Migrate, so a
// look-alike of an old name is refused too.
func TestMigrateFillsSkeletonsOfOldAccounts(t *testing.T) {
	storetest.SkipOnPostgres(t, "writes an old-version SQLite file")
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "hearth.db")
	st, err := store.Open(ctx, store.Options{Path: path, DatabaseURL: storetest.URL(t, path)})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateUser(ctx, store.NewUser{Username: "admin", DisplayName: "Maple"}); err != nil {
		t.Fatal(err)
	}
	// As an account written before migration 6 would be.
	db, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `UPDATE users SET display_name_skeleton = ''`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateUser(ctx, store.NewUser{Username: "mallory", DisplayName: "Mаple"}); !errors.Is(err, store.ErrDisplayNameSimilar) {
		t.Fatalf("look-alike of an account from before the skeletons: %v", err)
	}
}

// A reset link works once, within its time, sets the password and ends every session of
// the member, announcing them; a newer link replaces an older one.
func TestPasswordResetLink(t *testing.T) {
	ctx := t.Context()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	st, err := store.Open(ctx, store.Options{Path: filepath.Join(t.TempDir(), "hearth.db"), DatabaseURL: storetest.URL(t, ""), Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	u, err := st.CreateUser(ctx, store.NewUser{Username: "ann", DisplayName: "Ann_B", PasswordHash: "old"})
	if err != nil {
		t.Fatal(err)
	}
	s1, _ := st.CreateSession(ctx, u.ID, []byte("s1"), time.Hour, "", "")
	s2, _ := st.CreateSession(ctx, u.ID, []byte("s2"), time.Hour, "", "")
	var changes []store.Change
	st.OnChange(func(cs []store.Change) { mu.Lock(); changes = append(changes, cs...); mu.Unlock() })

	if _, err := st.CreatePasswordReset(ctx, 4242, []byte("nobody"), time.Hour); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("link for an unknown member: %v", err)
	}
	if _, err := st.CreatePasswordReset(ctx, u.ID, []byte("first"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreatePasswordReset(ctx, u.ID, []byte("second"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.PasswordResetByToken(ctx, []byte("first")); !errors.Is(err, store.ErrResetUsed) {
		t.Fatalf("a replaced link: %v", err)
	}
	if _, _, err := st.PasswordResetByToken(ctx, []byte("unknown")); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("an unknown link: %v", err)
	}
	if _, got, err := st.PasswordResetByToken(ctx, []byte("second")); err != nil || got.ID != u.ID {
		t.Fatalf("the newest link: %+v %v", got, err)
	}
	got, ended, err := st.UsePasswordReset(ctx, []byte("second"), "new")
	if err != nil || got.ID != u.ID || len(ended) != 2 {
		t.Fatalf("use: %+v %v %v", got, ended, err)
	}
	if u2, _ := st.UserByID(ctx, u.ID); u2.PasswordHash != "new" {
		t.Fatalf("password hash after the reset: %q", u2.PasswordHash)
	}
	if alive, _ := st.SessionsAlive(ctx, []int64{s1.ID, s2.ID}); len(alive) != 0 {
		t.Fatalf("sessions alive after the reset: %v", alive)
	}
	mu.Lock()
	announced := map[int64]bool{}
	for _, c := range changes {
		if c.Kind == store.ChangeSession && c.UserID == u.ID {
			announced[c.SessionID] = true
		}
	}
	mu.Unlock()
	if !announced[s1.ID] || !announced[s2.ID] {
		t.Fatalf("ended sessions not announced: %+v", changes)
	}
	if _, _, err := st.UsePasswordReset(ctx, []byte("second"), "again"); !errors.Is(err, store.ErrResetUsed) {
		t.Fatalf("second use: %v", err)
	}
	if _, err := st.CreatePasswordReset(ctx, u.ID, []byte("third"), time.Hour); err != nil {
		t.Fatal(err)
	}
	advance(time.Hour)
	if _, _, err := st.UsePasswordReset(ctx, []byte("third"), "late"); !errors.Is(err, store.ErrResetExpired) {
		t.Fatalf("use after expiry: %v", err)
	}
	if u2, _ := st.UserByID(ctx, u.ID); u2.PasswordHash != "new" {
		t.Fatalf("a refused reset changed the password to %q", u2.PasswordHash)
	}
}
