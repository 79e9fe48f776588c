package drbdconf

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qvd-ha/qvd-ha/bootstrap/config"
	"github.com/qvd-ha/qvd-ha/internal/runner"
)

// drbdadm84 is drbd-utils' 8.4 parser, which drbdadm runs when the kernel's
// DRBD is 8.4; plain drbdadm on a machine without the module parses DRBD 9.
const drbdadm84 = "/usr/lib/drbd/drbdadm-84"

// drbdadm runs drbdadm-84 on a file holding conf and returns its output.
func drbdadm(t *testing.T, conf string, args ...string) (string, error) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "r.res")
	if err := os.WriteFile(file, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := runner.Exec{}.Run(ctx, runner.Cmd{Path: drbdadm84, Args: append([]string{"-c", file}, args...)})
	return string(out.Stdout) + string(out.Stderr), err
}

func dump(t *testing.T, res string) (string, error) {
	t.Helper()
	return drbdadm(t, res, "dump")
}

// TestDrbdadmAcceptsResource: DRBD 8.4's own parser reads the file back
// with what the cluster depends on; a broken file fails the same check.
func TestDrbdadmAcceptsResource(t *testing.T) {
	c := config.Default()
	res := Resource(c)
	out, err := dump(t, res)
	if err != nil {
		t.Fatalf("drbdadm-84 dump refused the resource: %v\n%s\n%s", err, out, res)
	}
	// What drbdadm parsed, not what we wrote.
	for _, want := range []string{
		"resource postgres {", "fencing          resource-and-stonith;", "verify-alg       crc32c;",
		"fence-peer       /usr/lib/drbd/crm-fence-peer.sh;", "after-resync-target /usr/lib/drbd/crm-unfence-peer.sh;",
		"after-sb-0pri    discard-zero-changes;", "after-sb-1pri    discard-secondary;", "after-sb-2pri    disconnect;",
		"address          ipv4 198.51.100.11:7788;", "address          ipv4 198.51.100.12:7788;",
		// The runbook's section 6 options.
		"protocol           C;", "on-io-error      detach;", "meta-disk        internal;",
		"resync-rate      100M;", "c-max-rate       100M;", "wfc-timeout        0;",
		"device           /dev/drbd0 minor 0;", "disk             /dev/sdb;",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("drbdadm dump lacks %q:\n%s", want, out)
		}
	}
	if _, err := dump(t, strings.Replace(res, "verify-alg", "verify-algo", 1)); err == nil {
		t.Error("drbdadm-84 accepted a misspelt option: the check proves nothing")
	}
}

// TestRunbookGlobalSection: the runbook's "global { usage-count no; }" cannot
// go into the resource file, because drbdadm refuses a second global section
// and drbd-utils' global_common.conf, which drbd.conf includes first, has one.
func TestRunbookGlobalSection(t *testing.T) {
	res := Resource(config.Default())
	if strings.Contains(res, "global") {
		t.Fatalf("the resource file has a global section:\n%s", res)
	}
	const global = "global { usage-count no; }\n"
	if out, err := dump(t, global+res); err != nil {
		t.Fatalf("one global section refused: %v\n%s", err, out)
	}
	out, err := dump(t, global+global+res)
	if err == nil || !strings.Contains(out, "conflicting use of global section") {
		t.Errorf("drbdadm accepted two global sections (err %v):\n%s", err, out)
	}
}

// TestDeviceNameForFilesystem: the Filesystem resource mounts drbd.device
// (/dev/drbd0), the node the resource file names, not the runbook 10.5's
// /dev/drbd/by-res/postgres/0: that udev link is named after a setting of
// the global section, which drbd-utils' global_common.conf holds, not our
// file (udev-always-use-vnr: .../postgres/0; without it: .../postgres).
func TestDeviceNameForFilesystem(t *testing.T) {
	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	c := config.Default()
	c.Nodes[0].Name = host // sh-udev answers only for this host's resources
	for _, tc := range []struct{ global, resource string }{
		{"", c.DRBDResource},
		{"global { udev-always-use-vnr; }\n", c.DRBDResource + "/0"},
	} {
		out, err := drbdadm(t, tc.global+Resource(c), "sh-udev", "minor-0")
		if err != nil {
			t.Fatalf("drbdadm-84 sh-udev: %v\n%s", err, out)
		}
		env := map[string]string{}
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			if k, v, ok := strings.Cut(line, "="); ok {
				env[k] = v
			}
		}
		// udev's rule links /dev/drbd/by-res/$RESOURCE.
		if env["RESOURCE"] != tc.resource {
			t.Errorf("global %q: udev's link would be /dev/drbd/by-res/%s, want .../%s", tc.global, env["RESOURCE"], tc.resource)
		}
		if "/dev/"+env["DEVICE"] != c.DRBDDevice {
			t.Errorf("global %q: the kernel's device for minor 0 is /dev/%s, the CIB mounts %s", tc.global, env["DEVICE"], c.DRBDDevice)
		}
	}
}

// TestUsageCountOff: the runbook's "usage-count no" in the global section of
// drbd-utils' global_common.conf as the distributions ship it; the rest of
// the file unchanged, a second pass a no-op, and drbdadm reads the result.
func TestUsageCountOff(t *testing.T) {
	const upstream = "# DRBD is the result of over a decade of development by LINBIT.\n\nglobal {\n" +
		"\tusage-count yes;\n\n\t# minor-count dialog-refresh disable-ip-verification\n" +
		"\tudev-always-use-vnr; # treat implicit the same as explicit volumes\n}\n\n" +
		"common {\n\thandlers {\n\t\t# split-brain \"/usr/lib/drbd/notify-split-brain.sh root\";\n\t}\n\tstartup {\n\t}\n}\n"
	res := Resource(config.Default())
	for _, tc := range []struct {
		name, in, want string
		err            error
	}{
		{"upstream", upstream, strings.Replace(upstream, "usage-count yes;", "usage-count no;", 1), nil},
		{"debian", "global {\n\tusage-count no;\n\tudev-always-use-vnr;\n}\ncommon {\n}\n",
			"global {\n\tusage-count no;\n\tudev-always-use-vnr;\n}\ncommon {\n}\n", nil},
		{"one line", "global { usage-count ask; }\n", "global { usage-count no; }\n", nil},
		{"option absent, named in comments", "# usage-count yes;\nglobal {\n\t# usage-count yes;\n\tminor-count 64;\n}\n",
			"# usage-count yes;\nglobal {\n\tusage-count no;\n\t# usage-count yes;\n\tminor-count 64;\n}\n", nil},
		{"global only in a comment", "# global { usage-count yes; }\ncommon {\n}\n", "", ErrNoGlobal},
		{"not closed", "global {\n\tusage-count yes;\n", "", errors.New("the global section is not closed")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := UsageCountOff(tc.in)
			if fmt.Sprint(err) != fmt.Sprint(tc.err) || got != tc.want {
				t.Fatalf("got %q, %v; want %q, %v", got, err, tc.want, tc.err)
			}
			if err != nil {
				return
			}
			if again, err := UsageCountOff(got); err != nil || again != got {
				t.Errorf("second pass changed the file: %q, %v", again, err)
			}
			out, err := dump(t, got+res)
			if err != nil || !strings.Contains(out, "usage-count no;") {
				t.Errorf("drbdadm-84 dump (err %v) lacks usage-count no:\n%s", err, out)
			}
		})
	}
}
