package store

import (
	"bufio"
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"
)

// The starter library: resources written for Hearth, one file each in library/*.md,
// loaded into the library on first start (by Migrate) and editable afterwards like any
// other. Each slug loaded is remembered in library_seeded, so a resource an admin deletes
// never comes back and a starter resource added in a later release is loaded once.
//
// A file is a header of `key: value` lines, a line `---`, then the markdown body:
//
//	title: Questions to bring to your provider about medication
//	slug: medication-questions
//	category: care-team
//	tags: medication, appointments
//	summary: What to ask so you and your provider decide together.
//	warning: (optional) a content warning shown before the text
//	source: (optional) where it comes from or the evidence it rests on
//	link: (optional) an http(s) link
//	---
//	The body, in markdown.
//
// title, slug, category and summary are required; category is one of Categories' slugs;
// tags are separated by commas. An unknown key or a malformed file stops Migrate.

//go:embed library/*.md
var libraryFS embed.FS

// librarySlug is the form of a resource's address, as the resource form requires it.
var librarySlug = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$`)

// LibraryFile is one parsed starter resource.
type LibraryFile struct {
	Name  string
	Input ResourceInput
}

// ParseLibraryFile reads one starter resource in the format above.
func ParseLibraryFile(name, text string) (LibraryFile, error) {
	lf := LibraryFile{Name: name}
	head, body, ok := strings.Cut(strings.ReplaceAll(text, "\r\n", "\n"), "\n---\n")
	if !ok {
		return lf, fmt.Errorf("library file %s: no line --- between the header and the text", name)
	}
	in := &lf.Input
	seen := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(head))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		key, value, ok := strings.Cut(line, ":")
		if !ok {
			return lf, fmt.Errorf("library file %s line %d: want key: value", name, n)
		}
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		if seen[key] {
			return lf, fmt.Errorf("library file %s line %d: %s given twice", name, n, key)
		}
		seen[key] = true
		switch key {
		case "title":
			in.Title = value
		case "slug":
			in.Slug = value
		case "category":
			in.Category = value
		case "tags":
			for _, t := range strings.Split(value, ",") {
				if t = strings.TrimSpace(t); t != "" {
					in.Tags = append(in.Tags, t)
				}
			}
		case "summary":
			in.Summary = value
		case "warning":
			in.Warning = value
		case "source":
			in.Source = value
		case "link":
			in.Link = value
		default:
			return lf, fmt.Errorf("library file %s line %d: unknown key %q", name, n, key)
		}
	}
	in.Body = strings.TrimSpace(body)
	switch {
	case in.Title == "", in.Slug == "", in.Summary == "", in.Body == "":
		return lf, fmt.Errorf("library file %s: title, slug, summary and text are required", name)
	case !librarySlug.MatchString(in.Slug) || in.Slug == "new" || in.Slug == "toolkit" || in.Slug == "review":
		return lf, fmt.Errorf("library file %s: slug %q: use 3–40 lowercase letters, digits and dashes (not new, toolkit or review)", name, in.Slug)
	case CategoryName(in.Category) == "":
		return lf, fmt.Errorf("library file %s: unknown category %q", name, in.Category)
	case in.Link != "" && !strings.HasPrefix(in.Link, "https://") && !strings.HasPrefix(in.Link, "http://"):
		return lf, fmt.Errorf("library file %s: link must be http or https", name)
	}
	return lf, nil
}

// StarterLibrary parses every embedded starter resource, sorted by file name.
func StarterLibrary() ([]LibraryFile, error) { return readLibrary(libraryFS, "library") }

func readLibrary(fsys fs.FS, dir string) ([]LibraryFile, error) {
	names, err := fs.Glob(fsys, path.Join(dir, "*.md"))
	if err != nil {
		return nil, fmt.Errorf("list starter library: %w", err)
	}
	sort.Strings(names)
	var out []LibraryFile
	slugs := map[string]string{}
	for _, name := range names {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("read starter library: %w", err)
		}
		lf, err := ParseLibraryFile(path.Base(name), string(b))
		if err != nil {
			return nil, err
		}
		if other, dup := slugs[strings.ToLower(lf.Input.Slug)]; dup {
			return nil, fmt.Errorf("library files %s and %s have the same slug %q", other, lf.Name, lf.Input.Slug)
		}
		slugs[strings.ToLower(lf.Input.Slug)] = lf.Name
		out = append(out, lf)
	}
	return out, nil
}

// seedLibrary loads the starter resources not loaded before, published and without an
// author, in one transaction. A slug a member's resource already uses is recorded as loaded
// and left alone.
func (s *Store) seedLibrary(ctx context.Context, files []LibraryFile) (int, error) {
	added := 0
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		now := ms(s.Now())
		for _, lf := range files {
			res, err := tx.ExecContext(ctx, `INSERT INTO library_seeded (slug, seeded_at) VALUES (?, ?) ON CONFLICT DO NOTHING`,
				lf.Input.Slug, now)
			if err != nil {
				return fmt.Errorf("load starter library: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				continue // loaded before, perhaps deleted since
			}
			_, err = createResourceTx(ctx, tx, lf.Input, 0, ResourcePublished, now)
			if errors.Is(err, ErrSlugTaken) {
				continue
			}
			if err != nil {
				return fmt.Errorf("load starter resource %s: %w", lf.Name, err)
			}
			added++
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	if added > 0 {
		s.announce(Change{Kind: ChangeResource})
	}
	return added, nil
}
