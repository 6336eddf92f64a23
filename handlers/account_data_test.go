package handlers_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hearth-community/hearth/handlers/handlerstest"
	"github.com/hearth-community/hearth/store"
)

const (
	eraseName    = "Qzvmarkername"
	eraseMessage = "qzv-message-text-40417"
	eraseGoal    = "qzv-goal-title-11873"
)

// assertGoneFromDisk reads the database file, its -wal and -shm as raw bytes and fails for
// every marker still in them.
func assertGoneFromDisk(t *testing.T, dbPath string, markers ...string) {
	t.Helper()
	for _, suffix := range []string{"", "-wal", "-shm"} {
		b, err := os.ReadFile(dbPath + suffix)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		for _, m := range markers {
			if bytes.Contains(bytes.ToLower(b), bytes.ToLower([]byte(m))) {
				t.Errorf("%q is still in hearth.db%s", m, suffix)
			}
		}
	}
}

// TestAccountDeleteErasesEverywhere: a member deletes their account. Their messages turn
// into "message removed" live on another member's open page, their own socket closes,
// their old session cookie is dead, and their words, goal and name are not in the
// database file, its WAL or its shared-memory file.
func TestAccountDeleteErasesEverywhere(t *testing.T) {
	app := newChatApp(t)
	ctx := context.Background()
	app.Member("admin")
	me := app.Client()
	me.Register("marker", eraseName, handlerstest.Password)
	peer := app.Member("peer")
	joinGroup(t, me, "welcome")
	joinGroup(t, peer, "welcome")
	myID := userID(t, app, "marker")

	mine := mustDial(t, app, me, "welcome", "")
	theirs := mustDial(t, app, peer, "welcome", "")
	for i := range 3 {
		mine.send(fmt.Sprintf("%s %d", eraseMessage, i), fmt.Sprint("client-", i))
	}
	mine.until(waitLong, "my three messages acknowledged", func() bool { return mine.acks == 3 })
	theirs.until(waitLong, "the peer sees my three messages", func() bool { return len(theirs.seqs) == 3 })
	if _, err := app.Store.CreateGoal(ctx, myID, store.GoalInput{Title: eraseGoal, Visibility: store.GoalMembers}, []string{"step one"}); err != nil {
		t.Fatal(err)
	}
	oldCookie := me.Cookie("hearth_session")

	// A wrong password, or no confirmation, erases nothing.
	if r := me.PostForm("/account/delete", url.Values{"password": {"wrong password here"}, "confirm": {"yes"}}); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "not your password") {
		t.Fatalf("wrong password: %d %.300s", r.Status, r.Body)
	}
	if r := me.PostForm("/account/delete", url.Values{"password": {handlerstest.Password}}); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("without confirmation: %d", r.Status)
	}
	if _, err := app.Store.UserByID(ctx, myID); err != nil {
		t.Fatalf("account gone after refused deletions: %v", err)
	}

	r := me.PostForm("/account/delete", url.Values{"password": {handlerstest.Password}, "confirm": {"yes"}})
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/account/deleted" {
		t.Fatalf("delete: %d %q %.300s", r.Status, r.Header.Get("Location"), r.Body)
	}
	waitClosed(t, mine)
	theirs.until(waitLong, "my messages shown as removed", func() bool {
		n := 0
		for _, html := range theirs.msgs {
			if strings.Contains(html, "message removed") && strings.Contains(html, store.FormerMemberName) {
				n++
			}
		}
		return n == 3
	})
	for _, html := range theirs.msgs {
		if strings.Contains(html, eraseMessage) || strings.Contains(html, eraseName) {
			t.Fatalf("the peer's page still shows me: %s", html)
		}
	}

	// The old cookie is dead: a request with it is logged out.
	req, _ := http.NewRequest(http.MethodGet, app.URL+"/account", nil)
	req.AddCookie(&http.Cookie{Name: "hearth_session", Value: oldCookie})
	res, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
		t.Fatalf("old cookie: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	// The peer's fresh page shows the removed messages without me.
	page := peer.Get("/groups/welcome")
	if strings.Contains(page.Body, eraseMessage) || strings.Contains(page.Body, eraseName) || strings.Count(page.Body, "message removed") != 3 {
		t.Fatalf("group page after deletion: %.2000s", page.Body)
	}
	assertGoneFromDisk(t, app.DBPath, eraseName, eraseMessage, eraseGoal)
	// The name is free again.
	app.Client().Register("newcomer", eraseName, handlerstest.Password)
}

func TestAccountDeleteLastAdminRefused(t *testing.T) {
	app := handlerstest.New(t)
	admin := app.Member("admin")
	r := admin.PostForm("/account/delete", url.Values{"password": {handlerstest.Password}, "confirm": {"yes"}})
	if r.Status != http.StatusConflict || !strings.Contains(r.Body, "only admin") {
		t.Fatalf("last admin: %d %.500s", r.Status, r.Body)
	}
	if r := admin.Get("/account"); r.Status != http.StatusOK {
		t.Fatalf("the last admin was logged out: %d", r.Status)
	}
}

// TestAccountDeleteWithoutPassword: an account without a password (social login only)
// confirms with a login less than five minutes old; an older one is told to log in again.
func TestAccountDeleteWithoutPassword(t *testing.T) {
	app := handlerstest.New(t)
	app.Member("admin")
	ctx := context.Background()
	u, err := app.Store.CreateUser(ctx, store.NewUser{Username: "social", DisplayName: "Social1"})
	if err != nil {
		t.Fatal(err)
	}
	c := app.Client()
	token := "a-token-for-the-social-member-0123456789"
	sum := sha256.Sum256([]byte(token))
	if _, err := app.Store.CreateSession(ctx, u.ID, sum[:], time.Hour, "test", "127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	base, _ := url.Parse(app.URL)
	c.HTTP.Jar.SetCookies(base, []*http.Cookie{{Name: "hearth_session", Value: token, Path: "/"}})
	if r := c.Get("/account/delete"); r.Status != http.StatusOK || strings.Contains(r.Body, `name="password"`) {
		t.Fatalf("fresh login page: %d", r.Status)
	}
	app.Clock.Advance(6 * time.Minute)
	page := c.Get("/account/delete")
	if !strings.Contains(page.Body, "log in again") || strings.Contains(page.Body, `action="/account/delete"`) {
		t.Fatalf("stale login page: %.1000s", page.Body)
	}
	if r := c.PostForm("/account/delete", url.Values{"confirm": {"yes"}}); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "log in again") {
		t.Fatalf("stale login delete: %d", r.Status)
	}
	// A new login (a new session) is fresh again.
	token2 := "another-token-for-the-social-member-987654"
	sum2 := sha256.Sum256([]byte(token2))
	if _, err := app.Store.CreateSession(ctx, u.ID, sum2[:], time.Hour, "test", "127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	c.HTTP.Jar.SetCookies(base, []*http.Cookie{{Name: "hearth_session", Value: token2, Path: "/"}})
	if r := c.PostForm("/account/delete", url.Values{"confirm": {"yes"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("fresh login delete: %d %.300s", r.Status, r.Body)
	}
	if _, err := app.Store.UserByID(ctx, u.ID); err != store.ErrNotFound {
		t.Fatalf("account after deletion: %v", err)
	}
}

// TestAccountExportDownload: one click downloads the member's data as a JSON file; the
// form needs the CSRF token.
func TestAccountExportDownload(t *testing.T) {
	app := newChatApp(t)
	app.Member("admin")
	me := app.Client()
	me.Register("exporter", "Packer", handlerstest.Password)
	joinGroup(t, me, "welcome")
	w := mustDial(t, app, me, "welcome", "")
	w.send("my own words for the export", "client-e1")
	w.until(waitLong, "ack", func() bool { return w.acks == 1 })

	if r := me.PostRaw("/account/export", url.Values{}, nil); r.Status != http.StatusForbidden {
		t.Fatalf("export without CSRF token: %d", r.Status)
	}
	r := me.PostForm("/account/export", nil)
	if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Disposition"), "attachment;") ||
		!strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("export: %d %v", r.Status, r.Header)
	}
	var doc struct {
		Schema   string `json:"schema"`
		Profile  map[string]any
		Messages []map[string]any
		Sessions []map[string]any
	}
	if err := json.Unmarshal([]byte(r.Body), &doc); err != nil {
		t.Fatalf("export is not JSON: %v", err)
	}
	if doc.Schema != store.ExportSchema || doc.Profile["display_name"] != "Packer" || len(doc.Messages) != 1 ||
		doc.Messages[0]["body"] != "my own words for the export" || len(doc.Sessions) != 1 {
		t.Fatalf("export = %+v", doc)
	}
	if strings.Contains(r.Body, "token") || strings.Contains(r.Body, "argon2") {
		t.Fatal("the export holds a token or the password hash")
	}
}

// TestPrivacyPageLinkedFromEveryPage: the footer links the privacy page, which says what
// matters plainly.
func TestPrivacyPageLinkedFromEveryPage(t *testing.T) {
	app := handlerstest.New(t)
	member := app.Member("admin")
	for _, p := range []string{"/", "/login", "/groups", "/resources", "/account", "/help"} {
		c := member
		if p == "/login" {
			c = app.Client()
		}
		r := c.Get(p)
		if n := r.Doc(t).Find(`footer a[href="/privacy"]`).Length(); n != 1 {
			t.Errorf("%s: %d footer links to /privacy", p, n)
		}
	}
	body := app.Client().Get("/privacy").Body
	for _, want := range []string{"No trackers", "Who can see what", "How long", "Download my data", "Delete your account", "Retention"} {
		if !strings.Contains(body, want) {
			t.Errorf("privacy page lacks %q", want)
		}
	}
}
