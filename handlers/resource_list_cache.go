package handlers

import (
	"html/template"
	"sync"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/hearth-community/hearth/store"
)

// resultsCacheSize bounds how many rendered result lists of /resources are kept (a few KB
// each): the browse pages and the common searches.
const resultsCacheSize = 512

// resultsCache keeps the rendered results part of /resources by its query (text, category,
// tag, sort, page). The part shows nothing that depends on the viewer, so every member's
// page shares it; the page around it (header, form, CSRF token) is rendered per request.
// Any resource change drops every entry: counts, order and snippets may all move.
type resultsCache struct {
	mu    sync.Mutex
	gen   uint64
	pages *lru.Cache[string, cachedResults]
}

type cachedResults struct {
	html template.HTML
	sort string // the order the results are in, which the page's form shows
}

func newResultsCache() *resultsCache {
	c, err := lru.New[string, cachedResults](resultsCacheSize)
	if err != nil {
		panic(err) // only for a size <= 0
	}
	return &resultsCache{pages: c}
}

// get returns the cached results for key and the generation to store a new rendering under.
func (c *resultsCache) get(key string) (cachedResults, uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok := c.pages.Get(key)
	return r, c.gen, ok
}

// add keeps a rendering made at generation gen, unless a change came in meanwhile.
func (c *resultsCache) add(key string, gen uint64, r cachedResults) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen == c.gen {
		c.pages.Add(key, r)
	}
}

// follow is the cache's listener on the store's change feed.
func (c *resultsCache) follow(cs []store.Change) {
	for _, ch := range cs {
		if ch.Kind == store.ChangeResource {
			c.mu.Lock()
			c.gen++
			c.pages.Purge()
			c.mu.Unlock()
			return
		}
	}
}
