// Package sshtest runs a private OpenSSH server for tests: generated host
// and client keys, root let in by key only, known_hosts files that trust
// the server (and one that holds another key for the same host, to prove
// host keys are checked).
package sshtest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Server is one sshd's files; Start runs it.
type Server struct {
	Port            int
	ClientKey       string
	KnownHosts      string // holds the server's real host key
	WrongKnownHosts string // holds another key for the same host
	Config          string // sshd_config, listening on 127.0.0.1:Port
}

// Files writes the keys, known_hosts files and sshd_config. hostPattern is
// the known_hosts host column, with %d for the port ("[127.0.0.1]:%d "). A
// restricted client key is the least-privilege line of qemu+ssh: socket
// forwarding only, no command, no shell.
func Files(t testing.TB, port int, hostPattern string, restricted bool) *Server {
	t.Helper()
	bin := "/usr/sbin/sshd"
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("%s is needed (Debian package openssh-server): %v", bin, err)
	}
	dir := t.TempDir()
	for _, k := range []string{"host", "client", "other"} {
		if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", filepath.Join(dir, k)).CombinedOutput(); err != nil {
			t.Fatalf("ssh-keygen: %v\n%s", err, out)
		}
	}
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(string(b))
	}
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	s := &Server{Port: port, ClientKey: filepath.Join(dir, "client")}
	host := hostPattern
	if strings.Contains(hostPattern, "%d") {
		host = fmt.Sprintf(hostPattern, port)
	}
	s.KnownHosts = write("known_hosts", host+read("host.pub")+"\n")
	s.WrongKnownHosts = write("wrong_known_hosts", host+read("other.pub")+"\n")
	key := read("client.pub")
	if restricted {
		key = `restrict,port-forwarding,command="/bin/false" ` + key
	}
	write("authorized_keys", key+"\n")
	s.Config = write("sshd_config", strings.Join([]string{
		"Port " + strconv.Itoa(port),
		"ListenAddress 127.0.0.1",
		"HostKey " + filepath.Join(dir, "host"),
		"AuthorizedKeysFile " + filepath.Join(dir, "authorized_keys"),
		"PidFile none",
		"StrictModes no",
		"UsePAM no",
		"PasswordAuthentication no",
		"KbdInteractiveAuthentication no",
		"PermitRootLogin prohibit-password",
		"AllowStreamLocalForwarding yes",
		"LogLevel ERROR",
	}, "\n")+"\n")
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
		t.Fatal(err)
	}
	return s
}

// Start runs sshd until the test ends and returns once it accepts
// connections. wrap, if given, is a command line sshd runs under (for
// example unshare with a private mount).
func (s *Server) Start(t testing.TB, wrap ...string) {
	t.Helper()
	args := append(append([]string{}, wrap...), "/usr/sbin/sshd", "-D", "-e", "-f", s.Config)
	cmd := exec.Command(args[0], args[1:]...)
	var logs bytes.Buffer
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("start sshd: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", s.Port), 200*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("sshd did not listen: %s", logs.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
}
