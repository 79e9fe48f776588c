//go:build root

package guestcluster

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"testing"
	"time"
)

// TestHub checks the LAN without guests: a frame the client's namespace
// sends (an ARP request for a guest's address) reaches every guest port,
// and a frame from one guest port reaches the other and the client.
func TestHub(t *testing.T) {
	ns := fmt.Sprintf("qvdgchub%d", os.Getpid())
	if out, err := exec.Command("ip", "netns", "add", ns).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add: %v: %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", ns).Run() })
	h, err := newHub(ns, ClientIP+"/24")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.close)
	var guests []*net.UDPConn
	var ports []int
	for range 2 {
		g, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { g.Close() })
		guests = append(guests, g)
		ports = append(ports, g.LocalAddr().(*net.UDPAddr).Port)
	}
	h.start(ports...)

	// The ping fails (no guest answers); its ARP request is what counts.
	_ = exec.Command("ip", "netns", "exec", ns, "ping", "-c", "1", "-W", "1", lanNet+"1").Run()
	arp := []byte{0x08, 0x06}
	for i, g := range guests {
		frame := readFrame(t, g)
		if !bytes.Equal(frame[12:14], arp) || !bytes.Equal(frame[:6], bytes.Repeat([]byte{0xff}, 6)) {
			t.Errorf("guest %d got % x, want a broadcast ARP request", i, frame[:14])
		}
	}

	frame := append(bytes.Repeat([]byte{0xff}, 6), 0x52, 0x54, 0, 0x0a, 0, 1, 0x88, 0xb5)
	frame = append(frame, []byte("hello")...)
	hubAddr := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: h.port()}
	if _, err := guests[0].WriteToUDP(frame, hubAddr); err != nil {
		t.Fatal(err)
	}
	if got := readFrame(t, guests[1]); !bytes.Equal(got, frame) {
		t.Errorf("guest 1 got % x, want guest 0's frame % x", got, frame)
	}
}

func readFrame(t *testing.T, c *net.UDPConn) []byte {
	t.Helper()
	buf := make([]byte, 2048)
	if err := c.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
		t.Fatal(err)
	}
	n, err := c.Read(buf)
	if err != nil {
		t.Fatalf("no frame: %v", err)
	}
	if n < 14 {
		t.Fatalf("runt frame of %d bytes", n)
	}
	return buf[:n]
}
