package drbdstate

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Version is a DRBD kernel module version, x.y.z.
type Version [3]int

func (v Version) String() string { return fmt.Sprintf("%d.%d.%d", v[0], v[1], v[2]) }

// Less orders versions.
func (v Version) Less(w Version) bool {
	for i := range v {
		if v[i] != w[i] {
			return v[i] < w[i]
		}
	}
	return false
}

var (
	versionWord = regexp.MustCompile(`^(\d+)\.(\d+)\.(\d+)$`)
	// /proc/drbd begins "version: 8.4.11 (api:1/proto:86-101)", and
	// "version: 9.2.4 (api:2/proto:86-122)" with DRBD 9.
	procVersion = regexp.MustCompile(`(?m)^version: (\d+)\.(\d+)\.(\d+)`)
)

// ParseVersion reads an x.y.z version, nothing around it.
func ParseVersion(s string) (Version, error) {
	m := versionWord.FindStringSubmatch(s)
	if m == nil {
		return Version{}, fmt.Errorf("%q is not a version x.y.z", s)
	}
	return toVersion(m[1:])
}

// ModuleVersion reads the loaded module's version from /proc/drbd.
func ModuleVersion(procDRBD string) (Version, error) {
	m := procVersion.FindStringSubmatch(procDRBD)
	if m == nil {
		return Version{}, fmt.Errorf("no version line")
	}
	return toVersion(m[1:])
}

func toVersion(parts []string) (Version, error) {
	var v Version
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil {
			return Version{}, fmt.Errorf("version part %q: %w", p, err)
		}
		v[i] = n
	}
	return v, nil
}

// ProcDevice is one device's line of DRBD 8.4's /proc/drbd, in the
// kernel's own words, which drbdadm role, cstate and dstate print too:
// " 0: cs:Connected ro:Primary/Secondary ds:UpToDate/UpToDate C r-----".
type ProcDevice struct {
	Minor int
	// CState is the connection state, or the replication state while
	// connected (SyncSource, VerifyS, ...): Unconfigured, StandAlone,
	// WFConnection, Connected, ...
	CState         string
	Role, PeerRole string // ro:
	Disk, PeerDisk string // ds:
}

// ProcDevices reads the device lines of DRBD 8.4's /proc/drbd (DRBD 9
// lists no devices there: it has only the version lines). Other lines,
// and text that is not /proc/drbd, yield nothing.
func ProcDevices(procDRBD string) []ProcDevice {
	var devs []ProcDevice
	for _, line := range strings.Split(procDRBD, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || !strings.HasSuffix(f[0], ":") {
			continue
		}
		minor, err := strconv.Atoi(strings.TrimSuffix(f[0], ":"))
		if err != nil {
			continue
		}
		d := ProcDevice{Minor: minor}
		for _, w := range words(f[1:]) {
			local, peer, _ := strings.Cut(w[1], "/")
			switch w[0] {
			case "cs":
				d.CState = local
			case "ro":
				d.Role, d.PeerRole = local, peer
			case "ds":
				d.Disk, d.PeerDisk = local, peer
			}
		}
		devs = append(devs, d)
	}
	return devs
}

// ParseAdm reads what drbdadm role, cstate and dstate print: this node's
// word, then the peer's after a slash where DRBD prints one (8.4's role and
// dstate, 9's dstate); peer is "" when it does not.
func ParseAdm(out string) (local, peer string) {
	local, peer, _ = strings.Cut(strings.TrimSpace(out), "/")
	return local, peer
}
