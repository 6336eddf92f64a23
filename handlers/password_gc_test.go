package handlers

import (
	"runtime/metrics"
	"sync"
	"testing"
	"time"
)

// TestHasherCollectsAfterABurst: once a burst of hashes is over, the hasher runs one
// collection, which brings the heap's goal back from the size the argon2 buffers gave it
// to the real live heap.
func TestHasherCollectsAfterABurst(t *testing.T) {
	p, err := newPasswordHasher()
	if err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	p.collectAfter = 20 * time.Millisecond
	if p.idle != nil {
		p.idle.Reset(p.collectAfter) // the collection after the start-up hash
	}
	p.mu.Unlock()
	waitCollected := func(n int64) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for p.collected.Load() < n {
			if time.Now().After(deadline) {
				t.Fatalf("%d collections after the hashing stopped, want %d", p.collected.Load(), n)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	waitCollected(1)

	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := p.hash(newToken()); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	waitCollected(2)

	m := []metrics.Sample{{Name: "/gc/heap/goal:bytes"}, {Name: "/gc/heap/live:bytes"},
		{Name: "/gc/scan/stack:bytes"}, {Name: "/gc/scan/globals:bytes"}}
	metrics.Read(m)
	// The goal follows the live heap (GOGC 100: twice it, plus the stacks and globals the
	// collector scans), not the 19 MiB buffers of the hashes.
	goal, live, roots := m[0].Value.Uint64(), m[1].Value.Uint64(), m[2].Value.Uint64()+m[3].Value.Uint64()
	if goal > 2*live+roots+8<<20 {
		t.Fatalf("heap goal %d MB after the collection, live heap %d MB, stacks and globals %d MB", goal>>20, live>>20, roots>>20)
	}
}
