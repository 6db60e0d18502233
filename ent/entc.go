//go:build ignore

// entc generates the ent client with the entgql helpers (pagination, node lookup, field
// collection). entgql's schema generator stays off: schema.graphql is written by hand.
// Run from the module root (go generate ./ent does so): entgql compares paths textually.
package main

import (
	"log"

	"entgo.io/contrib/entgql"
	"entgo.io/ent/entc"
	"entgo.io/ent/entc/gen"
)

func main() {
	ex, err := entgql.NewExtension()
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
