package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hearth-community/hearth/store"
)

// modNotices returns the moderation notifications of userID.
func modNotices(t *testing.T, w *modWorld, userID int64) []store.Notification {
	t.Helper()
	ns, err := w.app.Store.Notifications(context.Background(), userID, 50, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []store.Notification
	for _, n := range ns {
		if n.Kind == store.NoticeModeration {
			out = append(out, n)
		}
	}
	return out
}

// TestModerationActionsNotifyMember: each moderator action that concerns a member (hide,
// warn, mute, remove, ban, appeal decided) gives that member, and nobody else, an in-app
// notification with the reason, naming neither the reporter nor the moderator.
func TestModerationActionsNotifyMember(t *testing.T) {
	w := newModWorld(t)
	ana := strconv.FormatInt(w.ids["ana"], 10)
	id := w.post(t, w.ana, "a message to hide")
	mustStatus(t, w.ben.PostForm("/groups/welcome/messages/"+strconv.FormatInt(id, 10)+"/report", url.Values{"reason": {"spam"}}), http.StatusCreated, "report")
	mustStatus(t, w.gm.PostForm("/mod/messages/"+strconv.FormatInt(id, 10)+"/hide", url.Values{"reason": {"reason-hide"}}), http.StatusSeeOther, "hide")
	steps := []struct{ action, reason string }{
		{"warn", "reason-warn"}, {"mute", "reason-mute"}, {"remove", "reason-remove"}, {"ban", "reason-ban"},
	}
	for _, s := range steps {
		mustStatus(t, w.gm.PostForm("/mod/groups/welcome/members/"+ana+"/sanction",
			url.Values{"action": {s.action}, "reason": {s.reason}, "duration": {"1h"}}), http.StatusSeeOther, s.action)
	}
	got := modNotices(t, w, w.ids["ana"])
	if len(got) != 5 {
		t.Fatalf("want 5 moderation notifications, got %d: %+v", len(got), got)
	}
	for _, want := range []string{"reason-hide", "reason-warn", "reason-mute", "reason-remove", "reason-ban"} {
		found := false
		for _, n := range got {
			if n.Detail != "" && strings.Contains(n.Detail, want) {
				found = true
			}
			for _, who := range []string{"ben", "gmod"} {
				if strings.Contains(n.Detail, who) {
					t.Fatalf("notification names %s: %q", who, n.Detail)
				}
			}
		}
		if !found {
			t.Fatalf("no notification carries %q", want)
		}
	}
	if n := modNotices(t, w, w.ids["ben"]); len(n) != 0 {
		t.Fatalf("the reporter was notified: %+v", n)
	}
	body := w.ana.Get("/notifications").Body
	if !strings.Contains(body, "reason-ban") {
		t.Fatal("the member's notifications page lacks the reason")
	}
	if strings.Contains(w.ben.Get("/notifications").Body, "reason-ban") {
		t.Fatal("another member sees the reason")
	}
}

// TestModerationAppealDecisionNotifies: the member hears how their appeal was decided.
func TestModerationAppealDecisionNotifies(t *testing.T) {
	w := newModWorld(t)
	ctx := context.Background()
	if err := w.app.Store.Warn(ctx, store.Action{ModeratorID: w.ids["gm"], Reason: "first"}, w.ids["ana"], w.g.ID); err != nil {
		t.Fatal(err)
	}
	list, _ := w.app.Store.SanctionsOf(ctx, w.ids["ana"])
	if err := w.app.Store.FileAppeal(ctx, w.ids["ana"], list[0].ID, "please"); err != nil {
		t.Fatal(err)
	}
	aps, err := w.app.Store.OpenAppeals(ctx, store.ReportScope{All: true})
	if err != nil || len(aps) != 1 {
		t.Fatalf("appeals %v %v", aps, err)
	}
	before := len(modNotices(t, w, w.ids["ana"]))
	mustStatus(t, w.admin.PostForm("/mod/appeals/"+strconv.FormatInt(aps[0].ID, 10)+"/decide",
		url.Values{"outcome": {"upheld"}, "reason": {"reason-appeal"}}), http.StatusSeeOther, "decide")
	got := modNotices(t, w, w.ids["ana"])
	if len(got) != before+1 || !strings.Contains(got[0].Detail, "appeal") || !strings.Contains(got[0].Detail, "reason-appeal") {
		t.Fatalf("appeal notification: %+v", got)
	}
}

// TestModerationCareConcernNotifiesAdminsOnce: a care concern left unclaimed past the wait
// notifies every admin once, however often the alert is computed again.
func TestModerationCareConcernNotifiesAdminsOnce(t *testing.T) {
	w := newModWorld(t)
	mustStatus(t, w.ana.PostForm("/care/check-in", url.Values{"group": {"welcome"}}), http.StatusOK, "check-in")
	w.admin.Get("/mod")
	if n := modNotices(t, w, w.ids["admin"]); len(n) != 0 {
		t.Fatalf("raised before the wait: %+v", n)
	}
	w.app.Clock.Advance(16 * time.Minute)
	w.admin.Get("/mod")
	w.admin.Get("/admin/users")
	w.app.Clock.Advance(16 * time.Minute)
	w.admin.Get("/mod")
	got := modNotices(t, w, w.ids["admin"])
	if len(got) != 1 || !strings.Contains(got[0].Detail, "care concern") || strings.Contains(got[0].Detail, "ana") {
		t.Fatalf("admin notifications: %+v", got)
	}
	if n := modNotices(t, w, w.ids["gm"]); len(n) != 0 {
		t.Fatalf("a group moderator was notified: %+v", n)
	}
}
