//go:build root

package runner

import (
	"context"
	"os"
	"os/user"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

func TestExecCredential(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("this test runs as root (make test runs every test, including those that need root)")
	}
	nobody, err := user.Lookup("nobody")
	if err != nil {
		t.Fatal(err)
	}
	uid, _ := strconv.Atoi(nobody.Uid)
	gid, _ := strconv.Atoi(nobody.Gid)
	cred := &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	script := `id -u; id -g; id -G; cat /etc/shadow >/dev/null 2>&1 && echo readable || echo unreadable`

	res, err := Exec{}.Run(context.Background(), Cmd{Path: "/bin/sh", Args: []string{"-c", script}, Dir: "/", Credential: cred})
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Join([]string{nobody.Uid, nobody.Gid, nobody.Gid, "unreadable"}, "\n") + "\n"
	if string(res.Stdout) != want {
		t.Errorf("as nobody: %q, want %q (no supplementary groups, no root access)", res.Stdout, want)
	}

	res, err = Exec{}.Run(context.Background(), sh("id -u"))
	if err != nil || string(res.Stdout) != "0\n" {
		t.Errorf("without Credential: %q, %v; want root", res.Stdout, err)
	}
}
