package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/qvd-ha/qvd-ha/bootstrap/config"
	"github.com/qvd-ha/qvd-ha/bootstrap/drbdconf"
)

func drbdCommand() *cli.Command {
	return &cli.Command{
		Name: "drbd",
		Usage: "write the DRBD resource file (8.4 syntax) with Pacemaker fencing handlers, and the runbook's " +
			"usage-count no in the global section of global_common.conf (runbook 6)",
		Flags: []cli.Flag{dryRunFlag, &cli.StringFlag{Name: "dir", Value: drbdconf.Dir, Usage: "DRBD resource `DIR`"}},
		Action: withConfig(func(cCtx *cli.Context, c *config.Config) error {
			if c.Storage != config.StorageDRBD {
				return fmt.Errorf("drbd: storage is %s: there is no DRBD resource", c.Storage)
			}
			name := filepath.Join(cCtx.String("dir"), filepath.Base(drbdconf.Path(c)))
			if err := install(cCtx, name, []byte(drbdconf.Resource(c)), 0o644); err != nil {
				return err
			}
			return usageCountOff(cCtx, filepath.Join(cCtx.String("dir"), filepath.Base(drbdconf.GlobalCommonPath)))
		}),
	}
}

// usageCountOff sets the runbook's "usage-count no" in drbd-utils' file
// with the global section, when there is one.
func usageCountOff(cCtx *cli.Context, name string) error {
	old, err := os.ReadFile(name)
	if errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintf(cCtx.App.Writer, "%s not found: usage-count left as drbd-utils has it\n", name)
		return nil
	}
	if err != nil {
		return fmt.Errorf("drbd: %w", err)
	}
	data, err := drbdconf.UsageCountOff(string(old))
	if err != nil {
		return fmt.Errorf("drbd: %s: %w", name, err)
	}
	return install(cCtx, name, []byte(data), 0o644)
}
