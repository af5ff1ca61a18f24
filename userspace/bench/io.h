// I/O through io_uring (liburing, SPEC §6): an owned ring and a random-read
// workload, the way fio's io_uring engine drives a block device, to compare
// a delegated loop device with the host's own on the same backing file.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>

struct io_uring;  // <liburing.h>; only the library includes it

namespace nsdev {

/** The largest queue depth random_read() accepts. */
inline constexpr unsigned kMaxIoDepth = 4096;

/**
 * IoResult - what a workload did: requests completed, bytes read, and the
 * time from the first submission until the last completion.
 */
struct IoResult {
    uint64_t ops = 0;
    uint64_t bytes = 0;
    std::chrono::nanoseconds elapsed{0};

    /** iops - completed requests per second; 0 when no time passed. */
    double iops() const noexcept;

    /** mib_per_s - MiB (2^20 bytes) read per second; 0 when no time passed. */
    double mib_per_s() const noexcept;

    /** operator+= - add @other's requests, bytes and time to ours. */
    IoResult& operator+=(const IoResult& other) noexcept;

    friend bool operator==(const IoResult&, const IoResult&) = default;
};

/**
 * IoRing - an io_uring instance (io_uring_queue_init), torn down
 * (io_uring_queue_exit) on destruction. Move-only; a moved-from object
 * owns nothing.
 */
class IoRing {
public:
    /**
     * IoRing - set up a ring with @entries submission slots (the kernel
     * rounds up to a power of two; the completion queue is twice that).
     *
     * Throws SysError "io_uring_queue_init (N entries)": ENOMEM over the
     * locked-memory limit, ENOSYS without io_uring, EPERM when
     * kernel.io_uring_disabled forbids it.
     */
    explicit IoRing(unsigned entries);

    IoRing(IoRing&& other) noexcept;
    IoRing& operator=(IoRing&& other) noexcept;
    IoRing(const IoRing&) = delete;
    IoRing& operator=(const IoRing&) = delete;

    ~IoRing();

    /** get - the liburing ring, still owned by this object; null if moved from. */
    io_uring* get() const noexcept { return ring_.get(); }

    /** entries - the entries asked for at construction. */
    unsigned entries() const noexcept { return entries_; }

private:
    std::unique_ptr<io_uring> ring_;
    unsigned entries_ = 0;
};

/**
 * check_random_read - the arguments random_read() accepts: @block > 0,
 * @size >= @block, 1 <= @depth <= kMaxIoDepth.
 *
 * Throws std::invalid_argument naming the argument, e.g.
 * "random read: block size 8192 is larger than the 4096 bytes to read from".
 */
void check_random_read(uint64_t size, unsigned block, unsigned depth);

/**
 * random_read - read @block bytes at uniformly random @block-aligned
 * offsets below @size of @fd, keeping @depth reads in flight through one
 * IoRing, for @duration; then wait for the reads still in flight (they
 * count). Offsets come from a fixed-seed generator (@seed), so two runs
 * with the same arguments read the same sequence.
 * @fd: a file or block device open for reading (O_DIRECT or not: the
 *      buffers are page-aligned either way).
 * @size: bytes of @fd to read from, from offset 0 (io_size(@fd)).
 * @block: bytes per read; with O_DIRECT a multiple of the logical block size.
 * @depth: reads in flight (the queue depth).
 * @duration: how long to keep submitting.
 * @seed: the generator's seed.
 *
 * Return: requests, bytes and elapsed time. Throws what check_random_read()
 * and IoRing() throw, and SysError "read fd N at offset OFF" for the first
 * failed or empty read (EINVAL for O_DIRECT with a misaligned @block;
 * EIO for an empty one), "io_uring_submit_and_wait" when submitting fails.
 */
IoResult random_read(int fd, uint64_t size, unsigned block, unsigned depth,
                     std::chrono::nanoseconds duration, uint64_t seed = 1);

/**
 * random_read - the same through @ring, which must be idle and have at
 * least @depth entries (std::invalid_argument otherwise): a caller that
 * runs the workload many times in short slices keeps its ring (and the
 * kernel's io-wq workers behind it) from one to the next. A failed read
 * stops the workload: the reads still in flight are waited for, so the
 * ring is idle again when this throws (except when submitting itself
 * failed).
 */
IoResult random_read(IoRing& ring, int fd, uint64_t size, unsigned block, unsigned depth,
                     std::chrono::nanoseconds duration, uint64_t seed = 1);

/**
 * io_size - the size in bytes of a regular file (st_size) or a block
 * device (BLKGETSIZE64) open at @fd.
 *
 * Throws SysError "size of fd N" (EINVAL for any other file type).
 */
uint64_t io_size(int fd);

}  // namespace nsdev
