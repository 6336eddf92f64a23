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
type passwordHasher struct {
	slots  chan struct{}
	common map[string]struct{}
	dummy  string // a real hash to verify against for unknown users, so timing reveals nothing
}

func newPasswordHasher() (*passwordHasher, error) {
	p := &passwordHasher{slots: make(chan struct{}, runtime.GOMAXPROCS(0)), common: map[string]struct{}{}}
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
	p.slots <- struct{}{}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemoryKiB, argonThreads, argonKeyLen)
	<-p.slots
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
	p.slots <- struct{}{}
	got := argon2.IDKey([]byte(pw), salt, iters, mem, threads, uint32(len(want)))
	<-p.slots
	return subtle.ConstantTimeCompare(got, want) == 1 && ok
}
