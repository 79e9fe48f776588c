package guestcluster

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/qvd-ha/qvd-ha/internal/runner"
)

// Runner runs commands in the node through its control channel, so that
// the host's code that takes a runner.Runner (internal/pcmk) works on the
// guest's cluster. The guest runs a shell line: the command, its arguments
// and its environment are quoted into one.
func (n *Node) Runner() runner.Runner {
	return runner.Func(n.runCmd)
}

func (n *Node) runCmd(ctx context.Context, c runner.Cmd) (runner.Result, error) {
	line, err := shellLine(c)
	if err != nil {
		return runner.Result{ExitCode: -1}, fmt.Errorf("%s on %s: %w", c.Path, n.Name, err)
	}
	r, err := n.Run(ctx, line)
	res := runner.Result{Stdout: []byte(r.Stdout), Stderr: []byte(r.Stderr), ExitCode: r.ExitCode}
	if err != nil {
		res.ExitCode = -1
		return res, fmt.Errorf("%s on %s: %w", c.Path, n.Name, err)
	}
	if r.ExitCode != 0 {
		return res, &runner.ExitError{Cmd: c.Path, Code: r.ExitCode, Stderr: r.Stderr}
	}
	return res, nil
}

// shellLine is c as one sh command line. What the control channel cannot
// carry (standard input, an output stream, another user) is refused rather
// than dropped.
func shellLine(c runner.Cmd) (string, error) {
	if c.Stdin != nil || c.Stdout != nil || c.Credential != nil {
		return "", errors.New("the guest's control channel takes no stdin, stdout stream or credential")
	}
	var words []string
	if len(c.Env) > 0 {
		words = append(words, "env")
	}
	for _, w := range slices.Concat(c.Env, []string{c.Path}, c.Args) {
		words = append(words, shellQuote(w))
	}
	line := strings.Join(words, " ")
	if c.Dir != "" {
		line = "cd " + shellQuote(c.Dir) + " && " + line
	}
	return line, nil
}

// shellQuote makes s one word for sh, whatever it holds.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
