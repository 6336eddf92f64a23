package views

import (
	"bytes"
	"html/template"
	"regexp"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// linkRel is what every link in member-written text carries: no window.opener for the page
// it opens, no endorsement for search engines, and marked as user-generated.
const linkRel = "noopener nofollow ugc"

// markdownEngine turns markdown into HTML. goldmark leaves raw HTML out (it is not built
// with html.WithUnsafe), drops dangerous link destinations, and here gives every link
// linkRel and turns images into plain links: an image would load from wherever its author
// chose (the CSP blocks it anyway), and Hearth makes no third-party requests.
var markdownEngine = goldmark.New(
	goldmark.WithExtensions(extension.Strikethrough, extension.Linkify, extension.Table),
	goldmark.WithParserOptions(parser.WithASTTransformers(util.Prioritized(linkTransformer{}, 100))),
)

// markdownPolicy is the second, independent line: bluemonday's policy for user-generated
// content, which keeps only harmless elements and attributes (no script, style, form,
// iframe, svg, no on* or hx-* or style attributes) and only http, https and mailto URLs
// (and relative ones, which stay on Hearth).
var markdownPolicy = func() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowURLSchemes("http", "https", "mailto")
	p.RequireParseableURLs(true)
	p.RequireNoFollowOnLinks(true) // a link that somehow lacks linkRel still gets nofollow
	p.AllowAttrs("rel").Matching(regexp.MustCompile(`^` + regexp.QuoteMeta(linkRel) + `$`)).OnElements("a")
	return p
}()

// RenderMarkdown is the one place member-written text becomes HTML: markdown through
// goldmark, then through bluemonday. Nowhere else in Hearth makes template.HTML from what
// a member wrote.
func RenderMarkdown(src string) template.HTML {
	var buf bytes.Buffer
	if err := markdownEngine.Convert([]byte(src), &buf); err != nil {
		// goldmark fails only on a failing writer; a bytes.Buffer does not. Show the text.
		return template.HTML(template.HTMLEscapeString(src)) // escaped: no markup left
	}
	return template.HTML(markdownPolicy.SanitizeBytes(buf.Bytes())) // sanitised just above
}

// linkTransformer gives links linkRel and turns images into links to them.
type linkTransformer struct{}

func (linkTransformer) Transform(doc *ast.Document, _ text.Reader, _ parser.Context) {
	var images []*ast.Image
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch v := n.(type) {
		case *ast.Link, *ast.AutoLink:
			n.SetAttributeString("rel", []byte(linkRel))
		case *ast.Image:
			images = append(images, v)
		}
		return ast.WalkContinue, nil
	})
	for _, img := range images {
		link := ast.NewLink()
		link.Destination, link.Title = img.Destination, img.Title
		link.SetAttributeString("rel", []byte(linkRel))
		for c := img.FirstChild(); c != nil; {
			next := c.NextSibling()
			link.AppendChild(link, c)
			c = next
		}
		if link.ChildCount() == 0 {
			link.AppendChild(link, ast.NewString([]byte("image")))
		}
		img.Parent().ReplaceChild(img.Parent(), img, link)
	}
}
