package chat

import (
	"errors"
	"strings"
	"testing"

	"github.com/hearth-community/hearth/store"
)

func TestWordFilterMatch(t *testing.T) {
	f := NewWordFilter([]store.FilterEntry{
		{ID: 1, Phrase: "coke", Action: store.FilterFlag},
		{ID: 2, Phrase: "dealer near me", Action: store.FilterBlock},
		{ID: 3, Phrase: "Self-Harm tips", Action: store.FilterHold},
		{ID: 4, Phrase: "don't", Action: store.FilterFlag},
		{ID: 5, Phrase: "  ", Action: store.FilterBlock}, // no words: ignored
		{ID: 6, Phrase: "ÉCSTASY", Action: store.FilterHold},
	})
	tests := []struct {
		text string
		want store.FilterAction // "" for no match
	}{
		{"", ""},
		{"I used to take coke every day", store.FilterFlag},
		{"COKE?", store.FilterFlag},
		{"coketown is a place", ""},
		{"cocoke", ""},
		{"any dealer near me?", store.FilterBlock},
		{"Dealer,  near\nme", store.FilterBlock},
		{"dealer nearby me", ""},
		{"coke dealer near me", store.FilterBlock}, // the strictest wins
		{"self-harm tips please", store.FilterHold},
		{"self harm tips", ""}, // the hyphen belongs to the word
		{"I don’t know", store.FilterFlag},
		{"dont", ""},
		{"ecstasy", ""},
		{"écstasy is named here", store.FilterHold},
		{"nothing to see", ""},
	}
	for _, tt := range tests {
		e, ok := f.Match(tt.text)
		if got := store.FilterAction(""); ok {
			got = e.Action
			if got != tt.want {
				t.Errorf("Match(%q) = %q (%q), want %q", tt.text, got, e.Phrase, tt.want)
			}
		} else if tt.want != "" {
			t.Errorf("Match(%q) found nothing, want %q", tt.text, tt.want)
		}
	}
	var none *WordFilter
	if _, ok := none.Match("anything"); ok {
		t.Error("a nil filter matched")
	}
	if _, ok := NewWordFilter(nil).Match("heroin cocaine alcohol"); ok {
		t.Error("the empty filter matched: nothing is blocked by default")
	}
}

func TestSplitWarning(t *testing.T) {
	long := "cw: " + strings.Repeat("a", MaxWarningChars+1) + "\ntext"
	tests := []struct {
		body, cw, rest string
		err            error
	}{
		{"hello", "", "hello", nil},
		{"CW: relapse\nI slipped yesterday", "relapse", "I slipped yesterday", nil},
		{"cw:relapse\n\n  text  ", "relapse", "text", nil},
		{"Cw:  grief \ntext", "grief", "text", nil},
		{"CW: relapse", "", "CW: relapse", nil},           // only a warning line: it is the message
		{"CW: \ntext", "", "CW: \ntext", nil},             // an empty warning is none
		{"CW: relapse\n   ", "", "CW: relapse\n   ", nil}, // nothing behind the warning
		{"I said cw: no\nthanks", "", "I said cw: no\nthanks", nil},
		{long, "", long, ErrWarningTooLong},
	}
	for _, tt := range tests {
		cw, rest, err := SplitWarning(tt.body)
		if cw != tt.cw || rest != tt.rest || !errors.Is(err, tt.err) {
			t.Errorf("SplitWarning(%q) = %q, %q, %v; want %q, %q, %v", tt.body, cw, rest, err, tt.cw, tt.rest, tt.err)
		}
	}
}
