package handlers

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/hearth-community/hearth/authz"
	"github.com/hearth-community/hearth/store"
)

// resourcesPerPage is how many resources a page of the library shows.
const resourcesPerPage = 12

// urgentWords are what makes a search look like someone may be in danger: the results
// then lead with the way to crisis help. A small fixed list, matched anywhere in the text.
var urgentWords = []string{"suicide", "suicidal", "kill myself", "end my life", "want to die", "overdose",
	"self-harm", "self harm", "selfharm", "hurt myself", "emergency", "crisis", "not safe"}

// looksUrgent reports whether a search text holds one of urgentWords.
func looksUrgent(q string) bool {
	q = strings.ToLower(strings.Join(strings.Fields(q), " "))
	for _, w := range urgentWords {
		if strings.Contains(q, w) {
			return true
		}
	}
	return false
}

// resourcesPage is what the library renders; the resource_results partial is the part a
// live search swaps.
type resourcesPage struct {
	Query      string
	Category   string // slug
	Tag        string
	Sort       string
	Result     store.SearchResult
	Categories []store.Category
	// Urgent: the search looks like someone may be in danger.
	Urgent    bool
	CanReview bool
	PrevURL   string
	NextURL   string
}

// CategoryName is the chosen category as shown.
func (d resourcesPage) CategoryName() string { return store.CategoryName(d.Category) }

// url is the library's address for these filters on page n.
func (d resourcesPage) url(page int) string {
	v := url.Values{}
	for k, val := range map[string]string{"q": d.Query, "category": d.Category, "tag": d.Tag} {
		if val != "" {
			v.Set(k, val)
		}
	}
	if d.Sort != "" && d.Sort != store.SortRelevance && !(d.Query == "" && d.Sort == store.SortNewest) {
		v.Set("sort", d.Sort)
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	if len(v) == 0 {
		return "/resources"
	}
	return "/resources?" + v.Encode()
}

// ResourceList is the library: browse by category and tag, sorted by newest or most
// helpful, paged, and full-text search. A live search asks for the resource_results
// fragment; the same URL without JavaScript is the whole page.
func (h *Handler) ResourceList(c echo.Context) error {
	d := resourcesPage{
		Query:      strings.TrimSpace(c.QueryParam("q")),
		Category:   c.QueryParam("category"),
		Tag:        strings.ToLower(strings.TrimSpace(c.QueryParam("tag"))),
		Categories: store.Categories,
		CanReview:  authz.ReviewResources(currentUser(c)) == nil,
	}
	if store.CategoryName(d.Category) == "" {
		d.Category = ""
	}
	if !tagPattern.MatchString(d.Tag) {
		d.Tag = ""
	}
	if r := []rune(d.Query); len(r) > store.MaxSearchRunes {
		d.Query = string(r[:store.MaxSearchRunes])
	}
	page, err := strconv.Atoi(c.QueryParam("page"))
	if err != nil || page < 1 || page > 10000 {
		page = 1
	}
	// The results part is the same for every viewer: rendered once per query and change.
	key := strings.Join([]string{d.Query, d.Category, d.Tag, c.QueryParam("sort"), strconv.Itoa(page)}, "\x00")
	cached, gen, ok := h.results.get(key)
	p := h.page(c, "Resources", "resources")
	if ok {
		d.Sort = cached.sort
	} else {
		res, err := h.store.SearchResources(c.Request().Context(), store.SearchQuery{Text: d.Query, Category: d.Category,
			Tag: d.Tag, Sort: c.QueryParam("sort"), Page: page, PerPage: resourcesPerPage})
		if err != nil {
			return internal(err)
		}
		d.Result, d.Sort, d.Urgent = res, res.Sort, looksUrgent(d.Query)
		if res.Page > 1 {
			d.PrevURL = d.url(res.Page - 1)
		}
		if res.Page < res.Pages {
			d.NextURL = d.url(res.Page + 1)
		}
		p.Data = d
		var b bytes.Buffer
		if err := h.views.Partial(&b, "resource_results", p); err != nil {
			return internal(fmt.Errorf("render resource results: %w", err))
		}
		cached = cachedResults{html: template.HTML(b.String()), sort: res.Sort} // rendered by html/template
		h.results.add(key, gen, cached)
	}
	p.Data, p.Insert = d, cached.html
	if isFragment(c) {
		// A live search swaps the results part alone.
		c.Response().Header().Add(echo.HeaderVary, HeaderHXRequest)
		return c.HTMLBlob(http.StatusOK, []byte(cached.html))
	}
	return h.respond(c, http.StatusOK, "resources", "", p)
}
