package handlers

import (
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
	"golang.org/x/text/unicode/norm"

	"github.com/hearth-community/hearth/authz"
	"github.com/hearth-community/hearth/store"
	"github.com/hearth-community/hearth/views"
)

var slugPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$`)

// validateGroup checks a submitted group form and returns the input it describes.
func validateGroup(f *views.Form) store.GroupInput {
	in := store.GroupInput{
		Name:        strings.TrimSpace(f.Value("name")),
		Slug:        strings.ToLower(strings.TrimSpace(f.Value("slug"))),
		Description: strings.TrimSpace(f.Value("description")),
		Guidelines:  strings.TrimSpace(f.Value("guidelines")),
		Visibility:  store.Visibility(f.Value("visibility")),
	}
	if n := utf8.RuneCountInString(in.Name); n < 3 || n > 80 {
		f.Fail("name", "Give the group a name of 3 to 80 characters.")
	}
	if in.Slug == "" {
		in.Slug = slugFromName(in.Name)
		f.Values["slug"] = in.Slug
	}
	if !slugPattern.MatchString(in.Slug) || in.Slug == "new" {
		f.Fail("slug", "Use 3–40 lowercase letters, digits and dashes, starting and ending with a letter or digit.")
	}
	if utf8.RuneCountInString(in.Description) > 500 {
		f.Fail("description", "Keep the description under 500 characters.")
	}
	if in.Guidelines == "" {
		f.Fail("guidelines", "Write the guidelines members agree to when they join.")
	} else if utf8.RuneCountInString(in.Guidelines) > 4000 {
		f.Fail("guidelines", "Keep the guidelines under 4,000 characters.")
	}
	if in.Visibility != store.Public && in.Visibility != store.Private {
		f.Fail("visibility", "Choose public or private.")
	}
	return in
}

// slugFromName suggests a group's address from its name: lowercase letters and digits
// (accents dropped), words joined by dashes, at most 40 characters.
func slugFromName(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range norm.NFKD.String(strings.ToLower(name)) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		case unicode.Is(unicode.Mn, r): // a combining accent: dropped
		default:
			dash = true
		}
		if b.Len() >= 40 {
			break
		}
	}
	return strings.Trim(b.String()[:min(b.Len(), 40)], "-")
}

// freeSlug makes a suggested address unique by numbering it (circle, circle-2, …).
func (h *Handler) freeSlug(c echo.Context, slug string) (string, error) {
	for i := 1; i < 100; i++ {
		try := slug
		if i > 1 {
			try = strings.TrimRight(slug[:min(len(slug), 36)], "-") + "-" + strconv.Itoa(i)
		}
		used, err := h.store.SlugInUse(c.Request().Context(), try)
		if err != nil {
			return "", err
		}
		if !used {
			return try, nil
		}
	}
	return slug, nil
}

func groupForm(c echo.Context) *views.Form {
	f := views.NewForm()
	for _, k := range []string{"name", "slug", "description", "guidelines", "visibility"} {
		f.Values[k] = c.FormValue(k)
	}
	return f
}

func (h *Handler) renderGroupForm(c echo.Context, status int, g *store.Group, f *views.Form) error {
	title := "Create a group"
	if g != nil {
		title = "Edit " + g.Name
	}
	p := h.page(c, title, "groups")
	data := groupFormPage{Group: g}
	if g != nil {
		s := authz.Subject{User: currentUser(c)}
		if m, err := h.store.MembershipOf(c.Request().Context(), g.ID, currentUser(c).ID); err == nil {
			s.Membership = &m
		}
		data.CanArchive, data.CanDelete = authz.ArchiveGroup(s, *g) == nil, authz.DeleteGroup(s, *g) == nil
	}
	p.Form, p.Data = f, data
	return h.respond(c, status, "group_form", "", p)
}

// groupFormPage is what the group form renders: Group is nil when creating one.
// CanArchive and CanDelete show the organiser controls under the edit form.
type groupFormPage struct {
	Group      *store.Group
	CanArchive bool
	CanDelete  bool
}

// GroupNew shows the empty group form (site moderators and admins).
func (h *Handler) GroupNew(c echo.Context) error {
	f := views.NewForm()
	f.Values["visibility"] = string(store.Public)
	return h.renderGroupForm(c, http.StatusOK, nil, f)
}

// GroupCreate creates a group; its creator becomes its first group moderator.
func (h *Handler) GroupCreate(c echo.Context) error {
	f := groupForm(c)
	suggested := strings.TrimSpace(f.Value("slug")) == ""
	in := validateGroup(f)
	if suggested && f.Valid() {
		slug, err := h.freeSlug(c, in.Slug)
		if err != nil {
			return internal(err)
		}
		in.Slug, f.Values["slug"] = slug, slug
	}
	if !f.Valid() {
		return h.renderGroupForm(c, http.StatusUnprocessableEntity, nil, f)
	}
	g, err := h.store.CreateGroup(c.Request().Context(), in, currentUser(c).ID)
	if errors.Is(err, store.ErrSlugTaken) {
		f.Fail("slug", "Another group already uses this address.")
		return h.renderGroupForm(c, http.StatusUnprocessableEntity, nil, f)
	}
	if err != nil {
		return internal(err)
	}
	return redirect(c, "/groups/"+g.Slug)
}
