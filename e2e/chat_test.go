package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/hearth-community/hearth/handlers/handlerstest"
)

// registerAndJoin signs a person up through the form and joins the Welcome Circle.
func registerAndJoin(t *testing.T, app *handlerstest.App, tab context.Context, user string) {
	t.Helper()
	run(t, tab, user+" registers",
		chromedp.Navigate(app.URL+"/register"),
		chromedp.WaitVisible(`#f-username`, chromedp.ByQuery),
		chromedp.SendKeys(`#f-username`, user, chromedp.ByQuery),
		chromedp.SendKeys(`#f-display_name`, "Peer"+user, chromedp.ByQuery),
		chromedp.SendKeys(`#f-password`, handlerstest.Password, chromedp.ByQuery),
		chromedp.Click(`#register-form button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`.account-menu a[href="/account"]`, chromedp.ByQuery),
	)
	run(t, tab, user+" joins the Welcome Circle",
		chromedp.Navigate(app.URL+"/groups"),
		chromedp.Click(`#group-welcome h2 a`, chromedp.ByQuery),
		chromedp.WaitVisible(`.join-card input[name=accept_guidelines]`, chromedp.ByQuery),
		chromedp.Click(`.join-card input[name=accept_guidelines]`, chromedp.ByQuery),
		chromedp.Click(`.join-card button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#chat-body`, chromedp.ByQuery),
		// Presence shows this person once their socket is open.
		chromedp.WaitVisible(`#chat-presence`, chromedp.ByQuery),
	)
}

func TestChatTwoPeopleLive(t *testing.T) {
	app := handlerstest.New(t)
	ana, ben := newPerson(t), newPerson(t)
	registerAndJoin(t, app, ana, "ana")
	registerAndJoin(t, app, ben, "ben")

	// Both sockets are open once each sees the other present.
	run(t, ana, "ana sees ben online", waitText(`#chat-presence`, "Peerben"))

	run(t, ana, "ana writes and sends with Enter",
		chromedp.Click(`#chat-body`, chromedp.ByQuery),
		chromedp.SendKeys(`#chat-body`, "Hello Ben, glad you're here @Peerben", chromedp.ByQuery),
		pressEnter(),
	)
	var text, box string
	run(t, ben, "ben sees the message without reloading",
		chromedp.WaitVisible(`#messages .msg[data-seq="1"] .msg-body`, chromedp.ByQuery),
		chromedp.Text(`#messages .msg[data-seq="1"] .msg-body`, &text, chromedp.ByQuery),
		// Addressed to ben: his page highlights it.
		chromedp.WaitVisible(`#messages .msg.mention-me`, chromedp.ByQuery),
	)
	if !strings.Contains(text, "Hello Ben, glad you're here") {
		t.Fatalf("ben sees %q", text)
	}
	// The text left the box for a "sending…" item when sent; the ack removed that item.
	run(t, ana, "ana's box is empty, nothing is left unsent and her own message is hers",
		chromedp.WaitVisible(`#messages .msg.mine[data-seq="1"]`, chromedp.ByQuery),
		waitJS(`document.querySelectorAll("#chat-pending li").length === 0`),
		chromedp.Value(`#chat-body`, &box, chromedp.ByQuery),
	)
	if box != "" {
		t.Fatalf("compose box still holds %q", box)
	}

	run(t, ben, "ben replies with the button",
		chromedp.SendKeys(`#chat-body`, "Thanks Ana!", chromedp.ByQuery),
		chromedp.Click(`#chat-form button[type=submit]`, chromedp.ByQuery),
	)
	run(t, ana, "ana sees the reply", waitText(`#messages .msg[data-seq="2"] .msg-body`, "Thanks Ana!"))
}

// pressEnter presses Enter as a keyboard does: one keyDown carrying its text, which the page
// may cancel. (chromedp's SendKeys sends the text as a separate char event that inserts a
// newline even when the page cancelled the keydown, which no real keyboard does.)
func pressEnter() chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		down := input.DispatchKeyEvent(input.KeyDown).WithKey("Enter").WithCode("Enter").
			WithWindowsVirtualKeyCode(13).WithNativeVirtualKeyCode(13).WithText("\r").WithUnmodifiedText("\r")
		if err := down.Do(ctx); err != nil {
			return err
		}
		return input.DispatchKeyEvent(input.KeyUp).WithKey("Enter").WithCode("Enter").
			WithWindowsVirtualKeyCode(13).WithNativeVirtualKeyCode(13).Do(ctx)
	})
}

// waitText polls until the element's text contains want.
func waitText(sel, want string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		for {
			// Evaluate instead of chromedp.Text: a missing element is "not yet", not an error.
			var got string
			js := fmt.Sprintf(`(document.querySelector(%q) || {}).textContent || ""`, sel)
			if err := chromedp.Run(ctx, chromedp.Evaluate(js, &got)); err != nil {
				return err
			}
			if strings.Contains(got, want) {
				return nil
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(100 * time.Millisecond):
			}
		}
	})
}
