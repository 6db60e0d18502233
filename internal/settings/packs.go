package settings

import (
	"regexp"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/text/currency"
)

// CreditPack is what a number of credits costs: buyCredits sells packs, and the payment
// provider charges Price (in the currency's minor units, such as cents) for Credits.
type CreditPack struct {
	// ID names the pack in buyCredits(pack:), such as "starter".
	ID       string `json:"id"`
	Credits  int64  `json:"credits"`
	Price    int64  `json:"price"`
	Currency string `json:"currency"`
}

// Bounds of the credit packs, checked by Validate.
const (
	MaxCreditPacks = 20
	// MaxPackCredits matches the largest purchase the wallet accepts.
	MaxPackCredits = 1_000_000
	// MaxPackPrice is the largest amount Stripe charges in one payment (eight digits).
	MaxPackPrice = 99_999_999
	// MaxPackID is the longest pack id.
	MaxPackID = 40
)

var packIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,` + strconv.Itoa(MaxPackID-1) + `}$`)

// defaultCreditPacks are the packs when an admin has set none.
func defaultCreditPacks() []CreditPack {
	return []CreditPack{
		{ID: "starter", Credits: 100, Price: 1000, Currency: "usd"},
		{ID: "standard", Credits: 500, Price: 4500, Currency: "usd"},
		{ID: "large", Credits: 1000, Price: 8000, Currency: "usd"},
	}
}

// Pack returns the pack named id.
func (s Settings) Pack(id string) (CreditPack, bool) {
	i := slices.IndexFunc(s.CreditPacks, func(p CreditPack) bool { return p.ID == id })
	if i < 0 {
		return CreditPack{}, false
	}
	return s.CreditPacks[i], true
}

// PackOf returns the pack of credits credits (packs differ in credits, so at most one).
func (s Settings) PackOf(credits int64) (CreditPack, bool) {
	i := slices.IndexFunc(s.CreditPacks, func(p CreditPack) bool { return p.Credits == credits })
	if i < 0 {
		return CreditPack{}, false
	}
	return s.CreditPacks[i], true
}

// normalizePacks spells currencies in lower case, as Stripe does.
func normalizePacks(packs []CreditPack) []CreditPack {
	out := slices.Clone(packs)
	for i := range out {
		out[i].Currency = strings.ToLower(strings.TrimSpace(out[i].Currency))
	}
	return out
}

// validatePacks checks the credit packs: 0 to 20 (none stops sales), ids and credit
// counts unique (a credit count names at most one pack), amounts in range.
func validatePacks(packs []CreditPack) error {
	if len(packs) > MaxCreditPacks {
		return bad("creditPacks", "there may be at most 20 credit packs")
	}
	ids, counts := map[string]bool{}, map[int64]bool{}
	for _, p := range packs {
		switch {
		case !packIDPattern.MatchString(p.ID):
			return bad("creditPacks", "a pack id must be 1 to 40 lower-case letters, digits, '_' or '-'")
		case ids[p.ID]:
			return bad("creditPacks", "pack ids must differ")
		case p.Credits < 1 || p.Credits > MaxPackCredits:
			return bad("creditPacks", "a pack's credits must be 1 to 1000000")
		case counts[p.Credits]:
			return bad("creditPacks", "packs must differ in credits")
		case p.Price < 1 || p.Price > MaxPackPrice:
			return bad("creditPacks", "a pack's price must be 1 to 99999999 minor units of its currency")
		case !isCurrencyCode(p.Currency):
			return bad("creditPacks", "a pack's currency must be a three-letter ISO 4217 code, such as usd")
		}
		ids[p.ID], counts[p.Credits] = true, true
	}
	return nil
}

// isCurrencyCode reports whether code is an ISO 4217 currency code in lower case, as
// normalizePacks stores it. XXX is ISO's code for "no currency", which nothing is sold in.
func isCurrencyCode(code string) bool {
	if code != strings.ToLower(code) {
		return false
	}
	unit, err := currency.ParseISO(code)
	return err == nil && unit != currency.XXX
}
