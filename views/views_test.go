package views

import (
	"bytes"
	"strings"
	"testing"
)

func TestEveryPageRendersAndEscapes(t *testing.T) {
	r, err := New(func(name string) string { return "/static/h/" + name })
	if err != nil {
		t.Fatal(err)
	}
	for name := range r.pages {
		var buf bytes.Buffer
		p := &Page{Title: "T", CSRF: "tok", Viewer: &Viewer{ID: 1, DisplayName: "<b>Zed</b>", Role: "admin"}, Form: NewForm(),
			Data: map[string]any{"Title": "x", "Message": "y"}}
		// Pages with their own data shapes are covered by the handler tests; here every page
		// must at least parse, and the frame must escape the viewer's name.
		if err := r.Page(&buf, name, p); err != nil {
			if name == "account" || name == "admin_users" || strings.HasPrefix(name, "group") {
				continue
			}
			t.Errorf("page %s: %v", name, err)
			continue
		}
		out := buf.String()
		if strings.Contains(out, "<b>Zed</b>") || !strings.Contains(out, "&lt;b&gt;Zed&lt;/b&gt;") {
			t.Errorf("page %s does not escape the display name", name)
		}
		if !strings.Contains(out, `"X-CSRF-Token": "tok"`) {
			t.Errorf("page %s lacks the CSRF token in hx-headers", name)
		}
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
