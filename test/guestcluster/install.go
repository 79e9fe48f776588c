package guestcluster

import (
	"context"
	"path/filepath"

	"github.com/qvd-ha/qvd-ha/test/gobuild"
)

// installed is what `make install` puts where, for the programs the guests
// run (the Makefile's AGENTS, FENCE and TOOLS, by their install paths): the
// guests get the same tree, built here so that a test never writes into
// the checkout's bin/.
var installed = []struct{ pkg, path string }{
	{gobuild.Module + "/agents/pgsql", "usr/lib/ocf/resource.d/qvd/pgsql"},
	{gobuild.Module + "/agents/drbd", "usr/lib/ocf/resource.d/qvd/drbd"},
	{gobuild.Module + "/agents/ipaddr", "usr/lib/ocf/resource.d/qvd/IPaddr"},
	{gobuild.Module + "/fence/libvirt", "usr/sbin/fence_qvd_libvirt"},
	{gobuild.Module + "/bootstrap", "usr/sbin/qvd-ha-bootstrap"},
}

// installTree builds the programs statically (as make does) into dest, a
// DESTDIR tree.
func installTree(ctx context.Context, dest string) error {
	for _, p := range installed {
		if err := gobuild.Static(ctx, p.pkg, filepath.Join(dest, p.path)); err != nil {
			return err
		}
	}
	return nil
}
