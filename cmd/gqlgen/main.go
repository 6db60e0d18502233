// Command gqlgen is `gqlgen generate` (gqlgen.yml in the working directory) with one
// plugin of ours, sequentialObjects; go generate . runs it from the module root.
package main

import (
	"fmt"
	"log"

	"github.com/99designs/gqlgen/api"
	"github.com/99designs/gqlgen/codegen"
	"github.com/99designs/gqlgen/codegen/config"
)

// sequential are the objects whose resolver fields run one after the other on the
// object's goroutine, not one goroutine each. gqlgen starts a goroutine per resolver
// field beyond the first so that fields waiting on loaders wait together; a Question's
// fields either compute from the row or read loaders a question page has primed
// (graph/prime.go), and where nothing primed them the first such field queues every
// selected loader read of its question at once (graph.queueQuestionLoads), so the
// others find their values batched rather than each waiting out a batch window. On a
// page of 20 questions with client, expert and answer those goroutines (40, each
// growing its stack) were ~9% of the page's CPU (BenchmarkQuestionPage).
var sequential = []string{"Question"}

// sequentialObjects turns gqlgen's per-field concurrency off for the sequential objects.
// gqlgen runs plugins' GenerateCode on the collected data before it writes the executor
// (api.Generate), and codegen.Object.DisableConcurrency is what it sets for Mutation.
type sequentialObjects struct{}

func (sequentialObjects) Name() string { return "sequentialObjects" }

func (sequentialObjects) GenerateCode(data *codegen.Data) error {
	for _, name := range sequential {
		o := data.Objects.ByName(name)
		if o == nil {
			return fmt.Errorf("sequentialObjects: no object %s in the schema", name)
		}
		o.DisableConcurrency = true
	}
	return nil
}

func main() {
	cfg, err := config.LoadConfigFromDefaultLocations()
	if err != nil {
		log.Fatalf("gqlgen: %v", err)
	}
	if err := api.Generate(cfg, api.AddPlugin(sequentialObjects{})); err != nil {
		log.Fatalf("gqlgen: %v", err)
	}
}
