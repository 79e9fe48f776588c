package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/qvd-ha/qvd-ha/fence/fencing"
)

// logoutWait bounds the logout in Close, which has no caller deadline.
const logoutWait = 2 * time.Second

type device struct {
	c     *client
	hosts map[string]string
	order []string
}

func connect(ctx context.Context, o *fencing.Options) (fencing.Device, error) {
	s, err := loadSettings(o)
	if err != nil {
		return nil, err
	}
	c, err := newClient(s.sessionURL, s.caFile, s.insecure)
	if err != nil {
		return nil, err
	}
	if err := c.login(ctx, s.username, s.password); err != nil {
		return nil, err
	}
	return &device{c: c, hosts: s.hosts, order: s.order}, nil
}

// target maps a node named in hostlist to its VM.
func (d *device) target(plug string) string {
	if vm, ok := d.hosts[plug]; ok {
		return vm
	}
	return plug
}

func (d *device) find(ctx context.Context, plug string) (vmRecord, error) {
	vm, err := d.c.findVM(ctx, d.target(plug))
	var missing *missingVM
	if errors.As(err, &missing) {
		return vm, fmt.Errorf("%w: %v", fencing.ErrNoSuchPlug, err)
	}
	return vm, err
}

func state(vm vmRecord) (fencing.State, error) {
	switch vm.PowerState {
	case "Halted":
		return fencing.Off, nil
	case "Running", "Paused", "Suspended":
		return fencing.On, nil
	}
	return fencing.Unknown, fmt.Errorf("VM %s is in power state %q", vm.Name, vm.PowerState)
}

func (d *device) Status(ctx context.Context, plug string) (fencing.State, error) {
	vm, err := d.find(ctx, plug)
	if err != nil {
		return fencing.Unknown, err
	}
	return state(vm)
}

// power runs a power operation; VM_BAD_POWER_STATE naming the state we want
// means another party got there first, which is success.
func (d *device) power(ctx context.Context, plug, method, done string, args ...any) error {
	vm, err := d.find(ctx, plug)
	if err != nil {
		return err
	}
	_, err = d.c.do(ctx, method, append([]any{vm.Ref}, args...)...)
	if e, ok := isAPIError(err, "VM_BAD_POWER_STATE"); ok && len(e.Args) >= 3 && e.Args[2] == done {
		return nil
	}
	if err != nil {
		return fmt.Errorf("%s of %s: %w", method, vm.Name, err)
	}
	return nil
}

func (d *device) On(ctx context.Context, plug string) error {
	return d.power(ctx, plug, "VM.start", "running", false, true)
}

func (d *device) Off(ctx context.Context, plug string) error {
	return d.power(ctx, plug, "VM.hard_shutdown", "halted")
}

func (d *device) List(ctx context.Context) ([]fencing.Outlet, error) {
	vms, err := d.c.vms(ctx)
	if err != nil {
		return nil, err
	}
	if len(d.order) > 0 {
		var out []fencing.Outlet
		for _, node := range d.order {
			st := fencing.Unknown
			for _, vm := range vms {
				if vm.Name == d.hosts[node] || vm.UUID == d.hosts[node] {
					st, _ = state(vm)
				}
			}
			out = append(out, fencing.Outlet{ID: node, Alias: d.hosts[node], State: st})
		}
		return out, nil
	}
	out := make([]fencing.Outlet, 0, len(vms))
	for _, vm := range vms {
		st, _ := state(vm)
		out = append(out, fencing.Outlet{ID: vm.UUID, Alias: vm.Name, State: st})
	}
	return out, nil
}

// Monitor: the login in connect was the check.
func (d *device) Monitor(context.Context) error { return nil }

// Close logs out, also after a failed or timed-out action.
func (d *device) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), logoutWait)
	defer cancel()
	return d.c.logout(ctx)
}
