package main

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/digitalocean/go-libvirt/socket"
	"github.com/digitalocean/go-libvirt/socket/dialers"
)

// hypervisorURL reads hypervisor_uri. URI query parameters (socket, keyfile,
// known_hosts, pkipath, no_verify) are honoured as libvirt documents them;
// the agent's options fill in what the URI leaves out.
func hypervisorURL(s settings) (*url.URL, error) {
	if s.ip != "" {
		return virshURL(s)
	}
	if s.ipPortSet {
		return nil, errors.New("ipport applies to ip only: write the port into hypervisor_uri")
	}
	u, err := url.Parse(s.uri)
	if err != nil || u.Scheme == "" {
		// url.Parse's error quotes the URI, which may hold a password.
		return nil, errors.New("hypervisor_uri is not a libvirt URI such as qemu:///system or qemu+ssh://host/system")
	}
	return u, nil
}

// virshURL is fence_virsh's ssh login to the hypervisor as a libvirt URI;
// username is added by the ssh dialer.
func virshURL(s settings) (*url.URL, error) {
	if s.uriSet {
		return nil, errors.New("give either ip (fence_virsh's ssh login) or hypervisor_uri, not both")
	}
	if !s.ssh {
		return nil, errors.New("ssh=0 (telnet) is not supported: libvirt is reached over ssh")
	}
	port := s.ipPort
	if port == "" {
		port = "22"
	}
	return &url.URL{Scheme: "qemu+ssh", Host: net.JoinHostPort(s.ip, port), Path: "/system"}, nil
}

// dialerFor maps a libvirt URI onto go-libvirt's dialers. go-libvirt has
// its own mapping (ConnectToURI) but it hides the dialer, and we need to hold
// the connection to close it when a call overruns its deadline.
func dialerFor(u *url.URL, s settings) (socket.Dialer, error) {
	q := u.Query()
	transport := ""
	if _, t, ok := strings.Cut(u.Scheme, "+"); ok {
		transport = t
	} else if u.Host != "" {
		transport = "tls" // libvirt's rule for a bare scheme with a host
	} else {
		transport = "unix"
	}
	switch transport {
	case "unix":
		var opts []dialers.LocalOption
		if s := q.Get("socket"); s != "" {
			opts = append(opts, dialers.WithSocket(s))
		}
		return dialers.NewLocal(opts...), nil
	case "tcp":
		return dialers.NewRemote(u.Hostname(), dialers.UsePort(portOr(u, "16509"))), nil
	case "tls":
		opts := []dialers.TLSOption{dialers.UseTLSPort(portOr(u, "16514"))}
		if p := first(q.Get("pkipath"), s.pkiPath); p != "" {
			opts = append(opts, dialers.UsePKIPath(p))
		}
		if q.Get("no_verify") == "1" || s.sslInsecure {
			opts = append(opts, dialers.WithInsecureNoVerify())
		}
		return dialers.NewTLS(u.Hostname(), opts...), nil
	case "ssh", "libssh", "libssh2":
		return sshDialer(u, s)
	}
	return nil, fmt.Errorf("hypervisor_uri: transport %q is not supported (unix, tcp, tls, ssh)", transport)
}

// sshDialer checks the host key against known_hosts unless ssh_insecure is
// given explicitly: fencing the wrong host's VMs is worse than not fencing.
func sshDialer(u *url.URL, s settings) (socket.Dialer, error) {
	q := u.Query()
	knownHosts := first(q.Get("known_hosts"), s.knownHosts)
	if knownHosts == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return nil, fmt.Errorf("known_hosts_file not given and no home directory: %w", err)
		}
		knownHosts = filepath.Join(home, ".ssh", "known_hosts")
	}
	opts := []dialers.SSHOption{
		dialers.UseSSHPort(portOr(u, "22")),
		dialers.UseKnownHostsFile(knownHosts),
	}
	// Without a user go-libvirt logs in as the current user, as ssh does:
	// the runbook's qemu+ssh://aries/system names none.
	if user := first(u.User.Username(), s.username); user != "" {
		opts = append(opts, dialers.UseSSHUsername(user))
	}
	if p, ok := u.User.Password(); ok {
		opts = append(opts, dialers.UseSSHPassword(p))
	} else if s.password != "" {
		opts = append(opts, dialers.UseSSHPassword(s.password))
	}
	if k := first(q.Get("keyfile"), s.identityFile); k != "" {
		opts = append(opts, dialers.UseKeyFile(k))
	}
	if s := q.Get("socket"); s != "" {
		opts = append(opts, dialers.WithRemoteSocket(s))
	}
	if s.sshInsecure || q.Get("no_verify") == "1" {
		opts = append(opts, dialers.WithInsecureIgnoreHostKey())
	}
	return dialers.NewSSH(u.Hostname(), opts...), nil
}

func portOr(u *url.URL, def string) string {
	if p := u.Port(); p != "" {
		return p
	}
	return def
}

func first(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

// heldDialer remembers the connection it made so that kill can close it
// from another goroutine: that is the only way to abandon a go-libvirt call
// stuck on a libvirtd that stopped answering.
type heldDialer struct {
	inner  socket.Dialer
	mu     sync.Mutex
	conn   net.Conn
	killed bool
}

func (h *heldDialer) Dial() (net.Conn, error) {
	c, err := h.inner.Dial()
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.killed {
		c.Close()
		return nil, errors.New("connection abandoned after its deadline")
	}
	h.conn = c
	return c, nil
}

func (h *heldDialer) kill() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.killed = true
	if h.conn != nil {
		h.conn.Close()
	}
}

// budget renders the time left before ctx's deadline for messages.
func budget(deadline time.Time, ok bool) string {
	if !ok {
		return "the allowed time"
	}
	return fmt.Sprintf("%.3g s", time.Until(deadline).Seconds())
}
