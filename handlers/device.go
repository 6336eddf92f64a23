package handlers

import (
	"sync"

	useragent "github.com/medama-io/go-useragent"
)

// deviceNames turns a session's user agent into a name a member recognises ("Firefox on
// Linux"). The parser builds its tables on first use (about 0.1 s, 5 MB), so Hearth pays
// for it only once somebody opens their account page.
type deviceNames struct {
	once   sync.Once
	parser *useragent.Parser
}

func (d *deviceNames) name(ua string) string {
	if ua == "" {
		return "Unknown device"
	}
	d.once.Do(func() { d.parser = useragent.NewParser() })
	a := d.parser.Parse(ua)
	browser, os := string(a.Browser()), string(a.OS())
	switch {
	case browser != "" && os != "":
		return browser + " on " + os
	case browser != "":
		return browser
	case os != "":
		return "A browser on " + os
	}
	return "Unknown device"
}
