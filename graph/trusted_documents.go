package graph

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"backbone/graph/gqlhttp"
	"backbone/internal/errs"
	"backbone/internal/trusted"
)

// The extensions.code values of requests refused for the trusted documents.
const (
	// CodePersistedQueryNotFound: the id names no trusted document (nor, with APQ, a
	// registered query). The same code as gqlgen's APQ, which clients know.
	CodePersistedQueryNotFound = "PERSISTED_QUERY_NOT_FOUND"
	// CodePersistedQueryOnly: the server runs only trusted documents, by id, and the
	// request sent a query's text instead.
	CodePersistedQueryOnly = "PERSISTED_QUERY_ONLY"
	// CodeBadRequest: the request's id does not fit its query or is not a string.
	CodeBadRequest = string(errs.BadRequest)
)

func init() {
	// Refused before validation, like a parse error: a websocket answers with an error message.
	for _, code := range []string{CodePersistedQueryNotFound, CodePersistedQueryOnly, CodeBadRequest} {
		errcode.RegisterErrorType(code, errcode.KindProtocol)
	}
}

// trustedDocuments is an operation parameter mutator, used first on every transport: it
// fills in the query a request names by documentId (GraphQL over HTTP's persisted
// documents) or by extensions.persistedQuery.sha256Hash (APQ's form) from the manifest,
// and with only set refuses every other request, so that nothing outside the manifest
// is even parsed. Without only, a hash the manifest does not know is left to APQ.
type trustedDocuments struct {
	docs *trusted.Documents // nil: no manifest
	only bool
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = trustedDocuments{}

func (trustedDocuments) ExtensionName() string                   { return "TrustedDocuments" }
func (trustedDocuments) Validate(graphql.ExecutableSchema) error { return nil }

func (t trustedDocuments) MutateOperationParameters(_ context.Context, p *graphql.RawParams) *gqlerror.Error {
	if raw, ok := p.Extensions[gqlhttp.DocumentIDExtension]; ok {
		id, ok := raw.(string)
		if !ok {
			return requestRefused(CodeBadRequest, "documentId must be a string")
		}
		if p.Query != "" {
			return requestRefused(CodeBadRequest, "send a documentId or a query, not both")
		}
		body, found := t.lookup(id, (*trusted.Documents).ByID)
		if !found {
			return requestRefused(CodePersistedQueryNotFound, fmt.Sprintf("no trusted document has the id %q", truncateMessage(id)))
		}
		if pq, sent := p.Extensions["persistedQuery"]; sent {
			// Two names for the document must name the same one, as a query beside a
			// sha256Hash must be its document; else which one runs is a guess.
			if !t.namesBody(pq, body) {
				return requestRefused(CodeBadRequest, "the persistedQuery's sha256Hash does not name the documentId's document")
			}
			delete(p.Extensions, "persistedQuery") // the manifest's text runs; APQ has nothing to do
		}
		p.Query = body
		return nil
	}
	if pq, ok := p.Extensions["persistedQuery"].(map[string]any); ok {
		hash, _ := pq["sha256Hash"].(string)
		body, found := t.lookup(hash, (*trusted.Documents).BySHA256)
		switch {
		case found && p.Query != "" && p.Query != body:
			return requestRefused(CodeBadRequest, "the query is not the trusted document of its sha256Hash")
		case found:
			// Run the manifest's text; APQ neither looks it up nor registers it.
			p.Query = body
			delete(p.Extensions, "persistedQuery")
			return nil
		case t.only:
			return requestRefused(CodePersistedQueryNotFound, fmt.Sprintf("no trusted document has the sha256Hash %q", truncateMessage(hash)))
		}
		return nil // APQ's
	}
	if t.only {
		return requestRefused(CodePersistedQueryOnly, "this server runs only trusted documents: send the document's id as documentId or extensions.persistedQuery.sha256Hash, not its text")
	}
	return nil
}

// namesBody reports whether pq, a request's persistedQuery extension, is one whose
// sha256Hash names the trusted document body.
func (t trustedDocuments) namesBody(pq any, body string) bool {
	m, _ := pq.(map[string]any)
	hash, _ := m["sha256Hash"].(string)
	named, found := t.lookup(hash, (*trusted.Documents).BySHA256)
	return found && named == body
}

func (t trustedDocuments) lookup(id string, by func(*trusted.Documents, string) (string, bool)) (string, bool) {
	if t.docs == nil || id == "" {
		return "", false
	}
	return by(t.docs, id)
}

func requestRefused(code, msg string) *gqlerror.Error {
	return &gqlerror.Error{Message: msg, Extensions: map[string]any{"code": code}}
}
