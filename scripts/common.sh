# shellcheck shell=bash
# Shared settings for the nsdevtmpfs scripts. Source, do not execute.
#
# NSDEV_CACHE   where kernel trees, images and apt state live (outside git)
# KERNELS       the matrix, named by Debian suite
#
# make check runs the matrix and then the debug tier: the trixie source
# built with KASAN, lockdep and kmemleak (scripts/prepare-debug-kernel).

NSDEV_CACHE=${NSDEV_CACHE:-/var/cache/nsdevtmpfs}
NSDEV_ALL_KERNELS="bookworm trixie sid"
NSDEV_CHECK_KERNELS="$NSDEV_ALL_KERNELS debug"
NSDEV_DEFAULT_KERNEL=trixie
NSDEV_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

msg() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# suite_dir SUITE: the cache directory of one kernel series
suite_dir() { printf '%s/%s\n' "$NSDEV_CACHE" "$1"; }

check_suite() {
	case " $NSDEV_ALL_KERNELS debug " in
	*" $1 "*) ;;
	*) die "unknown kernel '$1' (known: $NSDEV_ALL_KERNELS, and debug)" ;;
	esac
}

# kernel_var SUITE NAME: a value recorded by prepare-kernel (RELEASE, VERSION, ...)
kernel_var() {
	local f
	f="$(suite_dir "$1")/kernel.env"
	[ -f "$f" ] || die "kernel '$1' is not prepared (run scripts/prepare-kernel $1)"
	# shellcheck disable=SC1090
	(. "$f" && eval "printf '%s\n' \"\$$2\"")
}
