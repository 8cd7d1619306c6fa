package render

import (
	"bytes"
	"fmt"
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

// commonMark renders the report's markdown: CommonMark with GFM tables
// and strikethrough. Raw HTML is left out by goldmark (no WithUnsafe), and
// headings move one level down, the page having its own h1.
var commonMark = goldmark.New(
	goldmark.WithExtensions(
		extension.NewTable(extension.WithTableCellAlignMethod(extension.TableCellAlignAttribute)),
		extension.Strikethrough,
	),
	goldmark.WithParserOptions(parser.WithASTTransformers(util.Prioritized(headingShift{}, 100))),
)

// narrative is what survives of the HTML: the narrative may come from an
// LLM, so nothing that runs (script, handlers, javascript: links, frames,
// forms, styles) and no image that is not inside the page (data: URLs)
// gets through; links to other sites open without the page as referrer.
var narrative = func() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements("p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "code",
		"em", "strong", "del", "ul", "ol", "li", "table", "thead", "tbody", "tr", "th", "td")
	p.AllowAttrs("align").Matching(regexp.MustCompile(`^(left|center|right)$`)).OnElements("th", "td")
	p.AllowAttrs("start").Matching(bluemonday.Integer).OnElements("ol")
	p.AllowAttrs("href").OnElements("a")
	p.AllowURLSchemes("http", "https", "mailto")
	p.AllowRelativeURLs(true)
	p.RequireNoReferrerOnLinks(true)
	p.RequireNoFollowOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	// An image keeps only a data: src; one without is dropped whole.
	p.AllowDataURIImages()
	return p
}()

// markdownHTML renders markdown to sanitized HTML.
func markdownHTML(md string) (template.HTML, error) {
	var buf bytes.Buffer
	if err := commonMark.Convert([]byte(md), &buf); err != nil {
		return "", fmt.Errorf("render markdown: %w", err)
	}
	// The sanitized output is safe by construction of the policy.
	return template.HTML(narrative.SanitizeBytes(buf.Bytes())), nil //nolint:gosec
}

// headingShift makes every heading one level deeper (# becomes h2), down
// to h6.
type headingShift struct{}

func (headingShift) Transform(doc *ast.Document, _ text.Reader, _ parser.Context) {
	// Walk fails only with the walker's error, and this walker returns none.
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if h, ok := n.(*ast.Heading); ok && entering {
			h.Level = min(h.Level+1, 6)
		}
		return ast.WalkContinue, nil
	})
}
