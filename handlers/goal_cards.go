package handlers

import (
	"bytes"
	"fmt"
	"html/template"

	lru "github.com/hashicorp/golang-lru/v2"
)

// goalCards renders goal cards (views/partials/goal_card.html) once per content: a board of
// 200 goals through html/template costs most of its time in the template's per-action
// work, while the cards rarely change. An entry is keyed by everything the card shows, so
// it needs no invalidation: a changed goal has another key, and the old entry ages out.
type goalCards struct {
	h     *Handler
	cache *lru.Cache[string, template.HTML]
}

func newGoalCards(h *Handler) *goalCards {
	c, err := lru.New[string, template.HTML](4096)
	if err != nil {
		panic(err) // only for a size <= 0
	}
	return &goalCards{h: h, cache: c}
}

// key names everything goal_card shows.
func cardKey(c goalCard) string {
	g := c.Goal
	return fmt.Sprintf("%d\x00%s\x00%s\x00%s\x00%s\x00%s\x00%d\x00%d\x00%d\x00%d", g.ID, g.Title, g.OwnerName, g.Visibility,
		g.GroupName, g.State, c.Days, c.Percent, g.Done, g.Milestones)
}

// join renders the cards, from the cache where it can, into one piece of HTML.
func (gc *goalCards) join(cs []goalCard) (template.HTML, error) {
	var b bytes.Buffer
	for _, c := range cs {
		k := cardKey(c)
		html, ok := gc.cache.Get(k)
		if !ok {
			var one bytes.Buffer
			if err := gc.h.views.Partial(&one, "goal_card", c); err != nil {
				return "", err
			}
			html = template.HTML(one.String()) // rendered by html/template
			gc.cache.Add(k, html)
		}
		b.WriteString(string(html))
		b.WriteByte('\n')
	}
	return template.HTML(b.String()), nil // each card was rendered by html/template
}
