package ratelimit

// CostPerPoint is how much query complexity one budget point buys. As GitHub's GraphQL
// API charges a call its node count divided by 100 (at least 1 point), an operation here
// costs its complexity divided by 100, rounded up, and at least 1 point: small operations
// cost 1, and one at the default complexity limit of 1000 costs 10.
const CostPerPoint = 100

// Points is the budget charge of an operation of the given complexity.
func Points(complexity int) int {
	return max(1, (complexity+CostPerPoint-1)/CostPerPoint)
}
