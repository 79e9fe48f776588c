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

// action is an action of the agent, given its decoded parameters.
type action func(ctx context.Context, req *ocf.Request, c *config) error

// inNamespace runs act with the calling OS thread inside the named network
// namespace of network_namespace, when it is set. Every netlink request and
// socket of the agent is made on that thread, so the whole action happens
// there without a child process (IPaddr2 re-executes itself through ip
// netns exec).
func inNamespace(act action) action {
	return func(ctx context.Context, req *ocf.Request, c *config) error {
		name := c.namespace
		if name == "" {
			return act(ctx, req, c)
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
		return act(ctx, req, c)
	}
}

// namespaceMissing answers as for a missing interface: the namespace is
// absent on this node only, so the address cannot run here (start and
// validate-all 5), does not run here (monitor 7) and is stopped (stop 0).
// A configuration error, one on every node, has gone first: the parameters
// are decoded before any action.
func namespaceMissing(req *ocf.Request, name string) error {
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
