package main

import (
	"fmt"
	"regexp"
	"strconv"
)

// moduleVer is a DRBD kernel module version, x.y.z.
type moduleVer [3]int

func (v moduleVer) String() string { return fmt.Sprintf("%d.%d.%d", v[0], v[1], v[2]) }

func (v moduleVer) less(w moduleVer) bool {
	for i := range v {
		if v[i] != w[i] {
			return v[i] < w[i]
		}
	}
	return false
}

var (
	versionParam = regexp.MustCompile(`^(\d+)\.(\d+)\.(\d+)$`)
	// /proc/drbd begins "version: 8.4.11 (api:1/proto:86-101)", and
	// "version: 9.2.4 (api:2/proto:86-122)" with DRBD 9.
	procVersion = regexp.MustCompile(`(?m)^version: (\d+)\.(\d+)\.(\d+)`)
)

// parseVersion reads a require_drbd_module_version_* value.
func parseVersion(s string) (moduleVer, error) {
	m := versionParam.FindStringSubmatch(s)
	if m == nil {
		return moduleVer{}, fmt.Errorf("%q is not a version x.y.z", s)
	}
	return toVersion(m[1:])
}

// moduleVersion reads the loaded module's version from /proc/drbd.
func moduleVersion(procDRBD string) (moduleVer, error) {
	m := procVersion.FindStringSubmatch(procDRBD)
	if m == nil {
		return moduleVer{}, fmt.Errorf("no version line")
	}
	return toVersion(m[1:])
}

func toVersion(parts []string) (moduleVer, error) {
	var v moduleVer
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil {
			return moduleVer{}, fmt.Errorf("version part %q: %w", p, err)
		}
		v[i] = n
	}
	return v, nil
}
