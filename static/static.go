// Package static embeds Hearth's browser assets and serves them under content-hash URLs,
// so they can be cached forever and a new release is picked up at once.
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

//go:embed css img js vendor
var files embed.FS

// Prefix is the URL path under which assets are served.
const Prefix = "/static/"

// Assets knows every embedded file and its content hash.
type Assets struct {
	fsys   fs.FS
	hashes map[string]string // file path -> short content hash
}

// New hashes every embedded asset.
func New() (*Assets, error) {
	a := &Assets{fsys: files, hashes: map[string]string{}}
	err := fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(files, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		a.hashes[p] = hex.EncodeToString(sum[:6])
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("hash static assets: %w", err)
	}
	return a, nil
}

// URL returns the content-hash URL of an asset ("css/hearth.css" ->
// "/static/3f2a.../css/hearth.css"). It panics on an unknown name so a typo in a template
// fails at start-up, when templates are first rendered in tests, not in front of a member.
func (a *Assets) URL(name string) string {
	h, ok := a.hashes[name]
	if !ok {
		panic("static: unknown asset " + name)
	}
	return Prefix + h + "/" + name
}

// ServeHTTP serves /static/{hash}/{path}. A current hash is cached for a year as immutable;
// an outdated hash still gets the file but must be revalidated.
func (a *Assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, Prefix)
	hash, name, ok := strings.Cut(rest, "/")
	cur, known := a.hashes[name]
	if !ok || !known || strings.HasPrefix(name, ".") {
		http.NotFound(w, r)
		return
	}
	b, err := fs.ReadFile(a.fsys, name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	if ct := mime.TypeByExtension(path.Ext(name)); ct != "" {
		w.Header().Set("Content-Type", ct)
	}
	if hash == cur {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	w.Header().Set("ETag", `"`+cur+`"`)
	if r.Header.Get("If-None-Match") == `"`+cur+`"` {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	_, _ = w.Write(b)
}
