package handlers_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/hearth-community/hearth/handlers/handlerstest"
)

func TestFavicon(t *testing.T) {
	app := handlerstest.New(t)
	c := app.Client()
	icon, ok := c.Get("/").Doc(t).Find(`link[rel="icon"]`).Attr("href")
	if !ok || !strings.HasPrefix(icon, "/static/") {
		t.Fatalf("no icon link in the page: %q", icon)
	}
	r := c.Get("/favicon.ico")
	if r.Status != http.StatusFound || r.Header.Get("Location") != icon {
		t.Fatalf("/favicon.ico: %d to %q, want the page's icon %q", r.Status, r.Header.Get("Location"), icon)
	}
	r = c.Get(icon)
	if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "image/svg+xml" || !strings.Contains(r.Body, "<svg") {
		t.Fatalf("icon: %d %q", r.Status, r.Header.Get("Content-Type"))
	}
	for _, bad := range []string{"<script", "style=", "href="} {
		if strings.Contains(r.Body, bad) {
			t.Errorf("icon holds %q", bad)
		}
	}
}
