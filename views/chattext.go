package views

import (
	"html/template"
	"regexp"
	"strings"
)

// Chat text is plain text, never markup. chatText is the one place it becomes
// template.HTML: everything is escaped, then http(s) links become safe anchors, @mentions
// become spans the page can highlight for the member named, and newlines become <br>.
var chatToken = regexp.MustCompile(`https?://[^\s<>"']+|@[\p{L}\p{N}_.\-]{3,30}`)

func chatText(body string) template.HTML {
	var b strings.Builder
	b.Grow(len(body) + 32)
	last := 0
	for _, loc := range chatToken.FindAllStringIndex(body, -1) {
		tok := body[loc[0]:loc[1]]
		if tok[0] == '@' && loc[0] > 0 && isWordByte(body[loc[0]-1]) {
			continue // an e-mail address, not a mention
		}
		writeText(&b, body[last:loc[0]])
		last = loc[1]
		if tok[0] == '@' {
			name := strings.TrimRight(tok[1:], ".-")
			last = loc[0] + 1 + len(name)
			b.WriteString(`<span class="mention" data-mention="`)
			b.WriteString(template.HTMLEscapeString(strings.ToLower(name)))
			b.WriteString(`">@`)
			b.WriteString(template.HTMLEscapeString(name))
			b.WriteString(`</span>`)
			continue
		}
		// Trailing punctuation usually ends the sentence, not the link.
		link := strings.TrimRight(tok, ".,;:!?)]")
		last = loc[0] + len(link)
		esc := template.HTMLEscapeString(link)
		b.WriteString(`<a rel="noopener nofollow ugc" target="_blank" href="`)
		b.WriteString(esc)
		b.WriteString(`">`)
		b.WriteString(esc)
		b.WriteString(`</a>`)
	}
	writeText(&b, body[last:])
	return template.HTML(b.String())
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.'
}

func writeText(b *strings.Builder, s string) {
	for i, line := range strings.Split(s, "\n") {
		if i > 0 {
			b.WriteString("<br>")
		}
		b.WriteString(template.HTMLEscapeString(line))
	}
}

// reactionEmoji maps a reaction kind to what it shows.
func reactionEmoji(kind string) string {
	switch kind {
	case "heart":
		return "❤️"
	case "pray":
		return "🙏"
	case "strong":
		return "💪"
	case "grow":
		return "🌱"
	}
	return ""
}

// reactionLabel is the accessible name of a reaction kind.
func reactionLabel(kind string) string {
	switch kind {
	case "heart":
		return "Sending love"
	case "pray":
		return "Thank you"
	case "strong":
		return "You've got this"
	case "grow":
		return "Growth"
	}
	return kind
}

// Mentions returns the display names a chat message mentions (lowercased, each once), by
// the same rules chatText highlights them with.
func Mentions(body string) []string {
	var out []string
	seen := map[string]bool{}
	for _, loc := range chatToken.FindAllStringIndex(body, -1) {
		tok := body[loc[0]:loc[1]]
		if tok[0] != '@' || (loc[0] > 0 && isWordByte(body[loc[0]-1])) {
			continue
		}
		name := strings.ToLower(strings.TrimRight(tok[1:], ".-"))
		if len(name) >= 3 && !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	return out
}
