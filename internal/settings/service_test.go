package settings_test

import (
	"context"
	"reflect"
	"sync"
	"testing"
	"time"

	"backbone/internal/errs"
	"backbone/internal/settings"
)

func TestDefaultsWhenNothingIsStored(t *testing.T) {
	t.Parallel()
	if err := settings.Validate(settings.Defaults()); err != nil {
		t.Fatalf("the defaults do not validate: %v", err)
	}
	for _, dl := range dialects {
		t.Run(dl.name, func(t *testing.T) {
			t.Parallel()
			got := mustGet(t, newService(t, mustDB(t, dl.url(t)), nil, 0))
			if !reflect.DeepEqual(got, settings.Defaults()) {
				t.Fatalf("Get = %+v, want the defaults", got)
			}
			if p, ok := got.Price("Physics", settings.UrgencyUrgent); !ok || p != 50 {
				t.Fatalf("Price(Physics, URGENT) = %d, %v", p, ok)
			}
		})
	}
}

func TestUpdateChangesOnlyWhatThePatchSays(t *testing.T) {
	t.Parallel()
	for _, dl := range dialects {
		t.Run(dl.name, func(t *testing.T) {
			t.Parallel()
			d := mustDB(t, dl.url(t))
			_, admin := mustViewer(t, d, "ADMIN")
			svc := newService(t, d, nil, 0)
			got := mustUpdate(t, admin, svc, settings.Patch{
				Subjects: []string{"Physics", "Astronomy"},
				Prices: []settings.Price{
					{Subject: "Physics", Urgency: settings.UrgencyLow, Credits: 12},
					{Subject: "Astronomy", Urgency: settings.UrgencyLow, Credits: 1},
					{Subject: "Astronomy", Urgency: settings.UrgencyNormal, Credits: 2},
					{Subject: "Astronomy", Urgency: settings.UrgencyHigh, Credits: 3},
					{Subject: "Astronomy", Urgency: settings.UrgencyUrgent, Credits: 4},
				},
				PlatformFeeBPS:    ptr(1500),
				Lease:             ptr(45 * time.Minute),
				AIPipelineEnabled: ptr(false),
			})
			want := settings.Defaults()
			want.Subjects = []string{"Physics", "Astronomy"}
			want.Prices = settings.Prices{
				"Physics":   {"LOW": 12, "NORMAL": 20, "HIGH": 35, "URGENT": 50},
				"Astronomy": {"LOW": 1, "NORMAL": 2, "HIGH": 3, "URGENT": 4},
			}
			want.PlatformFeeBPS, want.Lease, want.AIPipelineEnabled = 1500, 45*time.Minute, false
			if got.UpdatedAt.IsZero() {
				t.Fatal("UpdatedAt not set after an update")
			}
			want.UpdatedAt, want.Version = got.UpdatedAt, 1
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("Update returned\n%+v\nwant\n%+v", got, want)
			}
			// Another instance (no shared cache) reads the same from the database.
			if again := mustGet(t, newService(t, d, nil, 0)); !reflect.DeepEqual(again, want) {
				t.Fatalf("stored settings read back as\n%+v\nwant\n%+v", again, want)
			}
		})
	}
}

func TestUpdateIsAuditedWithOldAndNewValues(t *testing.T) {
	t.Parallel()
	for _, dl := range dialects {
		t.Run(dl.name, func(t *testing.T) {
			t.Parallel()
			d := mustDB(t, dl.url(t))
			adminID, admin := mustViewer(t, d, "ADMIN")
			svc := newService(t, d, nil, 0)
			mustUpdate(t, admin, svc, settings.Patch{RevisionLimit: ptr(5), MaxActiveClaims: ptr(3)}) // claims unchanged
			rows := auditRows(t, d.Client)
			if len(rows) != 1 {
				t.Fatalf("%d audit rows, want 1", len(rows))
			}
			r := rows[0]
			if r.ActorID == nil || *r.ActorID != adminID || r.TargetType != "Settings" {
				t.Fatalf("audit row %+v: wrong actor or target", r)
			}
			old, _ := r.Metadata["old"].(map[string]any)
			nu, _ := r.Metadata["new"].(map[string]any)
			if len(old) != 1 || len(nu) != 1 || old["revisionLimit"] != float64(2) || nu["revisionLimit"] != float64(5) {
				t.Fatalf("metadata %v, want only revisionLimit 2 -> 5", r.Metadata)
			}
			// A patch that changes nothing writes nothing.
			mustUpdate(t, admin, svc, settings.Patch{RevisionLimit: ptr(5)})
			if n := len(auditRows(t, d.Client)); n != 1 {
				t.Fatalf("a no-op update wrote an audit row: %d rows", n)
			}
		})
	}
}

// packs is a patch replacing the credit packs.
func packs(p ...settings.CreditPack) settings.Patch { return settings.Patch{CreditPacks: p} }

func TestCreditPacksAreUpdatedAndAudited(t *testing.T) {
	t.Parallel()
	d := mustDB(t, dialects[0].url(t))
	_, admin := mustViewer(t, d, "ADMIN")
	svc := newService(t, d, nil, 0)
	got := mustUpdate(t, admin, svc, packs(settings.CreditPack{ID: "ten", Credits: 10, Price: 199, Currency: "EUR"}))
	want := []settings.CreditPack{{ID: "ten", Credits: 10, Price: 199, Currency: "eur"}}
	if !reflect.DeepEqual(got.CreditPacks, want) {
		t.Fatalf("packs = %+v, want %+v (currency lower-cased)", got.CreditPacks, want)
	}
	if pk, ok := got.PackOf(10); !ok || pk.ID != "ten" {
		t.Fatalf("PackOf(10) = %+v, %t", pk, ok)
	}
	rows := auditRows(t, d.Client)
	if len(rows) != 1 {
		t.Fatalf("%d audit rows, want 1", len(rows))
	}
	if nu, _ := rows[0].Metadata["new"].(map[string]any); nu["creditPacks"] == nil {
		t.Fatalf("audit metadata %v does not show the new packs", rows[0].Metadata)
	}
	if got := mustUpdate(t, admin, svc, settings.Patch{CreditPacks: []settings.CreditPack{}}); len(got.CreditPacks) != 0 {
		t.Fatalf("no packs (sales stopped) = %+v", got.CreditPacks)
	}
}

func TestUpdateRefusesInvalidSettings(t *testing.T) {
	t.Parallel()
	low := func(subject string, credits int64) settings.Price {
		return settings.Price{Subject: subject, Urgency: settings.UrgencyLow, Credits: credits}
	}
	cases := []struct {
		name  string
		patch settings.Patch
		field string
	}{
		{"no subjects", settings.Patch{Subjects: []string{}}, "subjects"},
		{"blank subject", settings.Patch{Subjects: []string{"Physics", " "}}, "subjects"},
		{"padded subject", settings.Patch{Subjects: []string{" Physics"}}, "subjects"},
		{"control character", settings.Patch{Subjects: []string{"Phys\x00ics"}}, "subjects"},
		{"duplicate subject", settings.Patch{Subjects: []string{"Physics", "physics"}}, "subjects"},
		{"new subject without prices", settings.Patch{Subjects: []string{"Physics", "Astronomy"}}, "prices"},
		{"new subject partly priced", settings.Patch{Subjects: []string{"Astronomy"}, Prices: []settings.Price{low("Astronomy", 5)}}, "prices"},
		{"price of an unknown subject", settings.Patch{Prices: []settings.Price{low("Alchemy", 5)}}, "prices"},
		{"zero price", settings.Patch{Prices: []settings.Price{low("Physics", 0)}}, "prices"},
		{"huge price", settings.Patch{Prices: []settings.Price{low("Physics", settings.MaxPrice+1)}}, "prices"},
		{"unknown urgency", settings.Patch{Prices: []settings.Price{{Subject: "Physics", Urgency: "SOMEDAY", Credits: 5}}}, "prices"},
		{"negative fee", settings.Patch{PlatformFeeBPS: ptr(-1)}, "platformFeeBps"},
		{"fee over 100%", settings.Patch{PlatformFeeBPS: ptr(10001)}, "platformFeeBps"},
		{"lease too short", settings.Patch{Lease: ptr(time.Second)}, "leaseSeconds"},
		{"lease too long", settings.Patch{Lease: ptr(8 * 24 * time.Hour)}, "leaseSeconds"},
		{"negative lease warning", settings.Patch{LeaseWarning: ptr(-time.Second)}, "leaseWarningSeconds"},
		{"lease warning over 7 days", settings.Patch{LeaseWarning: ptr(8 * 24 * time.Hour)}, "leaseWarningSeconds"},
		{"negative questions per hour", settings.Patch{QuestionsPerHour: ptr(-1)}, "questionsPerHour"},
		{"questions per hour over 10000", settings.Patch{QuestionsPerHour: ptr(10001)}, "questionsPerHour"},
		{"no claims", settings.Patch{MaxActiveClaims: ptr(0)}, "maxActiveClaims"},
		{"negative revisions", settings.Patch{RevisionLimit: ptr(-1)}, "revisionLimit"},
		{"instant auto-accept", settings.Patch{AutoAcceptDelay: ptr(time.Duration(0))}, "autoAcceptSeconds"},
		{"threshold over 1", settings.Patch{OriginalityThreshold: ptr(1.5)}, "originalityThreshold"},
		{"pack id in capitals", packs(settings.CreditPack{ID: "Starter", Credits: 10, Price: 100, Currency: "usd"}), "creditPacks"},
		{"two packs of one id", packs(settings.CreditPack{ID: "a", Credits: 10, Price: 100, Currency: "usd"}, settings.CreditPack{ID: "a", Credits: 20, Price: 200, Currency: "usd"}), "creditPacks"},
		{"two packs of one count", packs(settings.CreditPack{ID: "a", Credits: 10, Price: 100, Currency: "usd"}, settings.CreditPack{ID: "b", Credits: 10, Price: 200, Currency: "usd"}), "creditPacks"},
		{"pack of no credits", packs(settings.CreditPack{ID: "a", Credits: 0, Price: 100, Currency: "usd"}), "creditPacks"},
		{"free pack", packs(settings.CreditPack{ID: "a", Credits: 10, Price: 0, Currency: "usd"}), "creditPacks"},
		{"pack over Stripe's largest charge", packs(settings.CreditPack{ID: "a", Credits: 10, Price: settings.MaxPackPrice + 1, Currency: "usd"}), "creditPacks"},
		{"pack without a currency", packs(settings.CreditPack{ID: "a", Credits: 10, Price: 100, Currency: "dollars"}), "creditPacks"},
		{"pack in a currency ISO 4217 does not list", packs(settings.CreditPack{ID: "a", Credits: 10, Price: 100, Currency: "xyz"}), "creditPacks"},
		{"pack in ISO's no-currency code", packs(settings.CreditPack{ID: "a", Credits: 10, Price: 100, Currency: "XXX"}), "creditPacks"},
		{"one price given twice in two cases", settings.Patch{Prices: []settings.Price{low("Physics", 5), low("physics", 6)}}, "prices"},
	}
	for _, dl := range dialects {
		t.Run(dl.name, func(t *testing.T) {
			t.Parallel()
			d := mustDB(t, dl.url(t))
			_, admin := mustViewer(t, d, "ADMIN")
			svc := newService(t, d, nil, 0)
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					_, err := svc.Update(admin, c.patch)
					if code, field := fieldOf(err); code != errs.BadUserInput || field != c.field {
						t.Fatalf("Update: code %s field %v (%v), want BAD_USER_INPUT on %s", code, field, err, c.field)
					}
				})
			}
			if got := mustGet(t, newService(t, d, nil, 0)); !reflect.DeepEqual(got, settings.Defaults()) {
				t.Fatalf("a refused update stored something: %+v", got)
			}
			if n := len(auditRows(t, d.Client)); n != 0 {
				t.Fatalf("refused updates were audited: %d rows", n)
			}
		})
	}
}

func TestUpdateIsForAdminsOnly(t *testing.T) {
	t.Parallel()
	d := mustDB(t, testenvSQLite(t))
	svc := newService(t, d, nil, 0)
	_, client := mustViewer(t, d, "CLIENT")
	_, expert := mustViewer(t, d, "EXPERT")
	for name, ctx := range map[string]context.Context{"anonymous": context.Background(), "client": client, "expert": expert} {
		if _, err := svc.Update(ctx, settings.Patch{RevisionLimit: ptr(7)}); !errs.Is(err, errs.Forbidden) {
			t.Errorf("%s: Update err = %v, want FORBIDDEN", name, err)
		}
	}
	if got := mustGet(t, svc); got.RevisionLimit != settings.Defaults().RevisionLimit {
		t.Fatal("a refused update changed the settings")
	}
}

func TestRemovingASubjectDropsItsPrices(t *testing.T) {
	t.Parallel()
	d := mustDB(t, testenvSQLite(t))
	_, admin := mustViewer(t, d, "ADMIN")
	got := mustUpdate(t, admin, newService(t, d, nil, 0), settings.Patch{Subjects: []string{"Law"}})
	if _, ok := got.Price("Physics", settings.UrgencyLow); ok || len(got.Prices) != 1 || !got.HasSubject("Law") || got.HasSubject("Physics") {
		t.Fatalf("after removing subjects: %+v", got)
	}
	if len(got.PriceList()) != len(settings.Urgencies) {
		t.Fatalf("PriceList = %v", got.PriceList())
	}
}

// TestConcurrentUpdatesKeepEveryChange has admins change different prices at once: all
// prices live in one value, so unserialised updates would lose some.
func TestConcurrentUpdatesKeepEveryChange(t *testing.T) {
	t.Parallel()
	for _, dl := range dialects {
		t.Run(dl.name, func(t *testing.T) {
			t.Parallel()
			d := mustDB(t, dl.url(t))
			_, admin := mustViewer(t, d, "ADMIN")
			subjects := settings.Defaults().Subjects[:8]
			var wg sync.WaitGroup
			for i, sub := range subjects {
				wg.Go(func() {
					svc := newService(t, d, nil, 0) // an instance each
					p := settings.Price{Subject: sub, Urgency: settings.UrgencyHigh, Credits: int64(100 + i)}
					if _, err := svc.Update(admin, settings.Patch{Prices: []settings.Price{p}}); err != nil {
						t.Errorf("Update %s: %v", sub, err)
					}
				})
			}
			wg.Wait()
			got := mustGet(t, newService(t, d, nil, 0))
			for i, sub := range subjects {
				if p, _ := got.Price(sub, settings.UrgencyHigh); p != int64(100+i) {
					t.Errorf("price of %s is %d, want %d: an update was lost", sub, p, 100+i)
				}
			}
			if n := len(auditRows(t, d.Client)); n != len(subjects) {
				t.Errorf("%d audit rows, want %d", n, len(subjects))
			}
		})
	}
}

func TestGetReturnsACopy(t *testing.T) {
	t.Parallel()
	svc := newService(t, mustDB(t, testenvSQLite(t)), nil, time.Hour)
	a := mustGet(t, svc)
	a.Subjects[0] = "Changed"
	a.Prices["Physics"][settings.UrgencyLow] = 999
	b := mustGet(t, svc)
	if b.Subjects[0] == "Changed" || b.Prices["Physics"][settings.UrgencyLow] == 999 {
		t.Fatal("changing a returned value changed the cached settings")
	}
}
