// Package status answers "is my database safe, and if not, why" for
// qvd-ha status (issue 16): the runbook's watch loop over pacemaker_monitor
// (section 10.6) grown into one check of everything the cluster's safety
// depends on.
//
// # Where the operations commands live
//
// In a second binary, qvd-ha, whose main package is bootstrap/ops (thin,
// one file per command, as bootstrap/ is), with the logic in packages
// beside the bootstrap's (this one; switchover next). qvd-ha-bootstrap
// sets a cluster up once; qvd-ha is what an operator and a monitoring
// check run every day, on either node: a short name, its own man page and
// completion, no set-up commands one typo away, and exit codes in the
// monitoring-plugin convention, which qvd-ha-bootstrap's 0/1/2 are not.
// Both read the same configuration (bootstrap/config).
//
// # Collect, evaluate, render
//
// Collect reads every source in parallel, each under its own deadline and
// through a small interface (Pacemaker, Database, a runner.Runner for
// corosync-cfgtool, drbdsetup and chronyc), into a Report. A source that
// fails leaves its section out and adds an entry to Errors: on a node whose
// cluster stack is down, status still shows DRBD, backups and the clock,
// and says UNKNOWN for the rest.
//
// Evaluate is a pure function of the Report: every Problem is one line
// that says what is wrong and what to do. The exit code is the worst
// level's, as monitoring plugins do: 0 OK, 1 WARNING, 2 CRITICAL, 3
// UNKNOWN; CRITICAL outranks UNKNOWN (a check that saw the database down
// says so even when another source was unreadable).
//
// Summary, Text and JSON render it: the first line in the plugins' style
// ("QVD-HA OK - database on qvddb1 since ... | perfdata"), one screen of
// text, or JSON.
//
// # The JSON schema, qvd-ha-status/1
//
// A consumer checks "schema"; a field renamed, removed or changed in
// meaning gets a new number, a field added does not. Times are RFC 3339
// in UTC; lists are [] when empty; a section is absent when its source
// could not be read (see "errors").
//
//	schema                  "qvd-ha-status/1"
//	node                    the node status ran on
//	time                    when
//	level                   the worst problem's level: OK, WARNING, CRITICAL, UNKNOWN
//	problems[]              {level, text}: each problem; unreadable sources first, then in the order below
//	cluster                 crm_mon:
//	  maintenance_mode      the cluster property
//	  nodes[]               {name, online, standby, unclean, maintenance, ping: pingd as in the CIB, "" unset}
//	  database_on[]         nodes where the pgsql resource is active
//	  since                 when it last started there (its start's last-rc-change)
//	  ping_configured       the ping clone exists, so a node's ping matters
//	  failures[]            {resource, node, fail_count, migration_threshold, last_failure,
//	                        expires: last_failure + the resource's own failure-timeout
//	                        (or its group's or clone's), else failure_timeout_s; absent when that is 0,
//	                        operation, reason: the agent's exit reason}
//	constraints[]           location constraints left behind, {id, kind: move (cli-prefer-*),
//	                        ban (cli-ban-*), drbd-fence (drbd-fence-by-handler-*), resource, node, score}
//	failure_timeout_s       rsc_defaults' failure-timeout, 0 when unset
//	fencing[]               stonith_admin --history '*': {target, action, status: success|failed|pending,
//	                        delegate, origin, completed}
//	links[]                 corosync-cfgtool -s on this node: {id, addr, peers[]: {nodeid, name, status, connected}}
//	drbd                    drbdsetup events2 --now --statistics: {resource, up, role, peer_role, connection,
//	                        volumes[]: {minor, disk, peer_disk, replication, sync_done_percent,
//	                        out_of_sync_kib: -1 unknown}, split_brain: the kernel's message};
//	                        absent with storage "shared" (no DRBD: the disk itself is shared)
//	drbd_verify             the kernel log's last online verify: {found, out_of_sync_blocks (4 KiB), message};
//	                        absent with storage "shared"
//	database                on the node running it only: {monitor_age_s: now() - pacemaker_monitor.last_update,
//	                        by the database's clock}; PostgreSQL runs only where its filesystem is
//	                        mounted, and status reads it over that node's local socket as root (peer
//	                        authentication): the passive node has no server to ask and no password to
//	                        ask the other's through the floating IP
//	backup                  this node's backup directory: {dir, newest: file name, at: its mtime,
//	                        peer_copy: DIR/peer-copy, this node's last copy to the other node, absent if none:
//	                        {peer, copied: dump, copied_at, failed: dump, failed_at, error: the last run's failure}}
//	clock                   chronyc tracking: {synchronised, warnings[]}
//	errors[]                {source: pacemaker|cib|fencing|corosync|drbd|kernel-log|database|backup, error,
//	                        needs_root: true when the source refused a user other than root}
//	sources[]               {source: pacemaker|cib|fencing|corosync|drbd|backup|clock|database, ms}: how long
//	                        each source took, failed or not; they run in parallel, so the slowest is
//	                        the wall time (pacemaker's includes database's, read after crm_mon)
package status
