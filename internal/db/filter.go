package db

// IfSet is the predicate of an optional filter field: pred(*v) when v is set, none when
// v is nil. A list's filters combine with slices.Concat.
func IfSet[T, P any](v *T, pred func(T) P) []P {
	if v == nil {
		return nil
	}
	return []P{pred(*v)}
}
