# SLES packages: included from the top-level Makefile, whose VERSION they
# carry. See rpm/README.md.
#
#   make dist      the OBS package (vendored tarball, spec, .changes) in
#                  $(RPM_OUT)/SOURCES, the spec to build in $(RPM_OUT)/SPECS
#   make rpm       binary and source RPMs in $(RPM_OUT)/RPMS and SRPMS
#   make rpmlint   rpmlint on them, with rpm/qvd-ha-rpmlintrc

# Included twice (by the Makefile and by -f rpm/rpm.mk) is the same as once.
ifndef QVD_HA_RPM_MK
QVD_HA_RPM_MK := 1

RPM_OUT  ?= $(CURDIR)/rpm/out
RPMBUILD ?= rpmbuild
RPMLINT  ?= rpmlint

# The Makefile's VERSION (rpm/version.sh: VERSION-RELEASE), so that the
# packages and the binaries in them name the same build. The Makefile
# computes it once: a commit landing during `make rpmlint` must not change
# it halfway. Neither part may hold a '-'.
RPM_VERSION = $(word 1,$(subst -, ,$(VERSION)))
RPM_RELEASE = $(word 2,$(subst -, ,$(VERSION)))

# Debian's rpm: the SUSE macros the spec needs come from the shim, and the
# BuildRequires cannot be checked (rpm's database knows nothing of what dpkg
# installed). On an rpm-based system neither applies.
RPMBUILD_DEBIAN = $(if $(filter debian,$(shell rpm --eval '%{_vendor}' 2>/dev/null)),--nodeps --load rpm/debian-shim.macros)

.PHONY: dist rpm rpmlint clean-rpm

dist:
	@echo '$(VERSION)' | grep -Eqx '[0-9][0-9A-Za-z.~]*-[0-9A-Za-z.~]+' || \
	  { echo "VERSION '$(VERSION)' is no RPM VERSION-RELEASE (see rpm/version.sh)" >&2; exit 1; }
	bash rpm/dist.sh '$(RPM_VERSION)' '$(RPM_RELEASE)' '$(RPM_OUT)' '$(GO)'

# -ba: the source RPM too. The build runs in $(RPM_OUT)/BUILD from the
# tarball, never in this checkout's bin/ and man/.
rpm: dist
	$(RPMBUILD) -ba $(RPMBUILD_DEBIAN) --define '_topdir $(RPM_OUT)' $(RPM_OUT)/SPECS/qvd-ha.spec

# rpm/rpmlint.toml turns on the checks Debian's rpmlint has but does not
# run by default (as openSUSE's configuration does). The debuginfo package
# is left out: Debian's rpmlint 2.4 crashes on its .debug files (it decodes
# readelf's output as UTF-8, and the interpreter name readelf prints for a
# .debug file is whatever bytes lie at that offset).
RPM_PACKAGES := qvd-ha qvd-ha-resource-agents qvd-ha-fence-agents qvd-ha-bootstrap

rpmlint: rpm
	$(RPMLINT) --config rpm/rpmlint.toml --rpmlintrc rpm/qvd-ha-rpmlintrc \
	  $(foreach p,$(RPM_PACKAGES),$(RPM_OUT)/RPMS/*/$p-$(VERSION).*.rpm) \
	  $(RPM_OUT)/SRPMS/qvd-ha-$(VERSION).src.rpm

# `make clean` removes the default output directory too.
clean: clean-rpm
clean-rpm:
	rm -rf rpm/out

endif
