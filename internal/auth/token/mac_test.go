package token

import (
	"strings"
	"testing"
)

func TestMACVerifiesUnderEveryKeyAndOnlyForItsPurpose(t *testing.T) {
	old := Key{ID: "old", Secret: []byte(strings.Repeat("o", 32))}
	before, err := NewKeySet(old)
	if err != nil {
		t.Fatal(err)
	}
	rotated, err := NewKeySet(Key{ID: "new", Secret: []byte(strings.Repeat("n", 32))}, old)
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte("user and kind")
	kid, mac := before.MAC("unsubscribe", msg)
	if kid != "old" || !before.CheckMAC(kid, "unsubscribe", msg, mac) {
		t.Fatalf("MAC does not verify under its own key")
	}
	if !rotated.CheckMAC(kid, "unsubscribe", msg, mac) {
		t.Error("a MAC of the old key no longer verifies after a rotation that keeps it")
	}
	if newKid, _ := rotated.MAC("unsubscribe", msg); newKid != "new" {
		t.Errorf("the rotated set signs with %q, want new", newKid)
	}
	for name, ok := range map[string]bool{
		"another purpose": rotated.CheckMAC(kid, "reset", msg, mac),
		"another message": rotated.CheckMAC(kid, "unsubscribe", []byte("user and kinD"), mac),
		"an unknown kid":  rotated.CheckMAC("gone", "unsubscribe", msg, mac),
		"a short MAC":     rotated.CheckMAC(kid, "unsubscribe", msg, mac[:16]),
	} {
		if ok {
			t.Errorf("%s verifies", name)
		}
	}
}
