package fencing

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/qvd-ha/qvd-ha/internal/runner"
)

// scriptTimeout bounds password_script when login_timeout is disabled.
const scriptTimeout = 10 * time.Second

// resolvePassword fills Options.password from, in this order, the password
// option, password_script or password_file. The secret goes nowhere else:
// errors name the source, never the value.
func (r *run) resolvePassword(ctx context.Context) error {
	o := r.opts
	declared := func(name string) bool { _, ok := o.byName[name]; return ok }
	switch {
	case declared(Password.Name) && o.IsSet(Password.Name):
		o.password = o.String(Password.Name)
	case declared(PasswordScript.Name) && o.String(PasswordScript.Name) != "":
		d := r.lim.login
		if r.lim.disabled || d <= 0 {
			d = scriptTimeout
		}
		sctx, cancel := context.WithTimeout(ctx, d)
		defer cancel()
		res, err := r.env.Runner.Run(sctx, runner.Cmd{Path: "/bin/sh", Args: []string{"-c", o.String(PasswordScript.Name)}})
		if err != nil {
			// The runner's message carries the script's last stderr line,
			// which is the script's business, not the secret.
			return fmt.Errorf("password_script: %w", err)
		}
		o.password = firstLine(string(res.Stdout))
	case declared(PasswordFile.Name) && o.String(PasswordFile.Name) != "":
		b, err := os.ReadFile(o.String(PasswordFile.Name))
		if err != nil {
			var pe *os.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			return fmt.Errorf("password_file %s: %w", o.String(PasswordFile.Name), err)
		}
		o.password = firstLine(string(b))
	}
	return nil
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return strings.TrimRight(line, "\r")
}
