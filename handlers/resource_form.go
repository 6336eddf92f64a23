package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/hearth-community/hearth/authz"
	"github.com/hearth-community/hearth/store"
	"github.com/hearth-community/hearth/views"
)

// resourceFields are the form fields of a resource.
var resourceFields = []string{"title", "slug", "summary", "body", "category", "tags", "link", "warning", "source"}

// reservedResourceSlugs are the library's own pages under /resources/.
var reservedResourceSlugs = map[string]bool{"new": true, "toolkit": true, "review": true}

var tagPattern = regexp.MustCompile(`^[\p{L}\p{N}][\p{L}\p{N}-]{0,29}$`)

// paramID reads a numeric path parameter.
func paramID(c echo.Context, name string) (int64, bool) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	return id, err == nil && id > 0
}

func resourceForm(c echo.Context) *views.Form {
	f := views.NewForm()
	for _, k := range resourceFields {
		f.Values[k] = c.FormValue(k)
	}
	return f
}

// resourceFormValues fills the resource form with a resource as it is.
func resourceFormValues(r store.Resource) *views.Form {
	f := views.NewForm()
	in := r.Input()
	f.Values = map[string]string{"title": in.Title, "slug": in.Slug, "summary": in.Summary, "body": in.Body,
		"category": in.Category, "tags": strings.Join(in.Tags, ", "), "link": in.Link, "warning": in.Warning, "source": in.Source}
	return f
}

// cleanText drops control characters other than line breaks and tabs, which have no place
// in a resource and would confuse the search snippets' markers.
func cleanText(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' || !unicode.IsControl(r) {
			return r
		}
		return -1
	}, strings.ReplaceAll(s, "\r\n", "\n"))
}

// validateResource checks a submitted resource form and returns the input it describes.
func validateResource(f *views.Form) store.ResourceInput {
	line := func(k string) string { return strings.TrimSpace(cleanText(strings.ReplaceAll(f.Value(k), "\n", " "))) }
	in := store.ResourceInput{
		Title: line("title"), Slug: strings.ToLower(line("slug")), Summary: line("summary"),
		Body: strings.TrimSpace(cleanText(f.Value("body"))), Category: line("category"),
		Link: line("link"), Warning: line("warning"), Source: line("source"),
	}
	if n := utf8.RuneCountInString(in.Title); n < 3 || n > 120 {
		f.Fail("title", "Give the resource a title of 3 to 120 characters.")
	}
	if in.Slug == "" {
		in.Slug = slugFromName(in.Title)
		f.Values["slug"] = in.Slug
	}
	if !slugPattern.MatchString(in.Slug) || reservedResourceSlugs[in.Slug] {
		f.Fail("slug", "Use 3–40 lowercase letters, digits and dashes, starting and ending with a letter or digit.")
	}
	if n := utf8.RuneCountInString(in.Summary); n < 10 || n > 300 {
		f.Fail("summary", "Write a summary of 10 to 300 characters: what is this, and when does it help?")
	}
	if n := utf8.RuneCountInString(in.Body); n < 50 || n > 20000 {
		f.Fail("body", "Write the resource itself: 50 to 20,000 characters.")
	}
	if store.CategoryName(in.Category) == "" {
		f.Fail("category", "Choose a category.")
	}
	for _, t := range strings.Split(f.Value("tags"), ",") {
		t = strings.ToLower(strings.Join(strings.Fields(t), "-"))
		if t == "" {
			continue
		}
		if !tagPattern.MatchString(t) {
			f.Fail("tags", "Tags are words of up to 30 letters, digits or dashes, separated by commas.")
			break
		}
		in.Tags = append(in.Tags, t)
	}
	if len(in.Tags) > 8 {
		f.Fail("tags", "Use at most 8 tags.")
	}
	if in.Link != "" {
		u, err := url.Parse(in.Link)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(in.Link) > 500 {
			f.Fail("link", "Use a full web address starting with https:// (or leave it empty).")
		}
	}
	if utf8.RuneCountInString(in.Warning) > 300 {
		f.Fail("warning", "Keep the content warning under 300 characters.")
	}
	if utf8.RuneCountInString(in.Source) > 500 {
		f.Fail("source", "Keep the source note under 500 characters.")
	}
	return in
}

// resourceFormPage is what the resource form renders: Resource is nil when writing a new
// one. Own lists the member's own submissions with their status and the moderators' notes.
type resourceFormPage struct {
	Resource   *store.Resource
	Categories []store.Category
	// Moderator: the form offers to publish at once or keep a draft; a member's resource
	// always goes to review.
	Moderator bool
	Own       []store.Resource
}

func (h *Handler) renderResourceForm(c echo.Context, status int, r *store.Resource, f *views.Form) error {
	title := "Suggest a resource"
	if r != nil {
		title = "Edit " + r.Title
	}
	data := resourceFormPage{Resource: r, Categories: store.Categories, Moderator: authz.ReviewResources(currentUser(c)) == nil}
	if r == nil {
		own, err := h.store.ResourcesByAuthor(c.Request().Context(), currentUser(c).ID)
		if err != nil {
			return internal(err)
		}
		data.Own = own
	}
	p := h.page(c, title, "resources")
	p.Form, p.Data = f, data
	return h.respond(c, status, "resource_form", "", p)
}

// slugTakenMessage is the form's answer to an address another resource has.
const slugTakenMessage = "Another resource already uses this address."

// numberedSlug is the n-th try at a free address made from slug (slug, slug-2, …).
func numberedSlug(slug string, n int) string {
	if n <= 1 {
		return slug
	}
	return strings.TrimRight(slug[:min(len(slug), 36)], "-") + "-" + strconv.Itoa(n)
}

// errSlugTaken tells whether a store error is an address in use.
func errSlugTaken(err error) bool { return errors.Is(err, store.ErrSlugTaken) }

// statusUnprocessable is the status of a form re-rendered with its problems.
const statusUnprocessable = http.StatusUnprocessableEntity
