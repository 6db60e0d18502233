package token

import (
	"crypto/hmac"
	"crypto/sha256"
)

// MAC signs msg for purpose with the active key, for links that must not be forged (an
// unsubscribe link): it returns the key id to name in the link and the HMAC-SHA256. The
// key is derived from the signing secret and purpose, so a MAC of one purpose is never
// valid for another, nor as a token signature.
func (ks *KeySet) MAC(purpose string, msg []byte) (kid string, mac []byte) {
	return ks.signer.ID, macWith(ks.signer.Secret, purpose, msg)
}

// CheckMAC reports whether mac is MAC's result for purpose and msg under key kid, one of
// the keys that verify (so links outlive a key rotation until the old key is removed).
func (ks *KeySet) CheckMAC(kid, purpose string, msg, mac []byte) bool {
	secret, ok := ks.secret(kid)
	return ok && hmac.Equal(mac, macWith(secret, purpose, msg))
}

// macWith is the HMAC of msg under the key derived from secret for purpose.
func macWith(secret []byte, purpose string, msg []byte) []byte {
	derive := hmac.New(sha256.New, secret)
	derive.Write([]byte("backbone mac\x00" + purpose))
	h := hmac.New(sha256.New, derive.Sum(nil))
	h.Write(msg)
	return h.Sum(nil)
}
