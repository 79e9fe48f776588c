package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"runtime"

	"github.com/qvd-ha/qvd-ha/agents/ocf"
	"github.com/vishvananda/netns"
)

// inNamespace runs action with the calling OS thread inside the named
// network namespace of network_namespace, when it is set. Every netlink
// request and socket of the agent is made on that thread, so the whole
// action happens there without a child process (IPaddr2 re-executes itself
// through ip netns exec).
func inNamespace(action ocf.ActionFunc) ocf.ActionFunc {
	return func(ctx context.Context, req *ocf.Request) error {
		name := req.Params.String("network_namespace")
		if name == "" {
			return action(ctx, req)
		}
		target, err := netns.GetFromName(name)
		if errors.Is(err, fs.ErrNotExist) {
			return namespaceMissing(req, name)
		}
		if err != nil {
			return fmt.Errorf("parameter network_namespace=%s: %w", name, err)
		}
		defer target.Close()

		runtime.LockOSThread()
		orig, err := netns.Get()
		if err != nil {
			runtime.UnlockOSThread()
			return fmt.Errorf("reading the agent's own network namespace: %w", err)
		}
		defer orig.Close()
		if err := netns.Set(target); err != nil {
			runtime.UnlockOSThread()
			return netlinkFailure(err, "entering network_namespace=%s", name)
		}
		defer func() {
			// A thread that cannot return stays locked, so that Go
			// discards it instead of running other code in the namespace.
			if netns.Set(orig) == nil {
				runtime.UnlockOSThread()
			}
		}()
		return action(ctx, req)
	}
}

// namespaceMissing answers as for a missing interface: the namespace is
// absent on this node only, so the address cannot run here (start and
// validate-all 5), does not run here (monitor 7) and is stopped (stop 0).
func namespaceMissing(req *ocf.Request, name string) error {
	// A configuration error is one on every node and goes first.
	if _, err := newConfig(req.Params); err != nil {
		return err
	}
	reason := fmt.Sprintf("parameter network_namespace=%s: no such network namespace on this node", name)
	switch req.Action {
	case "stop":
		req.Log.Infof("%s: nothing to stop", reason)
		return nil
	case "monitor":
		return ocf.Fail(ocf.NotRunning, "%s", reason)
	}
	return ocf.Fail(ocf.ErrInstalled, "%s", reason)
}
