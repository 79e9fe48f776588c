package cib

import (
	"testing"

	"github.com/qvd-ha/qvd-ha/bootstrap/config"
	"github.com/qvd-ha/qvd-ha/bootstrap/internal/xmltree"
)

// variant is one storage x fencing combination the tool supports.
type variant struct {
	name string
	set  []string
}

// variants are storage drbd|shared x fencing libvirt|xenapi. The fence
// targets differ from the node names in some of them, as they may in life.
var variants = []variant{
	{"drbd-libvirt", nil},
	{"drbd-xenapi", []string{"fencing=xenapi", "node1.fence_target=vm-qvddb1", "node2.fence_target=9f1c2a8e-5d63-4e0b-b5c4-2b6f0f3c7d11"}},
	{"shared-libvirt", []string{"storage=shared", "shared.device=/dev/disk/by-id/wwn-0x600a0b80001234", "node2.fence_target=db-two"}},
	{"shared-xenapi", []string{"storage=shared", "shared.device=/dev/mapper/qvd-san", "fencing=xenapi", "fencing.password_source=cibsecret"}},
}

func (v variant) config(t *testing.T) *config.Config {
	t.Helper()
	c, err := config.Load(nil, v.name, v.set)
	if err != nil {
		t.Fatalf("config of variant %s: %v", v.name, err)
	}
	return c
}

// tree returns the variant's CIB XML, parsed.
func (v variant) tree(t *testing.T) (*config.Config, *xmltree.Elem) {
	t.Helper()
	c := v.config(t)
	data, err := Build(c).XML()
	if err != nil {
		t.Fatalf("render CIB: %v", err)
	}
	root, err := xmltree.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	return c, root
}
