// Package trusted reads a manifest of trusted documents: the GraphQL operations a
// server's own clients were built with, which it may then run by id alone.
package trusted

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

// Documents are the operations of one manifest, by id and by the SHA-256 of their text.
type Documents struct {
	byID     map[string]string
	bySHA256 map[string]string
}

// MaxManifestBytes bounds a manifest file: it is read whole into memory at start-up.
const MaxManifestBytes = 64 << 20

// apolloFormat is the format field of Apollo's persisted query manifest.
const apolloFormat = "apollo-persisted-query-manifest"

// sha256Prefix marks a document id that is the SHA-256 of the document, in the
// GraphQL-over-HTTP persisted documents convention ("sha256:<hex>").
const sha256Prefix = "sha256:"

// Load reads the manifest at path (see Parse).
func Load(path string) (*Documents, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read the manifest: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxManifestBytes+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read the manifest %s: %w", path, err)
	}
	if len(data) > MaxManifestBytes {
		return nil, fmt.Errorf("the manifest %s is larger than %d bytes", path, MaxManifestBytes)
	}
	docs, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("the manifest %s: %w", path, err)
	}
	return docs, nil
}

// Parse reads a manifest in either JSON format: GraphQL Code Generator's client preset
// (persisted-documents.json, an object of id to document) or Apollo's persisted query
// manifest ({"format":"apollo-persisted-query-manifest","version":1,"operations":[{"id",
// "name","type","body"}]}). Every document must parse as GraphQL, an id may name only
// one document, and a manifest without any is refused: it would refuse everything.
func Parse(data []byte) (*Documents, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil || top == nil {
		return nil, errors.New("not a JSON object (want GraphQL Code Generator's persisted-documents.json or an Apollo persisted query manifest)")
	}
	d := &Documents{byID: map[string]string{}, bySHA256: map[string]string{}}
	var err error
	if raw, ok := top["format"]; ok {
		err = d.readApollo(raw, data, top)
	} else {
		err = d.readCodegen(data)
	}
	if err != nil {
		return nil, err
	}
	if len(d.byID) == 0 {
		return nil, errors.New("holds no operations")
	}
	return d, nil
}

// readCodegen reads {"<id>": "<document>", ...}, data that Parse found to be a JSON
// object. Its members are read one by one, not into a map, which would keep the last of
// an id given twice: add refuses an id given two documents.
func (d *Documents) readCodegen(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if _, err := dec.Token(); err != nil { // {
		return err
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		id, _ := tok.(string) // an object's keys are strings
		var body string
		if err := dec.Decode(&body); err != nil {
			return fmt.Errorf("document %q is not a string (a persisted-documents.json maps ids to documents)", id)
		}
		if err := d.add(id, body, ""); err != nil {
			return err
		}
	}
	return nil
}

type apolloManifest struct {
	Format     string `json:"format"`
	Version    int    `json:"version"`
	Operations []struct {
		ID   string `json:"id"`
		Name string `json:"name"`
		Type string `json:"type"`
		Body string `json:"body"`
	} `json:"operations"`
}

// readApollo reads Apollo's persisted query manifest, version 1.
func (d *Documents) readApollo(format json.RawMessage, data []byte, top map[string]json.RawMessage) error {
	var name string
	if err := json.Unmarshal(format, &name); err != nil || name != apolloFormat {
		return fmt.Errorf("unknown manifest format %s (want %q)", format, apolloFormat)
	}
	var m apolloManifest
	if err := json.Unmarshal(data, &m); err != nil {
		return fmt.Errorf("not an Apollo persisted query manifest: %v", err)
	}
	if m.Version != 1 {
		return fmt.Errorf("Apollo persisted query manifest version %d is not supported (want 1)", m.Version)
	}
	if _, ok := top["operations"]; !ok {
		return errors.New(`the Apollo persisted query manifest has no "operations"`)
	}
	for i, op := range m.Operations {
		if op.ID == "" {
			return fmt.Errorf("operation %d has no id", i)
		}
		if err := d.add(op.ID, op.Body, op.Type); err != nil {
			return err
		}
	}
	return nil
}

// add records body under id, checking that it is a GraphQL document (of the operation
// type opType, when the manifest says).
func (d *Documents) add(id, body, opType string) error {
	if id == "" {
		return errors.New("a document has an empty id")
	}
	if strings.TrimSpace(body) == "" {
		return fmt.Errorf("document %q is empty", id)
	}
	if prev, dup := d.byID[id]; dup && prev != body {
		return fmt.Errorf("id %q names two different documents", id)
	}
	doc, err := parser.ParseQuery(&ast.Source{Input: body})
	if err != nil {
		return fmt.Errorf("document %q is not GraphQL: %v", id, err)
	}
	if len(doc.Operations) == 0 {
		return fmt.Errorf("document %q has no operation", id)
	}
	if opType != "" && !hasOperation(doc, opType) {
		return fmt.Errorf("document %q has no %s operation, though the manifest says it is one", id, opType)
	}
	d.byID[id] = body
	d.bySHA256[sha256Hex(body)] = body
	return nil
}

func hasOperation(doc *ast.QueryDocument, opType string) bool {
	for _, op := range doc.Operations {
		if string(op.Operation) == opType {
			return true
		}
	}
	return false
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// Len is how many distinct ids the manifest has.
func (d *Documents) Len() int { return len(d.byID) }

// ByID returns the document a request's documentId names: the manifest's own id, or
// "sha256:<hex>" of the document's text.
func (d *Documents) ByID(id string) (string, bool) {
	if body, ok := d.byID[id]; ok {
		return body, true
	}
	if hash, ok := strings.CutPrefix(id, sha256Prefix); ok {
		body, ok := d.bySHA256[strings.ToLower(hash)]
		return body, ok
	}
	return "", false
}

// BySHA256 returns the document whose text has the SHA-256 hash (hex) a request's
// extensions.persistedQuery.sha256Hash gives, or whose manifest id is that hash.
func (d *Documents) BySHA256(hash string) (string, bool) {
	if body, ok := d.bySHA256[strings.ToLower(hash)]; ok {
		return body, true
	}
	body, ok := d.byID[hash]
	return body, ok
}
