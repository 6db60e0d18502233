// Package graph is the GraphQL layer: thin resolvers over the services in internal/.
package graph

// Resolver is the root resolver; it holds the services the resolvers call.
type Resolver struct{}
