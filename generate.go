// Package backbone is the root of the Backbone module; it only anchors code generation:
// go generate . regenerates ent, then the GraphQL executor (gqlgen with our plugin, cmd/gqlgen).
package backbone

//go:generate go run -mod=mod ./ent/entc.go
//go:generate go run ./cmd/gqlgen
