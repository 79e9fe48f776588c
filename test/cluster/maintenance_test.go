//go:build root

package cluster

// maintenanceSteps are the qvd-ha maintenance cases (issue 16), run after section 11
// on its cluster.
func maintenanceSteps(s *Stack) []step { return nil }
