package gqlhttp

import (
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// readBody returns the whole body whatever the declared size says, and the reader's error.
func TestReadBodyReadsWhatIsThereWhateverTheDeclaredSize(t *testing.T) {
	t.Parallel()
	const body = `{"query":"{ __typename }"}`
	for _, declared := range []int64{-1, 0, 1, int64(len(body)) - 1, int64(len(body)), int64(len(body)) + 5, 1 << 20} {
		for name, rd := range map[string]io.Reader{
			"whole":          strings.NewReader(body),
			"a byte at once": iotest.OneByteReader(strings.NewReader(body)),
		} {
			got, err := readBody(rd, declared)
			if err != nil || string(got) != body {
				t.Errorf("declared %d, %s: %q, %v; want the body", declared, name, got, err)
			}
		}
	}
	boom := errors.New("boom")
	for _, declared := range []int64{-1, 3, int64(len(body))} {
		got, err := readBody(io.MultiReader(strings.NewReader(body[:5]), iotest.ErrReader(boom)), declared)
		if !errors.Is(err, boom) || string(got) != body[:5] {
			t.Errorf("declared %d: %q, %v; want the first bytes and the error", declared, got, err)
		}
	}
}

// plainString reads what json.Unmarshal reads from a string without escapes, and leaves
// every other value to it.
func TestPlainStringAgreesWithEncodingJSON(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{`"{ __typename }"`, `""`, `"é ☃ 𝄞"`, `"a\"b"`, `"line\nbreak"`, `"\u0041"`, `null`, `12`, `["x"]`, `"`} {
		got, ok := plainString(json.RawMessage(raw))
		var want string
		err := json.Unmarshal([]byte(raw), &want)
		switch {
		case ok && (err != nil || got != want):
			t.Errorf("%s: plainString %q, encoding/json %q, %v", raw, got, want, err)
		case !ok && !strings.Contains(raw, `\`) && err == nil && raw[0] == '"':
			t.Errorf("%s: plainString declined a string without escapes", raw)
		}
	}
}
