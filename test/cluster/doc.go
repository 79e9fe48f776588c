// Package cluster runs a real two-node Pacemaker cluster on one machine for
// tests, benchmarks and the demo.
//
// Each node is its own network, mount, UTS and PID namespace with two links:
// eth0 on the LAN bridge and eth1 on the crossover bridge (the runbook's two
// corosync rings). A client namespace sits on the LAN, and the LAN bridge
// carries the "router" address the ping resource watches. Every bridge and
// address lives inside namespaces the harness creates; nothing touches the
// machine's own network.
//
// A node boots by running node-init (a script the harness writes) as PID 1
// of a fresh PID namespace: it mounts a private /run, /dev/shm and
// Pacemaker's and Corosync's state directories, then runs corosync and
// pacemakerd. Killing that PID 1 kills every process of the node at once,
// which is how the fence hook "powers off" a node. That is not a power loss:
// the page cache of shared storage survives it.
package cluster
