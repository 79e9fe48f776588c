package adopt

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Agents of the runbook's cluster.
const (
	agentFilesystem = "ocf:heartbeat:Filesystem"
	agentIPaddr2    = "ocf:heartbeat:IPaddr2"
	agentPgSQL      = "ocf:heartbeat:pgsql"
	agentDRBD       = "ocf:linbit:drbd"
	agentPing       = "ocf:pacemaker:ping"
	agentMailTo     = "ocf:heartbeat:MailTo"
	agentLibvirt    = "stonith:external/libvirt"
	agentXenAPI     = "stonith:external/xenapi"
)

// Layout names the ids of one of the runbook's CIB layouts. The database
// stack identifies it: the group of Filesystem, IPaddr2 and pgsql (in that
// order), the DRBD master/slave resource, the colocation of the group with
// the DRBD master and the order from promote to start. Fencing, ping and
// MailTo (runbook 10.3-10.4) are matched by agent, not id: the runbook
// typed them before both layouts and admins named them after their nodes.
type Layout struct {
	Name              string // the runbook's section(s)
	Group             string
	FS, IP, PgSQL     string
	MS, DRBD          string
	Colocation, Order string
}

// Layouts are the runbook's two layouts, newest first.
var Layouts = []Layout{
	{
		Name: "10.5", Group: "g_postgres", FS: "p_fs_postgres", IP: "p_ip_postgres", PgSQL: "p_postgres",
		MS: "ms_drbd_postgres", DRBD: "p_drbd_postgres", Colocation: "o_postgres_on_drbd", Order: "o_drbd_before_postgres",
	},
	{
		Name: "12-14", Group: "postgres", FS: "postgres_fs", IP: "DBIP", PgSQL: "postgresql",
		MS: "ms_drbd_postgres", DRBD: "drbd_postgres", Colocation: "postgres_on_drbd", Order: "postgres_after_drbd",
	},
}

// ErrNotRunbook is wrapped by Recognise's refusals.
var ErrNotRunbook = errors.New("not the runbook's cluster")

// Recognised is a CIB found to be one of the runbook's layouts.
type Recognised struct {
	Layout Layout
	cib    *document
	// Fences are the stonith resources (external/libvirt or xenapi), by id.
	Fences []string
	Ping   string // the ping primitive's id, "" when absent
	MailTo string // the MailTo primitive's id, "" when absent
}

// Recognise decides whether data (a CIB or its configuration section) is
// one of the runbook's layouts. A refusal wraps ErrNotRunbook and names,
// for the layout it came closest to, every expected resource, agent or
// constraint that is missing or different, and everything unexpected.
func Recognise(data []byte) (*Recognised, error) {
	c, err := parseCIB(data)
	if err != nil {
		return nil, err
	}
	var best *Recognised
	var bestProblems []string
	for _, l := range Layouts {
		r, problems := match(c, l)
		if len(problems) == 0 {
			return r, nil
		}
		if best == nil || len(problems) < len(bestProblems) {
			best, bestProblems = r, problems
		}
	}
	return nil, fmt.Errorf("%w (compared with runbook section %s): %s", ErrNotRunbook, best.Layout.Name, strings.Join(bestProblems, "; "))
}

// match compares c with layout l and returns every difference.
func match(c *document, l Layout) (*Recognised, []string) {
	r := &Recognised{Layout: l, cib: c}
	var p []string
	add := func(format string, args ...any) { p = append(p, fmt.Sprintf(format, args...)) }

	if len(c.nodes) > 2 {
		add("%d nodes (%s); the runbook's cluster has two", len(c.nodes), strings.Join(c.nodes, ", "))
	}
	want := func(id, kind, agent, parent string) {
		res, ok := c.resources[id]
		switch {
		case !ok:
			if agent != "" {
				add("no resource %s (%s)", id, agent)
			} else {
				add("no %s %s", kind, id)
			}
		case res.kind != kind && !(kind == "master" && res.kind == "clone"):
			add("%s is a %s, the runbook's is a %s", id, res.kind, kind)
		case agent != "" && res.agent != agent:
			add("%s is %s, the runbook's is %s", id, res.agent, agent)
		case res.parent != parent:
			add("%s is in %q, the runbook's is in %s", id, res.parent, parent)
		}
	}
	want(l.Group, "group", "", "")
	want(l.FS, "primitive", agentFilesystem, l.Group)
	want(l.IP, "primitive", agentIPaddr2, l.Group)
	want(l.PgSQL, "primitive", agentPgSQL, l.Group)
	want(l.MS, "master", "", "")
	want(l.DRBD, "primitive", agentDRBD, l.MS)
	if g, ok := c.resources[l.Group]; ok && g.kind == "group" {
		// The group's order is the start order: the address must not
		// come up before the filesystem, nor the database before both.
		if strings.Join(g.members, " ") != strings.Join([]string{l.FS, l.IP, l.PgSQL}, " ") {
			add("group %s holds %s, the runbook's holds %s %s %s in that order", l.Group, strings.Join(g.members, " "), l.FS, l.IP, l.PgSQL)
		}
	}
	if ms, ok := c.resources[l.MS]; ok && !ms.promotable {
		add("%s is not promotable (master/slave)", l.MS)
	}

	// Every other resource must be one of runbook 10.3-10.4's.
	for _, id := range sortedIDs(c.resources) {
		res := c.resources[id]
		switch {
		case id == l.Group || id == l.FS || id == l.IP || id == l.PgSQL || id == l.MS || id == l.DRBD:
		case res.agent == agentLibvirt || res.agent == agentXenAPI:
			r.Fences = append(r.Fences, id)
		case res.agent == agentPing && r.Ping == "":
			r.Ping = id
		case res.kind == "clone" && len(res.members) == 1 && c.resources[res.members[0]] != nil &&
			c.resources[res.members[0]].agent == agentPing:
		case res.agent == agentMailTo && r.MailTo == "":
			r.MailTo = id
		case res.kind == "primitive":
			add("resource %s (%s) is not part of the runbook's layout", id, res.agent)
		default:
			add("%s %s is not part of the runbook's layout", res.kind, id)
		}
	}
	if len(r.Fences) > 0 {
		first := c.resources[r.Fences[0]].agent
		for _, id := range r.Fences[1:] {
			if c.resources[id].agent != first {
				add("fence devices of two kinds: %s is %s, %s is %s", r.Fences[0], first, id, c.resources[id].agent)
			}
		}
	}

	var sawColocation, sawOrder bool
	for _, k := range c.constraints {
		id := k.attrs["id"]
		switch {
		case id == l.Colocation:
			sawColocation = true
			role := k.attrs["with-rsc-role"]
			if k.kind != "rsc_colocation" || k.attrs["rsc"] != l.Group || k.attrs["with-rsc"] != l.MS ||
				(role != "Master" && role != "Promoted") || !infinite(k.attrs["score"]) {
				add("%s is not the runbook's colocation of %s with %s's master (inf)", id, l.Group, l.MS)
			}
		case id == l.Order:
			sawOrder = true
			kind := k.attrs["kind"]
			if k.kind != "rsc_order" || k.attrs["first"] != l.MS || k.attrs["first-action"] != "promote" ||
				k.attrs["then"] != l.Group || k.attrs["then-action"] != "start" ||
				(kind != "" && kind != "Mandatory") || (k.attrs["score"] != "" && !infinite(k.attrs["score"])) {
				add("%s is not the runbook's order %s:promote then %s:start (mandatory)", id, l.MS, l.Group)
			}
		case k.kind == "rsc_location":
			// Any location is tolerated: besides the runbook's own (fence
			// devices, ping, section 15's preference) admins leave
			// crm resource move's cli-prefer-*; the plan says what
			// becomes of each.
		default:
			add("constraint %s (%s) is not part of the runbook's layout", id, k.kind)
		}
	}
	if !sawColocation {
		add("no colocation %s (%s with %s:Master)", l.Colocation, l.Group, l.MS)
	}
	if !sawOrder {
		add("no order %s (%s:promote then %s:start)", l.Order, l.MS, l.Group)
	}
	return r, p
}

func infinite(score string) bool {
	s := strings.ToUpper(strings.TrimPrefix(score, "+"))
	return s == "INFINITY" || s == "INF"
}

func sortedIDs(m map[string]*resource) []string {
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}
