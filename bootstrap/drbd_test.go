package main

import (
	"strings"
	"testing"
)

func TestDRBDCommandRefusesSharedStorage(t *testing.T) {
	dir := t.TempDir()
	code, _, stderr := runTool(t, noRunner(t), "-q", "--set", "storage=shared", "--set", "shared.device=/dev/sdc", "drbd", "--dir", dir)
	if code != 1 || !strings.Contains(stderr, "storage is shared: there is no DRBD resource") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}
