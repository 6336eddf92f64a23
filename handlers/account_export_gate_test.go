package handlers

import "testing"

// TestExportGate: one export per member at a time, exportSlots on the site, and a slot is
// free again once its export ends.
func TestExportGate(t *testing.T) {
	g := newExportGate()
	r1, ok := g.acquire(1)
	if !ok {
		t.Fatal("the first export was refused")
	}
	if _, ok := g.acquire(1); ok {
		t.Fatal("a member got a second export at once")
	}
	r2, ok := g.acquire(2)
	if !ok {
		t.Fatal("another member's export was refused")
	}
	if _, ok := g.acquire(3); ok {
		t.Fatalf("more than %d exports at once", exportSlots)
	}
	r1()
	r3, ok := g.acquire(3)
	if !ok {
		t.Fatal("a freed slot was not given out")
	}
	if r, ok := g.acquire(1); ok {
		r()
		t.Fatal("member 1 got a slot while all were taken")
	}
	r2()
	r3()
	if r, ok := g.acquire(1); !ok {
		t.Fatal("member 1 cannot export again after their export ended")
	} else {
		r()
	}
}
