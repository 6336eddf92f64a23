package views

import (
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/hearth-community/hearth/views/xsstest"
)

func TestRenderMarkdownIsInert(t *testing.T) {
	for _, src := range xsstest.Corpus {
		out := string(RenderMarkdown(src))
		xsstest.AssertInert(t, src, `<div class="user-content">`+out+`</div>`)
		for _, bad := range []string{"<script", "javascript:", "vbscript:", "data:text", "onerror", "onload", "onclick", "hx-", "<style", "<iframe", "<form"} {
			if strings.Contains(strings.ToLower(out), bad) {
				t.Errorf("%q rendered with %q: %s", src, bad, out)
			}
		}
	}
}

func TestRenderMarkdownKeepsWhatHelps(t *testing.T) {
	out := string(RenderMarkdown("## Breathe\n\n- **in** for four\n- *out* for six\n\n[Crisis lines](/help) and <https://example.org> or https://example.net.\n\n![a calm lake](https://example.org/lake.png)"))
	doc, _ := goquery.NewDocumentFromReader(strings.NewReader(out))
	if doc.Find("h2").Text() != "Breathe" || doc.Find("li").Length() != 2 || doc.Find("strong").Text() != "in" {
		t.Fatalf("structure lost: %s", out)
	}
	links := doc.Find("a")
	if links.Length() != 4 {
		t.Fatalf("want 4 links (link, autolink, bare URL, image as link), got %d: %s", links.Length(), out)
	}
	links.Each(func(_ int, a *goquery.Selection) {
		if rel, _ := a.Attr("rel"); rel != "noopener nofollow ugc" {
			t.Errorf("link %s has rel %q", a.AttrOr("href", ""), rel)
		}
	})
	if doc.Find("img").Length() != 0 || !strings.Contains(out, "a calm lake") {
		t.Fatalf("image not turned into a link: %s", out)
	}
}
