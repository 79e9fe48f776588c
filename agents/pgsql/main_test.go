package main

import (
	"testing"

	"github.com/qvd-ha/qvd-ha/test/gobuild"
)

// agentBin is the agent built once for all tests in this package.
var agentBin string

func TestMain(m *testing.M) {
	gobuild.Main(m, &agentBin, "pgsql")
}
