#!/bin/bash
# Prints VERSION-RELEASE for the checkout it belongs to: the Makefile's
# VERSION (what every binary reports) and the packages' Version and Release,
# so that `make build` and `rpm -q` name the same build.
#
#   before the first tag, commit 49    0.1.0-0.49.g4aa68e6
#   on the tag v0.1.0, clean           0.1.0-1
#   3 commits after v0.1.0             0.1.0-1.3.g4aa68e6
#   on the tag v0.2.0-rc1              0.2.0~rc1-1 (sorts before 0.2.0-1)
#   uncommitted changes                ... .dirty appended to the release
#
# The Version is the release a build belongs to and stays a plain 0.y.z;
# what `git describe` adds (commits since the tag, the commit) goes into
# the Release, where it makes zypper see each build as newer than the one
# before it. Release 0.N sorts before the tagged release's 1, which is the
# openSUSE way of numbering snapshots of a coming version. No '+' (OBS's
# usual "+git"): rpm's brp-strip puts the build root into a regular
# expression, where a '+' stops it from excluding /usr/lib/debug, and the
# debuginfo files lose their DWARF.
#
# Outside a git checkout of its own (a tarball from `make dist`, which may
# sit inside another checkout, as rpm/out does) it prints what dist.sh
# wrote into the tarball's spec.
set -euo pipefail
# Read-only: git must not refresh the index of a checkout that others may
# be committing in.
export GIT_OPTIONAL_LOCKS=0

# The version the first tag will carry; the sources' fallback version
# (var version in each main package) says the same.
first=0.1.0

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)

if [ "$(git -C "$top" rev-parse --show-toplevel 2>/dev/null)" != "$top" ]; then
	spec=$top/rpm/qvd-ha.spec
	v=$(sed -n 's/^Version:[[:space:]]*//p' "$spec")
	r=$(sed -n 's/^Release:[[:space:]]*//p' "$spec")
	if [ -z "$v" ] || [ "$v" = 0 ]; then
		echo "version.sh: $top is no git checkout and $spec has no version" >&2
		exit 1
	fi
	echo "$v-$r"
	exit 0
fi

cd "$top"
hash=$(git rev-parse --short HEAD)
if desc=$(git describe --tags --long --match 'v[0-9]*' 2>/dev/null); then
	# v1.2.0-3-g4aa68e6
	tag=${desc%-*-g*}
	rest=${desc#"$tag"-}
	count=${rest%%-*}
	version=${tag#v}
	version=${version//-/\~}
	release=1
else
	version=$first
	count=$(git rev-list --count HEAD)
	release=0
fi

if [ "$count" -ne 0 ]; then
	release="$release.$count.g$hash"
fi
if ! git diff --quiet HEAD -- || [ -n "$(git ls-files --others --exclude-standard)" ]; then
	release="$release.dirty"
fi
echo "$version-$release"
