package guest

// The guest root's distribution and packages: the one place to extend when
// a tier needs more inside the guests. Changing anything in this file
// rebuilds the image (the cache key hashes this file's source).
const (
	suite  = "bookworm"
	mirror = "http://deb.debian.org/debian"
	// kernelMeta is resolved to the versioned image package on the host
	// (apt-cache), so a kernel update in the archive also rebuilds.
	kernelMeta = "linux-image-amd64"
)

// rootPackages are installed by debootstrap --variant=minbase on top of
// Debian's essential set (which already brings bash, coreutils with base64
// and timeout, and util-linux).
var rootPackages = []string{
	"drbd-utils",       // drbdadm/drbdsetup, 8.4 and 9 flavours
	"kmod",             // modprobe drbd
	"udev",             // udevadm, for agents that settle devices
	"iproute2",         // ip: addresses, link state
	"xfsprogs",         // the runbook's filesystem on DRBD
	"procps", "psmisc", // ps, pkill, fuser for agents and tests
	"iputils-ping", "netcat-openbsd", // reachability checks between guests
}
