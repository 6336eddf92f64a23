package store

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The starter library: one markdown file per resource under store/library,
// named NN-slug.md, with a header of "key: value" lines, a line "---", then
// the markdown body. These tests read the files from disk so that they check
// the texts themselves, whatever loads them.

var ltxtCategories = []string{
	"self-care",
	"coping-skills",
	"building-resilience",
	"realistic-goals",
	"connection-support",
	"care-team",
	"addiction-recovery",
	"crisis-help",
}

var (
	ltxtFileName = regexp.MustCompile(`^([0-9]{2})-([a-z0-9]+(?:-[a-z0-9]+)*)\.md$`)
	ltxtSlug     = regexp.MustCompile(`^[a-z0-9]+(?:-[a-z0-9]+)*$`)
	ltxtTag      = regexp.MustCompile(`^[a-z0-9]+(?:[ -][a-z0-9]+)*$`)
)

type ltxtDoc struct {
	file   string
	header map[string]string
	body   string
}

func ltxtParse(name string, data []byte) (ltxtDoc, error) {
	t := ltxtDoc{file: name, header: map[string]string{}}
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	head, body, ok := strings.Cut(text, "\n---\n")
	if !ok {
		return t, fmt.Errorf("no line --- between header and body")
	}
	for i, line := range strings.Split(head, "\n") {
		if strings.TrimSpace(line) == "" {
			return t, fmt.Errorf("header line %d is blank", i+1)
		}
		key, value, ok := strings.Cut(line, ":")
		if !ok {
			return t, fmt.Errorf("header line %d %q is not key: value", i+1, line)
		}
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		if _, dup := t.header[key]; dup {
			return t, fmt.Errorf("header key %q appears twice", key)
		}
		if value == "" {
			return t, fmt.Errorf("header key %q has no value", key)
		}
		t.header[key] = value
	}
	t.body = strings.TrimSpace(body)
	return t, nil
}

func ltxtRead(t *testing.T) []ltxtDoc {
	t.Helper()
	dir := "library"
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("read %s: %v", dir, err)
	}
	var texts []ltxtDoc
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".md") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatalf("read %s: %v", e.Name(), err)
		}
		lt, err := ltxtParse(e.Name(), data)
		if err != nil {
			t.Errorf("%s: %v", e.Name(), err)
			continue
		}
		texts = append(texts, lt)
	}
	return texts
}

func TestLibraryTextsHeaders(t *testing.T) {
	required := []string{"title", "slug", "category", "tags", "summary", "source"}
	allowed := map[string]bool{"warning": true, "link": true}
	for _, k := range required {
		allowed[k] = true
	}
	isCategory := map[string]bool{}
	for _, c := range ltxtCategories {
		isCategory[c] = true
	}
	slugs := map[string]string{}
	titles := map[string]string{}
	for _, lt := range ltxtRead(t) {
		h := lt.header
		for k := range h {
			if !allowed[k] {
				t.Errorf("%s: unknown header key %q", lt.file, k)
			}
		}
		for _, k := range required {
			if h[k] == "" {
				t.Errorf("%s: missing header key %q", lt.file, k)
			}
		}
		m := ltxtFileName.FindStringSubmatch(lt.file)
		if m == nil {
			t.Errorf("%s: file name is not NN-slug.md", lt.file)
		} else if m[2] != h["slug"] {
			t.Errorf("%s: slug %q does not match the file name", lt.file, h["slug"])
		}
		if !ltxtSlug.MatchString(h["slug"]) {
			t.Errorf("%s: slug %q is not lowercase letters, digits and dashes", lt.file, h["slug"])
		}
		if other, dup := slugs[h["slug"]]; dup {
			t.Errorf("%s: slug %q already used by %s", lt.file, h["slug"], other)
		}
		slugs[h["slug"]] = lt.file
		if other, dup := titles[strings.ToLower(h["title"])]; dup {
			t.Errorf("%s: title %q already used by %s", lt.file, h["title"], other)
		}
		titles[strings.ToLower(h["title"])] = lt.file
		if !isCategory[h["category"]] {
			t.Errorf("%s: category %q is not one of %v", lt.file, h["category"], ltxtCategories)
		}
		for _, tag := range strings.Split(h["tags"], ",") {
			tag = strings.TrimSpace(tag)
			if !ltxtTag.MatchString(tag) {
				t.Errorf("%s: tag %q is not lowercase words", lt.file, tag)
			}
		}
		if s := h["summary"]; len([]rune(s)) >= 200 {
			t.Errorf("%s: summary is %d characters, want under 200", lt.file, len([]rune(s)))
		}
		if s := h["summary"]; strings.Contains(s, ". ") || !strings.HasSuffix(s, ".") {
			t.Errorf("%s: summary should be one sentence ending in a full stop: %q", lt.file, s)
		}
		if len(h["source"]) > 300 {
			t.Errorf("%s: source note is %d characters; keep it short", lt.file, len(h["source"]))
		}
		if link, ok := h["link"]; ok && !strings.HasPrefix(link, "https://") {
			t.Errorf("%s: link %q is not https", lt.file, link)
		}
		for k, v := range h {
			if strings.Contains(v, "<") || strings.Contains(v, "http://") {
				t.Errorf("%s: header %q holds markup or an http:// link: %q", lt.file, k, v)
			}
		}
	}
}

func TestLibraryTextsBodies(t *testing.T) {
	for _, lt := range ltxtRead(t) {
		if n := len(strings.Fields(lt.body)); n < 150 || n > 400 {
			t.Errorf("%s: body is %d words, want 150 to 400", lt.file, n)
		}
		if strings.Contains(lt.body, "<") {
			t.Errorf("%s: body contains '<' (no raw HTML)", lt.file)
		}
		if strings.Contains(lt.body, "http://") {
			t.Errorf("%s: body contains an http:// link", lt.file)
		}
		if strings.Contains(lt.body, "\n---\n") {
			t.Errorf("%s: body contains a second --- line", lt.file)
		}
	}
}

func TestLibraryTextsCoverage(t *testing.T) {
	texts := ltxtRead(t)
	if len(texts) < 26 {
		t.Errorf("%d resources, want at least 26", len(texts))
	}
	perCategory := map[string]int{}
	numbers := map[string]bool{}
	for _, lt := range texts {
		perCategory[lt.header["category"]]++
		if m := ltxtFileName.FindStringSubmatch(lt.file); m != nil {
			numbers[m[1]] = true
		}
	}
	for _, c := range ltxtCategories {
		if perCategory[c] < 3 {
			t.Errorf("category %q has %d resources, want at least 3", c, perCategory[c])
		}
	}
	for i := 1; i <= len(texts); i++ {
		if n := fmt.Sprintf("%02d", i); !numbers[n] {
			t.Errorf("no file numbered %s: number the files 01 to %02d without gaps", n, len(texts))
		}
	}
}

// The crisis texts must say plainly that Hearth is not a crisis service and
// name the lines the rest of Hearth names.
func TestLibraryTextsCrisis(t *testing.T) {
	var all strings.Builder
	for _, lt := range ltxtRead(t) {
		if lt.header["category"] != "crisis-help" {
			continue
		}
		if !strings.Contains(strings.ToLower(lt.body), "emergency") {
			t.Errorf("%s: a crisis text should name the emergency number", lt.file)
		}
		all.WriteString(lt.body)
	}
	for _, want := range []string{"not a crisis service", "988", "116 123", "findahelpline.com"} {
		if !strings.Contains(all.String(), want) {
			t.Errorf("crisis texts never mention %q", want)
		}
	}
}
