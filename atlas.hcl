# Atlas environments for those who have the Atlas CLI (it cannot be installed on the
# project's machines; `go run ./cmd/migratediff` does the same diff with Atlas's Go API).
#
#   atlas migrate diff NAME --env postgres     # same as: go run ./cmd/migratediff -dialect postgres NAME
#   atlas migrate diff NAME --env sqlite       # same as: go run ./cmd/migratediff -dialect sqlite NAME
#   atlas migrate hash --env sqlite            # same as: go run ./cmd/migratediff -dialect sqlite -hash
#   atlas migrate lint --env postgres --latest 1
#
# Apply with the server (`go run ./server migrate`, or at start-up): it records applied
# files in the table schema_revisions, whereas the CLI's `migrate apply` uses its own
# atlas_schema_revisions table and would see a migrated database as not clean.

env "postgres" {
  src = "ent://ent/schema"
  url = getenv("DATABASE_URL")
  # A throwaway database for computing diffs; never a real one.
  dev = "docker://postgres/15/dev?search_path=public"
  migration {
    dir = "file://internal/migrations/postgres"
  }
}

env "sqlite" {
  src = "ent://ent/schema"
  url = "sqlite://backbone.db?_fk=1"
  dev = "sqlite://dev?mode=memory&_fk=1"
  migration {
    dir = "file://internal/migrations/sqlite"
  }
}
