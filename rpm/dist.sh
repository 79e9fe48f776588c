#!/bin/bash
# Usage: rpm/dist.sh VERSION OUTDIR [GO]
#
# Writes, from the checkout it runs in:
#   OUTDIR/SOURCES/qvd-ha-VERSION.tar.gz  the source tree with vendor/, so that
#                                         the build needs no network (OBS has none)
#   OUTDIR/SOURCES/qvd-ha-rpmlintrc       the spec's Source99
#   OUTDIR/SPECS/qvd-ha.spec              rpm/qvd-ha.spec with Version: set
# The tarball's own rpm/qvd-ha.spec carries the version too, so
# `rpmbuild -ta` works on the tarball alone.
#
# The tree is what git sees in the work tree: tracked files and new files
# that are not ignored, as they are now. A tarball of HEAD alone would drop
# work in progress that `make install` already uses; version.sh marks such
# a build ".dirty".
set -euo pipefail
# Read-only: git must not refresh the index of a checkout that others may
# be committing in.
export GIT_OPTIONAL_LOCKS=0

version=${1:?version}
out=${2:?output directory}
go=${3:-go}
name=qvd-ha
top=$(git rev-parse --show-toplevel)

stage=$(mktemp -d "${TMPDIR:-/tmp}/qvd-ha-dist.XXXXXX")
trap 'rm -rf "$stage"' EXIT
tree=$stage/$name-$version
mkdir -p "$tree" "$out/SOURCES" "$out/SPECS"

cd "$top"
git ls-files -z --cached --others --exclude-standard |
	while IFS= read -r -d '' f; do
		# a tracked file deleted in the work tree stays out
		if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\0' "$f"; fi
	done |
	tar --null --files-from=- -cf - | tar -xf - -C "$tree"

# vendor/ from the module cache (or the module proxy when the cache lacks a
# module); go.mod and go.sum of the copy are not changed by it.
(cd "$tree" && GOWORK=off GOFLAGS=-mod=mod GOTOOLCHAIN=local "$go" mod vendor)

sed -i "s/^Version:.*/Version:        $version/" "$tree/rpm/$name.spec"
cp "$tree/rpm/$name.spec" "$out/SPECS/$name.spec"
cp "$tree/rpm/$name-rpmlintrc" "$out/SOURCES/"

# The same tree gives the same bytes: sorted names, no owner, every mtime
# the commit's, gzip without a timestamp.
mtime=$(git log -1 --format=%ct)
tar -C "$stage" --sort=name --owner=0 --group=0 --numeric-owner \
	--mode=go-w --mtime="@$mtime" \
	-cf - "$name-$version" | gzip -9 -n >"$out/SOURCES/$name-$version.tar.gz"
echo "$out/SOURCES/$name-$version.tar.gz"
