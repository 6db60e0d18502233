package main

import (
	"context"
	"testing"
	"time"

	"backbone/internal/testenv"
)

// TestQuestionKeepsItsAutoAcceptWindowAfterSettingsLowerIt is the example: an
// answer delivered under the 3-day window is not auto-accepted after an admin lowers
// autoAcceptSeconds to a minute, while a question submitted after the change gets the
// new window. settingsHistory records the change.
func TestQuestionKeepsItsAutoAcceptWindowAfterSettingsLowerIt(t *testing.T) {
	testenv.NeedPostgres(t)
	t.Parallel()
	url := testenv.NewPostgresDB(t)
	w := newAzWorld(t, map[string]string{"DATABASE_URL": url})
	admin := w.callers[azAdmin]
	client, expert := w.register(t, false), w.qfExpert(t)

	old := w.qfDelivered(t, client, expert)
	before := w.inQuestion(t, client.Token, old)
	if before.Terms == nil || before.Terms.SettingsVersion != 0 || before.Terms.AutoAcceptSeconds != 3*24*3600 ||
		before.Terms.RevisionLimit != 2 || before.Terms.LeaseSeconds != 1800 || before.Terms.PlatformFeeBps != 2000 {
		t.Fatalf("terms under the defaults: %+v", before.Terms)
	}
	if before.AutoAcceptAt == nil || time.Until(*before.AutoAcceptAt) < 71*time.Hour {
		t.Fatalf("autoAcceptAt %v, want about 3 days from now", before.AutoAcceptAt)
	}

	var set struct {
		UpdateSettings struct{ AutoAcceptSeconds, Version int }
	}
	w.mustGQL(t, admin.Token, `mutation { updateSettings(input: {autoAcceptSeconds: 60}) { autoAcceptSeconds version } }`, nil, &set)
	if set.UpdateSettings.AutoAcceptSeconds != 60 || set.UpdateSettings.Version != 1 {
		t.Fatalf("updateSettings answered %+v", set.UpdateSettings)
	}
	// The same value again changes nothing and makes no version.
	w.mustGQL(t, admin.Token, `mutation { updateSettings(input: {autoAcceptSeconds: 60}) { autoAcceptSeconds version } }`, nil, &set)
	if set.UpdateSettings.Version != 1 {
		t.Fatalf("a change to the same value made version %d", set.UpdateSettings.Version)
	}
	if after := w.inQuestion(t, client.Token, old); after.Terms.AutoAcceptSeconds != 3*24*3600 || !after.AutoAcceptAt.Equal(*before.AutoAcceptAt) {
		t.Fatalf("the old question's terms changed with the settings: %+v, autoAcceptAt %v", after.Terms, after.AutoAcceptAt)
	}
	fresh := w.qfDelivered(t, client, expert)
	if q := w.inQuestion(t, client.Token, fresh); q.Terms == nil || q.Terms.AutoAcceptSeconds != 60 || q.Terms.SettingsVersion != 1 {
		t.Fatalf("a question submitted after the change has terms %+v", q.Terms)
	}

	// Both answers were delivered an hour ago: past the new one-minute window, well
	// within the old three days. The auto-accept sweep takes only the new question.
	w.inRewind(t, old, time.Hour)
	w.inRewind(t, fresh, time.Hour)
	sweeper := inSweeper(t, url)
	deadline := time.Now().Add(30 * time.Second)
	for w.qfQuestion(t, client.Token, fresh).Status != "ACCEPTED" {
		if time.Now().After(deadline) {
			t.Fatal("the question submitted under the one-minute window was not auto-accepted")
		}
		if _, err := sweeper.AutoAccept(context.Background()); err != nil {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if _, err := sweeper.AutoAccept(context.Background()); err != nil {
		t.Fatal(err)
	}
	if q := w.inQuestion(t, client.Token, old); q.Status != "DELIVERED" || q.AutoAcceptAt == nil || time.Until(*q.AutoAcceptAt) < 70*time.Hour {
		t.Fatalf("the answer delivered under the 3-day window is %s (auto-accept at %v)", q.Status, q.AutoAcceptAt)
	}

	var hist struct {
		SettingsHistory wfConnection[struct {
			Version   int
			ChangedBy *struct{ ID string }
			CreatedAt time.Time
			Changes   []struct{ Setting, OldValue, NewValue string }
		}]
	}
	w.mustGQL(t, admin.Token, `{ settingsHistory(first: 10) { totalCount edges { node { version changedBy { id } createdAt changes { setting oldValue newValue } } } } }`, nil, &hist)
	versions := hist.SettingsHistory.nodes(t)
	if len(versions) != 1 {
		t.Fatalf("settingsHistory holds %d versions, want 1", len(versions))
	}
	v := versions[0]
	if v.Version != 1 || v.ChangedBy == nil || v.ChangedBy.ID != admin.ID || len(v.Changes) != 1 ||
		v.Changes[0].Setting != "autoAcceptSeconds" || v.Changes[0].OldValue != "259200" || v.Changes[0].NewValue != "60" {
		t.Fatalf("settingsHistory: %+v", v)
	}
	// A second change lists newest first.
	w.mustGQL(t, admin.Token, `mutation { updateSettings(input: {revisionLimit: 5, platformFeeBps: 1000}) { version } }`, nil, &set)
	w.mustGQL(t, admin.Token, `{ settingsHistory(first: 10) { totalCount edges { node { version changedBy { id } createdAt changes { setting oldValue newValue } } } } }`, nil, &hist)
	if versions = hist.SettingsHistory.nodes(t); len(versions) != 2 || versions[0].Version != 2 || len(versions[0].Changes) != 2 ||
		versions[0].Changes[0].Setting != "platformFeeBps" || versions[0].Changes[1].Setting != "revisionLimit" {
		t.Fatalf("settingsHistory after a second change: %+v", versions)
	}
}
