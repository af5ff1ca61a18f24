// Host tests of open_userns and the nsfs inode helpers.
#include "nsdev/ns.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <string>

#include "nsdev/error.h"

namespace nsdev {
namespace {

// what() of the std::invalid_argument open_userns(@spec) throws, or a
// description of what happened instead.
std::string invalid_message(const std::string& spec) {
    try {
        open_userns(spec);
        return "no exception";
    } catch (const std::invalid_argument& e) {
        return e.what();
    } catch (const std::exception& e) {
        return std::string("wrong exception: ") + e.what();
    }
}

TEST(OpenUserns, PidMeansProcPidNsUser) {
    UniqueFd fd = open_userns(std::to_string(::getpid()));
    ASSERT_TRUE(fd);
    EXPECT_EQ(userns_inode(fd.get()), current_userns_inode());
}

TEST(OpenUserns, NsfsPath) {
    UniqueFd fd = open_userns("/proc/self/ns/user");
    ASSERT_TRUE(fd);
    EXPECT_EQ(userns_inode(fd.get()), current_userns_inode());
}

TEST(OpenUserns, OtherNamespaceTypeIsRejected) {
    EXPECT_EQ(invalid_message("/proc/self/ns/net"),
              "/proc/self/ns/net is a network namespace, not a user namespace");
    EXPECT_EQ(invalid_message("/proc/self/ns/mnt"),
              "/proc/self/ns/mnt is a mount namespace, not a user namespace");
}

TEST(OpenUserns, NonNamespaceFileIsRejected) {
    EXPECT_EQ(invalid_message("/dev/null"), "/dev/null is not a namespace file");
}

TEST(OpenUserns, EmptySpecIsRejected) {
    EXPECT_EQ(invalid_message(""), "empty user namespace (expected a pid or a path)");
}

TEST(OpenUserns, MissingPidThrowsEnoent) {
    try {
        open_userns("999999999");  // above PID_MAX_LIMIT (4194304)
        FAIL() << "open_userns did not throw";
    } catch (const SysError& e) {
        EXPECT_EQ(e.code().value(), ENOENT);
        EXPECT_EQ(e.context(), "open /proc/999999999/ns/user");
    }
}

TEST(UsernsInode, BadFdThrowsEbadf) {
    try {
        userns_inode(-1);
        FAIL() << "userns_inode did not throw";
    } catch (const SysError& e) {
        EXPECT_EQ(std::string(e.what()), "stat user namespace fd -1: EBADF (Bad file descriptor)");
    }
}

TEST(CurrentUsernsInode, IsNonzero) { EXPECT_NE(current_userns_inode(), 0u); }

}  // namespace
}  // namespace nsdev
