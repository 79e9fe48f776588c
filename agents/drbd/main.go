// Command drbd is the OCF resource agent ocf:qvd:drbd: a DRBD resource as a
// promotable clone, for DRBD 8.4 and DRBD 9 (detected at run time).
package main

import (
	"time"

	"github.com/qvd-ha/qvd-ha/agents/ocf"
)

// version is stamped in by the build.
var version = "0.1.0"

var params = []ocf.Param{
	{Name: "drbd_resource", Required: true, Unique: true, Short: "DRBD resource name",
		Long: "The name of the resource in the DRBD configuration (ocf:linbit:drbd's name: DRBD's crm-fence-peer handler finds the clone through it)."},
	{Name: "drbdconf", Default: "/etc/drbd.conf", Short: "Path to drbd.conf",
		Long: "The DRBD configuration file passed to drbdadm with -c."},
	{Name: "adjust_master_score", Default: "0 10 1000 10000", Short: "Promotion scores",
		Check: func(v string) error { _, err := parseScores(v); return err },
		Long:  "Four non-decreasing promotion scores, as in ocf:linbit:drbd: only Consistent data here; only the peer has UpToDate data; Secondary with UpToDate data but the peer's disk unknown; UpToDate data here and Primary or the peer's disk known. A score of 0 removes the node's score: it is never promoted."},
	{Name: "stop_outdates_secondary", Type: ocf.Boolean, Default: "false", Short: "Outdate a Secondary on stop",
		Long: "When a Secondary is stopped while connected to a Primary, mark its data Outdated, so that it cannot be promoted later without a resync. DRBD's own resource-level fencing (fencing resource-and-stonith with the crm-fence-peer handlers) is the primary protection; this is an extra one."},
	{Name: "wfc_timeout", Type: ocf.Integer, Default: "5", Short: "Seconds to wait for the peer on start",
		Long: "After bringing the resource up, wait at most this long (and never past the start timeout) for the connection to the peer. 0 does not wait."},
	{Name: "ignore_missing_notifications", Type: ocf.Boolean, Default: "false", Short: "Allow notify=false",
		Long: "Without clone notifications the agent cannot reconnect after the peer starts; validation refuses notify=false unless this is true."},
}

var agent = ocf.Agent{
	Name:    "drbd",
	Version: version,
	Short:   "DRBD resource as a promotable clone",
	Long: `Manages one DRBD resource as a promotable clone: start brings it up as Secondary and waits for the peer (wfc_timeout); promote and demote switch its role, retrying within the operation's timeout (drbdadm's exit code 17, no UpToDate data or the peer's fencing failed, ends the retries at once); stop takes it down and removes this node's promotion score.

The monitor returns 8 when Primary, 0 when Secondary and 7 when the resource is down, and sets the promotion score from the disk states (adjust_master_score). A split brain (the kernel log shows "Split-Brain detected" and the resource stands alone) is reported as degraded (190, or 191 when Primary) with a reason that says how to resolve it, and the Secondary's score is removed so that its diverged data is never promoted automatically.

Works with DRBD 8.4 and DRBD 9: drbd-utils 9 reports both through drbdsetup events2; every drbdadm and drbdsetup call runs under a deadline derived from the operation's timeout.`,
	Params: params,
	Actions: []ocf.Action{
		{Name: "start", Func: start, Timeout: 240 * time.Second},
		{Name: "stop", Func: stop, Timeout: 100 * time.Second},
		{Name: "promote", Func: promote, Timeout: 60 * time.Second},
		{Name: "demote", Func: demote, Timeout: 30 * time.Second},
		{Name: "notify", Func: notify, Timeout: 30 * time.Second},
		{Name: "monitor", Func: monitor, Timeout: 20 * time.Second, Interval: 10 * time.Second, Role: "Promoted"},
		{Name: "monitor", Func: monitor, Timeout: 20 * time.Second, Interval: 20 * time.Second, Role: "Unpromoted"},
		{Name: "validate-all", Func: validate, Timeout: 30 * time.Second},
	},
}

func main() { ocf.Main(agent) }
