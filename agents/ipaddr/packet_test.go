package main

import (
	"bytes"
	"net"
	"net/netip"
	"testing"
)

// TestPacketLayout checks the announcements byte by byte against the
// fields their RFCs define; TestFailover shows receivers act on them.
func TestPacketLayout(t *testing.T) {
	mac := net.HardwareAddr{0x02, 0, 0x5e, 0x10, 0x20, 0x30}
	v4 := netip.MustParseAddr("192.0.2.100")
	v6 := netip.MustParseAddr("2001:db8::100")
	v6b := v6.As16()
	tests := []struct {
		name  string
		build func() ([]byte, error)
		want  []byte
	}{
		{"ARP announcement", func() ([]byte, error) { return arpAnnouncement(mac, v4, false) }, []byte{
			0, 1, 8, 0, 6, 4, 0, 1, // Ethernet, IPv4, lengths, request
			0x02, 0, 0x5e, 0x10, 0x20, 0x30, 192, 0, 2, 100, // sender
			0, 0, 0, 0, 0, 0, 192, 0, 2, 100, // target
		}},
		{"ARP reply announcement (send_arp_opts=-A)", func() ([]byte, error) { return arpAnnouncement(mac, v4, true) }, []byte{
			0, 1, 8, 0, 6, 4, 0, 2, // Ethernet, IPv4, lengths, reply
			0x02, 0, 0x5e, 0x10, 0x20, 0x30, 192, 0, 2, 100, // sender
			0x02, 0, 0x5e, 0x10, 0x20, 0x30, 192, 0, 2, 100, // target
		}},
		{"ARP probe (run_arping)", func() ([]byte, error) { return arpProbe(mac, v4) }, []byte{
			0, 1, 8, 0, 6, 4, 0, 1, // Ethernet, IPv4, lengths, request
			0x02, 0, 0x5e, 0x10, 0x20, 0x30, 0, 0, 0, 0, // sender, no address
			0, 0, 0, 0, 0, 0, 192, 0, 2, 100, // target
		}},
		{"Neighbor Advertisement", func() ([]byte, error) { return neighborAdvert(mac, v6) }, append(append([]byte{
			136, 0, 0, 0, // type, code, checksum left to the kernel
			0x20, 0, 0, 0, // Override only
		}, v6b[:]...), 2, 1, 0x02, 0, 0x5e, 0x10, 0x20, 0x30)},
	}
	for _, tt := range tests {
		got, err := tt.build()
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if !bytes.Equal(got, tt.want) {
			t.Errorf("%s:\n got % x\nwant % x", tt.name, got, tt.want)
		}
	}
}
