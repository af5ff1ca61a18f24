# nsdevtmpfs: top-level entry points. The work is done by scripts/.
#
#   make                  module + userspace for the default kernel
#   make check            host unit tests, then every kernel in the matrix,
#                         then the debug kernel (KASAN, lockdep, kmemleak)
#   make check KERNELS=bookworm
#   make check-debug      only the debug kernel
#   make demo             boot the default kernel and show what exists
#   make shell KERNEL=sid an interactive shell in the test VM
#   make bench            the benchmark table of every kernel (KERNELS=...)
#   make lint             checkpatch --strict and sparse on the module
#   make clean            remove build/ (keeps the kernel cache)
#   make distclean        also remove the kernel cache ($(NSDEV_CACHE))
#
# Installing on a host (README: "Install on your host"):
#   make deb              the Debian packages, in build/deb/ (scripts/package)
#   make install          nsdevctl, nsdev-oci-hook, man pages, the uapi
#                         header, hook and LXC configuration under $(PREFIX);
#                         with KDIR=..., also the module (modules_install)
#   make install-dkms     the module's source and dkms.conf, for dkms add
#   make uninstall        remove what make install installed
# All take DESTDIR; PREFIX defaults to /usr/local.

KERNELS ?=
PREFIX ?= /usr/local
DESTDIR ?=
KDIR ?=
NSDEV_VERSION := $(shell cat VERSION)
# The host build, apart from the VM's (build/userspace, static libstdc++).
HOST_BUILD := build/host
KERNEL ?= trixie
NSDEV_CACHE ?= /var/cache/nsdevtmpfs
export NSDEV_CACHE

all:
	@scripts/install-deps
	@scripts/build $(KERNEL)

check:
	@scripts/check $(KERNELS)

check-debug:
	@scripts/check debug

demo:
	@scripts/demo $(KERNEL)

shell:
	@scripts/install-deps
	@scripts/build $(KERNEL)
	@scripts/vm-run --kernel $(KERNEL) --shell

bench:
	@scripts/bench $(KERNELS)

lint:
	@scripts/lint $(KERNELS)

# The userspace for this host, without tests, configured for $(PREFIX).
host-build:
	cmake -S userspace -B $(HOST_BUILD) -DNSDEV_BUILD_TESTS=OFF \
		-DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=$(PREFIX)
	cmake --build $(HOST_BUILD) -j$$(nproc)

install: host-build
	DESTDIR=$(DESTDIR) cmake --install $(HOST_BUILD)
ifneq ($(KDIR),)
	$(MAKE) -C kernel KDIR=$(KDIR)
	$(MAKE) -C $(KDIR) M=$(CURDIR)/kernel INSTALL_MOD_PATH=$(DESTDIR) modules_install
endif

# DKMS's source layout: /usr/src/nsdevtmpfs-VERSION/ holds the module's
# sources, its uapi header, VERSION and dkms.conf with the version filled in.
DKMS_SRC := $(DESTDIR)/usr/src/nsdevtmpfs-$(NSDEV_VERSION)
install-dkms:
	install -d $(DKMS_SRC)/include/uapi/linux
	install -m 644 kernel/*.c kernel/*.h kernel/Kbuild kernel/Makefile VERSION $(DKMS_SRC)/
	install -m 644 kernel/include/uapi/linux/nsdevtmpfs.h $(DKMS_SRC)/include/uapi/linux/
	sed 's/#MODULE_VERSION#/$(NSDEV_VERSION)/' kernel/dkms.conf >$(DKMS_SRC)/dkms.conf

uninstall:
	@[ -f $(HOST_BUILD)/install_manifest.txt ] || \
		{ echo "nothing recorded: run make install first (same PREFIX)" >&2; exit 1; }
	xargs -d '\n' -I{} rm -f -- "$(DESTDIR){}" <$(HOST_BUILD)/install_manifest.txt
	rmdir --ignore-fail-on-non-empty $(DESTDIR)$(PREFIX)/libexec/nsdevtmpfs \
		$(DESTDIR)$(PREFIX)/share/nsdevtmpfs/lxc $(DESTDIR)$(PREFIX)/share/nsdevtmpfs
ifneq ($(KDIR),)
	rm -f $(DESTDIR)/lib/modules/$$(cat $(KDIR)/include/config/kernel.release)/extra/nsdevtmpfs.ko*
endif

deb:
	@scripts/package

clean:
	rm -rf build

distclean: clean
	rm -rf $(NSDEV_CACHE)

.PHONY: all check check-debug demo shell bench lint clean distclean
.PHONY: host-build install install-dkms uninstall deb
