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
	"testing"
	"time"
)

// Module is this module's import path.
const Module = "github.com/qvd-ha/qvd-ha"

// Static builds the package with import path pkg (or a directory such as
// ".") into out, with cgo off. The go command finds the module from the
// working directory, which go test puts inside it (in the package under test).
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

// Main is the TestMain of a package whose tests exec the package's own
// program: it builds the package under test as name into *bin, runs the
// tests, removes the binary and exits with the tests' code.
func Main(m *testing.M, bin *string, name string) {
	os.Exit(Run(m, bin, name))
}

// Run is Main without the exit, for a TestMain that sets up more around the
// tests. It returns the tests' exit code, or 1 when the build fails.
func Run(m *testing.M, bin *string, name string) int {
	dir, err := os.MkdirTemp("", "qvd-ha-test-"+name+"-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	// ocf-tester runs meta-data as nobody, who must reach the binary.
	if err := os.Chmod(dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	*bin = filepath.Join(dir, name)
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	err = Static(ctx, ".", *bin)
	cancel()
	if err != nil {
		fmt.Fprintf(os.Stderr, "building the program under test: %v\n", err)
		return 1
	}
	return m.Run()
}

// buildTimeout bounds one build on a loaded 2-core machine with a cold
// cache, so that a hung toolchain fails the package instead of its deadline.
const buildTimeout = 5 * time.Minute
