//go:build guestcluster

package guestcluster

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
)

// installed is what `make install` puts where, for the programs the guests
// run (the Makefile's AGENTS, FENCE and TOOLS, by their install paths): the
// guests get the same tree, built here so that a test never writes into
// the checkout's bin/.
var installed = []struct{ pkg, path string }{
	{"./agents/pgsql", "usr/lib/ocf/resource.d/qvd/pgsql"},
	{"./agents/drbd", "usr/lib/ocf/resource.d/qvd/drbd"},
	{"./agents/ipaddr", "usr/lib/ocf/resource.d/qvd/IPaddr"},
	{"./fence/libvirt", "usr/sbin/fence_qvd_libvirt"},
	{"./bootstrap", "usr/sbin/qvd-ha-bootstrap"},
}

// installTree builds the programs statically (as make does) into dest, a
// DESTDIR tree.
func installTree(ctx context.Context, dest string) error {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	for _, p := range installed {
		out := filepath.Join(dest, p.path)
		cmd := exec.CommandContext(ctx, goTool, "build", "-trimpath", "-o", out, p.pkg)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if b, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go build %s: %w\n%s", p.pkg, err, b)
		}
	}
	return nil
}

// moduleRoot is the directory of go.mod above the working directory (go
// test runs in the package's directory).
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("working directory: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		dir = parent
	}
}
