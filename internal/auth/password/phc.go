package password

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// b64 is the PHC string format's encoding: standard alphabet, no padding. Strict, so that
// one hash has one spelling.
var b64 = base64.RawStdEncoding.Strict()

var errMalformed = errors.New("malformed argon2id hash")

// encode writes $argon2id$v=19$m=...,t=...,p=...$salt$hash.
func encode(p Params, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// decode parses a PHC string written by encode and checks its parameters' bounds.
func decode(s string) (Params, []byte, []byte, error) {
	var p Params
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, errMalformed
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || parts[2] != fmt.Sprintf("v=%d", version) {
		return p, nil, nil, errMalformed
	}
	if version != argon2.Version {
		return p, nil, nil, fmt.Errorf("unsupported argon2 version %d", version)
	}
	var m, t, threads uint32
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &threads); err != nil ||
		parts[3] != fmt.Sprintf("m=%d,t=%d,p=%d", m, t, threads) || threads > 255 {
		return p, nil, nil, errMalformed
	}
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return p, nil, nil, errMalformed
	}
	key, err := b64.DecodeString(parts[5])
	if err != nil {
		return p, nil, nil, errMalformed
	}
	p = Params{Memory: m, Time: t, Threads: uint8(threads), SaltLen: uint32(len(salt)), KeyLen: uint32(len(key))}
	if err := p.Validate(); err != nil {
		return p, nil, nil, fmt.Errorf("%w: %w", errMalformed, err)
	}
	return p, salt, key, nil
}
