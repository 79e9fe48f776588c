#!/bin/bash
# Checks that every program test/programs/programs.txt marks "test" is on
# this machine, and names the Debian packages that provide the missing ones.
# `make test` runs it first, so a missing program fails in a second with the
# package to install, not half an hour later inside a test.
set -euo pipefail
list=${1:-$(dirname "$0")/programs.txt}
PATH=$PATH:/usr/local/go/bin:/usr/sbin:/sbin:${QVD_PG_BINDIR:-/usr/lib/postgresql/15/bin}

missing=() packages=() absent_node=()
while read -r program package needed _; do
	case $program in '' | '#'*) continue ;; esac
	if [[ $program == /* ]]; then
		[ -x "$program" ] && continue
	else
		command -v "$program" >/dev/null && continue
	fi
	if [ "$needed" = node ]; then
		absent_node+=("$program ($package)")
		continue
	fi
	missing+=("$program ($package)")
	[[ " ${packages[*]} " == *" $package "* ]] || packages+=("$package")
done <"$list"

if [ ${#absent_node[@]} -gt 0 ]; then
	echo "check-programs: not here, and not needed by the tests (cluster nodes need them): ${absent_node[*]}"
fi
if [ ${#missing[@]} -gt 0 ]; then
	echo "check-programs: missing: ${missing[*]}" >&2
	echo "check-programs: apt-get install ${packages[*]}   (or run test/deps-debian.sh)" >&2
	exit 1
fi
echo "check-programs: every program the tests run is here ($list)"
