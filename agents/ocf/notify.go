package ocf

import "strings"

// Notify is what a clone notification says: which operation is about to
// happen or has happened, and to which instances on which nodes.
type Notify struct {
	Type      string // "pre" or "post"
	Operation string // start, stop, promote, demote
	Start     []Peer
	Stop      []Peer
	Promote   []Peer
	Demote    []Peer
	Active    []Peer
	// Promoted and Unpromoted fall back to the deprecated master/slave
	// variables set by Pacemaker before 2.1.
	Promoted   []Peer
	Unpromoted []Peer
}

// Peer is one clone instance and the node it is on.
type Peer struct {
	Resource string
	Uname    string
}

func parseNotify(meta map[string]string) *Notify {
	peers := func(names ...string) []Peer {
		for _, n := range names {
			rscs := strings.Fields(meta["notify_"+n+"_resource"])
			unames := strings.Fields(meta["notify_"+n+"_uname"])
			if len(rscs) == 0 && len(unames) == 0 {
				continue
			}
			list := make([]Peer, max(len(rscs), len(unames)))
			for i := range list {
				if i < len(rscs) {
					list[i].Resource = rscs[i]
				}
				if i < len(unames) {
					list[i].Uname = unames[i]
				}
			}
			return list
		}
		return nil
	}
	return &Notify{
		Type:       meta["notify_type"],
		Operation:  meta["notify_operation"],
		Start:      peers("start"),
		Stop:       peers("stop"),
		Promote:    peers("promote"),
		Demote:     peers("demote"),
		Active:     peers("active"),
		Promoted:   peers("promoted", "master"),
		Unpromoted: peers("unpromoted", "slave"),
	}
}
