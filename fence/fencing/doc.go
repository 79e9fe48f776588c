// Package fencing is the runtime every qvd-ha fence agent shares: it speaks
// the fence-agents API that Pacemaker's fencer (pacemaker-fenced) uses, so an
// agent only says how to reach its device and switch a plug.
//
// An agent's main is one call, in the spirit of CNI's skel:
//
//	fencing.Main(fencing.Agent{Name: "fence_x", Options: ..., Connect: connect})
//
// Connect returns a Device, the agent's table of power functions (Status,
// On, Off, List, Monitor). The runtime owns everything protocol-shaped:
//
//   - options from argv (getopt style) or, when argv has none, from stdin
//     name=value lines; fence-agents names with their old spellings (port,
//     ipaddr, login, passwd, passwd_script), '-'/'_' equivalence, booleans,
//     unknown names warned about and ignored, the last value winning;
//   - the actions on, off, reboot, status, list, list-status, monitor,
//     metadata (meta-data), manpage and validate-all, their output lines
//     (Status:, Success:, Failed:) and exit codes 0, 1 and 2; -V, -q,
//     verbose_level and options declared Ignored (accepted, reported);
//   - the power loop on every plug of plug_separator-separated plugs:
//     request, power_wait, poll every stonith_status_sleep until the state
//     is reached or power_timeout passes; off is always verified; on tries
//     1 + retry_on times, reboot is a verified off then on (retry_on tries)
//     whose exit code comes from the off half; delay before off and reboot;
//   - deadlines: every step runs under a context deadline. Under Pacemaker
//     (PCMK_service=pacemaker-fenced) the per-step timeouts are disabled as
//     in fence-agents and the whole action ends a little before the fencer's
//     own timeout (fencer_timeout), so a failure always carries a reason;
//   - passwords from stdin, password_script (run through runner.Runner under
//     a deadline) or password_file, never printed or logged;
//   - meta-data valid against fence-agents' metadata.rng and a roff man page,
//     both generated from the option declarations that drive parsing.
//
// An agent reads its options in one function, loadSettings by convention,
// that its Validate and Connect both call; fencetest.Decodes runs it in the
// agent's tests so that an undeclared option name fails there, not on a node.
//
// Agent.Run takes an Env (argv, environment, stdio, runner, clock) so that
// the whole protocol is testable in-process.
package fencing
