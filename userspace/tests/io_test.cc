// Host tests of the io_uring wrapper: the result's arithmetic, argument
// checks, and random_read() on a regular file (io_uring reads files too;
// the loop devices are the VM's business).
#include "io.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <string>
#include <vector>

#include "nsdev/error.h"
#include "nsdev/fd.h"

namespace nsdev {
namespace {

using namespace std::chrono_literals;

TEST(IoResult, RatesPerSecond) {
    IoResult r{1000, 1000 * 4096ULL, 500ms};
    EXPECT_DOUBLE_EQ(r.iops(), 2000);
    EXPECT_DOUBLE_EQ(r.mib_per_s(), 2000 * 4096.0 / (1 << 20));
}

TEST(IoResult, NoTimeNoRate) {
    IoResult r{5, 5, 0ns};
    EXPECT_EQ(r.iops(), 0);
    EXPECT_EQ(r.mib_per_s(), 0);
}

TEST(IoResult, Accumulates) {
    IoResult a{1, 4096, 1ms};
    a += IoResult{2, 8192, 3ms};
    EXPECT_EQ(a, (IoResult{3, 12288, 4ms}));
}

TEST(CheckRandomRead, RejectsEachBadArgumentByName) {
    EXPECT_NO_THROW(check_random_read(4096, 4096, 1));
    EXPECT_NO_THROW(check_random_read(1 << 20, 512, kMaxIoDepth));
    try {
        check_random_read(4096, 8192, 32);
        FAIL() << "no throw";
    } catch (const std::invalid_argument& e) {
        EXPECT_STREQ(e.what(),
                     "random read: block size 8192 is larger than the 4096 bytes to read from");
    }
    try {
        check_random_read(4096, 0, 32);
        FAIL() << "no throw";
    } catch (const std::invalid_argument& e) {
        EXPECT_STREQ(e.what(), "random read: the block size is 0");
    }
    for (unsigned depth : {0U, kMaxIoDepth + 1}) {
        try {
            check_random_read(1 << 20, 4096, depth);
            FAIL() << "no throw for depth " << depth;
        } catch (const std::invalid_argument& e) {
            EXPECT_EQ(std::string(e.what()),
                      "random read: queue depth " + std::to_string(depth) + " is not in 1..4096");
        }
    }
}

class IoFile : public testing::Test {
protected:
    void SetUp() override {
        path_ = "/tmp/nsdev-io-test.XXXXXX";
        const int fd = ::mkstemp(path_.data());
        ASSERT_GE(fd, 0);
        fd_.reset(fd);
        const std::vector<char> data(kSize, 'x');
        ASSERT_EQ(::write(fd, data.data(), data.size()), static_cast<ssize_t>(kSize));
    }
    void TearDown() override { ::unlink(path_.c_str()); }

    static constexpr size_t kSize = 1 << 20;
    std::string path_;
    UniqueFd fd_;
};

TEST_F(IoFile, RandomReadReadsWholeBlocksForTheDuration) {
    const IoResult r = random_read(fd_.get(), kSize, 4096, 8, 50ms);
    EXPECT_GT(r.ops, 0u);
    EXPECT_EQ(r.bytes, r.ops * 4096);
    EXPECT_GE(r.elapsed, 50ms);
    EXPECT_LT(r.elapsed, 5s);
    EXPECT_GT(r.iops(), 0);
}

TEST_F(IoFile, ZeroDurationStillCompletesTheFirstQueue) {
    // The first @depth reads are submitted before the clock is looked at.
    const IoResult r = random_read(fd_.get(), kSize, 512, 4, 0ns);
    EXPECT_GE(r.ops, 4u);
    EXPECT_EQ(r.bytes, r.ops * 512);
}

TEST_F(IoFile, FailedReadNamesFdAndOffset) {
    UniqueFd wronly = open_or_throw(path_, O_WRONLY);
    try {
        random_read(wronly.get(), kSize, 4096, 2, 10ms);
        FAIL() << "no throw";
    } catch (const SysError& e) {
        EXPECT_EQ(e.code().value(), EBADF);
        EXPECT_EQ(e.context().rfind("read fd " + std::to_string(wronly.get()) + " at offset ", 0),
                  0u)
            << e.what();
    }
}

TEST_F(IoFile, IoSizeOfAFile) { EXPECT_EQ(io_size(fd_.get()), kSize); }

TEST(IoSize, OtherFileTypesAreEinval) {
    UniqueFd dir = open_or_throw("/tmp", O_RDONLY | O_DIRECTORY);
    try {
        io_size(dir.get());
        FAIL() << "no throw";
    } catch (const SysError& e) {
        EXPECT_EQ(e.code().value(), EINVAL);
        EXPECT_EQ(e.context(), "size of fd " + std::to_string(dir.get()));
    }
}

TEST(IoRing, SetsUpAndMoves) {
    IoRing a(8);
    ASSERT_NE(a.get(), nullptr);
    EXPECT_EQ(a.entries(), 8u);
    IoRing b(std::move(a));
    EXPECT_EQ(a.get(), nullptr);
    EXPECT_NE(b.get(), nullptr);
    IoRing c(4);
    c = std::move(b);
    EXPECT_EQ(c.entries(), 8u);
}

TEST(IoRing, TooManyEntriesIsASysError) {
    try {
        IoRing r(1U << 20);  // over IORING_MAX_ENTRIES
        FAIL() << "no throw";
    } catch (const SysError& e) {
        EXPECT_EQ(e.code().value(), EINVAL);
        EXPECT_EQ(e.context(), "io_uring_queue_init (1048576 entries)");
    }
}

}  // namespace
}  // namespace nsdev
