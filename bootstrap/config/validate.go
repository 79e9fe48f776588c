package config

import (
	"net/netip"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"
)

var (
	hostname   = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$`)
	ifname     = regexp.MustCompile(`^[A-Za-z0-9_.:-]{1,15}$`)
	identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,62}$`)
	// pcmk_host_map separates entries with ; , or space and node from
	// target with : or =, so a target must hold none of them.
	fenceTarget = regexp.MustCompile(`^[^\s;,:=]+$`)
	drbdName    = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)
	envName     = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// Validate returns one message per problem, each naming its key.
func (c *Config) Validate() Problems {
	var p Problems
	if !hostname.MatchString(c.ClusterName) {
		p.add("cluster.name: %q is not a name of letters, digits and -", c.ClusterName)
	}
	addrs := map[netip.Addr]string{}
	addr := func(key, v string) {
		a, err := netip.ParseAddr(v)
		if err != nil {
			p.add("%s: %q is not an IP address", key, v)
			return
		}
		if other, dup := addrs[a]; dup {
			p.add("%s: %s is also %s", key, v, other)
			return
		}
		addrs[a] = key
	}
	for i, n := range c.Nodes {
		k := "node" + string(rune('1'+i)) + "."
		if !hostname.MatchString(n.Name) {
			p.add("%sname: %q is not a host name (uname -n, without domain)", k, n.Name)
		}
		addr(k+"lan_addr", n.LANAddr)
		addr(k+"cross_addr", n.CrossAddr)
		if !fenceTarget.MatchString(n.FenceTarget) {
			p.add("%sfence_target: %q must be a domain or VM name without spaces, ';', ',', ':' or '='", k, n.FenceTarget)
		}
	}
	if c.Nodes[0].Name == c.Nodes[1].Name {
		p.add("node2.name: %q is also node1.name", c.Nodes[1].Name)
	}
	if c.Nodes[0].FenceTarget == c.Nodes[1].FenceTarget {
		p.add("node2.fence_target: %q is also node1.fence_target", c.Nodes[1].FenceTarget)
	}
	if c.Preferred != c.Nodes[0].Name && c.Preferred != c.Nodes[1].Name {
		p.add("preferred_node: %q is neither node1.name nor node2.name", c.Preferred)
	}

	addr("db.ip", c.DBIP)
	maxBits := 32
	if a, err := netip.ParseAddr(c.DBIP); err == nil && a.Is6() {
		maxBits = 128
	}
	if c.DBNetmask < 1 || c.DBNetmask > maxBits {
		p.add("db.netmask: %d is not a prefix length (1-%d)", c.DBNetmask, maxBits)
	}
	if !ifname.MatchString(c.DBNIC) {
		p.add("db.nic: %q is not an interface name", c.DBNIC)
	}
	if !hostname.MatchString(c.DBHostname) {
		p.add("db.hostname: %q is not a host name", c.DBHostname)
	}

	switch c.Storage {
	case StorageDRBD:
		if !drbdName.MatchString(c.DRBDResource) {
			p.add("drbd.resource: %q is not a DRBD resource name", c.DRBDResource)
		}
		if !strings.HasPrefix(c.DRBDDevice, "/dev/drbd") {
			p.add("drbd.device: %q is not a DRBD device (/dev/drbdN)", c.DRBDDevice)
		}
		absolute(&p, "drbd.disk", c.DRBDDisk)
		port(&p, "drbd.port", c.DRBDPort)
		if c.SharedDevice != "" {
			p.add("shared.device: set, but storage is drbd")
		}
	case StorageShared:
		absolute(&p, "shared.device", c.SharedDevice)
	default:
		p.add("storage: %q is neither drbd nor shared", c.Storage)
	}

	if !slices.Contains([]string{"xfs", "ext4", "ext3"}, c.FSType) {
		p.add("fs.type: %q is not one of xfs, ext4, ext3", c.FSType)
	}
	absolute(&p, "fs.directory", c.FSDirectory)
	if absolute(&p, "pgsql.pgdata", c.PGData) && path.IsAbs(c.FSDirectory) && !within(c.PGData, c.FSDirectory) {
		p.add("pgsql.pgdata: %s is not on the replicated filesystem %s (fs.directory)", c.PGData, c.FSDirectory)
	}
	absolute(&p, "pgsql.pgctl", c.PGCtl)
	port(&p, "pgsql.port", c.PGPort)
	if !identifier.MatchString(c.DBName) {
		p.add("db.name: %q is not a plain database name (letters, digits, _)", c.DBName)
	}
	if !identifier.MatchString(c.DBUser) {
		p.add("db.user: %q is not a plain role name (letters, digits, _)", c.DBUser)
	}
	kind, arg, _ := strings.Cut(c.DBPasswordSource, ":")
	switch {
	case c.DBPasswordSource == "prompt":
	case kind == "file" && path.IsAbs(arg):
	case kind == "env" && envName.MatchString(arg):
	default:
		p.add("db.password_source: %q is not prompt, file:/ABSOLUTE/PATH or env:NAME", c.DBPasswordSource)
	}

	if len(c.PingHosts) == 0 {
		p.add("ping.hosts: empty; the database would run nowhere (it needs pingd > 0)")
	}
	for _, h := range c.PingHosts {
		if _, err := netip.ParseAddr(h); err != nil && !hostname.MatchString(strings.ReplaceAll(h, ".", "-")) {
			p.add("ping.hosts: %q is neither an IP address nor a host name", h)
		}
	}
	if c.PingMultiplier < 1 {
		p.add("ping.multiplier: %d must be at least 1", c.PingMultiplier)
	}
	if c.MailTo == "" || strings.ContainsAny(c.MailTo, " \t\"'") {
		p.add("mail.to: %q is not a mail address", c.MailTo)
	}

	c.validateFencing(&p)

	if c.CorosyncToken < time.Second {
		p.add("corosync.token: must be at least 1 second")
	}
	for _, k := range keys {
		if d, ok := k.field(c).(*time.Duration); ok && strings.HasPrefix(k.name, "timer.") && *d <= 0 {
			p.add("%s: must be at least 1 second", k.name)
		}
	}
	// Below this the database node's own fencing action (a hypervisor
	// destroy takes 1-3 s) may not finish before its peer's fires.
	if d := c.Timers.PriorityFencingDelay; d > 0 && d < 5*time.Second {
		p.add("timer.priority_fencing_delay: %d is shorter than a fencing action may take; use at least 5", d/time.Second)
	}
	return p
}

func (c *Config) validateFencing(p *Problems) {
	switch c.Fencing {
	case FencingLibvirt:
		u, err := url.Parse(c.LibvirtURI)
		if err != nil || u.Scheme == "" || strings.ContainsAny(c.LibvirtURI, " \t\"") {
			p.add("fencing.libvirt_uri: %q is not a libvirt URI (qemu+ssh://host/system)", c.LibvirtURI)
		}
		if c.LibvirtIdentityFile != "" {
			absolute(p, "fencing.identity_file", c.LibvirtIdentityFile)
		}
	case FencingXenAPI:
		u, err := url.Parse(c.XenAPIURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			p.add("fencing.xenapi_url: %q is not an http(s) URL", c.XenAPIURL)
		}
		if c.XenAPIUser == "" {
			p.add("fencing.xenapi_user: empty")
		}
		kind, arg, _ := strings.Cut(c.FencePasswordSource, ":")
		if c.FencePasswordSource != CIBSecret && (kind != "script" || !path.IsAbs(arg)) {
			p.add("fencing.password_source: %q is not script:/ABSOLUTE/PATH or cibsecret (a password in the CIB is not offered)", c.FencePasswordSource)
		}
	default:
		p.add("fencing: %q is neither libvirt nor xenapi", c.Fencing)
	}
}

func absolute(p *Problems, key, v string) bool {
	if !path.IsAbs(v) || strings.ContainsAny(v, " \t\"'") {
		p.add("%s: %q is not an absolute path", key, v)
		return false
	}
	return true
}

func port(p *Problems, key string, n int) {
	if n < 1 || n > 65535 {
		p.add("%s: %d is not a port number (1-65535)", key, n)
	}
}

func within(p, dir string) bool {
	p, dir = path.Clean(p), path.Clean(dir)
	return p == dir || strings.HasPrefix(p, dir+"/")
}
