package seal

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"testing"
)

func newKey(t *testing.T) string {
	t.Helper()
	k := make([]byte, KeySize)
	if _, err := rand.Read(k); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(k)
}

func TestSealOpensWithEveryKeyAndSealsWithTheFirst(t *testing.T) {
	old, newer := newKey(t), newKey(t)
	before, err := Parse("k1:" + old)
	if err != nil {
		t.Fatal(err)
	}
	kid, sealed, err := before.Seal([]byte("GB29 NWBK 6016 1331 9268 19"), []byte("user-1"))
	if err != nil || kid != "k1" {
		t.Fatalf("Seal: kid %q, %v", kid, err)
	}
	if bytes.Contains(sealed, []byte("NWBK")) {
		t.Fatal("the sealed value holds the plaintext")
	}
	after, err := Parse("k2:" + newer + ", k1:" + old)
	if err != nil {
		t.Fatal(err)
	}
	if after.Current() != "k2" {
		t.Fatalf("Current = %q, want k2", after.Current())
	}
	plain, err := after.Open(kid, sealed, []byte("user-1"))
	if err != nil || string(plain) != "GB29 NWBK 6016 1331 9268 19" {
		t.Fatalf("Open after rotation = %q, %v", plain, err)
	}
	if _, err := after.Open(kid, sealed, []byte("user-2")); !errors.Is(err, ErrOpen) {
		t.Fatalf("Open with another row's data: %v, want ErrOpen", err)
	}
	sealed[len(sealed)-1] ^= 1
	if _, err := after.Open(kid, sealed, []byte("user-1")); !errors.Is(err, ErrOpen) {
		t.Fatalf("Open of tampered bytes: %v, want ErrOpen", err)
	}
	if _, err := after.Open("k9", sealed, nil); !errors.Is(err, ErrOpen) {
		t.Fatalf("Open with an unknown key: %v, want ErrOpen", err)
	}
}

func TestSealUsesAFreshNonceEachTime(t *testing.T) {
	r, err := Parse("k:" + newKey(t))
	if err != nil {
		t.Fatal(err)
	}
	_, a, _ := r.Seal([]byte("same"), nil)
	_, b, _ := r.Seal([]byte("same"), nil)
	if bytes.Equal(a, b) {
		t.Fatal("two seals of the same text are equal: the nonce repeats")
	}
}

func TestParseRefusesBadKeys(t *testing.T) {
	for name, spec := range map[string]string{
		"empty":      "",
		"no kid":     newKey(t),
		"short key":  "k:" + base64.StdEncoding.EncodeToString([]byte("short")),
		"not base64": "k:!!!",
		"bad kid":    "k y:" + newKey(t),
		"duplicate":  "k:" + newKey(t) + ",k:" + newKey(t),
	} {
		if _, err := Parse(spec); err == nil {
			t.Errorf("%s: Parse(%q) accepted it", name, spec)
		}
	}
}

func TestDevKeyringOpensWhatTheDevKeySealedAfterKeysAreSet(t *testing.T) {
	dev, err := Dev("")
	if err != nil || dev.Current() != DevKeyID {
		t.Fatalf("Dev: %v, current %q", err, dev.Current())
	}
	kid, sealed, _ := dev.Seal([]byte("x"), nil)
	withKeys, err := Dev("real:" + newKey(t))
	if err != nil || withKeys.Current() != "real" {
		t.Fatalf("Dev with keys: %v, current %q", err, withKeys.Current())
	}
	if plain, err := withKeys.Open(kid, sealed, nil); err != nil || string(plain) != "x" {
		t.Fatalf("Open = %q, %v", plain, err)
	}
}
