#!/bin/bash
# Prints the RPM Version of the checkout it runs in.
#
#   on the tag v1.2.0, clean        1.2.0
#   3 commits after v1.2.0          1.2.0.git3.4aa68e6
#   before the first tag            0.0.0.git10.4aa68e6
#   on the tag v1.3.0-rc1           1.3.0~rc1 (sorts before 1.3.0)
#   uncommitted changes             ... .dirty appended
#
# RPM forbids '-' in Version, so `git describe` (the Makefile's VERSION)
# cannot be used as it is. The ".gitN" part grows with every commit, so
# zypper sees each build as newer than the last (and older than the next
# tag); ".dirty" marks a package built from a tree that no commit
# describes (make dist packs files not yet committed too, see dist.sh).
# No '+' (OBS's usual "+git"): rpm's brp-strip puts the build root into a
# regular expression, where a '+' stops it from excluding /usr/lib/debug,
# and the debuginfo files lose their DWARF.
set -euo pipefail
# Read-only: git must not refresh the index of a checkout that others may
# be committing in.
export GIT_OPTIONAL_LOCKS=0

hash=$(git rev-parse --short HEAD)
if desc=$(git describe --tags --long --match 'v[0-9]*' 2>/dev/null); then
	# v1.2.0-3-g4aa68e6
	tag=${desc%-*-g*}
	rest=${desc#"$tag"-}
	count=${rest%%-*}
	base=${tag#v}
	base=${base//-/\~}
else
	base=0.0.0
	count=$(git rev-list --count HEAD)
fi

version=$base
if [ "$count" -ne 0 ]; then
	version="$base.git$count.$hash"
fi
if ! git diff --quiet HEAD -- || [ -n "$(git ls-files --others --exclude-standard)" ]; then
	version="$version.dirty"
fi
echo "$version"
