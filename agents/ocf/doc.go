// Package ocf is the runtime every qvd OCF resource agent is built on.
//
// An agent's main hands an Agent value to Main: its parameter declarations
// and a table of action functions. The runtime owns everything that is the
// same for every agent: action dispatch, parsing and validating
// OCF_RESKEY_* variables, meta-data XML and the man page (both generated from
// the same declarations, so they cannot drift from what is parsed), exit
// codes and ocf-exit-reason lines, logging in the resource-agents convention,
// and a deadline for every action derived from CRM_meta_timeout.
//
// # Typed settings
//
// An agent reads its parameters in one load function, func(Params)
// (settings, error): defaults come from the declarations, load converts
// every value into a field and makes the checks that span parameters.
// Decoded wraps each action so that it receives the settings and never
// names a parameter. Params panics on a name that is not declared, so each
// agent's tests run load through ocftest.Decodes, which fails on such a name
// (and on a declared parameter that load never reads) before it can reach a
// node; load therefore reads every parameter before it judges any.
//
// # Exit-code discipline
//
// Pacemaker's scheduler reads exit codes as instructions, so every agent
// keeps to these rules:
//
//   - ErrConfigured (6) stops the resource on EVERY node. Return it only for
//     configuration that is wrong everywhere: a malformed parameter, a
//     missing required one, a password in the CIB that the server refuses.
//   - ErrInstalled (5), ErrPerm (4) and ErrArgs (2) ban the resource from
//     THIS node. Return them for something that is broken on this node and
//     will stay broken (a missing binary, a missing user, wrong ownership),
//     never for something that is merely absent on this node right now, such
//     as a data directory on shared storage mounted elsewhere.
//   - NotRunning (7) is a monitor result only, never a stop result. A probe
//     (monitor with interval 0) that finds the resource's pieces absent on
//     this node returns 7: that is the truth, and anything else makes the
//     scheduler stop or ban the resource where it never ran. A probe's 7 is
//     no failure: its reason is logged at INFO, not printed as an exit
//     reason.
//   - ErrGeneric (1) is a soft failure: the resource is recovered in place
//     and the failure counts towards migration-threshold.
//
// Every failure carries a reason. The runtime prints it as the last
// "ocf-exit-reason:" line on stderr, which is what crm_mon shows.
// Pacemaker keeps the first 128 bytes of it (EXIT_REASON_MAX_LEN in
// lib/services/services_linux.c) and cuts wherever that falls, inside a word
// or a UTF-8 character; so the runtime shortens a longer reason itself, at
// a word boundary, ending it with "…" (3 bytes), and logs the full text.
// TestStaticReasons walks the agents' sources and checks every static
// reason through the shortener.
//
// # Stop with bad parameters
//
// A stop whose parameters do not parse (a required one missing, a
// malformed value) returns ErrConfigured with a reason naming each bad
// parameter, like every other action. That is right for stop too: the
// agent cannot tell which instance it was asked to stop, and a stop that
// answers 0 without knowing would tell Pacemaker the resource is down when
// it may still run, which is how data gets written from two nodes. A
// failed stop makes Pacemaker fence the node (or block the resource without
// fencing), which is the safe outcome. In a cluster the path is rare:
// Pacemaker's controller stops a resource with the parameters it was started
// with, which parsed then, even after the CIB's parameters changed; so it is
// taken by a hand-run stop (crm_resource --force-stop, ocf-tester with wrong
// parameters), or by an upgrade of the agent that refuses a value the old
// one took. The reason names the parameter to fix.
//
// # Logging
//
// Log lines follow __ha_log and ha_debug in resource-agents'
// ocf-shellfuncs (see Logger): stderr only when neither HA_LOGFACILITY nor
// HA_LOGFILE is set, or when standard input is a terminal. pacemakerd sets
// HA_LOGFACILITY for its children and the executor logs an agent's stderr
// itself, so writing both would log every line twice; under Pacemaker the
// agent logs to the facility and stderr carries only the exit reason, while
// run by crm_resource (no HA_LOGFACILITY) stderr is the log. A facility
// that cannot be reached (neither journald nor syslog listening) or an
// HA_LOGFILE that cannot be written counts as unset: the line goes to
// stderr rather than nowhere. As
// ocf_exit_reason does, the exit reason's own log line skips stderr, which
// has the ocf-exit-reason line already; when the reason had to be
// shortened, the full text is logged like any line. HA_DEBUGLOG receives
// every line, debug lines included, written once when it is HA_LOGFILE
// (pacemaker-execd sets both to PCMK_logfile); debug lines need HA_debug
// (crm_resource -V sets it), and never go to HA_LOGFILE.
//
// # Tracing
//
// `crm resource trace RSC [OP]` works as for the shell agents (see
// trace.go): crmsh 4.4 writes trace_ra=1, and trace_dir when given, as
// instance attributes of the operation, which Pacemaker passes as
// OCF_RESKEY_trace_ra and OCF_RESKEY_trace_dir. crmsh checks a primitive's
// parameters against the meta-data but not an operation's attributes, so
// they are not declared. A traced action writes
// $OCF_RESKEY_trace_dir/<type>/<instance>.<action>.<date> (by default under
// /var/lib/heartbeat/trace_ra), or OCF_TRACE_FILE when that names an
// absolute path or a descriptor 3 to 9, or stderr from a terminal. The
// trace holds the environment with Secret parameters hidden, every log line
// of the action including debug ones, every external command with its
// arguments, exit status and output, and the result. crm_resource -VV sets
// OCF_TRACE_RA=1 and OCF_TRACE_FILE=/dev/stderr: the trace then replaces
// the log on stderr rather than doubling it.
//
// # Deadlines
//
// Each action runs under a context whose deadline is Pacemaker's timeout for
// that operation (CRM_meta_timeout, in milliseconds) less a safety margin,
// so that an agent answers with a reason before Pacemaker kills it. Agents
// derive every internal timeout (connections, statements, child commands)
// from that context.
package ocf
