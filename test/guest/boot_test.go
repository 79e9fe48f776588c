//go:build root

package guest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestGuest boots one guest and exercises every part of the API.
func TestGuest(t *testing.T) {
	img := EnsureImage(t)
	g := StartAll(t, img, Options{Name: "probe", NICs: []NIC{{ID: "lan", Addr: "192.0.2.9/24", LocalPort: mustPort(t), PeerPort: mustPort(t)}}})[0]
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	res, err := g.Run(ctx, "echo out; echo err >&2; hostname; exit 3")
	if err != nil {
		t.Fatal(err)
	}
	if res.Stdout != "out\nprobe\n" || res.Stderr != "err\n" || res.ExitCode != 3 {
		t.Errorf("Run: got %+v, want stdout \"out\\nprobe\\n\", stderr \"err\\n\", exit 3", res)
	}
	if _, err := g.Output(ctx, "false"); err == nil {
		t.Error("Output of a failing command returned no error")
	}
	if out, err := g.Output(ctx, "head -1 /proc/drbd"); err != nil || !strings.HasPrefix(out, "version: 8.4") {
		t.Errorf("DRBD 8.4 not loaded in the guest: %q, %v", out, err)
	}
	if out, err := g.Output(ctx, "ip -o -4 addr show dev eth0"); err != nil || !strings.Contains(out, "192.0.2.9/24") {
		t.Errorf("eth0 not addressed from Options: %q, %v", out, err)
	}

	// Any bytes, newlines included, arrive intact.
	data := make([]byte, 1<<20)
	if _, err := rand.Read(data); err != nil {
		t.Fatal(err)
	}
	data = append(data, []byte("\nR 1 0  \n")...)
	local := filepath.Join(t.TempDir(), "payload")
	if err := os.WriteFile(local, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := g.CopyIn(ctx, local, "/usr/local/bin/payload", 0o750); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	out, err := g.Output(ctx, "sha256sum </usr/local/bin/payload; stat -c %a /usr/local/bin/payload")
	if err != nil {
		t.Fatal(err)
	}
	if want := hex.EncodeToString(sum[:]) + "  -\n750\n"; out != want {
		t.Errorf("copied file: got %q, want %q", out, want)
	}
	if err := g.WriteFile(ctx, "/nonexistent/dir/file", []byte("x"), 0o644); err == nil {
		t.Error("WriteFile into a missing directory returned no error")
	}

	short, cancelShort := context.WithTimeout(ctx, 2*time.Second)
	_, err = g.Run(short, "sleep 60")
	cancelShort()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Run past its deadline: got %v, want DeadlineExceeded", err)
	}
	if out, err := g.Output(ctx, "echo still here"); err != nil || out != "still here\n" {
		t.Errorf("channel after a timeout: %q, %v", out, err)
	}

	if err := g.SetLink(ctx, "lan", false); err != nil {
		t.Fatal(err)
	}
	if out, err := g.Output(ctx, "cat /sys/class/net/eth0/carrier"); err != nil || out != "0\n" {
		t.Errorf("carrier after unplugging: %q, %v", out, err)
	}

	if err := g.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if g.Running() {
		t.Error("qemu still running after Shutdown")
	}
	if !bytes.Contains([]byte(tailFile(g.path("console.log"), 100000)), []byte("qvd-init")) {
		t.Error("console log lacks the guest init's messages")
	}
}

func mustPort(t *testing.T) int {
	t.Helper()
	p, err := freeUDPPort()
	if err != nil {
		t.Fatal(err)
	}
	return p
}
