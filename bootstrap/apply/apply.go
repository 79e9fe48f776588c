// Package apply loads the generated CIB configuration into the running
// cluster (qvd-ha-bootstrap apply): the live CIB with our part merged in is
// previewed with crm_simulate first, and a change that would stop or move
// the database needs the administrator's yes.
package apply

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/qvd-ha/qvd-ha/bootstrap/cib"
	"github.com/qvd-ha/qvd-ha/bootstrap/internal/xmltree"
	"github.com/qvd-ha/qvd-ha/internal/runner"
)

// The Pacemaker tools apply uses. With CIB_file set in the environment they
// work on that file instead of the live cluster.
const (
	cibadmin    = "/usr/sbin/cibadmin"
	crmSimulate = "/usr/sbin/crm_simulate"
)

// Run loads the configuration into the running cluster: first a preview
// (crm_simulate on a copy of the live CIB holding the new configuration,
// the "shadow"), then cibadmin. It refuses without yes when the database
// would stop or move, and does nothing when the cluster already has the
// configuration.
func Run(ctx context.Context, r runner.Runner, out io.Writer, c *cib.CIB, yes bool, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	live, err := r.Run(ctx, runner.Cmd{Path: cibadmin, Args: []string{"--query"}})
	if err != nil {
		return fmt.Errorf("read the live CIB: %w", err)
	}
	candidate, err := cib.Merge(live.Stdout, c)
	if err != nil {
		return err
	}
	liveConf, err := configuration(live.Stdout)
	if err != nil {
		return err
	}
	newConf, err := configuration(candidate)
	if err != nil {
		return err
	}
	if liveConf.Canonical() == newConf.Canonical() {
		fmt.Fprintln(out, "The cluster already has this configuration; nothing to do.")
		return nil
	}

	dir, err := os.MkdirTemp("", "qvd-ha-apply")
	if err != nil {
		return fmt.Errorf("apply: %w", err)
	}
	defer os.RemoveAll(dir)
	shadow := filepath.Join(dir, "shadow.xml")
	if err := os.WriteFile(shadow, candidate, 0o600); err != nil {
		return fmt.Errorf("apply: %w", err)
	}
	sim, err := r.Run(ctx, runner.Cmd{Path: crmSimulate, Args: []string{"--xml-file", shadow, "--simulate"}})
	if err != nil {
		return fmt.Errorf("preview with crm_simulate: %w", err)
	}
	changes := cib.TransitionSummary(string(sim.Stdout))
	fmt.Fprintln(out, "What the cluster would do:")
	if len(changes) == 0 {
		fmt.Fprintln(out, "  nothing starts, stops or moves")
	}
	var harmful []string
	for _, ch := range changes {
		fmt.Fprintln(out, "  "+ch)
		if cib.DisruptsDatabase(ch) {
			harmful = append(harmful, ch)
		}
	}
	if len(harmful) > 0 && !yes {
		return fmt.Errorf("not applied: the database would stop or move (%s); run again with --yes to accept",
			strings.Join(harmful, "; "))
	}

	confFile := filepath.Join(dir, "configuration.xml")
	start := strings.Index(string(candidate), "<configuration>")
	end := strings.Index(string(candidate), "</configuration>")
	if start < 0 || end < 0 {
		return errors.New("apply: the merged CIB has no configuration")
	}
	if err := os.WriteFile(confFile, candidate[start:end+len("</configuration>")], 0o600); err != nil {
		return fmt.Errorf("apply: %w", err)
	}
	if _, err := r.Run(ctx, runner.Cmd{Path: cibadmin, Args: []string{"--replace", "--scope", "configuration", "--xml-file", confFile}}); err != nil {
		return fmt.Errorf("load the configuration: %w", err)
	}
	fmt.Fprintln(out, "Configuration loaded.")
	return nil
}

func configuration(doc []byte) (*xmltree.Elem, error) {
	root, err := xmltree.Parse(doc)
	if err != nil {
		return nil, err
	}
	confs := root.Find("configuration")
	if len(confs) != 1 {
		return nil, errors.New("the CIB has no configuration section")
	}
	return confs[0], nil
}
