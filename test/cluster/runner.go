package cluster

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/qvd-ha/qvd-ha/internal/runner"
)

// runInside is a runner.Runner's Run for commands inside the node (all its
// namespaces, as Exec does), so that internal/pcmk reads the node's
// cluster. Unlike Exec it keeps stdout apart from stderr: an XML answer
// stays parseable when the tool also complains.
func (n *Node) runInside(ctx context.Context, c runner.Cmd) (runner.Result, error) {
	if c.Credential != nil {
		return runner.Result{ExitCode: -1}, fmt.Errorf("%s on %s: nsenter runs commands as root only", c.Path, n.Name)
	}
	pid := n.InitPID()
	if pid == 0 {
		return runner.Result{ExitCode: -1}, fmt.Errorf("%s on %s: node %s is down", c.Path, n.Name, n.Name)
	}
	args := []string{"-t", strconv.Itoa(pid), "-m", "-n", "-u", "-p"}
	if c.Dir != "" {
		args = append(args, "--wd="+c.Dir)
	}
	in := c
	in.Path, in.Dir = "nsenter", ""
	in.Args = append(append(args, "--", c.Path), c.Args...)
	res, err := runner.Exec{}.Run(ctx, in)
	var exit *runner.ExitError
	if errors.As(err, &exit) {
		// The caller ran c.Path; nsenter is how.
		named := *exit
		named.Cmd = c.Path
		return res, &named
	}
	if err != nil {
		return res, fmt.Errorf("%s on %s: %w", c.Path, n.Name, err)
	}
	return res, nil
}
