package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
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
func arpProbe(mac net.HardwareAddr, ip netip.Addr) []byte {
	ip4 := ip.As4()
	b := make([]byte, 28)
	binary.BigEndian.PutUint16(b[0:], 1)
	binary.BigEndian.PutUint16(b[2:], unix.ETH_P_IP)
	b[4], b[5] = 6, 4
	binary.BigEndian.PutUint16(b[6:], arpRequest)
	copy(b[8:14], mac)
	copy(b[24:28], ip4[:])
	return b
}

// holderOf returns the hardware address of an ARP packet's sender when the
// packet says that sender uses ip, and it is not mine: an answer to the
// probe, or the holder's own announcement.
func holderOf(packet []byte, ip netip.Addr, mine net.HardwareAddr) (net.HardwareAddr, bool) {
	if len(packet) < 28 || binary.BigEndian.Uint16(packet[0:]) != 1 ||
		binary.BigEndian.Uint16(packet[2:]) != unix.ETH_P_IP || packet[4] != 6 || packet[5] != 4 {
		return nil, false
	}
	if op := binary.BigEndian.Uint16(packet[6:]); op != arpRequest && op != arpReply {
		return nil, false
	}
	sha := net.HardwareAddr(packet[8:14])
	if netip.AddrFrom4([4]byte(packet[14:18])) != ip || bytes.Equal(sha, mine) {
		return nil, false
	}
	return append(net.HardwareAddr(nil), sha...), true
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
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, int(htons(unix.ETH_P_ARP)))
	if err != nil {
		return fmt.Errorf("opening a packet socket for ARP: %w", err)
	}
	defer unix.Close(fd)
	to := &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ARP), Ifindex: link.Attrs().Index, Halen: 6}
	copy(to.Addr[:], []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: to.Protocol, Ifindex: to.Ifindex}); err != nil {
		return fmt.Errorf("binding the ARP socket to nic=%s: %w", link.Attrs().Name, err)
	}
	probe := arpProbe(mac, ip)
	buf := make([]byte, 128)
	end := time.Now().Add(probeCount * probeInterval)
	if d, ok := ctx.Deadline(); ok && d.Before(end) {
		end = d
	}
	next := time.Now()
	for sent := 0; time.Now().Before(end); {
		if sent < probeCount && !time.Now().Before(next) {
			if err := unix.Sendto(fd, probe, 0, to); err != nil {
				return fmt.Errorf("sending an ARP probe: %w", err)
			}
			sent++
			next = next.Add(probeInterval)
		}
		wait := time.Until(end)
		if sent < probeCount {
			wait = min(wait, time.Until(next))
		}
		pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		if _, err := unix.Poll(pfd, int(wait.Milliseconds())+1); err != nil && !errors.Is(err, unix.EINTR) {
			return fmt.Errorf("waiting for ARP answers: %w", err)
		}
		if pfd[0].Revents&unix.POLLIN == 0 {
			continue
		}
		n, _, err := unix.Recvfrom(fd, buf, unix.MSG_DONTWAIT)
		switch {
		case errors.Is(err, unix.EAGAIN), errors.Is(err, unix.EINTR):
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
