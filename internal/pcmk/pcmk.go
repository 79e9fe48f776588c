// Package pcmk runs Pacemaker's command-line tools (crm_mon, crm_resource,
// crm_attribute, crm_simulate, cibadmin, crm_verify, stonith_admin) and reads
// what they print into typed values: their --output-as=xml where the tool
// has it, and otherwise the text, read here and nowhere else.
//
// Every tool runs through a runner.Runner under the caller's context, so a
// hung CIB manager turns into an error before the caller's own deadline, and
// tests and the test harnesses substitute where the tool runs (a fake, a
// node's namespaces, a qemu guest).
package pcmk

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"strings"

	"github.com/qvd-ha/qvd-ha/internal/runner"
)

// Where pacemaker-cli-utils (Debian) and pacemaker-cli (SLES) install the
// tools. Absolute paths: the executor starts agents with a PATH that need
// not hold /usr/sbin.
const (
	CrmAttribute = "/usr/sbin/crm_attribute"
	CrmMaster    = "/usr/sbin/crm_master"
	CrmMon       = "/usr/sbin/crm_mon"
	CrmResource  = "/usr/sbin/crm_resource"
	CrmSimulate  = "/usr/sbin/crm_simulate"
	CrmVerify    = "/usr/sbin/crm_verify"
	Cibadmin     = "/usr/sbin/cibadmin"
	StonithAdmin = "/usr/sbin/stonith_admin"
)

// Tools runs Pacemaker's tools through Run. Env is added to every tool's
// environment: CIB_file=<path> makes them work on that file instead of the
// live cluster.
type Tools struct {
	Run runner.Runner
	Env []string
}

func (p Tools) run(ctx context.Context, path string, args ...string) (runner.Result, error) {
	res, err := p.Run.Run(ctx, runner.Cmd{Path: path, Args: args, Env: p.Env})
	if err != nil {
		return res, withReported(err, res.Stdout)
	}
	return res, nil
}

// result is the part of every --output-as=xml answer that says what went
// wrong.
type result struct {
	Status struct {
		Errors []string `xml:"errors>error"`
	} `xml:"status"`
}

// withReported adds what a tool in XML mode reported to its failure: it
// writes its errors into the XML on stdout, so the runner's error, which
// quotes stderr, would say no more than the exit status.
func withReported(err error, stdout []byte) error {
	var exit *runner.ExitError
	if !errors.As(err, &exit) || strings.TrimSpace(exit.Stderr) != "" || !bytes.Contains(stdout, []byte("<pacemaker-result")) {
		return err
	}
	var r result
	if xml.Unmarshal(stdout, &r) != nil || len(r.Status.Errors) == 0 {
		return err
	}
	return fmt.Errorf("%w: %s", err, oneLine(r.Status.Errors))
}

// oneLine joins a tool's error lines ("crm_resource: Resource 'x' not
// found", "Error performing operation: No such object") into one.
func oneLine(lines []string) string {
	var parts []string
	for _, l := range lines {
		for _, p := range strings.Split(l, "\n") {
			if p = strings.TrimSpace(p); p != "" {
				parts = append(parts, p)
			}
		}
	}
	return strings.Join(parts, "; ")
}
