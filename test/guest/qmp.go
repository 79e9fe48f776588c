package guest

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"time"
)

// SetLink plugs (up) or unplugs the cable of the NIC with the given ID,
// from outside the guest: its interface loses carrier and nothing passes,
// while the control channel stays up. This is how a test cuts one network
// (say, DRBD's replication link) and leaves the others.
func (g *Guest) SetLink(ctx context.Context, nicID string, up bool) error {
	_, err := g.qmp(ctx, "set_link", map[string]any{"name": nicID, "up": up})
	if err != nil {
		return fmt.Errorf("set link %s of %s up=%v: %w", nicID, g.Name, up, err)
	}
	return nil
}

// qmp runs one QMP command on a fresh connection to qemu's monitor.
func (g *Guest) qmp(ctx context.Context, command string, args map[string]any) (json.RawMessage, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", g.path("qmp.sock"))
	if err != nil {
		return nil, fmt.Errorf("connect to qemu monitor: %w", err)
	}
	defer c.Close()
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(10 * time.Second)
	}
	if err := c.SetDeadline(deadline); err != nil {
		return nil, fmt.Errorf("qemu monitor: %w", err)
	}
	dec := json.NewDecoder(bufio.NewReader(c))
	enc := json.NewEncoder(c)
	// The greeting, then capabilities negotiation, then the command.
	var greeting map[string]json.RawMessage
	if err := dec.Decode(&greeting); err != nil {
		return nil, fmt.Errorf("qemu monitor greeting: %w", err)
	}
	if _, err := qmpExchange(dec, enc, map[string]any{"execute": "qmp_capabilities"}); err != nil {
		return nil, err
	}
	return qmpExchange(dec, enc, map[string]any{"execute": command, "arguments": args})
}

// qmpExchange sends cmd and returns its answer, skipping the events that
// qemu may send in between.
func qmpExchange(dec *json.Decoder, enc *json.Encoder, cmd map[string]any) (json.RawMessage, error) {
	if err := enc.Encode(cmd); err != nil {
		return nil, fmt.Errorf("send %s: %w", cmd["execute"], err)
	}
	for {
		var msg struct {
			Return json.RawMessage `json:"return"`
			Error  *struct {
				Class, Desc string
			} `json:"error"`
		}
		if err := dec.Decode(&msg); err != nil {
			return nil, fmt.Errorf("answer to %s: %w", cmd["execute"], err)
		}
		if msg.Error != nil {
			return nil, fmt.Errorf("%s: %s: %s", cmd["execute"], msg.Error.Class, msg.Error.Desc)
		}
		if msg.Return != nil {
			return msg.Return, nil
		}
	}
}
