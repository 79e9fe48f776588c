// Package verify checks what qvd-ha-bootstrap generates before a cluster
// runs it (qvd-ha-bootstrap verify): the CIB with crm_verify, and with
// --fence-timing whether priority-fencing-delay outlasts the fence devices.
package verify

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/qvd-ha/qvd-ha/bootstrap/cib"
	"github.com/qvd-ha/qvd-ha/internal/runner"
)

// crmVerify is where pacemaker-cli-utils (Debian) and pacemaker-cli (SLES)
// install crm_verify.
const crmVerify = "/usr/sbin/crm_verify"

// CIB runs crm_verify -V on the CIB and returns what it printed. A
// warning counts as a failure: the generated CIB is meant to be clean.
func CIB(ctx context.Context, r runner.Runner, c *cib.CIB, timeout time.Duration) (string, error) {
	data, err := c.XML()
	if err != nil {
		return "", fmt.Errorf("render CIB: %w", err)
	}
	dir, err := os.MkdirTemp("", "qvd-ha-verify")
	if err != nil {
		return "", fmt.Errorf("verify: %w", err)
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "cib.xml")
	if err := os.WriteFile(file, data, 0o600); err != nil {
		return "", fmt.Errorf("verify: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	res, err := r.Run(ctx, runner.Cmd{Path: crmVerify, Args: []string{"-V", "-x", file}})
	report := string(res.Stdout) + string(res.Stderr)
	var exit *runner.ExitError
	switch {
	case errors.As(err, &exit):
		return report, errors.New("crm_verify found errors in the generated CIB")
	case err != nil:
		return report, fmt.Errorf("verify: %w", err)
	case report != "":
		return report, errors.New("crm_verify warned about the generated CIB")
	}
	return "crm_verify: the generated CIB is valid\n", nil
}
