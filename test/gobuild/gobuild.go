// Package gobuild builds this module's programs for tests that run them
// outside the test binary (in namespaces, in qemu guests, under
// Pacemaker): static, as make builds them, so that they run anywhere.
package gobuild

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
)

// Module is this module's import path.
const Module = "github.com/qvd-ha/qvd-ha"

// Static builds the package with import path pkg into out, with cgo off.
// The go command finds the module from the working directory, which go
// test puts inside it.
func Static(ctx context.Context, pkg, out string) error {
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	cmd := exec.CommandContext(ctx, goTool, "build", "-trimpath", "-o", out, pkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %w\n%s", pkg, err, b)
	}
	return nil
}
