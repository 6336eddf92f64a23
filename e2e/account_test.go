package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/hearth-community/hearth/handlers/handlerstest"
)

// A person registers, logs out, logs back in and sees their account page, all by clicking
// and typing in a real browser.
func TestRegisterLogoutLoginAccount(t *testing.T) {
	app := handlerstest.New(t)
	tab := newPerson(t)

	var heading, nav string
	run(t, tab, "register",
		chromedp.Navigate(app.URL+"/"),
		chromedp.Click(`a.button[href="/register"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#f-username`, chromedp.ByQuery),
		chromedp.SendKeys(`#f-username`, "river", chromedp.ByQuery),
		chromedp.SendKeys(`#f-display_name`, "QuietRiver", chromedp.ByQuery),
		chromedp.SendKeys(`#f-password`, "password123", chromedp.ByQuery),
		chromedp.Click(`#register-form button[type=submit]`, chromedp.ByQuery),
		// A common password is refused in place, with the message beside the field.
		chromedp.WaitVisible(`#f-password-error`, chromedp.ByQuery),
		chromedp.Text(`#f-password-error`, &heading, chromedp.ByQuery),
	)
	if !strings.Contains(heading, "common passwords") {
		t.Fatalf("weak password message = %q", heading)
	}
	run(t, tab, "register with a good password",
		chromedp.SendKeys(`#f-password`, handlerstest.Password, chromedp.ByQuery),
		chromedp.Click(`#register-form button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`.account-menu a[href="/account"]`, chromedp.ByQuery),
		chromedp.Text(`.account-menu a[href="/account"]`, &nav, chromedp.ByQuery),
	)
	if nav != "QuietRiver" {
		t.Fatalf("account menu shows %q, want the display name", nav)
	}

	run(t, tab, "log out",
		chromedp.Click(`.account-menu form button`, chromedp.ByQuery),
		chromedp.WaitVisible(`.account-menu a[href="/login"]`, chromedp.ByQuery),
	)

	run(t, tab, "log in with a wrong password",
		chromedp.Click(`.account-menu a[href="/login"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#f-username`, chromedp.ByQuery),
		chromedp.SendKeys(`#f-username`, "river", chromedp.ByQuery),
		chromedp.SendKeys(`#f-password`, "not-the-password", chromedp.ByQuery),
		chromedp.Click(`#login-form button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#login-form .alert-error`, chromedp.ByQuery),
	)
	var account string
	run(t, tab, "log in and open the account page",
		chromedp.SendKeys(`#f-password`, handlerstest.Password, chromedp.ByQuery),
		chromedp.Click(`#login-form button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`.account-menu a[href="/account"]`, chromedp.ByQuery),
		chromedp.Click(`.account-menu a[href="/account"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#session-list`, chromedp.ByQuery),
		chromedp.Text(`main`, &account, chromedp.ByQuery),
	)
	for _, want := range []string{"Your account", "QuietRiver", "river", "this browser", "admin"} {
		if !strings.Contains(account, want) {
			t.Errorf("account page lacks %q:\n%s", want, account)
		}
	}
}

// Someone who uses only the keyboard can skip the navigation and register: every field is
// reachable with Tab, labelled, and the form submits with Enter.
func TestRegisterWithKeyboardOnly(t *testing.T) {
	app := handlerstest.New(t)
	tab := newPerson(t)
	var focused, nav string
	run(t, tab, "open the page and use the skip link",
		chromedp.Navigate(app.URL+"/register"),
		chromedp.WaitVisible(`#register-form`, chromedp.ByQuery),
		chromedp.KeyEvent(kb.Tab),
		chromedp.Evaluate(`document.activeElement.className`, &focused),
	)
	if focused != "skip-link" {
		t.Fatalf("first Tab focuses %q, want the skip link", focused)
	}
	run(t, tab, "fill the form with Tab and type",
		chromedp.KeyEvent(kb.Enter),
		chromedp.KeyEvent(kb.Tab),
		chromedp.Evaluate(`document.activeElement.id`, &focused),
	)
	if focused != "f-username" {
		t.Fatalf("after the skip link, Tab focuses %q, want the username field", focused)
	}
	run(t, tab, "type and submit",
		chromedp.KeyEvent("meadow"), chromedp.KeyEvent(kb.Tab),
		chromedp.KeyEvent("GentleMeadow"), chromedp.KeyEvent(kb.Tab),
		chromedp.KeyEvent(kb.Tab), // e-mail is optional
		chromedp.KeyEvent(handlerstest.Password),
		chromedp.KeyEvent(kb.Enter),
		chromedp.WaitVisible(`.account-menu a[href="/account"]`, chromedp.ByQuery),
		chromedp.Text(`.account-menu a[href="/account"]`, &nav, chromedp.ByQuery),
	)
	if nav != "GentleMeadow" {
		t.Fatalf("logged in as %q", nav)
	}
	// Every visible form control on the register page has a label.
	var unlabelled int
	run(t, tab, "check labels",
		chromedp.Navigate(app.URL+"/register"),
		chromedp.WaitVisible(`body`, chromedp.ByQuery),
		chromedp.Evaluate(`Array.from(document.querySelectorAll('input:not([type=hidden]),select,textarea')).filter(el => !(el.labels && el.labels.length)).length`, &unlabelled),
	)
	if unlabelled != 0 {
		t.Fatalf("%d form controls without a label", unlabelled)
	}
}
