//go:build root

package cluster

// switchoverSteps are the qvd-ha switchover cases (issue 16), run after section 11
// on its cluster.
func switchoverSteps(s *Stack) []step { return nil }
