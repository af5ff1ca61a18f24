#include "nsdev/fd.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <thread>
#include <utility>

#include "nsdev/error.h"

namespace nsdev {
namespace {

// True if @fd is an open descriptor in this process.
bool is_open(int fd) { return ::fcntl(fd, F_GETFD) != -1 || errno != EBADF; }

int open_null() {
    int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    int err = errno;
    EXPECT_GE(fd, 0) << SysError(err, "open /dev/null").what();
    return fd;
}

TEST(UniqueFd, DefaultIsEmpty) {
    UniqueFd fd;
    EXPECT_FALSE(fd);
    EXPECT_EQ(fd.get(), -1);
}

TEST(UniqueFd, ClosesOnDestruction) {
    int raw = open_null();
    {
        UniqueFd fd(raw);
        EXPECT_TRUE(fd);
        EXPECT_EQ(fd.get(), raw);
    }
    errno = 0;
    EXPECT_EQ(::fcntl(raw, F_GETFD), -1);
    EXPECT_EQ(errno, EBADF);
}

TEST(UniqueFd, MoveConstructTransfersOwnership) {
    int raw = open_null();
    UniqueFd a(raw);
    UniqueFd b(std::move(a));
    EXPECT_FALSE(a);  // NOLINT(bugprone-use-after-move): moved-from state is specified
    EXPECT_EQ(b.get(), raw);
    EXPECT_TRUE(is_open(raw));
}

TEST(UniqueFd, MoveAssignClosesPreviousTarget) {
    int first = open_null();
    int second = open_null();
    UniqueFd a(first);
    UniqueFd b(second);
    a = std::move(b);
    EXPECT_FALSE(is_open(first));
    EXPECT_EQ(a.get(), second);
    EXPECT_FALSE(b);  // NOLINT(bugprone-use-after-move)
    EXPECT_TRUE(is_open(second));
}

TEST(UniqueFd, ReleaseKeepsDescriptorOpen) {
    int raw = open_null();
    UniqueFd fd(raw);
    EXPECT_EQ(fd.release(), raw);
    EXPECT_FALSE(fd);
    EXPECT_TRUE(is_open(raw));
    ::close(raw);
}

TEST(UniqueFd, ResetClosesOldAndOwnsNew) {
    int first = open_null();
    int second = open_null();
    UniqueFd fd(first);
    fd.reset(second);
    EXPECT_FALSE(is_open(first));
    EXPECT_EQ(fd.get(), second);
    fd.reset();
    EXPECT_FALSE(fd);
    EXPECT_FALSE(is_open(second));
}

TEST(OpenOrThrow, OpensWithCloexec) {
    UniqueFd fd = open_or_throw("/dev/null", O_RDONLY);
    ASSERT_TRUE(fd);
    EXPECT_EQ(::fcntl(fd.get(), F_GETFD), FD_CLOEXEC);
}

TEST(OpenOrThrow, MissingPathThrowsEnoentWithPath) {
    const std::string path = "/nonexistent-nsdev-test/nsdevtmpfs-control";
    try {
        open_or_throw(path, O_RDWR);
        FAIL() << "open_or_throw did not throw";
    } catch (const SysError& e) {
        EXPECT_EQ(e.code().value(), ENOENT);
        EXPECT_EQ(e.context(), "open " + path);
        EXPECT_EQ(std::string(e.what()), "open " + path + ": ENOENT (No such file or directory)");
    }
}

// More than a pipe holds (64 KiB): write_all() must go on after short
// writes while read_all() drains the other end.
TEST(ReadWriteAll, MoveMoreThanAPipeHolds) {
    int p[2];
    ASSERT_EQ(::pipe2(p, O_CLOEXEC), 0);
    UniqueFd rd(p[0]), wr(p[1]);
    std::string data(300 * 1024, 'x');
    for (size_t i = 0; i < data.size(); i += 4096) data[i] = static_cast<char>('a' + i % 26);
    bool written = false;
    std::thread writer([&] {
        written = write_all(wr.get(), data);
        wr.reset();
    });
    std::string got = read_all(rd.get());
    writer.join();
    EXPECT_TRUE(written);
    EXPECT_EQ(got.size(), data.size());
    EXPECT_TRUE(got == data);
}

TEST(ReadWriteAll, WriteErrorIsReported) {
    UniqueFd fd(open_null());  // read-only: write(2) fails with EBADF
    EXPECT_FALSE(write_all(fd.get(), "report"));
    EXPECT_TRUE(write_all(fd.get(), ""));
}

TEST(ReadWriteAll, ReadStopsAtEndOfFile) {
    UniqueFd fd(open_null());
    EXPECT_EQ(read_all(fd.get()), "");
}

}  // namespace
}  // namespace nsdev
