// IoRing, random_read and io_size (see io.h).
#include "io.h"

#include <liburing.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "nsdev/error.h"

namespace nsdev {
namespace {

constexpr size_t kBufferAlign = 4096;  // page-aligned: fine for any O_DIRECT device

// splitmix64: cheap, and good enough to spread offsets uniformly.
class OffsetGenerator {
public:
    OffsetGenerator(uint64_t seed, uint64_t blocks, unsigned block)
        : state_(seed), blocks_(blocks), block_(block) {}

    uint64_t next() noexcept {
        uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        z ^= z >> 31;
        return (z % blocks_) * block_;
    }

private:
    uint64_t state_;
    uint64_t blocks_;
    unsigned block_;
};

struct FreeDeleter {
    void operator()(void* p) const noexcept { std::free(p); }
};

}  // namespace

double IoResult::iops() const noexcept {
    const double s = std::chrono::duration<double>(elapsed).count();
    return s > 0 ? static_cast<double>(ops) / s : 0;
}

double IoResult::mib_per_s() const noexcept {
    const double s = std::chrono::duration<double>(elapsed).count();
    return s > 0 ? static_cast<double>(bytes) / (1024.0 * 1024.0) / s : 0;
}

IoResult& IoResult::operator+=(const IoResult& other) noexcept {
    ops += other.ops;
    bytes += other.bytes;
    elapsed += other.elapsed;
    return *this;
}

IoRing::IoRing(unsigned entries) : ring_(std::make_unique<io_uring>()), entries_(entries) {
    const int r = ::io_uring_queue_init(entries, ring_.get(), 0);
    if (r < 0) throw SysError(-r, "io_uring_queue_init (" + std::to_string(entries) + " entries)");
}

IoRing::IoRing(IoRing&& other) noexcept
    : ring_(std::move(other.ring_)), entries_(std::exchange(other.entries_, 0)) {}

IoRing& IoRing::operator=(IoRing&& other) noexcept {
    if (this != &other) {
        if (ring_) ::io_uring_queue_exit(ring_.get());
        ring_ = std::move(other.ring_);
        entries_ = std::exchange(other.entries_, 0);
    }
    return *this;
}

IoRing::~IoRing() {
    if (ring_) ::io_uring_queue_exit(ring_.get());
}

void check_random_read(uint64_t size, unsigned block, unsigned depth) {
    if (block == 0) throw std::invalid_argument("random read: the block size is 0");
    if (size < block)
        throw std::invalid_argument("random read: block size " + std::to_string(block) +
                                    " is larger than the " + std::to_string(size) +
                                    " bytes to read from");
    if (depth == 0 || depth > kMaxIoDepth)
        throw std::invalid_argument("random read: queue depth " + std::to_string(depth) +
                                    " is not in 1.." + std::to_string(kMaxIoDepth));
}

IoResult random_read(int fd, uint64_t size, unsigned block, unsigned depth,
                     std::chrono::nanoseconds duration, uint64_t seed) {
    check_random_read(size, block, depth);
    IoRing ring(depth);
    return random_read(ring, fd, size, block, depth, duration, seed);
}

IoResult random_read(IoRing& ring, int fd, uint64_t size, unsigned block, unsigned depth,
                     std::chrono::nanoseconds duration, uint64_t seed) {
    using Clock = std::chrono::steady_clock;
    check_random_read(size, block, depth);
    if (!ring.get() || ring.entries() < depth)
        throw std::invalid_argument("random read: queue depth " + std::to_string(depth) +
                                    " on a ring of " + std::to_string(ring.entries()) + " entries");

    // One buffer per slot.
    const size_t bytes = static_cast<size_t>(block) * depth;
    std::unique_ptr<char, FreeDeleter> buffers(static_cast<char*>(std::aligned_alloc(
        kBufferAlign, (bytes + kBufferAlign - 1) / kBufferAlign * kBufferAlign)));
    if (!buffers) throw SysError(ENOMEM, "allocate " + std::to_string(bytes) + " bytes of buffers");
    std::vector<uint64_t> offsets(depth);
    OffsetGenerator gen(seed, size / block, block);
    io_uring* r = ring.get();

    auto queue = [&](unsigned slot) {
        io_uring_sqe* sqe = ::io_uring_get_sqe(r);
        // Never more than @depth in flight, and the ring has @depth slots.
        if (!sqe) throw std::logic_error("random read: the submission queue is full");
        offsets[slot] = gen.next();
        ::io_uring_prep_read(sqe, fd, buffers.get() + static_cast<size_t>(slot) * block, block,
                             offsets[slot]);
        ::io_uring_sqe_set_data64(sqe, slot);
    };

    IoResult res;
    int error = 0;  // of the first failed read; the others are waited for
    uint64_t error_offset = 0;
    unsigned inflight = 0;
    const Clock::time_point start = Clock::now();
    const Clock::time_point deadline = start + duration;
    try {
        for (; inflight < depth; inflight++) queue(inflight);
        bool stopping = false;
        while (inflight > 0) {
            const int s = ::io_uring_submit_and_wait(r, 1);
            if (s < 0 && s != -EINTR) throw SysError(-s, "io_uring_submit_and_wait");
            unsigned head, seen = 0;
            io_uring_cqe* cqe;
            io_uring_for_each_cqe(r, head, cqe) {
                seen++;
                inflight--;
                const auto slot = static_cast<unsigned>(::io_uring_cqe_get_data64(cqe));
                if (cqe->res <= 0) {  // 0: nothing to read there
                    if (!error) {
                        error = cqe->res < 0 ? -cqe->res : EIO;
                        error_offset = offsets[slot];
                    }
                    stopping = true;
                    continue;
                }
                res.ops++;
                res.bytes += static_cast<unsigned>(cqe->res);
                if (!stopping) {
                    queue(slot);
                    inflight++;
                }
            }
            ::io_uring_cq_advance(r, seen);
            if (!stopping && Clock::now() >= deadline) stopping = true;
        }
    } catch (...) {
        // Reads still in flight may yet land in the buffers: leave them
        // allocated rather than let the heap reuse them.
        if (inflight > 0) (void)buffers.release();
        throw;
    }
    if (error)
        throw SysError(
            error, "read fd " + std::to_string(fd) + " at offset " + std::to_string(error_offset));
    res.elapsed = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start);
    return res;
}

uint64_t io_size(int fd) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) throw SysError(errno, "size of fd " + std::to_string(fd));
    if (S_ISREG(st.st_mode)) return static_cast<uint64_t>(st.st_size);
    if (!S_ISBLK(st.st_mode)) throw SysError(EINVAL, "size of fd " + std::to_string(fd));
    uint64_t size = 0;
    if (::ioctl(fd, BLKGETSIZE64, &size) != 0)
        throw SysError(errno, "size of fd " + std::to_string(fd));
    return size;
}

}  // namespace nsdev
