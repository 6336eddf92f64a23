package handlers

import (
	"strings"
	"testing"
)

// TestValidatePasswordRefusesLowVariety: length alone let ten spaces become the admin's
// password. Whitespace only, one repeated character and fewer than four different
// characters are refused, each with its own message; varied passwords still pass.
func TestValidatePasswordRefusesLowVariety(t *testing.T) {
	notCommon := func(string) bool { return false }
	for _, tc := range []struct {
		pw   string
		want string // part of the message; "" means accepted
	}{
		{"          ", "only spaces"},
		{" \t  \t    \t ", "only spaces"},
		{"aaaaaaaaaaaa", "one character repeated"},
		{"111111111111", "one character repeated"},
		{"éééééééééééé", "one character repeated"},
		{"abababababab", "4 different characters"},
		{"abcabcabcabc", "4 different characters"},
		{"  a  a  a  a", "4 different characters"},
		{"abcdabcdabcd", ""},
		{"meadow lantern quiet", ""},
		{"Tq7-lantern-moss-harbor", ""},
	} {
		got := validatePassword(tc.pw, "sam", "SteadyOak", notCommon)
		if tc.want == "" && got != "" || tc.want != "" && !strings.Contains(got, tc.want) {
			t.Errorf("validatePassword(%q) = %q, want a message with %q", tc.pw, got, tc.want)
		}
	}
}

func TestDistinctRunes(t *testing.T) {
	for _, tc := range []struct {
		s     string
		limit int
		want  int
	}{{"", 4, 0}, {"aaaa", 4, 1}, {"abcabc", 4, 3}, {"abcdefgh", 4, 4}, {"ääöö", 4, 2}} {
		if got := distinctRunes(tc.s, tc.limit); got != tc.want {
			t.Errorf("distinctRunes(%q, %d) = %d, want %d", tc.s, tc.limit, got, tc.want)
		}
	}
}
