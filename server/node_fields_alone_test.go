package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/vektah/gqlparser/v2/ast"

	"backbone/ent/answerrevision"
	"backbone/graph"
	"backbone/internal/testenv"
)

// TestEveryNodeFieldAnswersAloneAsAmongOthers: node(id:) reads only the columns the
// selection names (ent's field collection), so a field whose resolver also reads another
// column must make the whole row be read. For one or more nodes of every Node type, each
// field selected alone answers what it answers among all the type's fields, without
// error, for an admin, the expert and the client of the questions.
func TestEveryNodeFieldAnswersAloneAsAmongOthers(t *testing.T) {
	testenv.NeedPostgres(t)
	t.Parallel()
	w := newAzWorld(t, nil)
	client, expert, admin := w.callers[azClient], w.callers[azExpert], w.callers[azAdmin]

	// One of each: a rated question, a disputed one, an AI draft with its originality
	// checked, a purchase, a payout, a subject request, an API key, notifications.
	rated := w.qfDelivered(t, client, expert)
	w.inAccept(t, client, rated, 5, "Clear.")
	disputed := w.qfDisputed(t, client, expert)
	_, err := w.db.AnswerRevision.Create().SetQuestionID(azUUID(t, rated)).
		SetKind(answerrevision.KindAI_DRAFT).SetBody("A draft.").SetOriginalityScore(0.75).
		SetOriginalityMatches([]map[string]any{{"overlap": 0.25, "questionId": azUUID(t, disputed).String()}}).
		Save(w.system())
	if err != nil {
		t.Fatal(err)
	}
	w.wfBuy(t, client.Token, 100, "fields-alone")
	w.azPayout(t)
	var requested struct{ RequestSubjects struct{ ID string } }
	w.mustGQL(t, expert.Token, `mutation { requestSubjects(subjects: ["Chemistry"]) { id } }`, nil, &requested)
	w.apiKey(t, expert)
	w.nfAwait(t, client.Token, func(ns []nfNotification) bool { return len(ns) > 0 })

	ctx := w.system()
	ids := map[string]func(context.Context) ([]uuid.UUID, error){
		"User":           w.db.User.Query().Limit(5).IDs,
		"APIKey":         w.db.APIKey.Query().Limit(5).IDs,
		"AuditLog":       w.db.AuditLog.Query().Limit(5).IDs,
		"Account":        w.db.Account.Query().Limit(5).IDs,
		"LedgerEntry":    w.db.Posting.Query().Limit(5).IDs,
		"Payout":         w.db.Payout.Query().Limit(5).IDs,
		"CreditPurchase": w.db.CreditPurchase.Query().Limit(5).IDs,
		"Question":       w.db.Question.Query().Limit(5).IDs,
		"AnswerRevision": w.db.AnswerRevision.Query().IDs,
		"Assignment":     w.db.Assignment.Query().Limit(5).IDs,
		"Notification":   w.db.Notification.Query().Limit(5).IDs,
		"Dispute":        w.db.Dispute.Query().Limit(5).IDs,
		"SubjectRequest": w.db.SubjectRequest.Query().Limit(5).IDs,
		"Rating":         w.db.Rating.Query().Limit(5).IDs,
	}
	schema := graph.NewExecutableSchema(graph.Config{}).Schema()
	for _, def := range schema.GetPossibleTypes(schema.Types["Node"]) {
		if ids[def.Name] == nil {
			t.Errorf("no nodes of type %s to check: add it to the test", def.Name)
		}
	}
	seen := map[string]bool{} // Node type -> some viewer saw one
	for typ, list := range ids {
		rows, err := list(ctx)
		if err != nil || len(rows) == 0 {
			t.Fatalf("no %s in the database: %v", typ, err)
		}
		fields := nodeFieldSelections(t, schema, typ)
		all := strings.Join(sortedValues(fields), " ")
		for _, who := range []*azAccount{admin, expert, client} {
			for _, id := range rows {
				gid := qfGID(typ, id)
				together := nodeFields(t, w, who.Token, gid, typ, all)
				if together == nil {
					continue // not the viewer's to see
				}
				seen[typ] = true
				for name, sel := range fields {
					alone := nodeFields(t, w, who.Token, gid, typ, sel)
					if !bytes.Equal(alone[name], together[name]) {
						t.Errorf("%s: %s %s.%s alone is %s, among the others %s", who.Email, typ, id, name, alone[name], together[name])
					}
				}
			}
		}
	}
	for typ := range ids {
		if !seen[typ] {
			t.Errorf("no viewer could read a %s: nothing checked", typ)
		}
	}
}

// nodeFieldSelections is the selection of each field of the type that takes no required
// argument: a leaf as it is, an object by its __typename (and id, when it has one).
func nodeFieldSelections(t *testing.T, s *ast.Schema, typ string) map[string]string {
	t.Helper()
	def := s.Types[typ]
	if def == nil {
		t.Fatalf("no type %s in the schema", typ)
	}
	out := map[string]string{}
	for _, f := range def.Fields {
		if strings.HasPrefix(f.Name, "__") || slicesAnyRequired(f.Arguments) {
			continue
		}
		sel := f.Name
		if inner := s.Types[f.Type.Name()]; inner.Kind == ast.Object || inner.Kind == ast.Interface || inner.Kind == ast.Union {
			sub := "__typename"
			if inner.Fields.ForName("id") != nil {
				sub += " id"
			}
			sel += " { " + sub + " }"
		}
		out[f.Name] = sel
	}
	return out
}

func slicesAnyRequired(args ast.ArgumentDefinitionList) bool {
	for _, a := range args {
		if a.Type.NonNull && a.DefaultValue == nil {
			return true
		}
	}
	return false
}

func sortedValues(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

// nodeFields reads node(id:) with the selection, which must answer without errors, and
// returns its fields as JSON (nil: the node is null).
func nodeFields(t *testing.T, w *azWorld, token, gid, typ, selection string) map[string]json.RawMessage {
	t.Helper()
	var out struct{ Node map[string]json.RawMessage }
	query := fmt.Sprintf(`query($id: ID!) { node(id: $id) { ... on %s { %s } } }`, typ, selection)
	w.mustGQL(t, token, query, map[string]any{"id": gid}, &out)
	return out.Node
}
