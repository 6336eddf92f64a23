package e2e

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/hearth-community/hearth/handlers/handlerstest"
)

// activeJS names the focused element: its id, else its class and text.
const activeJS = `(() => { const a = document.activeElement; if (!a) return ''; if (a.id) return '#' + a.id;
	return (a.className ? '.' + String(a.className).split(' ').join('.') : a.tagName.toLowerCase()) + ' ' + (a.textContent || '').trim(); })()`

// In a busy room the message box is a few key presses away: the skip link "Jump to the
// message box" comes right after "Skip to content" and puts focus in the box.
func TestKeyboardReachesTheMessageBoxQuickly(t *testing.T) {
	app := handlerstest.New(t)
	tab := newPerson(t)
	adminInRoom(t, app, tab)
	postMessages(t, app, 100)

	run(t, tab, "open the room",
		chromedp.Navigate(app.URL+"/groups/welcome"),
		chromedp.WaitVisible(`#messages .msg[data-seq="100"]`, chromedp.ByQuery),
	)
	var focused string
	presses := 0
	for ; presses < 5; presses++ {
		var text string
		run(t, tab, "press Tab",
			chromedp.KeyEvent(kb.Tab),
			chromedp.Evaluate(`document.activeElement.matches('a.skip-link') ? document.activeElement.textContent : ''`, &text),
		)
		if text == "Jump to the message box" {
			break
		}
	}
	if presses == 5 {
		t.Fatalf("5 Tab presses did not reach 'Jump to the message box'")
	}
	var visible bool
	run(t, tab, "the focused skip link is on screen",
		chromedp.Evaluate(`(() => { const r = document.activeElement.getBoundingClientRect(); return r.left >= 0 && r.top >= 0 && r.right <= innerWidth && r.width > 0; })()`, &visible),
	)
	if !visible {
		t.Errorf("the focused skip link is not visible")
	}
	run(t, tab, "follow it with Enter",
		chromedp.KeyEvent(kb.Enter),
		chromedp.Evaluate(activeJS, &focused),
	)
	if focused != "#chat-body" {
		t.Fatalf("after Enter on the skip link focus is on %q, want #chat-body", focused)
	}
	// And typing there sends: the box is the real composer.
	run(t, tab, "type and send",
		chromedp.KeyEvent("Hello from the keyboard"),
		chromedp.KeyEvent(kb.Enter),
		waitText(`#messages .msg[data-seq="101"] .msg-body`, "Hello from the keyboard"),
	)
}

// After a refused form, focus lands on the first field with a problem, whether the form
// came back through HTMX or as a whole page.
func TestFocusMovesToTheFirstInvalidField(t *testing.T) {
	app := handlerstest.New(t)
	app.Member("taken") // so "peer_taken" is refused as a display name
	tab := newPerson(t)

	var focused string
	run(t, tab, "register with a too short username and a weak password",
		chromedp.Navigate(app.URL+"/register"),
		chromedp.WaitVisible(`#f-username`, chromedp.ByQuery),
		chromedp.SendKeys(`#f-username`, "ab", chromedp.ByQuery),
		chromedp.SendKeys(`#f-display_name`, "SomeoneNew", chromedp.ByQuery),
		chromedp.SendKeys(`#f-password`, "password123", chromedp.ByQuery),
		// Submit with Enter from the password field, as a keyboard user would.
		chromedp.KeyEvent(kb.Enter),
		chromedp.WaitVisible(`#f-username-error`, chromedp.ByQuery),
		waitFocus("#f-username"),
		chromedp.Evaluate(activeJS, &focused),
	)
	if focused != "#f-username" {
		t.Fatalf("after a refused registration focus is on %q, want #f-username", focused)
	}

	// A full page load with an error (as without JavaScript, or a boosted navigation) also
	// lands on the field. The account forms post with boost; check the name form.
	run(t, tab, "register properly",
		chromedp.SendKeys(`#f-username`, "c", chromedp.ByQuery),
		chromedp.SendKeys(`#f-password`, handlerstest.Password, chromedp.ByQuery),
		chromedp.Click(`#register-form button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`.account-menu a[href="/account"]`, chromedp.ByQuery),
	)
	run(t, tab, "change the display name to one that is taken",
		chromedp.Navigate(app.URL+"/account"),
		chromedp.WaitVisible(`#change-name #f-display_name`, chromedp.ByQuery),
		chromedp.SendKeys(`#change-name #f-display_name`, "peer_taken", chromedp.ByQuery),
		chromedp.Click(`#change-name button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#f-display_name-error`, chromedp.ByQuery),
		waitFocus("#f-display_name"),
		chromedp.Evaluate(activeJS, &focused),
	)
	if focused != "#f-display_name" {
		t.Fatalf("after a refused name change focus is on %q, want #f-display_name", focused)
	}
}

// The group form marks some errors only with a message beside the field: focus still goes
// to that field.
func TestFocusMovesToTheFieldOfAGroupFormError(t *testing.T) {
	app := handlerstest.New(t)
	tab := newPerson(t)
	adminInRoom(t, app, tab)
	var focused string
	run(t, tab, "create a group without guidelines",
		chromedp.Navigate(app.URL+"/groups/new"),
		chromedp.WaitVisible(`#f-name`, chromedp.ByQuery),
		chromedp.SendKeys(`#f-name`, "Evening Circle", chromedp.ByQuery),
		chromedp.Evaluate(`document.getElementById('f-guidelines').value = ''`, nil),
		chromedp.Click(`main form button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#f-guidelines + .field-error`, chromedp.ByQuery),
		waitFocus("#f-guidelines"),
		chromedp.Evaluate(activeJS, &focused),
	)
	if focused != "#f-guidelines" {
		t.Fatalf("after a refused group focus is on %q, want #f-guidelines", focused)
	}
}

// waitFocus waits (within the step's deadline) until the element matching sel has focus.
func waitFocus(sel string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		for {
			var ok bool
			if err := chromedp.Run(ctx, chromedp.Evaluate(`document.activeElement === document.querySelector(`+jsString(sel)+`)`, &ok)); err != nil {
				return err
			}
			if ok {
				return nil
			}
			var got string
			_ = chromedp.Run(ctx, chromedp.Evaluate(activeJS, &got))
			select {
			case <-ctx.Done():
				return fmt.Errorf("focus never reached %s (it is on %q): %w", sel, got, ctx.Err())
			default:
			}
			if err := chromedp.Run(ctx, chromedp.Sleep(50e6)); err != nil {
				return err
			}
		}
	})
}

// focusRing is what a keyboard user sees around the focused element.
type focusRing struct {
	What       string
	Style      string
	Width      float64
	Color      string
	Background string
	Clipped    string
	W, H       float64
}

// ringJS describes the focus ring of the active element: outline style, width, colour, the
// colour behind it (the first opaque background among its ancestors) and whether an
// ancestor that clips its overflow cuts the ring off.
const ringJS = `(() => {
	const a = document.activeElement, cs = getComputedStyle(a);
	const r = a.getBoundingClientRect();
	const w = parseFloat(cs.outlineWidth) || 0, off = parseFloat(cs.outlineOffset) || 0;
	const ring = {l: r.left - off - w, t: r.top - off - w, r: r.right + off + w, b: r.bottom + off + w};
	let bg = '', clipped = '';
	for (let p = a.parentElement; p; p = p.parentElement) {
		const ps = getComputedStyle(p);
		if (!bg && ps.backgroundColor && !/rgba\(.*, 0\)$/.test(ps.backgroundColor) && ps.backgroundColor !== 'transparent') bg = ps.backgroundColor;
		if (!clipped && (ps.overflowX !== 'visible' || ps.overflowY !== 'visible') && p !== document.body && p !== document.documentElement) {
			const q = p.getBoundingClientRect();
			if (ring.l < q.left - 0.5 || ring.t < q.top - 0.5 || ring.r > q.right + 0.5 || ring.b > q.bottom + 0.5) clipped = p.tagName + '.' + p.className;
		}
	}
	if (!bg) bg = getComputedStyle(document.documentElement).backgroundColor;
	return {what: (a.id ? '#' + a.id : a.tagName.toLowerCase() + '.' + a.className) + ' "' + (a.textContent || a.value || '').trim().slice(0, 30) + '"',
		style: cs.outlineStyle, width: w, color: cs.outlineColor, background: bg, clipped: clipped, w: r.width, h: r.height};
})()`

// Every control in the header and the forms shows a clear focus ring when reached with Tab
// (at least 2 px, 3:1 against what is behind it, not cut off), in light and dark mode, and
// is at least 24×24 CSS px (WCAG 2.2: 2.4.7, 1.4.11, 2.5.8).
func TestFocusRingsAndTargetSizes(t *testing.T) {
	app := handlerstest.New(t)
	tab := newPerson(t)
	// Logged out first: the header then offers "Log in" and "Join Hearth".
	for _, width := range []int64{phoneW, 1280} {
		for _, path := range []string{"/", "/login", "/register"} {
			run(t, tab, fmt.Sprintf("open %s at %d px, logged out", path, width),
				chromedp.EmulateViewport(width, 800),
				chromedp.Navigate(app.URL+path),
				chromedp.WaitVisible(`main`, chromedp.ByQuery),
			)
			checkRings(t, tab, fmt.Sprintf("%s at %d px, logged out", path, width))
		}
	}
	adminInRoom(t, app, tab)
	moreSessions(t, app, 1)

	for _, scheme := range []string{"light", "dark"} {
		for _, width := range []int64{phoneW, 1280} {
			for _, path := range []string{"/groups/welcome", "/account", "/admin/users"} {
				run(t, tab, fmt.Sprintf("open %s at %d px, %s", path, width, scheme),
					emulation.SetEmulatedMedia().WithFeatures([]*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}),
					chromedp.EmulateViewport(width, 800),
					chromedp.Navigate(app.URL+path),
					chromedp.WaitVisible(`main`, chromedp.ByQuery),
				)
				where := fmt.Sprintf("%s at %d px, %s", path, width, scheme)
				checkRings(t, tab, where)
			}
		}
	}
}

// checkRings tabs through the page up to the end of main's forms and checks each stop that
// is in the header or a form.
func checkRings(t *testing.T, tab context.Context, where string) {
	t.Helper()
	seen := map[string]bool{}
	for i := 0; i < 80; i++ {
		var inScope bool
		var ring focusRing
		run(t, tab, "Tab",
			chromedp.KeyEvent(kb.Tab),
			chromedp.Evaluate(`(() => { const a = document.activeElement; return !!a.closest('.site-header, main form') && !a.closest('#messages'); })()`, &inScope),
			chromedp.Evaluate(ringJS, &ring),
		)
		if seen[ring.What] {
			break // wrapped around
		}
		seen[ring.What] = true
		if !inScope {
			continue
		}
		if ring.Style == "none" || ring.Width < 2 {
			t.Errorf("%s: %s has no visible focus ring (outline %s %.1fpx)", where, ring.What, ring.Style, ring.Width)
		}
		if c := contrast(ring.Color, ring.Background); c < 3 {
			t.Errorf("%s: %s focus ring %s on %s has contrast %.2f, want ≥ 3", where, ring.What, ring.Color, ring.Background, c)
		}
		if ring.Clipped != "" {
			t.Errorf("%s: %s focus ring is cut off by %s", where, ring.What, ring.Clipped)
		}
		if ring.W < 24 || ring.H < 24 {
			t.Errorf("%s: %s is %.0f×%.0f px, want at least 24×24", where, ring.What, ring.W, ring.H)
		}
	}
}

// contrast is the WCAG contrast ratio of two CSS rgb()/rgba() colours.
func contrast(a, b string) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

func luminance(css string) float64 {
	css = strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(css, "rgba("), "rgb("), ")")
	parts := strings.Split(css, ",")
	if len(parts) < 3 {
		return 0
	}
	var l [3]float64
	for i := range 3 {
		v, _ := strconv.ParseFloat(strings.TrimSpace(parts[i]), 64)
		c := v / 255
		if c <= 0.03928 {
			l[i] = c / 12.92
		} else {
			l[i] = math.Pow((c+0.055)/1.055, 2.4)
		}
	}
	return 0.2126*l[0] + 0.7152*l[1] + 0.0722*l[2]
}
