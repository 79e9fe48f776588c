package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	"github.com/qvd-ha/qvd-ha/agents/ocf"
	qnetns "github.com/qvd-ha/qvd-ha/internal/netns"
	"github.com/vishvananda/netns"
)

// action is an action of the agent, given its decoded parameters.
type action func(ctx context.Context, req *ocf.Request, c *config) error

// inNamespace runs act with its OS thread inside the named network
// namespace of network_namespace, when it is set. Every netlink request and
// socket of the agent is made on that thread, so the whole action happens
// there without a child process (IPaddr2 re-executes itself through ip
// netns exec). internal/netns keeps the thread out of other goroutines'
// reach until it is back in the agent's own namespace, or discards it.
func inNamespace(act action) action {
	return func(ctx context.Context, req *ocf.Request, c *config) error {
		if c.namespace == "" {
			return act(ctx, req, c)
		}
		target, err := netns.GetFromName(c.namespace)
		if errors.Is(err, fs.ErrNotExist) {
			return namespaceMissing(req, c.namespace)
		}
		if err != nil {
			return fmt.Errorf("parameter network_namespace=%s: %w", c.namespace, err)
		}
		defer target.Close()
		entered := false
		err = qnetns.Do(target, func() error {
			entered = true
			return act(ctx, req, c)
		})
		if err != nil && !entered {
			return netlinkFailure(err, "entering network_namespace=%s", c.namespace)
		}
		return err
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
