package cluster

import (
	"strings"
	"testing"
)

// TestBadURLIsNotRepeated: a NATS URL that does not parse is refused without repeating it,
// since it may hold a password or token.
func TestBadURLIsNotRepeated(t *testing.T) {
	n, err := New(Options{URL: "nats://hearth:s3cret-token@nats:4222/%zz"}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = n.Start(nil)
	if err == nil {
		n.Close()
		t.Fatal("a URL that does not parse was accepted")
	}
	if strings.Contains(err.Error(), "s3cret-token") {
		t.Fatalf("the error repeats the URL's secret: %v", err)
	}
}
