//go:build ignore

// entc generates the ent client with the entgql helpers (pagination, node lookup, field
// collection). entgql's schema generator stays off: schema.graphql is written by hand.
// Run from the module root (go generate ./ent does so): entgql compares paths textually.
package main

import (
	"log"
	"slices"

	"entgo.io/contrib/entgql"
	"entgo.io/ent/entc"
	"entgo.io/ent/entc/gen"
)

func main() {
	// ent/template/paginate.tmpl redefines entgql's "gql_pagination/helper/paginate" so a
	// page counts the table only for totalCount (pageInfo comes from the limit+1 read, with
	// edges or without), and finds an aliased edges or totalCount (connection_fields.tmpl,
	// ent/gql_connection_fields.go);
	// collection.tmpl redefines "gql_collection" so that an edge under two aliases loads
	// the columns of both; both apply after and before as Relay defines them
	// (relay_cursors.tmpl, ent/gql_relay_cursors.go). The files say why. ent merges templates by name in order, so
	// they must come after entgql's own.
	paginate := gen.MustParse(gen.NewTemplate("paginate").
		Funcs(entgql.TemplateFuncs).
		ParseFiles("./ent/template/paginate.tmpl", "./ent/template/connection_fields.tmpl", "./ent/template/collection.tmpl",
			"./ent/template/relay_cursors.tmpl"))
	ex, err := entgql.NewExtension(
		entgql.WithTemplates(slices.Concat(entgql.AllTemplates, []*gen.Template{paginate})...),
	)
	if err != nil {
		log.Fatalf("entgql: %v", err)
	}
	err = entc.Generate("./ent/schema", &gen.Config{
		Target:  "./ent",
		Package: "backbone/ent",
	},
		entc.Extensions(ex),
		entc.FeatureNames("privacy", "entql", "intercept", "sql/versioned-migration", "sql/execquery", "sql/lock", "sql/upsert", "sql/modifier"),
	)
	if err != nil {
		log.Fatalf("entc: %v", err)
	}
}
