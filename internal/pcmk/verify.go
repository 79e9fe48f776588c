package pcmk

import (
	"context"
	"errors"
	"fmt"

	"github.com/qvd-ha/qvd-ha/internal/runner"
)

// Verification is what crm_verify -V said about a CIB.
type Verification struct {
	// Report is everything it printed: errors and warnings, "" for a
	// clean CIB.
	Report string
	// Invalid is set when it found errors (a non-zero exit); a Report
	// without it holds warnings only.
	Invalid bool
}

// Verify checks the CIB in file with crm_verify -V. The error is for a
// crm_verify that could not run or finish, not for an invalid CIB.
func (p Tools) Verify(ctx context.Context, file string) (Verification, error) {
	res, err := p.Run.Run(ctx, runner.Cmd{Path: CrmVerify, Args: []string{"-V", "-x", file}, Env: p.Env})
	v := Verification{Report: string(res.Stdout) + string(res.Stderr)}
	var exit *runner.ExitError
	switch {
	case errors.As(err, &exit) && exit.Signal == 0:
		v.Invalid = true
	case err != nil:
		return v, fmt.Errorf("crm_verify: %w", err)
	}
	return v, nil
}
