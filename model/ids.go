package model

import (
	"crypto/rand"
	"math/big"
	"strings"

	"github.com/google/uuid"
)

// NewID returns an opaque identifier: a UUIDv7 (time-ordered, so InnoDB/TiDB inserts stay local, with 74
// random bits so it cannot be guessed from a neighbour).
func NewID() string { return uuid.Must(uuid.NewV7()).String() }

// NewPseudonym returns an identifier that reveals nothing about when or in what order it was made (a random
// UUIDv4, unlike NewID): the id a parent's records carry, which must not be matched to a join time.
func NewPseudonym() string { return uuid.New().String() }

// inviteAlphabet avoids characters that are misread on a phone screen or spoken aloud (0/O, 1/I/L).
const inviteAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

// NewInviteCode returns an 8-character code (31^8, about 40 bits), for class invitations.
func NewInviteCode() string {
	var b strings.Builder
	for range 8 {
		n, _ := rand.Int(rand.Reader, big.NewInt(int64(len(inviteAlphabet))))
		b.WriteByte(inviteAlphabet[n.Int64()])
	}
	return b.String()
}

// NewSecret returns n random bytes, for per-school QR keys and generated signing keys.
func NewSecret(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}
