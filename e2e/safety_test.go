package e2e

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/hearth-community/hearth/handlers/handlerstest"
)

// syncBuffer is a log sink the server writes to from many goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func pressEscape() chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		if err := input.DispatchKeyEvent(input.KeyDown).WithKey("Escape").WithCode("Escape").
			WithWindowsVirtualKeyCode(27).WithNativeVirtualKeyCode(27).Do(ctx); err != nil {
			return err
		}
		return input.DispatchKeyEvent(input.KeyUp).WithKey("Escape").WithCode("Escape").
			WithWindowsVirtualKeyCode(27).WithNativeVirtualKeyCode(27).Do(ctx)
	})
}

// TestCrisisNudgeShownToTheAuthorOnly: a message with a crisis phrase is held back in the
// author's page, which offers the crisis lines; cancelling sends nothing at all; "Send
// anyway" sends it; the other member sees the message and nothing else; the server's log
// holds nothing of the phrase.
func TestCrisisNudgeShownToTheAuthorOnly(t *testing.T) {
	logs := &syncBuffer{}
	app := handlerstest.NewWithLogger(t, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	ana, ben := newPerson(t), newPerson(t)
	var mu sync.Mutex
	var sent []string
	chromedp.ListenTarget(ana, func(ev any) {
		if e, ok := ev.(*network.EventWebSocketFrameSent); ok {
			mu.Lock()
			sent = append(sent, e.Response.PayloadData)
			mu.Unlock()
		}
	})
	run(t, ana, "watch the network", network.Enable())
	registerAndJoin(t, app, ana, "ana")
	registerAndJoin(t, app, ben, "ben")
	run(t, ana, "ana sees ben", waitText(`#chat-presence`, "Peerben"))

	const text = "Honestly some nights I WANT TO DIE."
	run(t, ana, "ana writes a message with a crisis phrase and the nudge opens",
		typeAndSend(text),
		waitJS(`document.getElementById("nudge-dialog").open`),
		waitText(`#nudge-lines`, "988"),
		waitText(`#nudge-lines`, "not a crisis service"),
	)
	var box string
	var pending int
	run(t, ana, "the message waits in the box, unsent",
		chromedp.Value(`#chat-body`, &box, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll("#chat-pending li").length`, &pending))
	if box != text || pending != 0 {
		t.Fatalf("box %q, %d pending", box, pending)
	}
	run(t, ana, "Escape keeps editing; the focus is back in the box",
		pressEscape(),
		waitJS(`!document.getElementById("nudge-dialog").open`),
		waitJS(`document.activeElement && document.activeElement.id === "chat-body"`))

	// Nothing reached the server: no message frame left the page, no row, nothing for ben.
	mu.Lock()
	for _, f := range sent {
		if strings.Contains(f, `"body"`) || strings.Contains(strings.ToLower(f), "want to die") {
			t.Fatalf("a frame left ana's page after she cancelled: %s", f)
		}
	}
	mu.Unlock()
	var benMsgs int
	var benNudge bool
	run(t, ben, "ben's page shows nothing",
		chromedp.Evaluate(`document.querySelectorAll("#messages .msg").length`, &benMsgs),
		chromedp.Evaluate(`document.getElementById("nudge-dialog").open`, &benNudge))
	if benMsgs != 0 || benNudge {
		t.Fatalf("ben sees %d messages, nudge open %v", benMsgs, benNudge)
	}

	run(t, ana, "Enter again, then Send anyway",
		chromedp.Focus(`#chat-body`, chromedp.ByQuery),
		pressEnter(),
		waitJS(`document.getElementById("nudge-dialog").open`),
		chromedp.Click(`#nudge-send`, chromedp.ByQuery),
		waitJS(`!document.getElementById("nudge-dialog").open`),
		waitText(`#messages .msg[data-seq="1"] .msg-body`, text))
	run(t, ben, "ben receives the message, and nothing about the nudge",
		waitText(`#messages .msg[data-seq="1"] .msg-body`, text),
		waitJS(`!document.getElementById("nudge-dialog").open`))
	var benPage string
	run(t, ben, "ben's page", chromedp.OuterHTML(`main`, &benPage, chromedp.ByQuery))
	if strings.Contains(benPage, "nudge-open") || strings.Contains(benPage, "Before you send") != strings.Contains(benPage, `id="nudge-dialog"`) {
		t.Errorf("ben's page carries something of the nudge")
	}
	if l := strings.ToLower(logs.String()); strings.Contains(l, "want to die") || strings.Contains(l, "nudge") {
		t.Fatalf("the server log holds the phrase or the nudge:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "/crisis/phrases") {
		t.Fatal("the log captured nothing from the server: the check above proves nothing")
	}
}

// TestCrisisCardOpensInPlace: "Get help now" opens the crisis card in a dialog without
// leaving the page; Escape closes it and the focus returns to the link.
func TestCrisisCardOpensInPlace(t *testing.T) {
	app := handlerstest.New(t)
	tab := newPerson(t)
	var url string
	run(t, tab, "open the crisis card from the header",
		chromedp.Navigate(app.URL+"/resources"),
		chromedp.WaitVisible(`a.help-now`, chromedp.ByQuery),
		chromedp.Focus(`a.help-now`, chromedp.ByQuery),
		pressEnter(),
		waitJS(`document.getElementById("crisis-dialog").open`),
		waitText(`#crisis-dialog-body`, "116 123"),
		waitText(`#crisis-dialog-body`, "peer community, not a crisis service"),
		chromedp.Location(&url))
	if !strings.HasSuffix(url, "/resources") {
		t.Fatalf("the page changed to %s", url)
	}
	run(t, tab, "Escape closes it; the focus is back on the link",
		pressEscape(),
		waitJS(`!document.getElementById("crisis-dialog").open`),
		waitJS(`document.activeElement && document.activeElement.classList.contains("help-now")`))
}

// TestContentWarningCollapsedForOthers: a warned message is collapsed for another member,
// opens with the keyboard, and a member who chose "start open" sees it open.
func TestContentWarningCollapsedForOthers(t *testing.T) {
	app := handlerstest.New(t)
	ana, ben := newPerson(t), newPerson(t)
	registerAndJoin(t, app, ana, "ana")
	registerAndJoin(t, app, ben, "ben")
	run(t, ana, "ana sees ben", waitText(`#chat-presence`, "Peerben"))
	run(t, ana, "ana sends a message with a content warning",
		chromedp.Focus(`#chat-cw`, chromedp.ByQuery), input.InsertText("relapse"),
		typeAndSend("I slipped yesterday after 90 days."),
		waitText(`#messages .msg[data-seq="1"] summary`, "CW: relapse"),
		// Her own message is open for her.
		waitJS(`document.querySelector('#messages .msg[data-seq="1"] details.msg-cw').open`))
	var open, visible bool
	run(t, ben, "ben sees it collapsed behind the warning",
		waitText(`#messages .msg[data-seq="1"] summary`, "CW: relapse"),
		chromedp.Evaluate(`document.querySelector('#messages .msg[data-seq="1"] details.msg-cw').open`, &open),
		chromedp.Evaluate(`document.querySelector('#messages .msg[data-seq="1"] .msg-body').checkVisibility()`, &visible))
	if open || visible {
		t.Fatalf("ben sees it open (%v) or its text (%v)", open, visible)
	}
	run(t, ben, "ben opens it with the keyboard",
		chromedp.Focus(`#messages .msg[data-seq="1"] summary`, chromedp.ByQuery),
		pressEnter(),
		waitJS(`document.querySelector('#messages .msg[data-seq="1"] details.msg-cw').open`),
		waitJS(`document.querySelector('#messages .msg[data-seq="1"] .msg-body').checkVisibility()`))

	run(t, ben, "ben chooses to have warned messages start open",
		chromedp.Navigate(app.URL+"/account"),
		chromedp.Click(`#content-warnings input[value="open"]`, chromedp.ByQuery),
		chromedp.Click(`#content-warnings button[type=submit]`, chromedp.ByQuery),
		waitJS(`document.body.classList.contains("cw-open")`),
		chromedp.Navigate(app.URL+"/groups/welcome"),
		waitJS(`document.querySelector('#messages .msg[data-seq="1"] details.msg-cw') !== null`),
		waitJS(`document.querySelector('#messages .msg[data-seq="1"] details.msg-cw').open`))
	run(t, ana, "another warned message arrives live",
		chromedp.Focus(`#chat-cw`, chromedp.ByQuery), input.InsertText("grief"),
		typeAndSend("Missing my dad today."))
	run(t, ben, "it arrives open for ben now",
		waitText(`#messages .msg[data-seq="2"] summary`, "CW: grief"),
		waitJS(`document.querySelector('#messages .msg[data-seq="2"] details.msg-cw').open`))
}
