// Package xenapisim is a XenAPI server for tests: XML-RPC over HTTP(S) at
// "/", written to the published wire protocol (xapi-project/xen-api,
// doc/content/xen-api/wire-protocol.md). Every result is a struct
// {Status: "Success", Value: ...} or {Status: "Failure", ErrorDescription:
// [code, args...]}.
//
// It models what fencing touches: sessions with a per-user limit (the
// oldest session is destroyed past it, as xapi does), VMs with power states,
// templates and the control domain, a two-host pool whose slave answers
// HOST_IS_SLAVE, and injectable faults. Its faithfulness is checked with
// fence-agents' own fence_xenapi.
package xenapisim

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/qvd-ha/qvd-ha/fence/xenapi/xmlrpc"
)

// VM is one virtual machine record (the fields fencing reads).
type VM struct {
	UUID            string
	NameLabel       string
	PowerState      string // Halted, Running, Paused, Suspended
	IsTemplate      bool
	IsControlDomain bool
	ref             string
}

// Pool is the state both hosts of a pool share.
type Pool struct {
	mu       sync.Mutex
	users    map[string]string // user -> password
	limit    int               // sessions per user
	sessions map[string]string // session ref -> user
	order    []string          // session refs, oldest first
	vms      map[string]*VM    // ref -> VM
	nextRef  int
	logins   int
	calls    []string

	faults Faults
}

// Faults are what a test makes the pool do wrong.
type Faults struct {
	Delay           time.Duration // before every answer
	Hang            chan struct{} // when non-nil, every call blocks until it is closed
	BadPowerStateOn string        // a VM name whose next power operation fails
	InvalidateOnce  bool          // the next call with a session gets SESSION_INVALID
}

// Inject replaces the pool's faults.
func (p *Pool) Inject(f Faults) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.faults = f
}

// NewPool returns a pool with one user, a session limit, and the control
// domain and a template already present.
func NewPool(user, password string, sessionLimit int) *Pool {
	p := &Pool{users: map[string]string{user: password}, limit: sessionLimit,
		sessions: map[string]string{}, vms: map[string]*VM{}}
	p.AddVM(VM{UUID: "00000000-0000-0000-0000-00000000d0d0", NameLabel: "Control domain on host: xs1", PowerState: "Running", IsControlDomain: true})
	p.AddVM(VM{UUID: "00000000-0000-0000-0000-00000000beef", NameLabel: "Debian Bookworm 12", PowerState: "Halted", IsTemplate: true})
	return p
}

// AddVM adds a VM and returns its reference.
func (p *Pool) AddVM(vm VM) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.nextRef++
	vm.ref = fmt.Sprintf("OpaqueRef:vm-%04d", p.nextRef)
	p.vms[vm.ref] = &vm
	return vm.ref
}

// PowerState returns the power state of the VM with that name label.
func (p *Pool) PowerState(name string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, vm := range p.vms {
		if vm.NameLabel == name {
			return vm.PowerState
		}
	}
	return ""
}

// SetPowerState changes a VM's power state behind the client's back.
func (p *Pool) SetPowerState(name, state string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, vm := range p.vms {
		if vm.NameLabel == name {
			vm.PowerState = state
		}
	}
}

// OpenSessions is the number of sessions not logged out.
func (p *Pool) OpenSessions() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.sessions)
}

// Logins is the number of successful logins.
func (p *Pool) Logins() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.logins
}

// Calls lists the methods called, in order.
func (p *Pool) Calls() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.calls...)
}

// Host is one XenAPI endpoint of the pool. A slave refuses logins with
// HOST_IS_SLAVE naming the master's address, as xapi does.
type Host struct {
	Pool          *Pool
	MasterAddress string // empty for the master
}

// ServeHTTP answers one XML-RPC call.
func (h *Host) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "XML-RPC needs POST", http.StatusMethodNotAllowed)
		return
	}
	method, params, err := xmlrpc.DecodeCall(r.Body)
	if err != nil {
		w.Header().Set("Content-Type", "text/xml")
		_ = xmlrpc.EncodeFault(w, &xmlrpc.Fault{Code: -32700, String: err.Error()})
		return
	}
	p := h.Pool
	p.mu.Lock()
	delay, hang := p.faults.Delay, p.faults.Hang
	p.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	if hang != nil {
		select {
		case <-hang:
		case <-r.Context().Done():
			return
		}
	}
	w.Header().Set("Content-Type", "text/xml")
	_ = xmlrpc.EncodeResponse(w, h.call(method, params))
}

func success(v any) map[string]any { return map[string]any{"Status": "Success", "Value": v} }

func failure(code string, args ...string) map[string]any {
	desc := []any{code}
	for _, a := range args {
		desc = append(desc, a)
	}
	return map[string]any{"Status": "Failure", "ErrorDescription": desc}
}

func (h *Host) call(method string, params []any) map[string]any {
	p := h.Pool
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = append(p.calls, method)
	str := func(i int) string {
		if i < len(params) {
			s, _ := params[i].(string)
			return s
		}
		return ""
	}

	switch method {
	case "session.login_with_password":
		if len(params) < 2 || len(params) > 4 {
			return failure("MESSAGE_PARAMETER_COUNT_MISMATCH", method, "2", fmt.Sprint(len(params)))
		}
		if h.MasterAddress != "" {
			return failure("HOST_IS_SLAVE", h.MasterAddress)
		}
		user, pass := str(0), str(1)
		if want, ok := p.users[user]; !ok || want != pass {
			return failure("SESSION_AUTHENTICATION_FAILED", user, "Authentication failure")
		}
		return success(p.login(user))
	case "session.logout":
		delete(p.sessions, str(0))
		return success("")
	}

	// Everything else takes a session first.
	session := str(0)
	if _, ok := p.sessions[session]; !ok || p.faults.InvalidateOnce {
		if p.faults.InvalidateOnce {
			p.faults.InvalidateOnce = false
			delete(p.sessions, session)
		}
		return failure("SESSION_INVALID", session)
	}
	vmArg := func() (*VM, map[string]any) {
		vm, ok := p.vms[str(1)]
		if !ok {
			return nil, failure("HANDLE_INVALID", "VM", str(1))
		}
		return vm, nil
	}

	switch method {
	case "VM.get_all":
		refs := []any{}
		for _, ref := range p.sortedRefs() {
			refs = append(refs, ref)
		}
		return success(refs)
	case "VM.get_all_records":
		all := map[string]any{}
		for ref, vm := range p.vms {
			all[ref] = vm.record()
		}
		return success(all)
	case "VM.get_by_uuid":
		for ref, vm := range p.vms {
			if vm.UUID == str(1) {
				return success(ref)
			}
		}
		return failure("UUID_INVALID", "VM", str(1))
	case "VM.get_by_name_label":
		refs := []any{}
		for _, ref := range p.sortedRefs() {
			if p.vms[ref].NameLabel == str(1) {
				refs = append(refs, ref)
			}
		}
		return success(refs)
	case "VM.get_record":
		vm, fail := vmArg()
		if fail != nil {
			return fail
		}
		return success(vm.record())
	case "VM.get_power_state":
		vm, fail := vmArg()
		if fail != nil {
			return fail
		}
		return success(vm.PowerState)
	case "VM.hard_shutdown", "VM.start", "VM.hard_reboot":
		vm, fail := vmArg()
		if fail != nil {
			return fail
		}
		return p.power(method, vm)
	}
	return failure("MESSAGE_METHOD_UNKNOWN", method)
}

// power changes a VM's power state the way xapi does, with its errors.
func (p *Pool) power(method string, vm *VM) map[string]any {
	if vm.IsTemplate {
		return failure("VM_IS_TEMPLATE", vm.ref)
	}
	if vm.IsControlDomain {
		return failure("OPERATION_NOT_ALLOWED", "Operations on the control domain are not allowed")
	}
	want, next := "Running", "Halted"
	switch method {
	case "VM.start":
		want, next = "Halted", "Running"
	case "VM.hard_reboot":
		next = "Running"
	}
	if vm.NameLabel == p.faults.BadPowerStateOn {
		p.faults.BadPowerStateOn = ""
		return failure("VM_BAD_POWER_STATE", vm.ref, strings.ToLower(want), strings.ToLower(vm.PowerState))
	}
	if method == "VM.hard_shutdown" && (vm.PowerState == "Paused" || vm.PowerState == "Suspended") {
		want = vm.PowerState
	}
	if vm.PowerState != want {
		return failure("VM_BAD_POWER_STATE", vm.ref, strings.ToLower(want), strings.ToLower(vm.PowerState))
	}
	vm.PowerState = next
	return success("")
}

func (p *Pool) login(user string) string {
	p.logins++
	ref := fmt.Sprintf("OpaqueRef:session-%d", p.logins)
	p.sessions[ref] = user
	p.order = append(p.order, ref)
	// Past the per-user limit xapi destroys that user's oldest session:
	// a client that never logs out pushes everyone else's sessions out.
	var mine []string
	for _, s := range p.order {
		if p.sessions[s] == user {
			mine = append(mine, s)
		}
	}
	for len(mine) > p.limit {
		delete(p.sessions, mine[0])
		mine = mine[1:]
	}
	live := p.order[:0]
	for _, s := range p.order {
		if _, ok := p.sessions[s]; ok {
			live = append(live, s)
		}
	}
	p.order = live
	return ref
}

func (p *Pool) sortedRefs() []string {
	refs := make([]string, 0, len(p.vms))
	for ref := range p.vms {
		refs = append(refs, ref)
	}
	sort.Strings(refs)
	return refs
}

func (vm *VM) record() map[string]any {
	return map[string]any{
		"uuid":              vm.UUID,
		"name_label":        vm.NameLabel,
		"power_state":       vm.PowerState,
		"is_a_template":     vm.IsTemplate,
		"is_control_domain": vm.IsControlDomain,
	}
}
