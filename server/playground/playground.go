// Package playground serves GraphiQL from files embedded in the binary, so the playground
// works without internet access. The files are the npm packages' own (graphiql 4.1.2,
// react and react-dom 18.2.0, unchanged; their licences beside them); each is served with
// its Subresource Integrity hash, computed here from the embedded bytes.
package playground

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"html/template"
	"io/fs"
	"net/http"
	"path"
)

//go:embed assets
var files embed.FS

// AssetPrefix is where the embedded files are served.
const AssetPrefix = "/playground/"

// scripts are the files the page loads, in order: GraphiQL needs React first.
var scripts = []string{"react.production.min.js", "react-dom.production.min.js", "graphiql.min.js"}

const stylesheet = "graphiql.min.css"

// StartingDocument is what a first visit shows: how to sign in, and what to do with the token.
const StartingDocument = `# Welcome to Backbone's GraphQL playground.
#
# 1. Sign in (after "go run ./server seed", the README lists the demo accounts):
mutation Login {
  login(email: "ada@example.com", password: "demo-admin-Backbone-2026!") {
    accessToken
    user { id email role }
  }
}

# 2. Copy the accessToken into the Headers tab below:
#      {"Authorization": "Bearer <accessToken>"}
# 3. Then ask who you are:
query Me {
  me { id email displayName role }
}
`

// startingHeaders is the Headers tab of a first visit.
const startingHeaders = `{
  "Authorization": "Bearer <paste the accessToken of the login mutation here>"
}`

type asset struct {
	URL, Integrity string
}

type pageData struct {
	Title         string
	Endpoint      string
	Scripts       []asset
	Stylesheet    asset
	Document      string
	Headers       string
	StoragePrefix string
}

var page = template.Must(template.New("playground").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>html, body, #graphiql { height: 100%; margin: 0; overflow: hidden; }</style>
<link rel="stylesheet" href="{{.Stylesheet.URL}}" integrity="{{.Stylesheet.Integrity}}">
{{- range .Scripts}}
<script src="{{.URL}}" integrity="{{.Integrity}}"></script>
{{- end}}
</head>
<body>
<div id="graphiql">Loading the playground…</div>
<script>
  const http = location.protocol + '//' + location.host + {{.Endpoint}};
  const ws = (location.protocol === 'https:' ? 'wss:' : 'ws:') + '//' + location.host + {{.Endpoint}};
  ReactDOM.render(
    React.createElement(GraphiQL, {
      fetcher: GraphiQL.createFetcher({ url: http, subscriptionUrl: ws }),
      defaultQuery: {{.Document}},
      defaultHeaders: {{.Headers}},
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: true,
      defaultEditorToolsVisibility: 'headers',
      storage: localStorage,
      inputValueDeprecation: true,
    }),
    document.getElementById('graphiql'),
  );
</script>
</body>
</html>
`))

// Handler serves the page for endpoint (a path on the same host, such as "/query").
// Mount it at "/" and Assets at AssetPrefix.
func Handler(title, endpoint string) http.Handler {
	data := pageData{Title: title, Endpoint: endpoint, Document: StartingDocument, Headers: startingHeaders,
		Stylesheet: mustAsset(stylesheet)}
	for _, s := range scripts {
		data.Scripts = append(data.Scripts, mustAsset(s))
	}
	var buf bytes.Buffer
	if err := page.Execute(&buf, data); err != nil {
		panic("playground: " + err.Error()) // the template and its data are fixed: a bug, at start-up
	}
	body := buf.Bytes()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		_, _ = w.Write(body)
	})
}

// Assets serves the embedded files under AssetPrefix. They never change within a build, so
// browsers may keep them for a day.
func Assets() http.Handler {
	sub, err := fs.Sub(files, "assets")
	if err != nil {
		panic("playground: " + err.Error())
	}
	fileServer := http.StripPrefix(AssetPrefix, http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		fileServer.ServeHTTP(w, r)
	})
}

// mustAsset returns the URL and integrity hash of an embedded file.
func mustAsset(name string) asset {
	b, err := files.ReadFile(path.Join("assets", name))
	if err != nil {
		panic("playground: " + err.Error())
	}
	sum := sha256.Sum256(b)
	return asset{URL: AssetPrefix + name, Integrity: "sha256-" + base64.StdEncoding.EncodeToString(sum[:])}
}
