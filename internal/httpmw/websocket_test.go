package httpmw_test

import (
	"bufio"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"

	"backbone/internal/httpmw"
)

// fullChain is the stack the server uses, around h.
func fullChain(log *logBufLogger, reg prometheus.Registerer, h http.Handler) http.Handler {
	return httpmw.Chain(
		httpmw.RequestID,
		httpmw.ClientIPContext(nil),
		httpmw.AccessLog(log.Logger),
		httpmw.Metrics(reg),
		httpmw.Recover(log.Logger),
		httpmw.SecurityHeaders(httpmw.SecurityOptions{}),
		httpmw.BodyLimit(1<<20),
	)(h)
}

func TestWebsocketUpgradeThroughTheChain(t *testing.T) {
	t.Parallel()
	log := newLogBufLogger()
	reg := prometheus.NewRegistry()
	upgrader := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer conn.Close()
		for {
			kind, msg, err := conn.ReadMessage()
			if err != nil {
				return
			}
			if err := conn.WriteMessage(kind, msg); err != nil {
				return
			}
		}
	})
	srv := httptest.NewServer(fullChain(log, reg, httpmw.Route("graphql")(echo)))
	defer srv.Close()

	header := http.Header{httpmw.HeaderRequestID: []string{"ws-test-1"}}
	conn, resp, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http")+"/graphql", header)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("status = %d, want 101", resp.StatusCode)
	}
	for _, msg := range []string{"hello", "world"} {
		if err := conn.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
			t.Fatal(err)
		}
		_, got, err := conn.ReadMessage()
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != msg {
			t.Fatalf("echo = %q, want %q", got, msg)
		}
	}
	_ = conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""))
	_ = conn.Close()

	lines := log.buf.waitLines(t, 1)
	if len(lines) != 1 {
		t.Fatalf("got %d log lines, want 1", len(lines))
	}
	if lines[0]["status"] != float64(http.StatusSwitchingProtocols) || lines[0]["request_id"] != "ws-test-1" {
		t.Fatalf("access log = %v, want status 101 and the request id", lines[0])
	}
	if got := counterValue(t, reg, map[string]string{"route": "graphql", "code": "101"}); got != 1 {
		t.Fatalf("upgrades counted = %v, want 1", got)
	}
}

func TestStreamingThroughTheChain(t *testing.T) {
	t.Parallel()
	log := newLogBufLogger()
	release := make(chan struct{})
	sse := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = w.Write([]byte("data: one\n\n"))
		w.(http.Flusher).Flush()
		<-release // the first event must arrive before the handler ends
		_, _ = w.Write([]byte("data: two\n\n"))
		if err := http.NewResponseController(w).Flush(); err != nil {
			t.Errorf("ResponseController.Flush: %v", err)
		}
	})
	srv := httptest.NewServer(fullChain(log, prometheus.NewRegistry(), sse))
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/graphql")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	rd := bufio.NewReader(resp.Body)
	line, err := rd.ReadString('\n')
	close(release)
	if err != nil || line != "data: one\n" {
		t.Fatalf("first event = %q, %v", line, err)
	}
	rest, _ := io.ReadAll(rd)
	if string(rest) != "\ndata: two\n\n" {
		t.Fatalf("rest of stream = %q, want the second event", rest)
	}
}
