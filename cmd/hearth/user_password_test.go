package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/hearth-community/hearth/handlers"
	"github.com/hearth-community/hearth/static"
	"github.com/hearth-community/hearth/store"
	"github.com/hearth-community/hearth/views"
)

// serveOn runs Hearth's handlers in this process over the database at path, as a running
// server would while an operator uses the command line beside it.
func serveOn(t *testing.T, path string) *httptest.Server {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	assets, err := static.New()
	if err != nil {
		t.Fatal(err)
	}
	v, err := views.New(assets.URL)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(nil)
	base, _ := url.Parse("http://" + srv.Listener.Addr().String())
	h, err := handlers.New(handlers.Deps{Config: handlers.Config{BaseURL: base, BaseURLExplicit: true, SessionTTL: time.Hour},
		Store: st, Views: v, Assets: assets})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = h.Router()
	srv.Start()
	t.Cleanup(func() {
		srv.Close()
		h.Close()
		st.Close()
	})
	return srv
}

var linkPattern = regexp.MustCompile(`http://\S+/reset/\S+`)

// `hearth user password NAME` prints a one-time link on the configured base URL; the link
// sets the member's password once, and a second use is refused.
func TestUserPasswordPrintsALinkThatWorksOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	data := t.TempDir()
	db := filepath.Join(data, "hearth.db")
	srv := serveOn(t, db)
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{Path: db})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateUser(ctx, store.NewUser{Username: "ann", DisplayName: "Ann_B"}); err != nil {
		t.Fatal(err)
	}
	st.Close()

	bin := hearthBinary(t)
	out, err := exec.Command(bin, "user", "password", "ann", "-data", data, "-base-url", srv.URL).CombinedOutput()
	if err != nil {
		t.Fatalf("hearth user password: %v\n%s", err, out)
	}
	link := linkPattern.FindString(string(out))
	if !strings.HasPrefix(link, srv.URL+"/reset/") {
		t.Fatalf("no link on %s in:\n%s", srv.URL, out)
	}
	if out, err := exec.Command(bin, "user", "password", "nobody", "-data", data).CombinedOutput(); err == nil ||
		!strings.Contains(string(out), "no account") {
		t.Fatalf("unknown member: %v\n%s", err, out)
	}

	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	set := func() int {
		res, err := c.Get(link)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			return res.StatusCode
		}
		doc, err := goquery.NewDocumentFromReader(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		csrf, _ := doc.Find(`form input[name="_csrf"]`).Attr("value")
		res, err = c.PostForm(link, url.Values{"_csrf": {csrf}, "new_password": {"harbour-quiet-fern-9"},
			"new_password_again": {"harbour-quiet-fern-9"}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if got := set(); got != http.StatusSeeOther {
		t.Fatalf("first use of the link: %d", got)
	}
	if got := set(); got != http.StatusGone {
		t.Fatalf("second use of the link: %d", got)
	}
	// Ann had no password; now she has one (logging in with it is covered in handlers).
	st, err = store.Open(ctx, store.Options{Path: db})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if u, err := st.UserByUsername(ctx, "ann"); err != nil || u.PasswordHash == "" {
		t.Fatalf("ann's password was not set: %+v %v", u, err)
	}
}

// `hearth -h` lists the new command.
func TestHelpListsUserPassword(t *testing.T) {
	var out bytes.Buffer
	printUsage(&out, nil)
	if !strings.Contains(out.String(), "hearth user password NAME ") {
		t.Fatalf("usage lacks the command:\n%s", out.String())
	}
}
