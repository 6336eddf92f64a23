package views

import (
	"bytes"
	"html/template"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hearth-community/hearth/store"
)

// pageData is each page's data in the shape its handler gives it; a page not listed here
// gets a generic map. Every page must render without error: a render error is a page a
// member would see fail.
func pageData() map[string]any {
	when := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	user := &store.User{ID: 1, Username: "zed", DisplayName: "Zed", Role: store.RoleAdmin, CreatedAt: when}
	group := &store.Group{ID: 1, Slug: "circle", Name: "<i>Circle</i>", Description: "d", Guidelines: "g",
		Visibility: store.Public, CreatedAt: when, UpdatedAt: when}
	resource := store.Resource{ID: 1, Slug: "r", Title: "<b>T</b>", Summary: "<i>s</i>", Body: "<script>x</script>**b**",
		Category: "self-care", Tags: []string{"t"}, Link: "https://example.org", Warning: "<i>w</i>", Source: "<i>src</i>",
		AuthorName: "<b>Au</b>", Status: store.ResourcePublished, HelpedCount: 2, CreatedAt: when, UpdatedAt: when}
	pending := resource
	pending.Status, pending.ReviewNote = store.ResourcePending, "<i>fix</i>"
	return map[string]any{
		"account": map[string]any{"User": user, "CurrentID": int64(1), "NameForm": NewForm(), "PasswordForm": NewForm(),
			"Saved": "", "TTLDays": 30, "Sessions": []map[string]any{
				{"ID": int64(1), "CreatedAt": when, "LastSeenAt": when, "Device": "Firefox on Linux", "IP": "127.0.0.1"},
				{"ID": int64(2), "CreatedAt": when, "LastSeenAt": when, "Device": "Unknown device", "IP": ""}}},
		"group": map[string]any{"Group": group, "Member": false, "Members": 3, "Online": []string{"Ann"},
			"Presence": template.HTML(""), "CanManage": false, "CanEdit": true, "Typing": []string(nil)},
		"group_form":   map[string]any{"Group": group},
		"group_manage": map[string]any{"Group": group, "NewLink": ""},
		"group_members": map[string]any{"Group": group, "CanAppoint": true, "Members": []map[string]any{
			{"UserID": int64(2), "DisplayName": "<b>Ann</b>", "IsModerator": true, "JoinedAt": when, "CanRemove": true, "Self": false}}},
		"admin_users": map[string]any{"Users": []store.User{*user}},
		// The library: member-written text everywhere, to check it is escaped (the markdown
		// body goes through RenderMarkdown).
		"resources": map[string]any{"Query": "<b>q</b>", "Category": "self-care", "Tag": "t", "Sort": "newest",
			"Categories": store.Categories, "Urgent": true, "CanReview": true, "NextURL": "/resources?page=2",
			"Result": store.SearchResult{Total: 1, Page: 1, Pages: 2, Searched: true, Hits: []store.SearchHit{{Resource: resource,
				Snippet: []store.SnippetPart{{Text: "<i>a</i>"}, {Text: "match", Mark: true}}}}}},
		"resource": map[string]any{"Resource": pending, "Helped": false, "Saved": &store.ToolkitItem{ID: 1, Note: "<i>note</i>"},
			"CanUse": true, "CanEdit": true, "CanReview": true, "CanDelete": true,
			"Reviews": []store.Review{{ModeratorName: "<b>Mo</b>", Decision: "send-back", Note: "<i>n</i>", CreatedAt: when}}},
		"resource_form": map[string]any{"Resource": &resource, "Categories": store.Categories, "Moderator": false,
			"Own": []store.Resource{pending}},
		"toolkit": map[string]any{"Entries": []store.ToolkitEntry{{ToolkitItem: store.ToolkitItem{ID: 1, Note: "<i>n</i>"}, Resource: resource},
			{ToolkitItem: store.ToolkitItem{ID: 2}, Resource: pending}}, "Moved": int64(2), "Dir": "up"},
		"resource_review":    map[string]any{"Queue": []store.Resource{pending}},
		"resource_revisions": map[string]any{"Resource": resource, "Revisions": []store.Revision{{ID: 2, Input: resource.Input(), Changed: []string{"text"}, CreatedAt: when}, {ID: 1, Input: pending.Input(), CreatedAt: when}}},
		"mod": map[string]any{"Items": []store.QueueItem{{ReportID: 1, MessageID: 2, SubjectID: 3, SubjectName: "<b>Ann</b>", GroupName: "G", GroupSlug: "g",
			Care: true, Reasons: []store.ReportReason{store.ReasonCare}, Notes: []string{"<i>n</i>"}, Reporters: 2, Newest: when,
			Message: &store.Message{ID: 2, Body: "b", CreatedAt: when}, Context: []store.Message{{ID: 2, Body: "<script>", CreatedAt: when}}}},
			"Total": 1, "After": int64(1), "HandledToday": 21, "SuggestBreak": true,
			"Appeals": []store.OpenAppeal{{Appeal: store.Appeal{ID: 1, Note: "n"}, Sanction: store.Sanction{Kind: store.SanctionMute, Reason: "r"}, MemberName: "A"}}},
		"mod_message": map[string]any{"Group": group, "M": store.Message{ID: 2, AuthorName: "Ann", Body: "b", CreatedAt: when, HiddenAt: when}},
		"mod_audit":   map[string]any{"Filter": store.AuditFilter{}, "Entries": []store.AuditEntry{{ID: 1, At: when, Action: "hide", TargetID: 2, GroupID: 1, Reason: "r"}}},
		"mod_group":   map[string]any{"Group": group, "State": "", "SlowChoices": []int{0, 30}},
		"member": map[string]any{"ID": int64(2), "DisplayName": "<i>Ann</i>", "Since": "March 2026", "Self": false,
			"Groups": []store.GroupRef{{Slug: "g", Name: "<i>G</i>"}},
			"Goals": []map[string]any{{"Goal": store.Goal{ID: 1, UserID: 2, Title: "<i>t</i>", OwnerName: "<i>Ann</i>",
				Visibility: store.GoalGroup, GroupName: "<i>G</i>", State: store.GoalActive}, "Days": 1, "Percent": 0}}},
		"notices": map[string]any{"Now": when, "Sanctions": []store.Sanction{{ID: 1, Kind: store.SanctionMute, GroupName: "G", GroupSlug: "g",
			Reason: "r", CreatedAt: when, ExpiresAt: when.Add(time.Hour)}, {ID: 2, Kind: store.SanctionWarn, Reason: "w", CreatedAt: when,
			Appeal: &store.Appeal{Note: "please", Outcome: "upheld"}}}},
	}
}

// insertPages place an {{insert}} their handler fills (WritePage), not plain data.
var insertPages = map[string]bool{"resources": true}

func TestEveryPageRendersAndEscapes(t *testing.T) {
	r, err := New(func(name string) string { return "/static/h/" + name })
	if err != nil {
		t.Fatal(err)
	}
	data := pageData()
	for name := range r.pages {
		var buf bytes.Buffer
		d, ok := data[name]
		if !ok {
			d = map[string]any{"Title": "x", "Message": "y"}
		}
		p := &Page{Title: "T", CSRF: "tok", Viewer: &Viewer{ID: 1, DisplayName: "<b>Zed</b>", Role: "admin"}, Form: NewForm(), Data: d}
		var out string
		if insertPages[name] {
			// The page places trusted HTML its handler rendered (its results): written
			// with the insert, as the handler does.
			p.Insert = "<p>results</p>"
			rec := httptest.NewRecorder()
			if err := r.WritePage(rec, http.StatusOK, name, p); err != nil {
				t.Errorf("page %s: %v", name, err)
				continue
			}
			out = rec.Body.String()
		} else {
			if err := r.Page(&buf, name, p); err != nil {
				t.Errorf("page %s: %v", name, err)
				continue
			}
			out = buf.String()
		}
		if strings.Contains(out, "<script>x") || strings.Contains(out, "<i>") {
			t.Errorf("page %s does not escape member-written text", name)
		}
		if strings.Contains(out, "<b>Zed</b>") || !strings.Contains(out, "&lt;b&gt;Zed&lt;/b&gt;") {
			t.Errorf("page %s does not escape the display name", name)
		}
		if !strings.Contains(out, `"X-CSRF-Token": "tok"`) {
			t.Errorf("page %s lacks the CSRF token in hx-headers", name)
		}
	}
	// A member's group page places the cached history, so it is written with its insert.
	member := data["group"].(map[string]any)
	member["Member"] = true
	member["History"] = map[string]any{"Slug": "circle", "More": true, "Before": int64(7)}
	rec := httptest.NewRecorder()
	p := &Page{Title: "T", CSRF: "tok", Viewer: &Viewer{ID: 1, DisplayName: "Zed"}, Form: NewForm(), Data: member,
		Insert: template.HTML("<p>history</p>")}
	if err := r.WritePage(rec, http.StatusOK, "group", p); err != nil {
		t.Errorf("member's group page: %v", err)
	} else if body := rec.Body.String(); !strings.Contains(body, "<p>history</p>") || !strings.Contains(body, "&lt;i&gt;Circle") {
		t.Errorf("member's group page: %.500s", body)
	}

	var buf bytes.Buffer
	if err := r.Page(&buf, "no-such-page", &Page{}); err == nil {
		t.Error("rendering a missing page must fail")
	}
	buf.Reset()
	if err := r.Partial(&buf, "error", map[string]string{"Title": "Oops", "Message": "<i>m</i>"}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "<html") || !strings.Contains(buf.String(), "&lt;i&gt;m") {
		t.Errorf("error partial: %s", buf.String())
	}
}

func TestFormHelpers(t *testing.T) {
	f := NewForm()
	if !f.Valid() {
		t.Fatal("empty form must be valid")
	}
	f.Fail("name", "first")
	f.Fail("name", "second")
	if f.Error("name") != "first" || f.Valid() {
		t.Fatalf("errors: %v", f.Errors)
	}
	var nilForm *Form
	if nilForm.Value("x") != "" || nilForm.Error("x") != "" || !nilForm.Valid() {
		t.Fatal("nil form helpers")
	}
}

// TestWritePartialSplicesTheInsert checks that the insert lands where {{insert}} stood, that
// the response carries its exact length, and that the writer-based API refuses a template
// that expects an insert rather than dropping it silently.
func TestWritePartialSplicesTheInsert(t *testing.T) {
	r, err := New(func(name string) string { return "/static/h/" + name })
	if err != nil {
		t.Fatal(err)
	}
	data := map[string]any{"More": true, "Slug": "circle", "Before": 7}
	for _, insert := range []string{"", "<p>a</p>", strings.Repeat("<p>message</p>\n", 5000)} {
		rec := httptest.NewRecorder()
		if err := r.WritePartial(rec, http.StatusCreated, "chat_history", data, template.HTML(insert)); err != nil {
			t.Fatal(err)
		}
		body := rec.Body.String()
		if rec.Code != http.StatusCreated || rec.Header().Get("Content-Length") != strconv.Itoa(len(body)) {
			t.Fatalf("status %d, Content-Length %q for %d bytes", rec.Code, rec.Header().Get("Content-Length"), len(body))
		}
		if strings.Contains(body, insertMarker) || !strings.HasSuffix(body, insert) ||
			!strings.Contains(body, `/groups/circle/messages?before=7`) {
			t.Fatalf("insert of %d bytes: %.300s", len(insert), body)
		}
	}
	if err := r.WritePartial(httptest.NewRecorder(), http.StatusOK, "error", map[string]string{}, "<p>lost</p>"); err == nil {
		t.Error("an insert for a partial without {{insert}} must fail")
	}
	if err := r.Partial(&bytes.Buffer{}, "chat_history", data); err == nil {
		t.Error("Partial must refuse a partial that places an insert")
	}
}

// TestSiteNavMarksTheCurrentEntry checks the prerendered navigation against one rendered per
// request (for a value outside NavEntries) and that each marks its own entry.
func TestSiteNavMarksTheCurrentEntry(t *testing.T) {
	r, err := New(func(name string) string { return "/static/h/" + name })
	if err != nil {
		t.Fatal(err)
	}
	for _, nav := range append([]string{"unlisted"}, NavEntries...) {
		var buf bytes.Buffer
		if err := r.Page(&buf, "error", &Page{Nav: nav, Data: map[string]string{"Title": "t", "Message": "m"}}); err != nil {
			t.Fatalf("nav %q: %v", nav, err)
		}
		out := buf.String()
		if n := strings.Count(out, `aria-current="page"`); (n == 1) != (nav == "groups" || nav == "resources" ||
			nav == "goals" || nav == "help" || nav == "login") {
			t.Errorf("nav %q: %d entries marked current", nav, n)
		}
		if nav == "groups" && !strings.Contains(out, `<a href="/groups" aria-current="page">Groups</a>`) {
			t.Errorf("nav groups does not mark Groups: %s", out)
		}
		if !strings.Contains(out, `<script src="/static/h/js/hearth.js" defer></script>`) {
			t.Errorf("nav %q: head assets missing", nav)
		}
	}
}

// A search that matched more than it ranks says so, and how to narrow it.
func TestCappedSearchSaysSo(t *testing.T) {
	r, err := New(func(name string) string { return "/static/h/" + name })
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	p := &Page{Data: map[string]any{"Query": "the", "Result": store.SearchResult{Total: 1000, Page: 1, Pages: 84, Searched: true, Capped: true}}}
	if err := r.Partial(&buf, "resource_results", p); err != nil {
		t.Fatal(err)
	}
	if out := buf.String(); !strings.Contains(out, "More than 1000 resources match “the”") || !strings.Contains(out, "Add a word to narrow the search") {
		t.Errorf("capped summary: %s", out)
	}
}
