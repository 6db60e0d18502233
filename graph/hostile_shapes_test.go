package graph

import (
	"fmt"
	"strings"
)

// hostileShape is a document built to make validation or the complexity walk slow, and
// the limit that must refuse it first.
type hostileShape struct {
	name  string
	query string
	limit string
}

// hostileShapes are issue 11's attacks, scaled up, and one for each other way found to
// make validation cost grow faster than the document.
func hostileShapes() []hostileShape {
	rep := strings.Repeat
	return []hostileShape{
		{"20,000 __typename (issue 11)", "{" + rep(" __typename", 20_000) + " }", "tokens"},
		{"90,000 __typename (issue 11)", "{" + rep(" __typename", 90_000) + " }", "tokens"},
		{"20,000 unknown arguments (issue 11)", unknownArguments(20_000), "tokens"},
		{"31 fragments each spreading the next twice, 1,128 bytes (issue 11)", doublingFragments(31), "fields"},
		{"100 fragments each spreading the next twice", doublingFragments(100), "fields"},
		{"1,300 __typename, under the token limit", "{" + rep(" __typename", 1_300) + " }", "fields"},
		{"1,001 nested fields of one name", "{ serverInfo {" + rep(" version", 1_001) + " } }", "fields"},
		{"2,000 operations spreading one fragment", sharedFragmentOperations(2_000), "fields"},
		{"150 root fields", "{" + rep(" __typename", 150) + " }", "rootFields"},
		{"201 aliases", "{ serverInfo {" + aliases(201) + " } }", "aliases"},
		{"21 levels of fields", rep("{ a ", 21) + rep("}", 21), "depth"},
		{"501 directives", "{ serverInfo {" + rep(" version @include(if: true)", 501) + " } }", "directives"},
		{"600 directives on a variable definition", "query Q($a: Int" + rep(" @deprecated", 600) + ") { __typename }", "directives"},
		{"600 directives on a fragment's variable definition", "{ ...F } fragment F($a: Int" + rep(" @deprecated", 600) + ") on Query { __typename }", "directives"},
		{"600 directives on an operation", "query Q" + rep(" @deprecated", 600) + " { __typename }", "directives"},
		{"600 directives on a fragment definition", "{ ...F } fragment F on Query" + rep(" @deprecated", 600) + " { __typename }", "directives"},
		{"600 directives on a fragment spread", "{ ...F" + rep(" @deprecated", 600) + " } fragment F on Query { __typename }", "directives"},
		{"600 directives on an inline fragment", "{ ... on Query" + rep(" @deprecated", 600) + " { __typename } }", "directives"},
		{"300 directives on each of two variables", "query Q($a: Int" + rep(" @deprecated", 300) + ", $b: Int" + rep(" @deprecated", 300) + ") { __typename }", "directives"},
		{"a chain of 1,500 fragments", fragmentChain(1_500), "fragments"},
		{"300 fragments compared in pairs", fragmentPairs(300), "fragments"},
	}
}

// doublingFragments is issue 11's fragment bomb: n fragments, each spreading the next
// twice, 2^(n-1) fields once expanded.
func doublingFragments(n int) string {
	var b strings.Builder
	b.WriteString("query{...F0}")
	for i := range n - 1 {
		fmt.Fprintf(&b, " fragment F%d on Query{...F%d ...F%d}", i, i+1, i+1)
	}
	fmt.Fprintf(&b, " fragment F%d on Query{__typename}", n-1)
	return b.String()
}

// fragmentChain is n fragments each spreading the next once: one field, but validation
// walks the rest of the chain from every fragment.
func fragmentChain(n int) string {
	var b strings.Builder
	b.WriteString("query{...F0}")
	for i := range n - 1 {
		fmt.Fprintf(&b, " fragment F%d on Query{...F%d}", i, i+1)
	}
	fmt.Fprintf(&b, " fragment F%d on Query{__typename}", n-1)
	return b.String()
}

// fragmentPairs spreads n one-field fragments side by side, which the overlapping-fields
// rule compares pair by pair.
func fragmentPairs(n int) string {
	var b strings.Builder
	b.WriteString("{ serverInfo {")
	for i := range n {
		fmt.Fprintf(&b, " ...F%d", i)
	}
	b.WriteString(" } }")
	for i := range n {
		fmt.Fprintf(&b, " fragment F%d on ServerInfo{version}", i)
	}
	return b.String()
}

// sharedFragmentOperations is n operations over one fragment: validation walks the
// fragment once per operation.
func sharedFragmentOperations(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "query Q%d{...F} ", i)
	}
	b.WriteString("fragment F on Query{__typename}")
	return b.String()
}

func unknownArguments(n int) string {
	var b strings.Builder
	b.WriteString("{ serverInfo(")
	for i := range n {
		fmt.Fprintf(&b, " a%d: 1", i)
	}
	b.WriteString(") { version } }")
	return b.String()
}

func aliases(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, " v%d: version", i)
	}
	return b.String()
}

// introspectionQuery is what GraphiQL sends (graphql-js's getIntrospectionQuery with
// descriptions, specifiedByURL, repeatable directives, the schema description and
// deprecated input values), its type references nine levels deep as newer versions ask.
const introspectionQuery = `query IntrospectionQuery {
  __schema {
    description
    queryType { name }
    mutationType { name }
    subscriptionType { name }
    types { ...FullType }
    directives {
      name
      description
      isRepeatable
      locations
      args(includeDeprecated: true) { ...InputValue }
    }
  }
}
fragment FullType on __Type {
  kind
  name
  description
  specifiedByURL
  fields(includeDeprecated: true) {
    name
    description
    args(includeDeprecated: true) { ...InputValue }
    type { ...TypeRef }
    isDeprecated
    deprecationReason
  }
  inputFields(includeDeprecated: true) { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) {
    name
    description
    isDeprecated
    deprecationReason
  }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue {
  name
  description
  type { ...TypeRef }
  defaultValue
  isDeprecated
  deprecationReason
}
fragment TypeRef on __Type {
  kind
  name
  ofType {
    kind
    name
    ofType {
      kind
      name
      ofType {
        kind
        name
        ofType {
          kind
          name
          ofType {
            kind
            name
            ofType {
              kind
              name
              ofType {
                kind
                name
                ofType {
                  kind
                  name
                  ofType {
                    kind
                    name
                  }
                }
              }
            }
          }
        }
      }
    }
  }
}`
