package main

import (
	"crypto/sha256"
	"encoding/base64"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// The playground must work with no network access: every script and stylesheet the page
// references comes from the server itself, with an integrity hash that matches what it
// serves, and the stylesheet refers to nothing outside itself.
func TestPlaygroundLoadsEverythingFromTheServer(t *testing.T) {
	t.Parallel()
	ts := startServer(t, embeddedEnv(t))
	page := fetchText(t, ts.URL+"/")
	for _, want := range []string{"login(email:", "Authorization", "Bearer"} {
		if !strings.Contains(page, want) {
			t.Errorf("the starting document lacks %q", want)
		}
	}
	if m := regexp.MustCompile(`(?i)(src|href)="(https?:)?//`).FindString(page); m != "" {
		t.Errorf("the page loads from another host: %s", m)
	}
	refs := regexp.MustCompile(`(?:src|href)="([^"]+)" integrity="([^"]+)"`).FindAllStringSubmatch(page, -1)
	if len(refs) < 4 {
		t.Fatalf("the page references %d assets with integrity hashes, want the stylesheet and three scripts:\n%s", len(refs), page)
	}
	for _, ref := range refs {
		u, err := url.Parse(ref[1])
		if err != nil || u.Host != "" {
			t.Fatalf("asset %q is not on this server", ref[1])
		}
		body := fetchText(t, ts.URL+ref[1])
		sum := sha256.Sum256([]byte(body))
		if got, want := "sha256-"+base64.StdEncoding.EncodeToString(sum[:]), html.UnescapeString(ref[2]); got != want {
			t.Errorf("%s: integrity %s, the served bytes hash to %s", ref[1], want, got)
		}
		if strings.HasSuffix(ref[1], ".css") {
			for _, m := range regexp.MustCompile(`url\(["']?([^)"']+)`).FindAllStringSubmatch(body, -1) {
				if !strings.HasPrefix(m[1], "data:") {
					t.Errorf("the stylesheet refers to %s", m[1])
				}
			}
		}
	}
}

func fetchText(t *testing.T, u string) string {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v", u, resp.StatusCode, err)
	}
	return string(b)
}
