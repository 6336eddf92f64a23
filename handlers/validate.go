package handlers

import (
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// Validators are pure functions: they take values and return a message for the member, or "".

var (
	usernamePattern    = regexp.MustCompile(`^[A-Za-z0-9_.-]{3,32}$`)
	displayNamePattern = regexp.MustCompile(`^[\p{L}\p{N}_.-]{3,30}$`)
)

// msgDisplayNameSimilar answers a display name that looks like another member's, so nobody
// can pass for someone else in a room (store.NameSkeleton).
const msgDisplayNameSimilar = "That name is too similar to another member's name. Please choose another."

func validateUsername(s string) string {
	if s == "" {
		return "Choose a username."
	}
	if !usernamePattern.MatchString(s) {
		return "Use 3–32 letters, digits, dots, dashes or underscores."
	}
	return ""
}

// validateDisplayName keeps display names to one word so @mentions can name them exactly.
func validateDisplayName(s, username string) string {
	if s == "" {
		return "Choose a display name. It is the only name other members see."
	}
	if !displayNamePattern.MatchString(s) {
		return "Use 3–30 letters, digits, dots, dashes or underscores (no spaces)."
	}
	if strings.EqualFold(s, username) {
		return "Pick a display name different from your username, so your login name stays private."
	}
	return ""
}

func validateEmail(s string) string {
	if s == "" {
		return ""
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || len(s) > 254 || !strings.Contains(s[strings.LastIndexByte(s, '@'):], ".") {
		return "That does not look like an e-mail address. You can also leave it empty."
	}
	return ""
}

// minDistinctRunes is how many different characters a password needs. Length alone let
// "          " (ten spaces) and "aaaaaaaaaaaa" through; both are among the first guesses.
const minDistinctRunes = 4

// validatePassword enforces length and variety and refuses common passwords or ones built
// from the member's own names. isCommon looks the password up in the shipped list. It is
// the one password rule for registration, password change and password reset.
func validatePassword(pw, username, displayName string, isCommon func(string) bool) string {
	n := utf8.RuneCountInString(pw)
	switch {
	case n < 10:
		return "Use at least 10 characters. A few unrelated words make a strong, memorable password."
	case len(pw) > 512:
		return "Use at most 512 characters."
	case strings.TrimSpace(pw) == "":
		return "A password of only spaces is easy to guess. Please use letters, digits or symbols too."
	case distinctRunes(pw, minDistinctRunes) == 1:
		return "A password of one character repeated is easy to guess. A few unrelated words work well."
	case distinctRunes(pw, minDistinctRunes) < minDistinctRunes:
		return "Use at least 4 different characters. A few unrelated words work well."
	case isCommon(pw):
		return "That password is on a list of common passwords that attackers try first. Please choose another."
	case username != "" && strings.Contains(strings.ToLower(pw), strings.ToLower(username)),
		displayName != "" && strings.Contains(strings.ToLower(pw), strings.ToLower(displayName)):
		return "Your password should not contain your username or display name."
	}
	return ""
}

// distinctRunes counts the different characters in s, stopping once it reaches limit.
func distinctRunes(s string, limit int) int {
	seen := make([]rune, 0, limit)
	for _, r := range s {
		if !slices.Contains(seen, r) {
			if seen = append(seen, r); len(seen) >= limit {
				break
			}
		}
	}
	return len(seen)
}
