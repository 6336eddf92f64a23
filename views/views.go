// Package views renders Hearth's pages and fragments with html/template.
//
// layouts/base.html defines the frame ("base"); every page file under pages/ defines
// "title" and "content"; partials/ holds named fragments that render on their own, so the
// same partial serves the full page and the HTMX swap. Everything is parsed at start-up and
// a missing or broken template stops Hearth before it serves anything.
package views

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"
)

//go:embed layouts pages partials
var files embed.FS

// Viewer is the logged-in member as the views see them: never the private username or e-mail.
type Viewer struct {
	ID          int64
	DisplayName string
	Role        string
	// CWOpen: content-warned messages start open for this member (their choice on the
	// account page); collapsed otherwise.
	CWOpen bool
	// Unread is how many unread notifications the bell shows.
	Unread int
}

// IsAdmin reports whether the viewer is an admin.
func (v *Viewer) IsAdmin() bool { return v != nil && v.Role == "admin" }

// IsModerator reports whether the viewer is a moderator or admin.
func (v *Viewer) IsModerator() bool { return v != nil && (v.Role == "moderator" || v.Role == "admin") }

// Page is what every page template receives.
type Page struct {
	Title  string
	Nav    string // which navigation entry is current
	CSRF   string
	Viewer *Viewer
	Flash  string
	Form   *Form
	Data   any
	// Insert is large trusted HTML (a group's cached history) placed where the template says
	// {{insert}}; see WritePage.
	Insert template.HTML
	// CareAlerts is how many care concerns have waited unclaimed too long: shown to admins
	// at the top of the moderation and admin pages.
	CareAlerts int
	// NewNotices: the viewer has a moderator's notice (a warning, a hidden message, a mute…)
	// they have not read yet; the page shows a banner linking to /notices.
	NewNotices bool
}

// Form carries submitted values and validation messages for a re-rendered form.
type Form struct {
	Values  map[string]string
	Errors  map[string]string
	Message string // a message about the whole form
}

// NewForm returns an empty form.
func NewForm() *Form { return &Form{Values: map[string]string{}, Errors: map[string]string{}} }

// Value returns a submitted value.
func (f *Form) Value(name string) string {
	if f == nil {
		return ""
	}
	return f.Values[name]
}

// Error returns the message for a field.
func (f *Form) Error(name string) string {
	if f == nil {
		return ""
	}
	return f.Errors[name]
}

// Fail records a field error.
func (f *Form) Fail(field, msg string) {
	if _, dup := f.Errors[field]; !dup {
		f.Errors[field] = msg
	}
}

// Valid reports whether no error was recorded.
func (f *Form) Valid() bool { return f == nil || (len(f.Errors) == 0 && f.Message == "") }

// Renderer holds the parsed templates.
type Renderer struct {
	pages    map[string]*template.Template // page name -> base + partials + page
	partials *template.Template            // every partial, for fragments
	bufs     sync.Pool

	pre         *template.Template       // the layouts and partials, for prerendering
	prerendered map[string]template.HTML // "head_assets", and "site_nav" per navigation entry
}

// NavEntries are the navigation entries pages mark as current (Page.Nav); the site
// navigation is rendered once for each. Another value still renders, only per request.
var NavEntries = []string{"", "groups", "resources", "goals", "help", "account", "admin", "mod", "login", "register", "notifications"}

// New parses every template. assetURL maps an asset name to its content-hash URL.
func New(assetURL func(string) string) (*Renderer, error) {
	funcs := template.FuncMap{
		"asset":     assetURL,
		"timeISO":   func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"timeShort": timeShort,
		"dict":      dict,
		"initial":   initial,
		"list":      func(s ...string) []string { return s },
		"insert":    func() template.HTML { return insertMarker },
		// Live chat (chattext.go).
		"chatText":      chatText,
		"reactionEmoji": reactionEmoji,
		"reactionLabel": reactionLabel,
		"timeClock":     func(t time.Time) string { return t.UTC().Format("15:04") },
		// The library: member-written markdown, through the one function that renders it.
		"markdown": RenderMarkdown,
		"add":      func(a, b int) int { return a + b },
		// Moderation (moderation.go).
		"reasonLabel": ReasonLabel,
		"kindLabel":   KindLabel,
	}
	r := &Renderer{pages: map[string]*template.Template{}, prerendered: map[string]template.HTML{}}
	funcs["prerendered"] = func(name string) (template.HTML, error) {
		if h, ok := r.prerendered[name]; ok {
			return h, nil
		}
		return "", fmt.Errorf("nothing prerendered as %q", name)
	}
	funcs["siteNav"] = func(nav string) (template.HTML, error) {
		if h, ok := r.prerendered["site_nav/"+nav]; ok {
			return h, nil
		}
		return r.render(r.pre, "site_nav", nav)
	}
	common := template.New("").Funcs(funcs)
	if _, err := common.ParseFS(files, "layouts/*.html", "partials/*.html"); err != nil {
		return nil, fmt.Errorf("parse layouts and partials: %w", err)
	}
	partials, err := template.New("").Funcs(funcs).ParseFS(files, "partials/*.html")
	if err != nil {
		return nil, fmt.Errorf("parse partials: %w", err)
	}
	r.partials = partials
	r.bufs.New = func() any { return new(bytes.Buffer) }
	// Before the pages clone the set: a template that has run can no longer be cloned.
	pre, err := common.Clone()
	if err != nil {
		return nil, fmt.Errorf("clone templates for prerendering: %w", err)
	}
	names, err := fs.Glob(files, "pages/*.html")
	if err != nil {
		return nil, fmt.Errorf("list pages: %w", err)
	}
	for _, file := range names {
		name := strings.TrimSuffix(path.Base(file), ".html")
		t, err := common.Clone()
		if err != nil {
			return nil, fmt.Errorf("clone templates for %s: %w", name, err)
		}
		if _, err := t.ParseFS(files, file); err != nil {
			return nil, fmt.Errorf("parse page %s: %w", name, err)
		}
		for _, block := range []string{"title", "content"} {
			if t.Lookup(block) == nil {
				return nil, fmt.Errorf("page %s does not define %q", name, block)
			}
		}
		r.pages[name] = t
	}
	r.pre = pre
	h, err := r.render(pre, "head_assets", nil)
	if err != nil {
		return nil, err
	}
	r.prerendered["head_assets"] = h
	for _, nav := range NavEntries {
		if r.prerendered["site_nav/"+nav], err = r.render(pre, "site_nav", nav); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// render executes one template of t into a string, for prerendering.
func (r *Renderer) render(t *template.Template, name string, data any) (template.HTML, error) {
	var b strings.Builder
	if err := t.ExecuteTemplate(&b, name, data); err != nil {
		return "", fmt.Errorf("prerender %s: %w", name, err)
	}
	return template.HTML(b.String()), nil // rendered and escaped by html/template
}

// HasPage reports whether a page exists; handlers check their pages at start-up through it.
func (r *Renderer) HasPage(name string) bool { _, ok := r.pages[name]; return ok }

// Page renders a whole page (the base layout around the page's content). A page that
// places an insert must go through WritePage.
func (r *Renderer) Page(w io.Writer, name string, p *Page) error {
	return r.write(w, func(buf *bytes.Buffer) error { return r.renderPage(buf, name, p) })
}

// Partial renders one named partial on its own. A partial that places an insert must go
// through WritePartial.
func (r *Renderer) Partial(w io.Writer, name string, data any) error {
	return r.write(w, func(buf *bytes.Buffer) error { return r.renderPartial(buf, name, data) })
}

func (r *Renderer) renderPage(buf *bytes.Buffer, name string, p *Page) error {
	t, ok := r.pages[name]
	if !ok {
		return fmt.Errorf("render: no page %q", name)
	}
	if err := t.ExecuteTemplate(buf, "base", p); err != nil {
		return fmt.Errorf("render page %s: %w", name, err)
	}
	return nil
}

func (r *Renderer) renderPartial(buf *bytes.Buffer, name string, data any) error {
	if err := r.partials.ExecuteTemplate(buf, name, data); err != nil {
		return fmt.Errorf("render partial %s: %w", name, err)
	}
	return nil
}

// write renders into a pooled buffer first, so a template error never leaves half a page
// on the wire, then writes it.
func (r *Renderer) write(w io.Writer, render func(*bytes.Buffer) error) error {
	buf := r.bufs.Get().(*bytes.Buffer)
	buf.Reset()
	defer r.bufs.Put(buf)
	if err := render(buf); err != nil {
		return err
	}
	if bytes.Contains(buf.Bytes(), []byte(insertMarker)) {
		return errors.New("render: the template places an insert; use WritePage or WritePartial")
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// insertMarker is what {{insert}} prints; send puts the insert in its place.
const insertMarker = "<!--hearth:insert-->"

// WritePage renders a whole page and sends it with status. The page is rendered before
// anything is sent, so a template error leaves the response untouched (the caller can still
// answer 500), and it goes out with its Content-Length in one write instead of in chunks.
//
// p.Insert goes where the template printed {{insert}}. Printed as a template value, tens of
// kilobytes would be copied twice through fmt into a buffer of their size allocated per
// render; spliced in, they are copied once into the pooled buffer.
func (r *Renderer) WritePage(w http.ResponseWriter, status int, name string, p *Page) error {
	return r.send(w, status, p.Insert, func(buf *bytes.Buffer) error { return r.renderPage(buf, name, p) })
}

// WritePartial renders one named partial and sends it with status, like WritePage; insert
// goes where the partial printed {{insert}}.
func (r *Renderer) WritePartial(w http.ResponseWriter, status int, name string, data any, insert template.HTML) error {
	return r.send(w, status, insert, func(buf *bytes.Buffer) error { return r.renderPartial(buf, name, data) })
}

func (r *Renderer) send(w http.ResponseWriter, status int, insert template.HTML, render func(*bytes.Buffer) error) error {
	buf := r.bufs.Get().(*bytes.Buffer)
	buf.Reset()
	defer r.bufs.Put(buf)
	if err := render(buf); err != nil {
		return err
	}
	if i := bytes.Index(buf.Bytes(), []byte(insertMarker)); i >= 0 {
		out := r.bufs.Get().(*bytes.Buffer)
		out.Reset()
		defer r.bufs.Put(out)
		out.Grow(buf.Len() + len(insert))
		out.Write(buf.Bytes()[:i])
		out.WriteString(string(insert))
		out.Write(buf.Bytes()[i+len(insertMarker):])
		buf = out
	} else if insert != "" {
		return errors.New("render: an insert was given but the template has no {{insert}}")
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=UTF-8")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

func timeShort(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2 Jan 2006 15:04 UTC")
}

// dict builds a map from alternating keys and values, to pass several values to a partial.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, fmt.Errorf("dict: odd number of arguments")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
		}
		m[k] = kv[i+1]
	}
	return m, nil
}

// initial returns the first letter of a display name, for avatars.
func initial(name string) string {
	for _, r := range name {
		return strings.ToUpper(string(r))
	}
	return "?"
}
