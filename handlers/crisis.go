package handlers

import (
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/hearth-community/hearth/store"
	"github.com/hearth-community/hearth/views"
)

// crisisLine is one line of the crisis card as the views show it.
type crisisLine struct{ store.CrisisLine }

// Href is a link for the line when how to reach it is one phone number ("Call or text 988"
// is tel:988) or a web address ("findahelpline.com"); "" otherwise.
func (l crisisLine) Href() template.URL {
	return template.URL(l.href()) // only tel: with digits, or https:// with no quotes or spaces
}

func (l crisisLine) href() string {
	r := strings.TrimSpace(l.Reach)
	if !strings.ContainsAny(r, " ") && strings.Contains(r, ".") && !strings.ContainsAny(r, "<>\"'") {
		if strings.HasPrefix(r, "https://") || strings.HasPrefix(r, "http://") {
			return r
		}
		return "https://" + r
	}
	// Exactly one group of digits (spaces and hyphens inside it allowed) is a number to dial.
	var groups []string
	var cur strings.Builder
	for i, c := range r {
		switch {
		case unicode.IsDigit(c):
			cur.WriteRune(c)
		case (c == ' ' || c == '-') && cur.Len() > 0 && i+1 < len(r) && unicode.IsDigit(rune(r[i+1])):
		default:
			if cur.Len() > 0 {
				groups = append(groups, cur.String())
				cur.Reset()
			}
		}
	}
	if cur.Len() > 0 {
		groups = append(groups, cur.String())
	}
	if len(groups) == 1 {
		return "tel:" + groups[0]
	}
	return ""
}

// crisisCard is what the crisis card renders, on /help and in the "Get help now" dialog.
type crisisCard struct {
	Lines []crisisLine
}

func (h *Handler) crisisCard(c echo.Context) (crisisCard, error) {
	lines, err := h.store.CrisisLines(c.Request().Context())
	if err != nil {
		return crisisCard{}, err
	}
	card := crisisCard{Lines: make([]crisisLine, len(lines))}
	for i, l := range lines {
		card.Lines[i] = crisisLine{l}
	}
	return card, nil
}

// Help is the "Get help now" page: the crisis card and what to do while waiting. An HTMX
// request (the dialog every page opens from its header) gets the card alone.
func (h *Handler) Help(c echo.Context) error {
	card, err := h.crisisCard(c)
	if err != nil {
		return internal(err)
	}
	p := h.page(c, "Get help now", "help")
	p.Data = card
	return h.respond(c, http.StatusOK, "help", "crisis_card", p)
}

// crisisPhrases is the answer of GET /crisis/phrases.
type crisisPhrases struct {
	Phrases []string `json:"phrases"`
}

// CrisisPhrases gives a member's page the phrases for the author-only nudge. The page
// checks a message against them before sending it, in the browser: whether a message
// matched is never sent to the server, stored or logged. The list changes rarely, so the
// browser may keep it a few minutes.
func (h *Handler) CrisisPhrases(c echo.Context) error {
	phrases, err := h.store.CrisisPhrases(c.Request().Context())
	if err != nil {
		return internal(err)
	}
	if phrases == nil {
		phrases = []string{}
	}
	c.Response().Header().Set("Cache-Control", "private, max-age=300")
	return c.JSON(http.StatusOK, crisisPhrases{Phrases: phrases})
}

// Limits of the crisis support form.
const (
	maxCrisisLines   = 20
	maxCrisisPhrases = 200
	maxPhraseChars   = 60
	maxLabelChars    = 80
	maxReachChars    = 120
	maxNoteChars     = 200
)

// adminCrisisPage is what /admin/crisis renders: the card's lines and the phrases, one per
// line of each text box.
type adminCrisisPage struct {
	Form  *views.Form
	Saved bool
}

// AdminCrisis shows the crisis support settings.
func (h *Handler) AdminCrisis(c echo.Context) error {
	ctx := c.Request().Context()
	lines, err := h.store.CrisisLines(ctx)
	if err != nil {
		return internal(err)
	}
	phrases, err := h.store.CrisisPhrases(ctx)
	if err != nil {
		return internal(err)
	}
	f := views.NewForm()
	f.Values["lines"] = formatCrisisLines(lines)
	f.Values["phrases"] = strings.Join(phrases, "\n")
	return h.renderAdminCrisis(c, http.StatusOK, adminCrisisPage{Form: f, Saved: c.QueryParam("saved") == "1"})
}

func (h *Handler) renderAdminCrisis(c echo.Context, status int, d adminCrisisPage) error {
	p := h.page(c, "Crisis support", "admin")
	p.Data = d
	return h.respond(c, status, "admin_crisis", "", p)
}

// AdminCrisisSave replaces the crisis lines and phrases.
func (h *Handler) AdminCrisisSave(c echo.Context) error {
	f := views.NewForm()
	f.Values["lines"] = c.FormValue("lines")
	f.Values["phrases"] = c.FormValue("phrases")
	lines, msg := parseCrisisLines(f.Values["lines"])
	if msg != "" {
		f.Fail("lines", msg)
	}
	phrases, msg := parseCrisisPhrases(f.Values["phrases"])
	if msg != "" {
		f.Fail("phrases", msg)
	}
	if !f.Valid() {
		return h.renderAdminCrisis(c, http.StatusUnprocessableEntity, adminCrisisPage{Form: f})
	}
	if err := h.store.SetCrisisSupport(c.Request().Context(), lines, phrases); err != nil {
		return internal(err)
	}
	return redirect(c, "/admin/crisis?saved=1")
}

func formatCrisisLines(lines []store.CrisisLine) string {
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(l.Label + " | " + l.Reach)
		if l.Note != "" {
			b.WriteString(" | " + l.Note)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// parseCrisisLines reads "where | how to reach | note" lines; it returns a message for the
// admin when they are not usable.
func parseCrisisLines(text string) ([]store.CrisisLine, string) {
	var out []store.CrisisLine
	for i, raw := range strings.Split(text, "\n") {
		raw = strings.TrimSpace(raw)
		if raw == "" {
			continue
		}
		parts := strings.SplitN(raw, "|", 3)
		for j := range parts {
			parts[j] = strings.TrimSpace(parts[j])
		}
		if len(parts) < 2 || parts[0] == "" || parts[1] == "" {
			return nil, "Line " + strconv.Itoa(i+1) + " needs at least who it is for and how to reach it, separated by |."
		}
		l := store.CrisisLine{Label: parts[0], Reach: parts[1]}
		if len(parts) == 3 {
			l.Note = parts[2]
		}
		if utf8.RuneCountInString(l.Label) > maxLabelChars || utf8.RuneCountInString(l.Reach) > maxReachChars ||
			utf8.RuneCountInString(l.Note) > maxNoteChars {
			return nil, "Line " + strconv.Itoa(i+1) + " is too long: at most 80 characters for who, 120 for how to reach, 200 for the note."
		}
		out = append(out, l)
	}
	switch {
	case len(out) == 0:
		return nil, "The crisis card needs at least one line: members in crisis must always find somewhere to turn."
	case len(out) > maxCrisisLines:
		return nil, "At most 20 lines: a short card is easier to read in a hard moment."
	}
	return out, ""
}

// parseCrisisPhrases reads one phrase per line. An empty list is allowed: the nudge then
// never shows.
func parseCrisisPhrases(text string) ([]string, string) {
	var out []string
	for _, raw := range strings.Split(text, "\n") {
		p := strings.ToLower(strings.Join(strings.Fields(raw), " "))
		if p == "" {
			continue
		}
		if utf8.RuneCountInString(p) > maxPhraseChars {
			return nil, "Each phrase can be at most 60 characters."
		}
		out = append(out, p)
	}
	if len(out) > maxCrisisPhrases {
		return nil, "At most 200 phrases."
	}
	return out, ""
}
