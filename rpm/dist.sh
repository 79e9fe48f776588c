#!/bin/bash
# Usage: rpm/dist.sh VERSION RELEASE OUTDIR [GO]
#
# Writes, from the checkout it runs in:
#   OUTDIR/SOURCES  the files of the OBS package, as `osc add` wants them:
#     qvd-ha-VERSION.tar.gz  the source tree with vendor/, so that the
#                            build needs no network (OBS has none)
#     qvd-ha.spec            rpm/qvd-ha.spec with Version and Release set
#                            and an empty %changelog, which OBS fills
#     qvd-ha.changes         the change log OBS fills it from
#     qvd-ha-rpmlintrc       the spec's Source99
#   OUTDIR/SPECS/qvd-ha.spec the spec as OBS's build hands it to rpmbuild:
#                            %changelog made from qvd-ha.changes
# The tarball's own rpm/qvd-ha.spec is the second one, so
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
release=${2:?release}
out=${3:?output directory}
go=${4:-go}
name=qvd-ha
top=$(git rev-parse --show-toplevel)

stage=$(mktemp -d "${TMPDIR:-/tmp}/qvd-ha-dist.XXXXXX")
trap 'rm -rf "$stage"' EXIT
tree=$stage/$name-$version
mkdir -p "$tree" "$out/SOURCES" "$out/SPECS"

# changelog prints an openSUSE .changes file as rpm %changelog entries:
# each "Sun Dec  6 12:00:00 UTC 2026 - Name <mail>" heading becomes
# "* Sun Dec 06 2026 Name <mail>", the "- " entries stay as they are,
# with '%' doubled for rpm's macro expansion. A heading whose weekday or
# date is not a real one fails: rpm would only warn of a bogus date.
changelog() {
	local line when who canon
	while IFS= read -r line; do
		case $line in
		-------------------------------------------------------------------) ;;
		"") ;;
		[A-Z][a-z][a-z]\ [A-Z][a-z][a-z]\ *\ -\ *@*)
			when=${line%% - *}
			who=${line#* - }
			canon=$(LC_ALL=C date -u -d "$when" '+%a %b %e %H:%M:%S UTC %Y') || return 1
			if [ "$canon" != "$when" ]; then
				echo "dist.sh: $1: heading \"$when\" is not a date as \`osc vc\` writes it (\"$canon\")" >&2
				return 1
			fi
			printf '\n* %s %s\n' "$(LC_ALL=C date -u -d "$when" '+%a %b %d %Y')" "$who"
			;;
		"- "* | "  "*) printf '%s\n' "${line//%/%%}" ;;
		*)
			echo "dist.sh: $1: not a .changes line: $line" >&2
			return 1
			;;
		esac
	done <"$1" | sed 1d
}

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

sed -i -e "s/^Version:.*/Version:        $version/" -e "s/^Release:.*/Release:        $release/" \
	"$tree/rpm/$name.spec"
cp "$tree/rpm/$name.spec" "$tree/rpm/$name-rpmlintrc" "$tree/rpm/$name.changes" "$out/SOURCES/"
# What OBS's build does with the package's .changes before rpmbuild runs.
changelog "$tree/rpm/$name.changes" >"$stage/changelog"
sed -i "/^%changelog\$/r $stage/changelog" "$tree/rpm/$name.spec"
cp "$tree/rpm/$name.spec" "$out/SPECS/$name.spec"

# The same tree gives the same bytes: sorted names, no owner, every mtime
# the commit's, gzip without a timestamp.
mtime=$(git log -1 --format=%ct)
tar -C "$stage" --sort=name --owner=0 --group=0 --numeric-owner \
	--mode=go-w --mtime="@$mtime" \
	-cf - "$name-$version" | gzip -9 -n >"$out/SOURCES/$name-$version.tar.gz"
echo "$out/SOURCES/$name-$version.tar.gz"
