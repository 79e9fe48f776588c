//go:build root

package cluster

// statusSteps are the qvd-ha status cases (issue 16), run after section 11
// on its cluster.
func statusSteps(s *Stack) []step { return nil }
