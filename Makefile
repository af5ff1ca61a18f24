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

KERNELS ?=
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

clean:
	rm -rf build

distclean: clean
	rm -rf $(NSDEV_CACHE)

.PHONY: all check check-debug demo shell bench lint clean distclean
