package e2e

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/hearth-community/hearth/handlers/handlerstest"
	"github.com/hearth-community/hearth/store"
)

// seedMessages writes n messages by username into the Welcome Circle, oldest first.
func seedMessages(t *testing.T, app *handlerstest.App, username string, n int) {
	t.Helper()
	ctx := context.Background()
	u, err := app.Store.UserByUsername(ctx, username)
	if err != nil {
		t.Fatal(err)
	}
	g, err := app.Store.GroupBySlug(ctx, "welcome")
	if err != nil {
		t.Fatal(err)
	}
	cm, err := app.Store.NewCommitter(ctx, store.CommitterOptions{Logger: handlerstest.Quiet()})
	if err != nil {
		t.Fatal(err)
	}
	defer cm.Close()
	for i := 1; i <= n; i++ {
		if _, err := cm.Post(ctx, store.NewMessage{GroupID: g.ID, AuthorID: u.ID, AuthorName: u.DisplayName,
			ClientID: fmt.Sprintf("seeded-message-%d", i), Body: fmt.Sprintf("Seeded message number %d", i)}); err != nil {
			t.Fatal(err)
		}
	}
}

// pressKey presses a key as a keyboard does (keyDown, keyUp).
func pressKey(key string, vk int64, mods input.Modifier) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		down := input.DispatchKeyEvent(input.KeyDown).WithKey(key).WithCode(key).
			WithWindowsVirtualKeyCode(vk).WithNativeVirtualKeyCode(vk).WithModifiers(mods)
		if err := down.Do(ctx); err != nil {
			return err
		}
		return input.DispatchKeyEvent(input.KeyUp).WithKey(key).WithCode(key).
			WithWindowsVirtualKeyCode(vk).WithNativeVirtualKeyCode(vk).WithModifiers(mods).Do(ctx)
	})
}

func focused(t *testing.T, tab context.Context) string {
	t.Helper()
	var s string
	run(t, tab, "read the focus", chromedp.Evaluate(`(function (a) {
		if (!a) return "";
		var m = a.closest && a.closest(".msg");
		return (a.id || a.tagName) + (m && m !== a ? " in " + m.id : "") + (a.value && a.tagName === "BUTTON" ? " " + a.value : "");
	})(document.activeElement)`, &s))
	return s
}

// TestChatKeyboardOnly: in a room with 100 messages the message box is a bounded number of
// Tab presses from the top of the page (the message list is one stop), and reacting,
// editing and cancelling an edit keep the focus where a keyboard user is.
func TestChatKeyboardOnly(t *testing.T) {
	app := handlerstest.New(t)
	ana := newPerson(t)
	registerAndJoin(t, app, ana, "ana")
	seedMessages(t, app, "ana", 100)
	run(t, ana, "open the room", chromedp.Navigate(app.URL+"/groups/welcome"),
		chromedp.WaitVisible(`#chat-body`, chromedp.ByQuery), waitText(`#chat-presence`, "Peerana"))

	// Counted without the skip link (with it, the box is two presses away): only Tab. The
	// bound covers the header and the group's own links; the 100 messages are one stop.
	const bound = 25
	presses, stops := 0, []string{}
	for ; presses < bound; presses++ {
		if f := focused(t, ana); f == "chat-body" {
			break
		}
		run(t, ana, "press Tab", pressKey("Tab", 9, 0))
		stops = append(stops, focused(t, ana))
	}
	if f := focused(t, ana); f != "chat-body" {
		t.Fatalf("%d Tab presses did not reach the message box; stops: %q", bound, stops)
	}
	t.Logf("%d Tab presses to the message box: %q", presses, stops)
	if n := strings.Count(strings.Join(stops, " "), "msg-"); n > 1 {
		t.Fatalf("the message list takes %d Tab stops, want 1: %q", n, stops)
	}

	// The list's stop is the newest message; Shift+Tab from the box lands on it.
	run(t, ana, "back to the list", pressKey("Tab", 9, input.ModifierShift))
	var last string
	run(t, ana, "newest message id", chromedp.Evaluate(`Array.from(document.querySelectorAll("#messages .msg")).pop().id`, &last))
	for f := focused(t, ana); f != last; f = focused(t, ana) {
		if !strings.HasPrefix(f, "chat-") && !strings.HasPrefix(f, "pending") && f != "TEXTAREA" {
			t.Fatalf("focus %q on the way back to %s", f, last)
		}
		run(t, ana, "Shift+Tab", pressKey("Tab", 9, input.ModifierShift))
	}
	// Arrow keys move between messages and keep one tab stop.
	var stopsInList int
	run(t, ana, "arrow up and down",
		pressKey("ArrowUp", 38, 0), pressKey("ArrowUp", 38, 0), pressKey("ArrowDown", 40, 0),
		chromedp.Evaluate(`document.querySelectorAll('#messages [tabindex="0"]').length`, &stopsInList))
	var prev string
	run(t, ana, "previous message id", chromedp.Evaluate(`(function(){var a=Array.from(document.querySelectorAll("#messages .msg"));return a[a.length-2].id})()`, &prev))
	if f := focused(t, ana); f != prev || stopsInList != 1 {
		t.Fatalf("after Up, Up, Down focus is %q (want %s) with %d tab stops in the list", f, prev, stopsInList)
	}

	// React with the keyboard: Enter opens the actions, Enter on the first reaction.
	run(t, ana, "open the actions", pressEnter())
	if f := focused(t, ana); !strings.HasSuffix(f, " in "+prev+" heart") && !strings.Contains(f, " in "+prev) {
		t.Fatalf("after Enter focus is %q", f)
	}
	run(t, ana, "react", pressEnter(),
		waitJS(fmt.Sprintf(`!!document.querySelector("#%s .reaction-count")`, prev)))
	// The live frame replaced the buttons; focus stays in the message.
	run(t, ana, "focus settles", waitJS(`document.activeElement && document.activeElement !== document.body`))
	if f := focused(t, ana); !strings.Contains(f, prev) {
		t.Fatalf("after the reaction focus is %q, want within %s", f, prev)
	}

	// Escape closes the actions; open them again and walk to Edit.
	run(t, ana, "escape the actions", pressKey("Escape", 27, 0))
	if f := focused(t, ana); f != prev {
		t.Fatalf("after Escape focus is %q", f)
	}
	run(t, ana, "open the actions again", pressEnter())
	for i := 0; i < 8; i++ {
		var isEdit bool
		run(t, ana, "is it Edit", chromedp.Evaluate(`document.activeElement.textContent.trim() === "Edit"`, &isEdit))
		if isEdit {
			break
		}
		run(t, ana, "Tab to Edit", pressKey("Tab", 9, 0))
	}
	editBox := "edit-" + strings.TrimPrefix(prev, "msg-")
	run(t, ana, "open the edit box", pressEnter(),
		chromedp.WaitVisible("#"+editBox, chromedp.ByQuery),
		waitJS(fmt.Sprintf(`document.activeElement && document.activeElement.id === %q`, editBox)))
	// Someone reacts to the message being edited: the live update has a place to land
	// (no console error) and the edit box stays, focused.
	ben := app.Member("ben")
	if r := ben.PostForm("/groups/welcome/join", url.Values{"accept_guidelines": {"yes"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("ben joins: %d", r.Status)
	}
	if r := ben.PostRaw("/groups/welcome/messages/"+strings.TrimPrefix(prev, "msg-")+"/react",
		url.Values{"kind": {"heart"}}, http.Header{"X-Csrf-Token": {ben.CSRF()}, "Hx-Request": {"true"}}); r.Status >= 300 {
		t.Fatalf("ben reacts: %d %s", r.Status, r.Body)
	}
	run(t, ana, "the reaction reaches the page being edited",
		waitJS(fmt.Sprintf(`!!document.querySelector("#reactions-%s .reaction-count")`, strings.TrimPrefix(prev, "msg-"))),
		waitJS(fmt.Sprintf(`document.activeElement && document.activeElement.id === %q`, editBox)))
	run(t, ana, "Escape cancels the edit",
		pressKey("Escape", 27, 0),
		waitJS(fmt.Sprintf(`!document.querySelector("#%s.msg-editing") && !!document.querySelector("#%s .msg-body")`, prev, prev)),
		waitJS(fmt.Sprintf(`document.activeElement && document.activeElement.id === %q`, prev)))

	// Edit and save with the keyboard: the saved message has the focus.
	run(t, ana, "open the actions once more", pressEnter())
	for i := 0; i < 8; i++ {
		var isEdit bool
		run(t, ana, "is it Edit", chromedp.Evaluate(`document.activeElement.textContent.trim() === "Edit"`, &isEdit))
		if isEdit {
			break
		}
		run(t, ana, "Tab to Edit", pressKey("Tab", 9, 0))
	}
	run(t, ana, "edit, Tab to Save and press Enter", pressEnter(),
		waitJS(fmt.Sprintf(`document.activeElement && document.activeElement.id === %q`, editBox)),
		input.InsertText(" (edited by keyboard)"),
		pressKey("Tab", 9, 0),
		waitJS(`document.activeElement.textContent.trim() === "Save"`),
		pressEnter(),
		waitText("#"+prev+" .msg-body", "(edited by keyboard)"),
		waitJS(fmt.Sprintf(`document.activeElement && document.activeElement.id === %q`, prev)))
}

// TestChatHistoryPagingByScrollingTheList: at desktop size, scrolling the message list (not
// the window) to its top loads older messages, and the message that was at the top stays
// where it was; scrolling on loads the rest, down to the first message.
func TestChatHistoryPagingByScrollingTheList(t *testing.T) {
	app := handlerstest.New(t)
	ana := newPerson(t)
	registerAndJoin(t, app, ana, "ana")
	seedMessages(t, app, "ana", 150)
	count := `document.querySelectorAll("#messages .msg").length`
	run(t, ana, "open the room at 1280×800",
		chromedp.EmulateViewport(1280, 800),
		chromedp.Navigate(app.URL+"/groups/welcome"),
		chromedp.WaitVisible(`#chat-body`, chromedp.ByQuery),
		waitJS(count+` === 50`))

	for _, want := range []int{100, 150} {
		var before float64
		var firstID string
		run(t, ana, "scroll the list to its top", chromedp.Evaluate(`(function () {
			var list = document.getElementById("messages"), first = list.querySelector(".msg");
			list.scrollTop = 0;
			window.__first = first;
			return first.getBoundingClientRect().top;
		})()`, &before), chromedp.Evaluate(`window.__first.id`, &firstID))
		var after float64
		run(t, ana, fmt.Sprintf("older messages load (%d)", want),
			waitJS(fmt.Sprintf(`%s === %d`, count, want)),
			chromedp.Sleep(50*time.Millisecond), // let the swap settle its layout
			chromedp.Evaluate(`window.__first.getBoundingClientRect().top`, &after))
		if math.Abs(after-before) > 20 {
			t.Fatalf("%s moved from %.0f to %.0f px after older messages loaded", firstID, before, after)
		}
	}
	var firstSeq string
	var more bool
	run(t, ana, "the first message is there and nothing more to load",
		chromedp.Evaluate(`document.querySelector("#messages .msg").getAttribute("data-seq")`, &firstSeq),
		chromedp.Evaluate(`!!document.getElementById("history-more")`, &more))
	if firstSeq != "1" || more {
		t.Fatalf("first seq %s, sentinel left %v", firstSeq, more)
	}
}

// TestChatLocalTimeAndRightToLeft: times show in the member's zone (Kathmandu, UTC+5:45,
// whose minutes differ from UTC's), older ones with their date, and a right-to-left
// message is laid out right to left.
func TestChatLocalTimeAndRightToLeft(t *testing.T) {
	app := handlerstest.New(t)
	ana := newPerson(t)
	run(t, ana, "live in Kathmandu", emulation.SetTimezoneOverride("Asia/Kathmandu"))
	registerAndJoin(t, app, ana, "ana")
	arabic := "مرحبا بكم جميعا في الدائرة"
	run(t, ana, "send an Arabic message", typeAndSend(arabic), waitText(`#messages`, arabic))
	var iso, shown, direction, dir string
	run(t, ana, "read the message",
		chromedp.Evaluate(`document.querySelector("#messages .msg time").getAttribute("datetime")`, &iso),
		chromedp.Evaluate(`document.querySelector("#messages .msg time").textContent`, &shown),
		chromedp.Evaluate(`document.querySelector("#messages .msg .msg-body").getAttribute("dir")`, &dir),
		chromedp.Evaluate(`getComputedStyle(document.querySelector("#messages .msg .msg-body")).direction`, &direction))
	at, err := time.Parse(time.RFC3339, iso)
	if err != nil {
		t.Fatal(err)
	}
	local := at.In(time.FixedZone("NPT", 5*3600+45*60))
	if !strings.Contains(shown, local.Format("15:04")) && !strings.Contains(shown, local.Format("3:04")) {
		t.Fatalf("time shows %q; in Kathmandu it is %s (UTC %s)", shown, local.Format("15:04"), at.UTC().Format("15:04"))
	}
	if dir != "auto" || direction != "rtl" {
		t.Fatalf("body dir=%q, computed direction %q", dir, direction)
	}

	// A message from another day shows its date. (A live frame of an old message does not
	// happen, so the page's formatter is handed one the way a history swap hands it.)
	var old string
	run(t, ana, "format an old message", chromedp.Evaluate(`(function () {
		var list = document.getElementById("messages");
		var a = document.createElement("article");
		a.className = "msg"; a.id = "msg-old";
		a.innerHTML = '<header class="msg-meta"><time datetime="2020-01-02T03:04:05Z">03:04</time></header>';
		list.prepend(a);
		htmx.trigger(list, "htmx:afterSwap", { target: a });
		return a.querySelector("time").textContent;
	})()`, &old))
	if !strings.Contains(old, "2020") || !strings.Contains(old, "8:49") {
		t.Fatalf("an old message shows %q, want its date and Kathmandu time (8:49)", old)
	}
}
