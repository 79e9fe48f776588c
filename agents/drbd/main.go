// Command drbd is the OCF resource agent ocf:qvd:drbd: a DRBD resource as a
// promotable clone, for DRBD 8.4 and DRBD 9 (detected at run time).
package main

import (
	"time"

	"github.com/qvd-ha/qvd-ha/agents/ocf"
	"github.com/qvd-ha/qvd-ha/internal/drbdstate"
)

// version is stamped in by the build.
var version = "0.1.0"

// params are ocf:linbit:drbd's parameters (drbd-utils 9), so that a
// primitive written for it loads with provider qvd. Every one but
// drbd_resource is Reloadable: the agent advertises OCF 1.0 (see agent),
// for which Pacemaker reloads on a change of any parameter not marked
// unique, and reload re-reads them all.
var params = []ocf.Param{
	{Name: "drbd_resource", Required: true, Unique: true, Short: "DRBD resource name",
		Long: "The name of the resource in the DRBD configuration (ocf:linbit:drbd's name: DRBD's crm-fence-peer handler finds the clone through it). A change restarts the clone."},
	{Name: "drbdconf", Default: "/etc/drbd.conf", Reloadable: true, Short: "Path to drbd.conf",
		Long: "The DRBD configuration file passed to drbdadm with -c. Reload runs drbdadm adjust with it, which applies a changed configuration to the running resource."},
	{Name: "adjust_master_score", Default: "0 10 1000 10000", Reloadable: true, Short: "Promotion scores",
		Check: func(v string) error { _, err := parseScores(v); return err },
		Long:  "Four non-decreasing promotion scores, as in ocf:linbit:drbd: only Consistent data here; only the peer has UpToDate data; Secondary with UpToDate data but the peer's disk unknown; UpToDate data here and Primary or the peer's disk known. A score of 0 removes the node's score: it is never promoted."},
	{Name: "stop_outdates_secondary", Type: ocf.Boolean, Default: "false", Reloadable: true, Short: "Outdate a Secondary on stop",
		Long: "When a Secondary is stopped while connected to a Primary, mark its data Outdated, so that it cannot be promoted later without a resync. DRBD's own resource-level fencing (fencing resource-and-stonith with the crm-fence-peer handlers) is the primary protection; this is an extra one."},
	{Name: "ignore_missing_notifications", Type: ocf.Boolean, Default: "false", Reloadable: true, Short: "Allow notify=false",
		Long: "Without clone notifications the agent cannot reconnect after the peer starts; validation refuses notify=false unless this is true."},
	{Name: "wfc_timeout", Type: ocf.Integer, Default: "5", Reloadable: true, Short: "Seconds to wait for the peer on start",
		Long: "After bringing the resource up, wait at most this long (and never past the start timeout) for the connection to the peer. 0 does not wait."},
	{Name: "remove_master_score_if_peer_primary", Default: "false", Reloadable: true, Short: "Remove the score while the peer is Primary",
		Check: func(v string) error { _, err := parsePeerPrimary(v); return err },
		Long:  "As in ocf:linbit:drbd: true removes this node's promotion score while it is Secondary, connected to a Primary peer whose disks are all UpToDate, so that a cluster split (Pacemaker's communication lost, DRBD's not) does not end in a promotion DRBD refuses; the price is a failover delayed until DRBD notices a crashed Primary. unexpected does so only when Pacemaker knows of no promoted instance (crm_resource --locate) and promoted-max is 1. false ignores the peer's role."},
	{Name: "fail_promote_early_if_peer_primary", Type: ocf.Boolean, Default: "false", Reloadable: true, Short: "Promote only once while the peer is Primary",
		Long: "As in ocf:linbit:drbd: when the first drbdadm primary fails while DRBD still sees a Primary peer and promoted-max is 1, fail the promotion at once and remove this node's score, instead of retrying until the timeout."},
	{Name: "unfence_if_all_uptodate", Type: ocf.Boolean, Default: "false", Reloadable: true, Short: "Run the unfence-peer handler when all is UpToDate",
		Long: "As in ocf:linbit:drbd: when this node is Primary and every local and peer disk is UpToDate, every monitor runs drbdadm unfence-peer (DRBD's unfence-peer handler, for example crm-unfence-peer.9.sh), removing a fencing constraint left behind. unfence_extra_args reaches the handler in its environment."},
	{Name: "unfence_extra_args", Default: "--quiet --flock-required --flock-timeout 0 --unfence-only-if-owner-match", Reloadable: true, Short: "Extra arguments for the unfence-peer handler",
		Long: "Passed to DRBD's unfence-peer handler as OCF_RESKEY_unfence_extra_args, as ocf:linbit:drbd does; the handler reads them from its environment."},
	{Name: "require_drbd_module_version_ge", Default: "8.0.0", Reloadable: true, Short: "Lowest DRBD module version accepted",
		Check: func(v string) error { _, err := drbdstate.ParseVersion(v); return err },
		Long:  "validate-all and start fail (not installed) when the loaded DRBD kernel module is older than this x.y.z version, for example after a kernel update brought another DRBD. validate-all checks only a loaded module; start loads it first."},
	{Name: "require_drbd_module_version_lt", Default: "10.0.0", Reloadable: true, Short: "DRBD module versions from this one are refused",
		Check: func(v string) error { _, err := drbdstate.ParseVersion(v); return err },
		Long:  "validate-all and start fail (not installed) when the loaded DRBD kernel module's version is this x.y.z or later; 9.0.0 requires DRBD 8.4."},
	{Name: "connect_only_after_promote", Type: ocf.Boolean, Default: "false", Reloadable: true, Short: "Not supported: must be false",
		Long: "ocf:linbit:drbd's mode for stacked resources without fencing, which keeps the resource disconnected until promoted. ocf:qvd:drbd always connects on start, and the runbook fences; true fails validate-all and start (not configured) rather than being ignored."},
}

var agent = ocf.Agent{
	Name:    "drbd",
	Version: version,
	// OCF 1.0, as ocf:linbit:drbd: Pacemaker 2.1 runs the "reload" action
	// only for 1.0 agents, and the validators refuse 1.1's reload-agent.
	OCFVersion: "1.0",
	Short:      "DRBD resource as a promotable clone",
	Long: `Manages one DRBD resource as a promotable clone: start brings it up as Secondary and waits for the peer (wfc_timeout); promote and demote switch its role, retrying within the operation's timeout (drbdadm's exit code 17, no UpToDate data or the peer's fencing failed, ends the retries at once); stop takes it down and removes this node's promotion score.

The monitor returns 8 when Primary, 0 when Secondary and 7 when the resource is down, and sets the promotion score from the disk states (adjust_master_score). A split brain (the kernel log shows "Split-Brain detected" and the resource stands alone) is reported as degraded (190, or 191 when Primary) with a reason that says how to resolve it, and the Secondary's score is removed so that its diverged data is never promoted automatically.

A recurring monitor runs crm_attribute only when the score changes: the score last set, and the pacemaker-attrd process that took it, are kept in /run/qvd-ha/drbd; every other action, a probe included, sets the score anyway, and a recurring monitor does so again at least every five minutes.

reload applies changed parameters without a restart: drbdadm adjust, then the promotion score again. Every parameter but drbd_resource is reloadable.

Works with DRBD 8.4 and DRBD 9: drbd-utils 9 reports both through drbdsetup events2; every drbdadm and drbdsetup call runs under a deadline derived from the operation's timeout. DRBD 9 support is untested on a real DRBD 9 module (see the man page).`,
	ManSections: []ocf.ManSection{{Title: "Differences from ocf:linbit:drbd", Body: `The meta-data declares OCF 1.0, as ocf:linbit:drbd's does: Pacemaker 2.1 then runs the reload action when only parameters not marked unique change (all but drbd_resource) and restarts the clone otherwise. Declaring OCF 1.1 would need the reload-agent action and reloadable attributes, which the meta-data validators installed with resource-agents refuse.

connect_only_after_promote=true is refused (6): this agent always connects on start and relies on fencing. remove_master_score_if_peer_primary accepts only a boolean or unexpected, where ocf:linbit:drbd reads anything else as false.

With remove_master_score_if_peer_primary=unexpected, a promoted instance is recognised in crm_resource --locate by Pacemaker 2.1's word Promoted as well as by Master.

fail_promote_early_if_peer_primary gives up after the first failed drbdadm primary while DRBD still sees a Primary peer and promoted-max is 1, without asking crm_resource whether Pacemaker knows of that Primary: a promotion with promoted-max 1 is only scheduled when it knows of none.

require_drbd_module_version_ge and _lt are checked against a loaded module (/proc/drbd); validate-all on a node where the module is not loaded skips the check, and start checks it after loading the module. An empty value means the default, as in ocf:linbit:drbd.`},
		{Title: "DRBD versions and how they are tested", Body: `DRBD 8.4 (the module in Debian 12's kernel) is tested for real: the agent runs against two qemu guests replicating with the kernel's DRBD 8.4.11, alone and under Pacemaker, and its state reading is tested against drbdsetup events2, drbdsetup status, /proc/drbd and drbdadm outputs captured from that module in every state the agent meets, split brain included.

DRBD 9 support has never run against a DRBD 9 module, which cannot be loaded where this agent is built and tested. It rests on one hand-written fixture: a drbdsetup events2 --now output of a connected Primary with both disks UpToDate, written from LINBIT's documentation of the format, together with hand-written DRBD 9 lines of /proc/drbd and of the kernel log's split-brain message in the unit tests. Test a DRBD 9 cluster yourself (ocf-tester, a switch-over, a split brain) before relying on it.`}},
	Params: params,
	Actions: []ocf.Action{
		{Name: "start", Func: action((*resource).start), Timeout: 240 * time.Second},
		{Name: "stop", Func: action((*resource).stop), Timeout: 100 * time.Second},
		{Name: "promote", Func: action((*resource).promote), Timeout: 60 * time.Second},
		{Name: "demote", Func: action((*resource).demote), Timeout: 30 * time.Second},
		{Name: "notify", Func: action((*resource).notify), Timeout: 30 * time.Second},
		{Name: "reload", Func: action((*resource).reload), Timeout: 30 * time.Second},
		{Name: "monitor", Func: action((*resource).monitor), Timeout: 20 * time.Second, Interval: 10 * time.Second, Role: "Promoted"},
		{Name: "monitor", Func: action((*resource).monitor), Timeout: 20 * time.Second, Interval: 20 * time.Second, Role: "Unpromoted"},
		{Name: "validate-all", Func: action((*resource).validate), Timeout: 30 * time.Second},
	},
}

func main() { ocf.Main(agent) }
