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
	"github.com/qvd-ha/qvd-ha/internal/pcmk"
	"github.com/qvd-ha/qvd-ha/internal/runner"
)

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
	v, err := pcmk.Tools{Run: r}.Verify(ctx, file)
	switch {
	case err != nil:
		return v.Report, fmt.Errorf("verify: %w", err)
	case v.Invalid:
		return v.Report, errors.New("crm_verify found errors in the generated CIB")
	case v.Report != "":
		return v.Report, errors.New("crm_verify warned about the generated CIB")
	}
	return "crm_verify: the generated CIB is valid\n", nil
}
