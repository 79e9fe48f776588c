// Package config holds qvd-ha-bootstrap's one configuration: the two nodes,
// storage, database, fencing and timers, with the QVD runbook's values as
// defaults.
//
// The file format is the one QVD administrators already edit in
// /etc/qvd/node.conf: "key = value" lines, '#' comments, no sections. Every
// key is declared once, in the keys table, and that table drives parsing,
// defaults, the --set flag and the documented sample file, so none of them can
// drift from another.
package config

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Storage kinds.
const (
	StorageDRBD   = "drbd"   // the runbook: DRBD replication on a crossover link
	StorageShared = "shared" // a SAN block device both nodes see; no DRBD
)

// Fencing kinds.
const (
	FencingLibvirt = "libvirt"
	FencingXenAPI  = "xenapi"
)

// CIBSecret as fencing.password_source keeps the XenAPI password out of the
// CIB with Pacemaker's cibsecret instead of a password script.
const CIBSecret = "cibsecret"

// Node is one cluster node.
type Node struct {
	Name string
	// LANAddr is the address on the regular network (corosync link 0).
	LANAddr string
	// CrossAddr is the address on the crossover cable (corosync link 1 and
	// DRBD replication).
	CrossAddr string
	// FenceTarget is the libvirt domain or XenAPI VM that is this node; it
	// may differ from the node name.
	FenceTarget string
}

// Config is everything the bootstrap tool generates from.
type Config struct {
	ClusterName string
	Nodes       [2]Node
	// Preferred is the node the database runs on when both are equal; a
	// rejoining preferred node does not pull it back.
	Preferred string

	Storage string

	DBIP       string
	DBNetmask  int
	DBNIC      string
	DBHostname string // the name QVD connects to (/etc/hosts, node.conf)

	DRBDResource string
	DRBDDevice   string
	DRBDDisk     string
	DRBDPort     int

	SharedDevice string

	FSType      string
	FSDirectory string

	PGData string
	PGCtl  string
	PGPort int
	DBName string
	DBUser string
	// DBPasswordSource is "prompt", "file:PATH" or "env:NAME": the
	// password itself never sits in this file.
	DBPasswordSource string

	PingHosts      []string
	PingMultiplier int

	MailTo string

	Fencing             string
	LibvirtURI          string
	LibvirtIdentityFile string
	XenAPIURL           string
	XenAPIUser          string
	// FencePasswordSource is "script:PATH" (the agent's password_script)
	// or "cibsecret".
	FencePasswordSource string
	XenAPISSLInsecure   bool

	CorosyncToken time.Duration

	Timers Timers
}

// Timers are the operation timers of section 10.5 of the runbook.
type Timers struct {
	DRBDStart, DRBDStop, DRBDPromote, DRBDDemote, DRBDNotify       time.Duration
	DRBDMonitorPromoted, DRBDMonitorUnpromoted, DRBDMonitorTimeout time.Duration
	FS, IP, PgSQL, Ping, MailTo                                    Ops
	FenceMonitor, FenceMonitorTimeout                              time.Duration
	// PriorityFencingDelay delays fencing of the node that runs the
	// database, so that it wins a fence race; 0 leaves it to the fencing
	// method (Config.FenceDelay).
	PriorityFencingDelay time.Duration
	// FailureTimeout forgets a resource's failures, so that a node banned
	// by migration-threshold may run it again.
	FailureTimeout time.Duration
}

// Ops are the timers of a primitive without promotion.
type Ops struct {
	Start, Stop, Monitor, MonitorTimeout time.Duration
}

// Fence-race delays by fencing method. The delay must outlast one fencing
// action of the node that holds the database, with margin: a libvirt destroy,
// connection included, takes 1-2 s; XenAPI logs in at the pool master (a
// slave answers with a redirect, one more round trip over TLS) before its
// hard shutdown. Longer delays add to every node loss.
var fenceDelays = map[string]time.Duration{
	FencingLibvirt: 5 * time.Second,
	FencingXenAPI:  10 * time.Second,
}

// FenceDelay is the priority-fencing-delay the cluster gets: the configured
// one, or the fencing method's.
func (c *Config) FenceDelay() time.Duration {
	if c.Timers.PriorityFencingDelay > 0 {
		return c.Timers.PriorityFencingDelay
	}
	return fenceDelays[c.Fencing]
}

// Peer returns the node that is not name.
func (c *Config) Peer(name string) Node {
	if c.Nodes[0].Name == name {
		return c.Nodes[1]
	}
	return c.Nodes[0]
}

// key declares one configuration key. field returns a pointer into the
// Config (*string, *int, *bool, *[]string, *time.Duration in seconds or
// defaulted).
type key struct {
	name  string
	def   string
	doc   string
	field func(*Config) any
}

// defaulted is a duration in seconds that may be left empty, stored as 0:
// the value in effect then derives from other keys, as the key's doc says.
type defaulted struct{ d *time.Duration }

func (k key) set(c *Config, v string) error {
	switch p := k.field(c).(type) {
	case *string:
		*p = v
	case *int:
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("%q is not a whole number", v)
		}
		*p = n
	case *bool:
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("%q is not true or false", v)
		}
		*p = b
	case *[]string:
		*p = strings.Fields(strings.ReplaceAll(v, ",", " "))
	case *time.Duration:
		n, err := seconds(v)
		if err != nil {
			return err
		}
		*p = n
	case defaulted:
		if v == "" {
			*p.d = 0
			return nil
		}
		n, err := seconds(v)
		if err != nil {
			return err
		}
		if n == 0 {
			return errors.New("0 is not a delay; leave the value empty for the default")
		}
		*p.d = n
	default:
		panic(fmt.Sprintf("config key %s: unsupported field type %T", k.name, p))
	}
	return nil
}

func (k key) get(c *Config) string {
	switch p := k.field(c).(type) {
	case *string:
		return *p
	case *int:
		return strconv.Itoa(*p)
	case *bool:
		return strconv.FormatBool(*p)
	case *[]string:
		return strings.Join(*p, " ")
	case *time.Duration:
		return strconv.Itoa(int(*p / time.Second))
	case defaulted:
		if *p.d == 0 {
			return ""
		}
		return strconv.Itoa(int(*p.d / time.Second))
	}
	panic(fmt.Sprintf("config key %s: unsupported field type %T", k.name, k.field(c)))
}

func seconds(v string) (time.Duration, error) {
	n, err := strconv.Atoi(strings.TrimSuffix(v, "s"))
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%q is not a number of seconds", v)
	}
	return time.Duration(n) * time.Second, nil
}

func lookup(name string) (key, bool) {
	for _, k := range keys {
		if k.name == name {
			return k, true
		}
	}
	return key{}, false
}

// Default returns the configuration of the runbook's example cluster
// (qvddb1, qvddb2; addresses from the documentation ranges, since the
// runbook's own are not published).
func Default() *Config {
	c := &Config{}
	for _, k := range keys {
		if err := k.set(c, k.def); err != nil {
			panic(fmt.Sprintf("config key %s: bad default: %v", k.name, err))
		}
	}
	return c
}
