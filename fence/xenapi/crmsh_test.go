//go:build root

package main

import (
	"testing"

	"github.com/qvd-ha/qvd-ha/fence/fencing/fencetest"
)

// TestCRMShellAcceptsFenceXenapiParams: crmsh, which checks a primitive's
// parameters against the installed agent's meta-data, loads a device that
// sets every fence_xenapi parameter.
func TestCRMShellAcceptsFenceXenapiParams(t *testing.T) {
	fencetest.Install(t, agentBin, "/usr/sbin/fence_qvd_xenapi")
	fencetest.CRMShellAcceptsTwin(t, "fence_qvd_xenapi", "/usr/sbin/fence_xenapi")
}
