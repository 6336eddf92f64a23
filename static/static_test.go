package static

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHashedURLsAndCaching(t *testing.T) {
	a, err := New()
	if err != nil {
		t.Fatal(err)
	}
	u := a.URL("vendor/htmx/htmx.min.js")
	if !strings.HasPrefix(u, "/static/") || !strings.HasSuffix(u, "/vendor/htmx/htmx.min.js") {
		t.Fatalf("URL = %s", u)
	}
	get := func(path string, hdr ...string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, path, nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			r.Header.Set(hdr[i], hdr[i+1])
		}
		w := httptest.NewRecorder()
		a.ServeHTTP(w, r)
		return w
	}
	w := get(u)
	if w.Code != 200 || !strings.Contains(w.Header().Get("Cache-Control"), "immutable") || !strings.Contains(w.Header().Get("Content-Type"), "javascript") {
		t.Fatalf("current asset: %d %v", w.Code, w.Header())
	}
	if w := get("/static/0000/vendor/htmx/htmx.min.js"); w.Code != 200 || w.Header().Get("Cache-Control") != "no-cache" {
		t.Fatalf("stale hash: %d %q", w.Code, w.Header().Get("Cache-Control"))
	}
	if w := get(u, "If-None-Match", w.Header().Get("ETag")); w.Code != http.StatusNotModified {
		t.Fatalf("revalidation: %d", w.Code)
	}
	for _, bad := range []string{"/static/x/../static.go", "/static/x/nope.js", "/static/", "/static/x/css"} {
		if w := get(bad); w.Code != 404 {
			t.Errorf("%s: %d, want 404", bad, w.Code)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("URL of an unknown asset must panic")
		}
	}()
	a.URL("css/missing.css")
}
