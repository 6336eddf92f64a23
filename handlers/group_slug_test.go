package handlers

import (
	"strings"
	"testing"
)

func TestSlugFromName(t *testing.T) {
	for name, want := range map[string]string{
		"Night Owls":                "night-owls",
		"  Café  Crème — Evenings ": "cafe-creme-evenings",
		"AA & NA: Friday!":          "aa-na-friday",
		"Ночные совы":               "",
		strings.Repeat("long ", 20): "long-long-long-long-long-long-long-long",
	} {
		if got := slugFromName(name); got != want {
			t.Errorf("slugFromName(%q) = %q, want %q", name, got, want)
		}
	}
}
