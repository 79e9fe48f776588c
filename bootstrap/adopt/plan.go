package adopt

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/qvd-ha/qvd-ha/bootstrap/cib"
	"github.com/qvd-ha/qvd-ha/bootstrap/config"
	"github.com/qvd-ha/qvd-ha/internal/pcmk"
)

// Change is one difference between the runbook's CIB and the bootstrap's.
type Change struct {
	// ID is the object's id in the bootstrap's CIB; for a removed object,
	// its id in the runbook's.
	ID string
	// OldID is its id in the runbook's CIB when that differs ("" when the
	// object is new).
	OldID string
	What  string // "agent", "param NAME", "op NAME[:ROLE] timeout", "added", ...
	From  string
	To    string
	// Restart: Pacemaker restarts a running resource on this change unless
	// it is made unmanaged and the new definition is reprobed (runbook CIB
	// to ours: every agent switch and every id rename of a primitive).
	Restart bool
	Why     string
}

// Plan is the change from a recognised CIB to the bootstrap's CIB for a
// configuration: what applying it would do, not the doing.
type Plan struct {
	Layout  string
	Changes []Change
	// Outside lists what the adoption changes outside the CIB.
	Outside []string
}

// Why of the changes the runbook's admins ask about.
var reasons = map[string]string{
	"agent":                            "the qvd agents replace heartbeat's and linbit's (issue 17)",
	"rsc_defaults resource-stickiness": "no failback: stickiness must outweigh the preferred node's 50 (runbook 10.2 meant it, 1 did not do it)",
	"property priority-fencing-delay":  "fence race after a split: the node holding the database is fenced last",
	"meta priority":                    "gives the database's node the priority that priority-fencing-delay counts",
	"param monitor_password":           "the monitor uses peer authentication; no password in the CIB",
	"param passwd":                     "no password in the CIB (fencing.password_source)",
	"param pghost":                     "the monitor connects over the local socket",
	"param monitor_sql":                "the qvd agent writes pacemaker_monitor itself",
	"param hostlist":                   "the fence agents take pcmk_host_map",
}

// secret reports whether a parameter's value must never be shown.
func secret(name string) bool {
	n := strings.ToLower(name)
	return strings.Contains(n, "passw")
}

// NewPlan compares the recognised CIB with the bootstrap's CIB for c (the
// inferred configuration once the admin has completed it).
func (r *Recognised) NewPlan(c *config.Config) (*Plan, error) {
	out, err := cib.Build(c).XML()
	if err != nil {
		return nil, fmt.Errorf("plan: build the bootstrap's CIB: %w", err)
	}
	target, err := parseCIB(out)
	if err != nil {
		return nil, fmt.Errorf("plan: read the bootstrap's CIB: %w", err)
	}
	p := &Plan{Layout: r.Layout.Name}
	rename := r.renames(c, target)
	oldOf := map[string]string{}
	for o, n := range rename {
		oldOf[n] = o
	}

	for _, id := range sortedIDs(target.resources) {
		p.resource(r.cib.resources[oldOf[id]], target.resources[id], oldOf[id])
	}
	for _, id := range sortedIDs(r.cib.resources) {
		if _, ok := rename[id]; !ok {
			res := r.cib.resources[id]
			p.add(Change{ID: id, What: "removed", From: res.agent, Restart: res.kind == "primitive"})
		}
	}
	p.constraints(r.cib, target, rename)
	p.options("property", r.cib.properties, target.properties)
	p.options("rsc_defaults", r.cib.rscDefaults, target.rscDefaults)
	if c.Storage == config.StorageDRBD {
		p.Outside = append(p.Outside, fmt.Sprintf("/etc/drbd.d/%s.res: fencing resource-and-stonith with the crm-fence-peer/crm-unfence-peer handlers "+
			"(qvd-ha-bootstrap drbd), applied while connected with drbdadm adjust %s on both nodes", c.DRBDResource, c.DRBDResource))
	}
	return p, nil
}

func (p *Plan) add(ch Change) {
	if ch.Why == "" {
		ch.Why = reasons[ch.What]
	}
	p.Changes = append(p.Changes, ch)
}

// renames maps each runbook id to the bootstrap's id of the same object.
func (r *Recognised) renames(c *config.Config, target *document) map[string]string {
	l := r.Layout
	m := map[string]string{
		l.Group: cib.IDGroup, l.FS: cib.IDFS, l.IP: cib.IDIP, l.PgSQL: cib.IDPgSQL,
		l.MS: cib.IDDRBDClone, l.DRBD: cib.IDDRBD,
	}
	if r.Ping != "" {
		m[r.Ping] = cib.IDPing
		if parent := r.cib.resources[r.Ping].parent; parent != "" {
			m[parent] = cib.IDPingClone
		}
	}
	if r.MailTo != "" {
		m[r.MailTo] = cib.IDMailTo
	}
	for _, n := range c.Nodes {
		if f := r.fenceOf(n.Name); f != "" {
			m[f] = cib.IDFencePrefix + n.Name
		}
	}
	// Constraints: by what they constrain, since the runbook's two
	// layouts name the same constraint differently.
	for _, k := range r.cib.constraints {
		id := k.attrs["id"]
		switch {
		case id == l.Colocation:
			m[id] = findConstraint(target, "rsc_colocation", cib.IDGroup, cib.IDDRBDClone)
		case id == l.Order:
			m[id] = findConstraint(target, "rsc_order", cib.IDDRBDClone, cib.IDGroup)
		case k.kind == "rsc_location" && k.rule && k.attrs["rsc"] == l.MS:
			m[id] = "l_" + cib.IDDRBDClone + "_on_ping"
		case k.kind == "rsc_location" && slices.Contains(r.Fences, k.attrs["rsc"]) && k.attrs["node"] != "":
			m[id] = "l_fence_" + k.attrs["node"]
		case k.kind == "rsc_location" && !k.rule && k.attrs["node"] == c.Preferred && !strings.HasPrefix(id, "cli-") &&
			(k.attrs["rsc"] == l.Group || k.attrs["rsc"] == l.IP || k.attrs["rsc"] == l.PgSQL):
			m[id] = "l_prefer_" + c.Preferred
		}
	}
	return m
}

// fenceOf is the runbook device that fences node: the one located away
// from it (runbook 10.3's -inf location), else the one whose hostlist
// names it.
func (r *Recognised) fenceOf(node string) string {
	for _, k := range r.cib.constraints {
		if k.kind == "rsc_location" && k.attrs["node"] == node && slices.Contains(r.Fences, k.attrs["rsc"]) && strings.HasPrefix(k.attrs["score"], "-") {
			return k.attrs["rsc"]
		}
	}
	for _, id := range r.Fences {
		for _, h := range strings.Fields(r.cib.resources[id].params["hostlist"]) {
			if name, _, _ := strings.Cut(h, ":"); name == node {
				return id
			}
		}
	}
	return ""
}

func findConstraint(c *document, kind, a, b string) string {
	for _, k := range c.constraints {
		if k.kind != kind {
			continue
		}
		if (kind == "rsc_colocation" && k.attrs["rsc"] == a && k.attrs["with-rsc"] == b) ||
			(kind == "rsc_order" && k.attrs["first"] == a && k.attrs["then"] == b) {
			return k.attrs["id"]
		}
	}
	return ""
}

// resource compares one resource of the bootstrap's CIB with its runbook
// counterpart (nil when new).
func (p *Plan) resource(old, now *resource, oldID string) {
	if old == nil {
		p.add(Change{ID: now.id, What: "added", To: kindOf(now)})
		return
	}
	primitive := now.kind == "primitive"
	if oldID == now.id {
		oldID = ""
	}
	if oldID != "" {
		p.add(Change{ID: now.id, OldID: oldID, What: "renamed", From: oldID, To: now.id, Restart: primitive,
			Why: "the bootstrap, qvd-ha status and switchover name it so"})
	}
	if kindOf(old) != kindOf(now) {
		p.add(Change{ID: now.id, OldID: oldID, What: "kind", From: kindOf(old), To: kindOf(now),
			Why: "Pacemaker 3 removed master resources"})
	}
	if old.agent != now.agent {
		p.add(Change{ID: now.id, OldID: oldID, What: "agent", From: old.agent, To: now.agent, Restart: true})
	}
	p.pairs(now.id, oldID, "param", old.params, now.params, primitive)
	p.pairs(now.id, oldID, "meta", old.meta, now.meta, false)
	p.ops(now.id, oldID, old, now)
}

func kindOf(r *resource) string {
	switch {
	case r.kind == "master":
		return "master/slave (ms)"
	case r.promotable:
		return "promotable clone"
	}
	return r.kind
}

// pairs compares name=value sets; a changed parameter restarts a primitive
// (the runbook's agents reload none of those that change here).
func (p *Plan) pairs(id, oldID, what string, old, now map[string]string, restart bool) {
	if oldID == id {
		oldID = ""
	}
	for _, name := range union(old, now) {
		o, inOld := old[name]
		n, inNow := now[name]
		if inOld && inNow && o == n {
			continue
		}
		if secret(name) {
			o, n = hidden(o, inOld), hidden(n, inNow)
		}
		p.add(Change{ID: id, OldID: oldID, What: what + " " + name, From: o, To: n, Restart: restart})
	}
}

func hidden(v string, present bool) string {
	if !present {
		return ""
	}
	return "(value not shown)"
}

// union is the sorted names of a and b.
func union[V any](a, b map[string]V) []string {
	var names []string
	for k := range a {
		names = append(names, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	return names
}

// roles maps Pacemaker 2.0's role names to 2.1's, so that a renamed role
// is no change.
var roles = strings.NewReplacer("Master", "Promoted", "Slave", "Unpromoted")

// ops compares operations by name and role, and their timers as durations
// ("30" and "30s" are the same timer).
func (p *Plan) ops(id, oldID string, old, now *resource) {
	if oldID == id {
		oldID = ""
	}
	key := func(o op) string {
		if o.role == "" {
			return o.name
		}
		return o.name + ":" + roles.Replace(o.role)
	}
	index := func(r *resource) map[string]op {
		m := map[string]op{}
		for _, o := range r.ops {
			m[key(o)] = o
		}
		return m
	}
	olds, nows := index(old), index(now)
	for _, k := range union(olds, nows) {
		o, inOld := olds[k]
		n, inNow := nows[k]
		switch {
		case !inNow:
			why := ""
			if o.name == "notify" {
				why = "notify is sent only to clones with notify=true; " + now.id + " is not one"
			}
			p.add(Change{ID: id, OldID: oldID, What: "op " + k, From: timers(o), To: "(removed)", Why: why})
		case !inOld:
			p.add(Change{ID: id, OldID: oldID, What: "op " + k, From: "(none)", To: timers(n)})
		default:
			for _, x := range []struct{ name, o, n string }{{"interval", o.interval, n.interval}, {"timeout", o.timeout, n.timeout}} {
				if !sameDuration(x.o, x.n) {
					p.add(Change{ID: id, OldID: oldID, What: "op " + k + " " + x.name, From: orNone(x.o), To: orNone(x.n)})
				}
			}
		}
	}
}

func timers(o op) string {
	return "interval " + orNone(o.interval) + " timeout " + orNone(o.timeout)
}

func orNone(v string) string {
	if v == "" {
		return "(none)"
	}
	return v
}

func sameDuration(a, b string) bool {
	if a == b {
		return true
	}
	da, errA := pcmk.ParseInterval(a)
	db, errB := pcmk.ParseInterval(b)
	return errA == nil && errB == nil && da == db
}

// constraints compares constraints through the rename map: attributes
// with resource ids mapped and role names of Pacemaker 2.1.
func (p *Plan) constraints(old, now *document, rename map[string]string) {
	olds := map[string]constraint{}
	for _, k := range old.constraints {
		id := k.attrs["id"]
		if n, ok := rename[id]; ok && n != "" {
			olds[n] = k
			continue
		}
		p.add(Change{ID: id, What: "removed", From: k.kind, Why: removedWhy(id)})
	}
	for _, k := range now.constraints {
		id := k.attrs["id"]
		o, ok := olds[id]
		if !ok {
			p.add(Change{ID: id, What: "added", To: k.kind, Why: addedWhy(id)})
			continue
		}
		oldID := o.attrs["id"]
		if oldID != id {
			p.add(Change{ID: id, OldID: oldID, What: "renamed", From: oldID, To: id})
		} else {
			oldID = ""
		}
		mapped := map[string]string{}
		for name, v := range o.attrs {
			if name == "id" {
				continue
			}
			if n, ok := rename[v]; ok && (name == "rsc" || name == "with-rsc" || name == "first" || name == "then") {
				v = n
			}
			mapped[name] = normalise(v)
		}
		current := map[string]string{}
		for name, v := range k.attrs {
			if name != "id" {
				current[name] = normalise(v)
			}
		}
		p.pairs(id, oldID, "attribute", mapped, current, false)
	}
}

func normalise(v string) string {
	switch strings.ToUpper(v) {
	case "INF", "+INF", "+INFINITY":
		return "INFINITY"
	case "-INF":
		return "-INFINITY"
	}
	return roles.Replace(v)
}

func addedWhy(id string) string {
	switch {
	case strings.HasPrefix(id, "l_prefer_"):
		return "preferred_node, scored below the stickiness: the database starts there, never fails back"
	case strings.Contains(id, "mailto"):
		return "MailTo mails from the database's node, so its start and stop report takeovers"
	}
	return ""
}

func removedWhy(id string) string {
	if strings.HasPrefix(id, "cli-") {
		return "left by crm resource move/ban; the bootstrap's CIB keeps none (clear it first if it is still wanted)"
	}
	return "not in the bootstrap's CIB"
}

// options compares cluster options or defaults: the bootstrap's are set,
// the cluster's others kept (as apply keeps them).
func (p *Plan) options(what string, old, now map[string]string) {
	for _, name := range union(nil, now) {
		if o, ok := old[name]; !ok || !sameDuration(o, now[name]) {
			p.add(Change{ID: what, What: name, From: orNone(old[name]), To: now[name], Why: reasons[what+" "+name]})
		}
	}
}

// String is the plan as the command prints it.
func (p *Plan) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "From the runbook's section %s CIB to qvd-ha-bootstrap's:\n", p.Layout)
	var restart []string
	for _, c := range p.Changes {
		name := c.ID
		if c.OldID != "" && c.What != "renamed" {
			name += " (was " + c.OldID + ")"
		}
		line := "  " + name + ": " + c.What
		if c.From != "" || c.To != "" {
			line += ": " + orNone(c.From) + " -> " + orNone(c.To)
		}
		if c.Restart {
			line += " [restart]"
			if !slices.Contains(restart, c.ID) {
				restart = append(restart, c.ID)
			}
		}
		if c.Why != "" {
			line += " (" + c.Why + ")"
		}
		b.WriteString(line + "\n")
	}
	for _, o := range p.Outside {
		b.WriteString("  outside the CIB: " + o + "\n")
	}
	if len(restart) > 0 {
		fmt.Fprintf(&b, "Pacemaker would restart %s if this were applied to managed resources:\n"+
			"apply it in maintenance-mode, then reprobe so that the new agents find the running instances.\n", strings.Join(restart, ", "))
	}
	return b.String()
}
