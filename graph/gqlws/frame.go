package gqlws

import (
	"encoding/binary"

	"github.com/gorilla/websocket"

	"backbone/internal/textx"
)

// Websocket opcodes of the frames the server writes itself (RFC 6455 5.2). gorilla
// reads; the server builds its frames, so that one event can be written to a socket
// with a single non-blocking system call.
const (
	opText  = websocket.TextMessage
	opClose = websocket.CloseMessage
	opPong  = websocket.PongMessage
	opPing  = websocket.PingMessage
)

// appendFrame appends one unmasked, final frame of opcode op whose payload is parts.
func appendFrame(b []byte, op int, parts ...[]byte) []byte {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	b = append(b, 0x80|byte(op))
	switch {
	case n < 126:
		b = append(b, byte(n))
	case n <= 0xFFFF:
		b = append(b, 126, byte(n>>8), byte(n))
	default:
		b = append(b, 127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// closePayload is a close frame's payload: the code, then the reason cut to the 123
// bytes a control frame leaves for it.
func closePayload(code int, reason string) []byte {
	return websocket.FormatCloseMessage(code, textx.Truncate(reason, 123))
}
