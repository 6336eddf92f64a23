package handlers

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/argon2"
)

//go:embed common-passwords.txt
var commonPasswordsFile []byte

// argon2id parameters: OWASP's recommended minimum (19 MiB, 2 passes, 1 lane).
const (
	argonMemoryKiB = 19 * 1024
	argonTime      = 2
	argonThreads   = 1
	argonKeyLen    = 32
	argonSaltLen   = 16
)

// passwordHasher hashes and verifies passwords with argon2id. At most one hash per CPU runs
// at once, so a burst of logins cannot exhaust memory.
//
// Each hash allocates its 19 MiB of argon2 memory afresh. A garbage collection that runs
// while hashes are under way counts that memory as live, and Go then lets the heap grow to
// twice that before it collects again: after a burst of logins or sign-ups, the heap
// (and so the server's resident memory) kept growing with ordinary garbage up to about
// 100 MB before the next collection. Once the hashing has been idle for collectAfter, the
// hasher runs one collection, which sets the goal from the real live heap again. It is
// one collection per burst, against the 50 ms of CPU that each hash costs.
type passwordHasher struct {
	slots  chan struct{}
	common map[string]struct{}
	dummy  string // a real hash to verify against for unknown users, so timing reveals nothing

	mu           sync.Mutex
	busy         int         // hashes under way
	idle         *time.Timer // the collection after the latest burst
	collectAfter time.Duration
	collected    atomic.Int64 // collections run, for tests
}

// hasherCollectAfter is how long the hashing must be idle before the hasher collects.
const hasherCollectAfter = time.Second

// derive runs argon2id in one of the hasher's slots.
func (p *passwordHasher) derive(pw, salt []byte, iters, mem uint32, threads uint8, keyLen uint32) []byte {
	p.slots <- struct{}{}
	p.mu.Lock()
	p.busy++
	p.mu.Unlock()
	key := argon2.IDKey(pw, salt, iters, mem, threads, keyLen)
	p.mu.Lock()
	p.busy--
	if p.busy == 0 {
		if p.idle == nil {
			p.idle = time.AfterFunc(p.collectAfter, p.collect)
		} else {
			p.idle.Reset(p.collectAfter)
		}
	}
	p.mu.Unlock()
	<-p.slots
	return key
}

// collect runs one garbage collection if no hash has started since the timer was set.
func (p *passwordHasher) collect() {
	p.mu.Lock()
	busy := p.busy
	p.mu.Unlock()
	if busy == 0 {
		runtime.GC()
		p.collected.Add(1)
	}
}

func newPasswordHasher() (*passwordHasher, error) {
	p := &passwordHasher{slots: make(chan struct{}, runtime.GOMAXPROCS(0)), common: map[string]struct{}{},
		collectAfter: hasherCollectAfter}
	sc := bufio.NewScanner(bytes.NewReader(commonPasswordsFile))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line != "" && !strings.HasPrefix(line, "#") {
			p.common[line] = struct{}{}
		}
	}
	if len(p.common) == 0 {
		return nil, errors.New("common password list is empty")
	}
	var err error
	if p.dummy, err = p.hash(newToken()); err != nil {
		return nil, err
	}
	return p, nil
}

// isCommon reports whether a password is on the shipped common-password list.
func (p *passwordHasher) isCommon(pw string) bool {
	_, ok := p.common[strings.ToLower(pw)]
	return ok
}

// hash returns a PHC-formatted argon2id hash.
func (p *passwordHasher) hash(pw string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password salt: %w", err)
	}
	key := p.derive([]byte(pw), salt, argonTime, argonMemoryKiB, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemoryKiB, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// verify checks pw against a PHC-formatted argon2id hash. An empty hash (an account without
// a password) is checked against a dummy so the time taken is the same.
func (p *passwordHasher) verify(pw, encoded string) bool {
	ok := encoded != ""
	if !ok {
		encoded = p.dummy
	}
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var version int
	var mem, iters uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &mem, &iters, &threads); err != nil {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := p.derive([]byte(pw), salt, iters, mem, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1 && ok
}
