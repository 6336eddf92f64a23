package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/oauth2-proxy/mockoidc"

	"github.com/hearth-community/hearth/handlers"
	"github.com/hearth-community/hearth/handlers/handlerstest"
)

// A person joins with an OpenID Connect provider (a mockoidc server started here), chooses a
// display name, accepts the guidelines, logs out and logs back in with the provider, all by
// clicking in a real browser: the button's redirect passes the page's CSP, the flow cookie
// survives the round trip through the provider, and no console error appears.
func TestSocialLoginJoinAndReturn(t *testing.T) {
	m, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Shutdown() })
	app := handlerstest.New(t, func(c *handlers.Config) {
		c.Social = []handlers.SocialProvider{{Name: "oidc", ClientID: m.ClientID, ClientSecret: m.ClientSecret, Issuer: m.Issuer(), Label: "Test SSO"}}
	})
	tab := newPerson(t)

	m.QueueUser(&mockoidc.MockUser{Subject: "browser-sub", Email: "browser@mail.example", PreferredUsername: "Real Person"})
	var nav, welcome string
	run(t, tab, "join with the provider",
		chromedp.Navigate(app.URL+"/register"),
		chromedp.WaitVisible(`#social-oidc`, chromedp.ByQuery),
		chromedp.Click(`#social-oidc`, chromedp.ByQuery),
		chromedp.WaitVisible(`#join-form`, chromedp.ByQuery),
		chromedp.Text(`main`, &welcome, chromedp.ByQuery),
		chromedp.SendKeys(`#f-display_name`, "LanternFern", chromedp.ByQuery),
		chromedp.Click(`#f-accept_guidelines`, chromedp.ByQuery),
		chromedp.Click(`#join-form button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`.account-menu a[href="/account"]`, chromedp.ByQuery),
		chromedp.Text(`.account-menu a[href="/account"]`, &nav, chromedp.ByQuery),
	)
	if !strings.Contains(welcome, "Test SSO") || nav != "LanternFern" {
		t.Fatalf("join page %q; logged in as %q", welcome, nav)
	}
	if n, _ := app.Store.CountUsers(t.Context()); n != 1 {
		t.Fatalf("%d accounts after joining", n)
	}

	run(t, tab, "log out",
		chromedp.Click(`.account-menu form button`, chromedp.ByQuery),
		chromedp.WaitVisible(`.account-menu a[href="/login"]`, chromedp.ByQuery),
	)
	m.QueueUser(&mockoidc.MockUser{Subject: "browser-sub"})
	var logins string
	run(t, tab, "log in again with the provider and see the ways to log in",
		chromedp.Click(`.account-menu a[href="/login"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#social-oidc`, chromedp.ByQuery),
		chromedp.Click(`#social-oidc`, chromedp.ByQuery),
		chromedp.WaitVisible(`.account-menu a[href="/account"]`, chromedp.ByQuery),
		chromedp.Click(`.account-menu a[href="/account"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#logins`, chromedp.ByQuery),
		chromedp.Text(`#logins`, &logins, chromedp.ByQuery),
	)
	if !strings.Contains(logins, "Test SSO") || !strings.Contains(logins, "only way to log in") {
		t.Fatalf("ways to log in: %q", logins)
	}
	if n, _ := app.Store.CountUsers(t.Context()); n != 1 {
		t.Fatalf("%d accounts after logging in again", n)
	}

	// Without JavaScript the button is a plain form post that Hearth redirects to the
	// provider: the browser checks that redirect against the page's CSP form-action, which
	// lists the configured provider's origin.
	plain := newPerson(t)
	m.QueueUser(&mockoidc.MockUser{Subject: "no-script-sub"})
	run(t, plain, "join without JavaScript",
		emulation.SetScriptExecutionDisabled(true),
		chromedp.Navigate(app.URL+"/login"),
		chromedp.WaitVisible(`#social-oidc`, chromedp.ByQuery),
		chromedp.Click(`#social-oidc`, chromedp.ByQuery),
		chromedp.WaitVisible(`#join-form`, chromedp.ByQuery),
	)
}
