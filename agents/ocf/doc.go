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
//
// # Deadlines
//
// Each action runs under a context whose deadline is Pacemaker's timeout for
// that operation (CRM_meta_timeout, in milliseconds) less a safety margin,
// so that an agent answers with a reason before Pacemaker kills it. Agents
// derive every internal timeout (connections, statements, child commands)
// from that context.
package ocf
