package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"time"

	"github.com/mdlayher/arp"
	"github.com/mdlayher/ethernet"
	"github.com/vishvananda/netlink"
)

// The probe of run_arping copies what IPaddr2 runs (arping -D -c 2 -w 3):
// two probes a second apart, then a second more for late answers.
const (
	probeCount    = 2
	probeInterval = time.Second
)

// arpProbe is the ARP probe of RFC 5227 section 2.1.1 for ip from mac: a
// request with sender protocol address 0.0.0.0, so that no neighbour
// caches anything from it.
func arpProbe(mac net.HardwareAddr, ip netip.Addr) ([]byte, error) {
	return marshalARP(arp.OperationRequest, mac, netip.IPv4Unspecified(), zeroMAC, ip)
}

// holderOf returns the hardware address of an ARP packet's sender when the
// packet says that sender uses ip, and it is not mine: an answer to the
// probe, or the holder's own announcement.
func holderOf(b []byte, ip netip.Addr, mine net.HardwareAddr) (net.HardwareAddr, bool) {
	var p arp.Packet
	if err := p.UnmarshalBinary(b); err != nil {
		return nil, false
	}
	if p.HardwareType != 1 || p.ProtocolType != uint16(ethernet.EtherTypeIPv4) || p.HardwareAddrLength != 6 || p.IPLength != 4 {
		return nil, false
	}
	if p.Operation != arp.OperationRequest && p.Operation != arp.OperationReply {
		return nil, false
	}
	if p.SenderIP != ip || bytes.Equal(p.SenderHardwareAddr, mine) {
		return nil, false
	}
	return p.SenderHardwareAddr, true
}

var errInUse = errors.New("address in use")

// probeARP asks the link whether another host uses ip. It returns the
// holder's hardware address wrapped in errInUse, nil when nobody answered,
// or the error that kept it from asking.
func probeARP(ctx context.Context, link netlink.Link, ip netip.Addr) error {
	mac := link.Attrs().HardwareAddr
	if len(mac) != 6 {
		return errNoEthernet
	}
	probe, err := arpProbe(mac, ip)
	if err != nil {
		return err
	}
	conn, err := listenARP(link, true)
	if err != nil {
		return err
	}
	defer conn.Close()
	end := time.Now().Add(probeCount * probeInterval)
	if d, ok := ctx.Deadline(); ok && d.Before(end) {
		end = d
	}
	buf := make([]byte, 128)
	next := time.Now()
	for sent := 0; time.Now().Before(end); {
		if sent < probeCount && !time.Now().Before(next) {
			if _, err := conn.WriteTo(probe, broadcast); err != nil {
				return fmt.Errorf("sending an ARP probe: %w", err)
			}
			sent++
			next = next.Add(probeInterval)
		}
		wait := end
		if sent < probeCount && next.Before(wait) {
			wait = next
		}
		if err := conn.SetReadDeadline(wait); err != nil {
			return fmt.Errorf("waiting for ARP answers: %w", err)
		}
		n, _, err := conn.ReadFrom(buf)
		switch {
		case errors.Is(err, os.ErrDeadlineExceeded):
			continue
		case err != nil:
			return fmt.Errorf("reading ARP answers: %w", err)
		}
		if holder, ok := holderOf(buf[:n], ip, mac); ok {
			return fmt.Errorf("%w by %s", errInUse, holder)
		}
	}
	return nil
}
