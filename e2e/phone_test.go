package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/hearth-community/hearth/handlers/handlerstest"
)

// Phone-sized checks run at 390×844, a common phone's CSS viewport.
const phoneW, phoneH = 390, 844

// box is an element's bounding rectangle in CSS pixels, relative to the viewport.
type box struct {
	Top, Bottom, Left, Right, Width, Height float64
}

func rectJS(sel string) string {
	return `(() => { const r = document.querySelector(` + jsString(sel) + `).getBoundingClientRect();
		return {top: r.top, bottom: r.bottom, left: r.left, right: r.right, width: r.width, height: r.height}; })()`
}

// jsString quotes s as a JavaScript string literal (selectors here hold no backslashes).
func jsString(s string) string { return "'" + strings.ReplaceAll(s, "'", `\'`) + "'" }

// On a phone the group page shows a compact header, the crisis link, and the message box
// without scrolling the window: the list of messages scrolls above the box instead.
func TestPhoneGroupPageShowsTheMessageBox(t *testing.T) {
	app := handlerstest.New(t)
	tab := newPerson(t)
	adminInRoom(t, app, tab)
	postMessages(t, app, 30)

	var header, body, help box
	var innerH, scrollY float64
	var listScrolls bool
	run(t, tab, "open the group page at phone size",
		chromedp.EmulateViewport(phoneW, phoneH),
		chromedp.Navigate(app.URL+"/groups/welcome"),
		chromedp.WaitVisible(`#messages .msg[data-seq="30"]`, chromedp.ByQuery),
		chromedp.Evaluate(rectJS(".site-header"), &header),
		chromedp.Evaluate(rectJS("#chat-body"), &body),
		chromedp.Evaluate(rectJS(".site-header a[href='/help']"), &help),
		chromedp.Evaluate(`window.innerHeight`, &innerH),
		chromedp.Evaluate(`window.scrollY`, &scrollY),
		// The newest messages are what a person sees: the list itself scrolls.
		chromedp.Evaluate(`(() => { const l = document.getElementById('messages'); return l.scrollHeight > l.clientHeight; })()`, &listScrolls),
	)
	if header.Height > 80 {
		t.Errorf("header is %.0f px tall at %d px wide, want at most 80", header.Height, phoneW)
	}
	if scrollY != 0 {
		t.Errorf("window scrolled to %.0f on load", scrollY)
	}
	if body.Top < 0 || body.Bottom > innerH || body.Height < 24 {
		t.Errorf("message box spans %.0f–%.0f px, want it fully inside the %.0f px viewport", body.Top, body.Bottom, innerH)
	}
	if help.Height == 0 || help.Bottom > header.Bottom || help.Right > phoneW {
		t.Errorf("'Get help now' at %+v is not visible in the header %+v", help, header)
	}
	if !listScrolls {
		t.Errorf("the message list does not scroll on its own")
	}
	var seq string
	run(t, tab, "the newest message is in view above the box",
		chromedp.Evaluate(`(() => { const box = document.getElementById('chat-body').getBoundingClientRect();
			const last = document.querySelector('#messages .msg[data-seq="30"] .msg-body').getBoundingClientRect();
			return last.bottom <= box.top && last.top >= 0 ? "visible" : "hidden at " + last.top + "–" + last.bottom; })()`, &seq),
	)
	if seq != "visible" {
		t.Errorf("the newest message is %s", seq)
	}
}

// "Get help now" stays in the header at every width, one click from any page.
// Its text is readable (4.5:1) in light and dark mode.
func TestHelpLinkInHeaderAtEveryWidth(t *testing.T) {
	app := handlerstest.New(t)
	tab := newPerson(t)
	for i, w := range []int64{320, 390, 600, 800, 1280} {
		scheme := []string{"light", "dark"}[i%2]
		var help, header box
		var colors []string
		run(t, tab, "open the home page",
			emulation.SetEmulatedMedia().WithFeatures([]*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}),
			chromedp.EmulateViewport(w, 800),
			chromedp.Navigate(app.URL+"/"),
			chromedp.WaitVisible(`.site-header`, chromedp.ByQuery),
			chromedp.Evaluate(rectJS(".site-header a[href='/help']"), &help),
			chromedp.Evaluate(rectJS(".site-header"), &header),
			chromedp.Evaluate(`(() => { const s = getComputedStyle(document.querySelector(".site-header a[href='/help']")); return [s.color, s.backgroundColor]; })()`, &colors),
		)
		if c := contrast(colors[0], colors[1]); c < 4.5 {
			t.Errorf("at %d px, %s: 'Get help now' text %s on %s has contrast %.2f, want ≥ 4.5", w, scheme, colors[0], colors[1], c)
		}
		if help.Width == 0 || help.Left < 0 || help.Right > float64(w) || help.Bottom > header.Bottom {
			t.Errorf("at %d px, 'Get help now' at %+v is not fully visible in the header %+v", w, help, header)
		}
	}
}

// overflowJS lists the visible elements whose right edge passes the viewport's, and reports
// whether the page scrolls sideways.
const overflowJS = `(() => {
	const w = window.innerWidth, out = [];
	for (const el of document.querySelectorAll('body *')) {
		const r = el.getBoundingClientRect();
		if (r.width === 0 || r.height === 0) continue;
		if (getComputedStyle(el).visibility === 'hidden') continue;
		if (el.closest('.skip-link, .visually-hidden')) continue;
		// Left out: what an ancestor hides on purpose (overflow: hidden, as for a table
		// header kept for screen readers only). A scrolling ancestor does not count.
		let hidden = false;
		for (let p = el.parentElement; p && !hidden; p = p.parentElement) {
			const o = getComputedStyle(p);
			if (/hidden|clip/.test(o.overflowX)) { const q = p.getBoundingClientRect(); hidden = r.left >= q.right || q.width <= 1; }
		}
		if (hidden) continue;
		if (r.right > w + 0.5) out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className ? '.' + String(el.className).split(' ').join('.') : '') + ' right=' + Math.round(r.right));
	}
	const s = document.scrollingElement;
	if (s.scrollWidth > window.innerWidth) out.push('page scrollWidth=' + s.scrollWidth + ' > innerWidth=' + window.innerWidth);
	return out;
})()`

// On a phone the account and admin pages show cards, not tables: nothing sticks out past
// the right edge, the page does not scroll sideways, every button is reachable.
func TestPhoneAccountAndAdminFitTheScreen(t *testing.T) {
	app := handlerstest.New(t)
	tab := newPerson(t)
	adminInRoom(t, app, tab)
	moreSessions(t, app, 2) // three sessions in all
	moreMembers(t, 4, app)  // five members in all

	for _, page := range []struct{ path, ready string }{
		{"/account", "#session-list"},
		{"/admin/users", "main table"},
	} {
		var out []string
		run(t, tab, "open "+page.path+" at phone size",
			chromedp.EmulateViewport(phoneW, phoneH),
			chromedp.Navigate(app.URL+page.path),
			chromedp.WaitVisible(page.ready, chromedp.ByQuery),
			chromedp.Evaluate(overflowJS, &out),
		)
		if len(out) > 0 {
			t.Errorf("%s at %d px: past the right edge:\n%s", page.path, phoneW, strings.Join(out, "\n"))
		}
	}

	// Every role menu is wide enough to show its longest choice, and every card's
	// Save button sits inside the screen.
	var selects []string
	run(t, tab, "measure the role menus",
		chromedp.Evaluate(`Array.from(document.querySelectorAll('main select')).map(s => {
			const r = s.getBoundingClientRect();
			const probe = document.createElement('span');
			probe.style.font = getComputedStyle(s).font;
			probe.textContent = 'moderator';
			document.body.appendChild(probe);
			const need = probe.getBoundingClientRect().width;
			probe.remove();
			return (r.left >= 0 && r.right <= window.innerWidth && r.width >= need + 24) ? 'ok' : s.id + ' ' + Math.round(r.left) + '–' + Math.round(r.right) + ' needs ' + Math.round(need + 24);
		})`, &selects),
	)
	if len(selects) != 5 {
		t.Fatalf("found %d role menus, want 5", len(selects))
	}
	for _, s := range selects {
		if s != "ok" {
			t.Errorf("role menu truncated or off-screen: %s", s)
		}
	}
}
