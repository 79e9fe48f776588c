package guestcluster

import (
	"context"
	"fmt"
	"os/exec"
)

// installTree runs the checkout's make install into dest, a DESTDIR tree
// that the guests copy to their root: the suite laid out as its packages
// lay it out. It builds into the checkout's bin/ and man/, as make test's
// own install does before the tests run.
func installTree(ctx context.Context, dest string) error {
	out, err := exec.CommandContext(ctx, "make", "-C", "../..", "--no-print-directory", "install", "DESTDIR="+dest).CombinedOutput()
	if err != nil {
		return fmt.Errorf("make install DESTDIR=%s: %w\n%s", dest, err, tail(string(out), 3000))
	}
	return nil
}
