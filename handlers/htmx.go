package handlers

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/hearth-community/hearth/views"
)

// HTMX request and response headers.
const (
	HeaderHXRequest        = "HX-Request"
	HeaderHXBoosted        = "HX-Boosted"
	HeaderHXHistoryRestore = "HX-History-Restore-Request"
	HeaderHXTarget         = "HX-Target"
	HeaderHXRedirect       = "HX-Redirect"
	HeaderHXLocation       = "HX-Location"
	HeaderHXRetarget       = "HX-Retarget"
	HeaderHXReswap         = "HX-Reswap"
	HeaderHXTrigger        = "HX-Trigger"
)

// isFragment decides, in one place, whether to answer with a fragment: an HTMX request that
// is neither boosted (which wants a whole page) nor a history restore.
func isFragment(c echo.Context) bool {
	r := c.Request()
	return r.Header.Get(HeaderHXRequest) == "true" &&
		r.Header.Get(HeaderHXBoosted) == "" &&
		r.Header.Get(HeaderHXHistoryRestore) == ""
}

// respond renders a page, or for a fragment request only the named partial with the same
// data. Every HTML response varies on HX-Request so caches never mix the two.
func (h *Handler) respond(c echo.Context, status int, page, partial string, p *views.Page) error {
	w := c.Response()
	w.Header().Add(echo.HeaderVary, HeaderHXRequest)
	var err error
	if partial != "" && isFragment(c) {
		err = h.views.WritePartial(w, status, partial, p, p.Insert)
	} else {
		err = h.views.WritePage(w, status, page, p)
	}
	if err != nil {
		return internal(err)
	}
	return nil
}

// redirect sends the browser elsewhere after a successful POST: HX-Redirect (a full load, so
// navigation and tokens are fresh) for HTMX requests, 303 See Other otherwise.
func redirect(c echo.Context, to string) error {
	if c.Request().Header.Get(HeaderHXRequest) == "true" {
		// A browser "navigates" to the page it is on plus a #fragment by scrolling only:
		// the new content would never load. The same page without the fragment reloads.
		if i := strings.IndexByte(to, '#'); i >= 0 {
			if cur, err := url.Parse(c.Request().Header.Get("HX-Current-URL")); err == nil && cur.RequestURI() == to[:i] {
				to = to[:i]
			}
		}
		c.Response().Header().Set(HeaderHXRedirect, to)
		return c.NoContent(http.StatusNoContent)
	}
	return c.Redirect(http.StatusSeeOther, to)
}
