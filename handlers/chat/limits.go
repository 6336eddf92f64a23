package chat

import (
	"errors"
	"strings"
	"unicode/utf8"
)

// MaxBodyChars is the longest message, in characters.
const MaxBodyChars = 4000

// Refusals a sender sees in the page. Their text is shown to members as is.
var (
	ErrEmpty    = errors.New("Your message is empty.")
	ErrTooLong  = errors.New("That message is longer than 4,000 characters. Please shorten it or split it in two.")
	ErrSlowDown = errors.New("You're sending messages very quickly. Please slow down a little and try again in a moment.")
)

// CheckBody validates a message body and returns it trimmed of surrounding space.
func CheckBody(body string) (string, error) {
	body = strings.TrimSpace(body)
	switch {
	case body == "":
		return "", ErrEmpty
	case utf8.RuneCountInString(body) > MaxBodyChars:
		return "", ErrTooLong
	case !utf8.ValidString(body):
		return "", ErrEmpty
	}
	return body, nil
}
