package gqlws

import (
	"encoding/json"
	"strconv"

	"backbone/internal/errs"
)

// The two subprotocols. graphql-ws is the legacy subscriptions-transport-ws protocol;
// a client that offers no subprotocol gets it, as with gqlgen.
const (
	protoTransportWS = "graphql-transport-ws"
	protoGraphQLWS   = "graphql-ws"
)

// Close codes of graphql-transport-ws, used for both protocols.
const (
	CloseBadRequest          = 4400
	CloseUnauthorized        = 4401
	CloseForbidden           = 4403
	CloseInitTimeout         = 4408
	CloseSubscriberExists    = 4409
	CloseTooManyInitRequests = 4429
	// CloseTooManyConnections refuses a connection over the per-user or a per-address
	// limit.
	CloseTooManyConnections = 4429
	// CloseServerBusy refuses a connection over the server's ceiling (Limits.Total).
	CloseServerBusy = 4503
	// CloseSlowConsumer ends a connection whose send queue overflowed (policy violation).
	CloseSlowConsumer = 1008
	// CloseInternalError ends a connection after a server fault.
	CloseInternalError = 4500
)

// CloseError is an InitFunc error that chooses the close code.
type CloseError struct {
	Code   int
	Reason string
}

func (e *CloseError) Error() string { return e.Reason }

// inbound is a client message of either protocol.
type inbound struct {
	ID      string          `json:"id"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload"`
}

// protocol holds the message names that differ between the two protocols.
type protocol struct {
	name      string
	subscribe string // client starts an operation
	stop      string // client stops one
	next      string // server sends a result
	legacy    bool
}

var (
	transportWS = protocol{name: protoTransportWS, subscribe: "subscribe", stop: "complete", next: "next"}
	graphqlWS   = protocol{name: protoGraphQLWS, subscribe: "start", stop: "stop", next: "data", legacy: true}
)

func protocolOf(subprotocol string) protocol {
	if subprotocol == protoTransportWS {
		return transportWS
	}
	return graphqlWS
}

// envelope returns the bytes that go before a payload in a message of type typ for
// operation id: {"id":"…","type":"…","payload": — the message ends with "}".
func envelope(id, typ string) []byte {
	b := make([]byte, 0, len(id)+len(typ)+32)
	b = append(b, `{"id":`...)
	b = appendJSONString(b, id)
	b = append(b, `,"type":`...)
	b = strconv.AppendQuote(b, typ)
	return append(b, `,"payload":`...)
}

var closingBrace = []byte("}")

// plain encodes a message without payload.
func plain(id, typ string) []byte {
	b := make([]byte, 0, len(id)+len(typ)+24)
	b = append(b, '{')
	if id != "" {
		b = append(b, `"id":`...)
		b = appendJSONString(b, id)
		b = append(b, ',')
	}
	b = append(b, `"type":`...)
	b = strconv.AppendQuote(b, typ)
	return append(b, '}')
}

// withPayload encodes a message with a JSON payload.
func withPayload(id, typ string, payload []byte) []byte {
	if id == "" {
		b := append([]byte(`{"type":`), strconv.Quote(typ)...)
		b = append(b, `,"payload":`...)
		b = append(b, payload...)
		return append(b, '}')
	}
	b := envelope(id, typ)
	b = append(b, payload...)
	return append(b, '}')
}

// codedErrorBody is a GraphQL-shaped body of one error with its extensions.code, for a
// refusal before the upgrade.
func codedErrorBody(msg string, code errs.Code) []byte {
	b, _ := json.Marshal(map[string]any{"errors": []map[string]any{{"message": msg,
		"extensions": map[string]any{"code": code}}}})
	return b
}

// messageError is a {"message": msg} payload.
func messageError(msg string) []byte {
	b, _ := json.Marshal(map[string]string{"message": msg})
	return b
}

// appendJSONString appends s as a JSON string (ids come from clients and may hold any
// character; strconv's Go quoting is not JSON).
func appendJSONString(b []byte, s string) []byte {
	q, _ := json.Marshal(s)
	return append(b, q...)
}
