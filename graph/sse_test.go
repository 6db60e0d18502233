package graph

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// An event stream's body is read under the server's ReadTimeout, before the stream takes
// a connection slot and clears the deadline: a client that never finishes its body gets
// the 400 a POST gets, rather than holding the connection and a slot for ever.
func TestEventStreamWithAnUnfinishedBodyIsAnsweredAfterTheReadTimeout(t *testing.T) {
	t.Parallel()
	api := startAPIWith(t, HandlerConfig{}, func(s *http.Server) { s.ReadTimeout = 200 * time.Millisecond })
	u, _ := url.Parse(api.url)
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(time.Minute)) // a hang guard
	_, err = io.WriteString(conn, "POST /query HTTP/1.1\r\nHost: "+u.Host+"\r\n"+
		"Accept: text/event-stream\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to an event stream whose body never ended: %v", err)
	}
	defer res.Body.Close()
	var body gqlResult
	_ = json.NewDecoder(res.Body).Decode(&body)
	if res.StatusCode != http.StatusBadRequest || len(body.codes()) != 1 || body.codes()[0] != "BAD_REQUEST" {
		t.Fatalf("status %d, body %+v; want 400 BAD_REQUEST", res.StatusCode, body)
	}
}

// A client that names text/event-stream with q=0 does not accept it: it gets JSON.
func TestEventStreamRefusedWithQZeroIsNotSent(t *testing.T) {
	t.Parallel()
	api := startAPI(t, HandlerConfig{})
	for accept, want := range map[string]string{
		"application/json, text/event-stream;q=0":   "application/json",
		"application/json, text/event-stream;q=0.5": "text/event-stream",
		"text/event-stream":                         "text/event-stream",
	} {
		req, _ := http.NewRequest(http.MethodPost, api.url, strings.NewReader(`{"query":"{ __typename }"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", accept)
		res, err := httpClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if got := res.Header.Get("Content-Type"); !strings.HasPrefix(got, want) {
			t.Errorf("Accept %q: Content-Type %q, want %s", accept, got, want)
		}
	}
}
