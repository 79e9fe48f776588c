package pcmk

import (
	"context"
	"encoding/xml"
	"fmt"
	"time"
)

// FenceEvent is one fencing operation the fencer remembers. It keeps the
// last one per target and action, and only operations that ran a device.
type FenceEvent struct {
	Target string
	Action string // reboot, off, on
	Status string // success, failed, pending
	// Delegate ran the device; Origin asked for the fencing.
	Delegate, Origin string
	// Completed is zero while the operation is pending.
	Completed time.Time
}

// FenceHistory asks the fencer (stonith_admin --history) what it
// remembers of target's fencing, of every node's for target "*".
func (p Tools) FenceHistory(ctx context.Context, target string) ([]FenceEvent, error) {
	res, err := p.run(ctx, StonithAdmin, "--history="+target, "--output-as=xml")
	if err != nil {
		return nil, fmt.Errorf("fencing history: %w", err)
	}
	return ParseFenceHistory(res.Stdout)
}

// ParseFenceHistory reads what stonith_admin --history --output-as=xml
// printed.
func ParseFenceHistory(out []byte) ([]FenceEvent, error) {
	var doc struct {
		Events []struct {
			Target    string `xml:"target,attr"`
			Action    string `xml:"action,attr"`
			Status    string `xml:"status,attr"`
			Delegate  string `xml:"delegate,attr"`
			Origin    string `xml:"origin,attr"`
			Completed string `xml:"completed,attr"`
		} `xml:"list>fence_event"`
	}
	if err := xml.Unmarshal(out, &doc); err != nil {
		return nil, fmt.Errorf("fencing history: stonith_admin: %w", err)
	}
	var events []FenceEvent
	for _, e := range doc.Events {
		ev := FenceEvent{Target: e.Target, Action: e.Action, Status: e.Status, Delegate: e.Delegate, Origin: e.Origin}
		if e.Completed != "" {
			at, err := time.Parse("2006-01-02 15:04:05Z07:00", e.Completed)
			if err != nil {
				return nil, fmt.Errorf("fencing history: %s of %s completed at %q: %w", e.Action, e.Target, e.Completed, err)
			}
			ev.Completed = at
		}
		events = append(events, ev)
	}
	return events, nil
}
