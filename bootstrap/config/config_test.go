package config

import (
	"io"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestDefaultsAreTheRunbooks(t *testing.T) {
	c, err := Load(nil, "defaults", nil)
	if err != nil {
		t.Fatalf("defaults do not validate: %v", err)
	}
	for _, tc := range []struct{ got, want string }{
		{c.Nodes[0].Name, "qvddb1"}, {c.Nodes[1].Name, "qvddb2"}, {c.DRBDResource, "postgres"},
		{c.DRBDDisk, "/dev/sdb"}, {c.FSType, "xfs"}, {c.FSDirectory, "/var/lib/pgsql/data"},
		{c.DBName, "qvddb"}, {c.DBUser, "qvd"}, {c.DBHostname, "qvddb"}, {c.MailTo, "root"},
		{c.LibvirtURI, "qemu+ssh://aries/system"}, {c.Timers.DRBDStart.String(), "4m0s"},
		{c.Timers.PgSQL.MonitorTimeout.String(), "10s"},
	} {
		if tc.got != tc.want {
			t.Errorf("%q, want the runbook's %q", tc.got, tc.want)
		}
	}
}

// TestSampleFile: the shipped sample is what the declarations produce, and
// reading it gives the defaults back.
func TestSampleFile(t *testing.T) {
	shipped, err := os.ReadFile("../qvd-ha.conf")
	if err != nil {
		t.Fatal(err)
	}
	if string(shipped) != Sample() {
		t.Errorf("bootstrap/qvd-ha.conf differs from config.Sample(); regenerate it with: go generate ./bootstrap")
	}
	c, err := Load(strings.NewReader(Sample()), "sample", nil)
	if err != nil {
		t.Fatalf("sample does not load: %v", err)
	}
	if c.Render() != Sample() {
		t.Error("the sample, read back and rendered, differs from itself")
	}
}

func TestFileAndOverrides(t *testing.T) {
	file := `# comment
node1.name = alpha
node2.name = beta
preferred_node = beta
   ping.hosts = 192.0.2.1, 192.0.2.254
timer.pgsql.start = 180s
`
	c, err := Load(strings.NewReader(file), "f", []string{"node2.name=gamma", "preferred_node=gamma"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Nodes[0].Name != "alpha" || c.Nodes[1].Name != "gamma" || c.Preferred != "gamma" {
		t.Errorf("nodes %q %q preferred %q: --set must win over the file", c.Nodes[0].Name, c.Nodes[1].Name, c.Preferred)
	}
	if !slices.Equal(c.PingHosts, []string{"192.0.2.1", "192.0.2.254"}) {
		t.Errorf("ping hosts %q", c.PingHosts)
	}
	if c.Timers.PgSQL.Start != 180*time.Second {
		t.Errorf("pgsql start %s", c.Timers.PgSQL.Start)
	}
	if got := c.Peer("alpha").Name; got != "gamma" {
		t.Errorf("Peer(alpha) = %s", got)
	}
}

// TestBadConfig: every problem is reported, one message each, naming the
// key (and the line, for the file).
func TestBadConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		file string
		set  []string
		want []string
	}{
		{"syntax", "just words\n", nil, []string{`f:1: "just words" is not a "key = value" line`}},
		{"unknown key", "db.pasword = x\n", nil, []string{"f:1: unknown key db.pasword"}},
		{"duplicate", "db.nic = eth0\ndb.nic = eth1\n", nil, []string{"f:2: db.nic is already set on line 1"}},
		{"not a number", "drbd.port = seven\n", nil, []string{`f:1: drbd.port: "seven" is not a whole number`}},
		{"same node twice", "", []string{"node2.name=qvddb1"}, []string{`--set: node2.name: "qvddb1" is also node1.name`}},
		{"preferred unknown", "", []string{"preferred_node=qvddb3"}, []string{`--set: preferred_node: "qvddb3" is neither node1.name nor node2.name`}},
		{"address reused", "", []string{"db.ip=192.0.2.11"}, []string{"--set: db.ip: 192.0.2.11 is also node1.lan_addr"}},
		{"bad address", "", []string{"node2.cross_addr=10.0.0"}, []string{`--set: node2.cross_addr: "10.0.0" is not an IP address`}},
		{"netmask", "", []string{"db.netmask=33"}, []string{"--set: db.netmask: 33 is not a prefix length (1-32)"}},
		{"storage", "", []string{"storage=nfs"}, []string{`--set: storage: "nfs" is neither drbd nor shared`}},
		{"shared without device", "", []string{"storage=shared"}, []string{`shared.device: "" is not an absolute path`}},
		{"fence target", "", []string{"node1.fence_target=vm 1"}, []string{`--set: node1.fence_target: "vm 1" must be a domain or VM name without spaces, ';', ',', ':' or '='`}},
		{"pg_ctl by name", "", []string{"pgsql.pgctl=pg_ctl"}, []string{`--set: pgsql.pgctl: "pg_ctl" is not an absolute path`}},
		{"pgdata off the filesystem", "", []string{"pgsql.pgdata=/srv/pg"}, []string{"--set: pgsql.pgdata: /srv/pg is not on the replicated filesystem /var/lib/pgsql/data (fs.directory)"}},
		{"password in file", "", []string{"db.password_source=changeme"}, []string{`--set: db.password_source: "changeme" is not prompt, file:/ABSOLUTE/PATH or env:NAME`}},
		{"xenapi password", "", []string{"fencing=xenapi", "fencing.password_source=pass"}, []string{`--set: fencing.password_source: "pass" is not script:/ABSOLUTE/PATH or cibsecret (a password in the CIB is not offered)`}},
		{"fencing kind", "", []string{"fencing=sbd"}, []string{`--set: fencing: "sbd" is neither libvirt nor xenapi`}},
		{"no ping", "", []string{"ping.hosts="}, []string{"--set: ping.hosts: empty; the database would run nowhere (it needs pingd > 0)"}},
		{"zero timer", "", []string{"timer.ip.start=0"}, []string{"--set: timer.ip.start: must be at least 1 second"}},
		{"short fence delay", "", []string{"timer.priority_fencing_delay=2"}, []string{"--set: timer.priority_fencing_delay: 2 is shorter than a fencing action may take; use at least 5"}},
		{"zero fence delay", "", []string{"timer.priority_fencing_delay=0"}, []string{"--set: timer.priority_fencing_delay: 0 is not a delay; leave the value empty for the default"}},
		{"several at once", "fs.type = btrfs\n", []string{"pgsql.port=0", "set-without-equals"}, []string{
			"--set set-without-equals: want key=value",
			`f:1: fs.type: "btrfs" is not one of xfs, ext4, ext3`,
			"--set: pgsql.port: 0 is not a port number (1-65535)",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r io.Reader // nil: no file
			if tc.file != "" {
				r = strings.NewReader(tc.file)
			}
			_, err := Load(r, "f", tc.set)
			p, ok := AsProblems(err)
			if !ok {
				t.Fatalf("Load: %v, want Problems", err)
			}
			if !slices.Equal(p, tc.want) {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(p, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

// TestFenceDelay: priority-fencing-delay follows the fencing method unless
// set; the sample leaves it empty so that a changed method carries its own.
func TestFenceDelay(t *testing.T) {
	for _, tc := range []struct {
		name string
		file string
		set  []string
		want time.Duration
	}{
		{"libvirt default", "", nil, 5 * time.Second},
		{"xenapi default", "", []string{"fencing=xenapi"}, 10 * time.Second},
		{"sample with xenapi", Sample(), []string{"fencing=xenapi"}, 10 * time.Second},
		{"set", "timer.priority_fencing_delay = 8\n", []string{"fencing=xenapi"}, 8 * time.Second},
		{"set back to the default", "timer.priority_fencing_delay = 8\n", []string{"timer.priority_fencing_delay="}, 5 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Load(strings.NewReader(tc.file), "f", tc.set)
			if err != nil {
				t.Fatal(err)
			}
			if got := c.FenceDelay(); got != tc.want {
				t.Errorf("FenceDelay() = %s, want %s", got, tc.want)
			}
		})
	}
	if !strings.Contains(Sample(), "\ntimer.priority_fencing_delay =\n") {
		t.Error("the sample pins timer.priority_fencing_delay; it must be empty (by fencing method)")
	}
}
