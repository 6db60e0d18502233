package main

import (
	"testing"
	"time"

	"backbone/internal/settings"
	"backbone/internal/testenv"
)

// gqlSettings is a Settings as the tests read it.
type gqlSettings struct {
	Subjects []string
	Prices   []struct {
		Subject, Urgency string
		Credits          int
	}
	PlatformFeeBps, LeaseSeconds, MaxActiveClaims, RevisionLimit, AutoAcceptSeconds int
	AiPipelineEnabled                                                               bool
	OriginalityThreshold                                                            float64
	UpdatedAt                                                                       *time.Time
}

const settingsFields = `subjects prices { subject urgency credits } platformFeeBps leaseSeconds maxActiveClaims
	revisionLimit autoAcceptSeconds aiPipelineEnabled originalityThreshold updatedAt`

const settingsQuery = `{ settings { ` + settingsFields + ` } }`

const updateSettingsMutation = `mutation($in: UpdateSettingsInput!) { updateSettings(input: $in) { ` + settingsFields + ` } }`

func (a *api) settings(t *testing.T, cred string) gqlSettings {
	t.Helper()
	var out struct{ Settings gqlSettings }
	a.ok(t, cred, settingsQuery, nil, &out)
	return out.Settings
}

func (a *api) updateSettings(t *testing.T, cred string, in map[string]any) gqlSettings {
	t.Helper()
	var out struct{ UpdateSettings gqlSettings }
	a.ok(t, cred, updateSettingsMutation, map[string]any{"in": in}, &out)
	return out.UpdateSettings
}

// TestSettingsOverGraphQL runs two instances on one PostgreSQL database and one Redis:
// clients read the defaults, an admin changes them on one instance, and the other
// instance serves the change (its cache is dropped over the bus).
func TestSettingsOverGraphQL(t *testing.T) {
	t.Parallel()
	env := authEnv(t)
	env["REDIS_URL"] = testenv.NeedRedis(t)
	one := newAPI(startServer(t, env))
	two := one.on(startServer(t, env))
	client := bearer(one.register(t, uniqueEmail("client")).AccessToken)
	admin := bearer(one.makeAdmin(t, env["DATABASE_URL"], one.register(t, uniqueEmail("admin")).User.Email).AccessToken)

	def, got := settings.Defaults(), two.settings(t, client)
	if len(got.Subjects) != len(def.Subjects) || len(got.Prices) != len(def.Subjects)*len(settings.Urgencies) ||
		got.PlatformFeeBps != def.PlatformFeeBPS || got.LeaseSeconds != int(def.Lease/time.Second) ||
		!got.AiPipelineEnabled || got.UpdatedAt != nil {
		t.Fatalf("default settings over GraphQL: %+v", got)
	}

	updated := one.updateSettings(t, admin, map[string]any{
		"subjects":     []string{"Physics", "Law"},
		"prices":       []map[string]any{{"subject": "Physics", "urgency": "URGENT", "credits": 80}},
		"leaseSeconds": 3600, "aiPipelineEnabled": false, "originalityThreshold": 0.9,
	})
	if updated.LeaseSeconds != 3600 || updated.AiPipelineEnabled || updated.OriginalityThreshold != 0.9 ||
		len(updated.Subjects) != 2 || len(updated.Prices) != 8 || updated.UpdatedAt == nil {
		t.Fatalf("updateSettings returned %+v", updated)
	}
	if p := updated.Prices[3]; p.Subject != "Physics" || p.Urgency != "URGENT" || p.Credits != 80 {
		t.Fatalf("prices not by subject then urgency, or not updated: %+v", updated.Prices)
	}
	if got := one.settings(t, client); got.LeaseSeconds != 3600 {
		t.Fatalf("the updating instance serves leaseSeconds %d", got.LeaseSeconds)
	}
	deadline := time.Now().Add(10 * time.Second)
	for two.settings(t, client).LeaseSeconds != 3600 {
		if time.Now().After(deadline) {
			t.Fatal("the other instance still serves the old settings")
		}
		time.Sleep(20 * time.Millisecond)
	}

	t.Run("refusals name the field", func(t *testing.T) {
		for field, in := range map[string]map[string]any{
			"platformFeeBps":       {"platformFeeBps": 10001},
			"subjects":             {"subjects": []string{}},
			"prices":               {"prices": []map[string]any{{"subject": "Alchemy", "urgency": "LOW", "credits": 5}}},
			"leaseSeconds":         {"leaseSeconds": 1},
			"originalityThreshold": {"originalityThreshold": -0.5},
		} {
			ext := one.fail(t, "BAD_USER_INPUT", admin, updateSettingsMutation, map[string]any{"in": in})
			if ext["field"] != field {
				t.Errorf("refusing %v: field %v, want %s", in, ext["field"], field)
			}
		}
		one.fail(t, "FORBIDDEN", client, updateSettingsMutation, map[string]any{"in": map[string]any{"revisionLimit": 1}})
		if got := two.settings(t, client); got.LeaseSeconds != 3600 || got.RevisionLimit != settings.Defaults().RevisionLimit {
			t.Fatalf("a refused update changed the settings: %+v", got)
		}
	})

	t.Run("audited", func(t *testing.T) {
		var out struct {
			AuditLogs struct {
				TotalCount int
				Edges      []struct {
					Node struct {
						Action   string
						Metadata map[string]map[string]any
					}
				}
			}
		}
		one.ok(t, admin, `{ auditLogs(first: 5, filter: {action: "settings.updated"}) { totalCount edges { node { action metadata } } } }`, nil, &out)
		if out.AuditLogs.TotalCount != 1 {
			t.Fatalf("%d settings audit rows, want 1", out.AuditLogs.TotalCount)
		}
		m := out.AuditLogs.Edges[0].Node.Metadata
		if m["old"]["leaseSeconds"] != float64(1800) || m["new"]["leaseSeconds"] != float64(3600) ||
			m["old"]["aiPipelineEnabled"] != true || m["new"]["aiPipelineEnabled"] != false {
			t.Fatalf("audit metadata %v", m)
		}
	})
}
