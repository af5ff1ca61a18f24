#include "nsdev/error.h"

#include <gtest/gtest.h>

#include <cerrno>

namespace nsdev {
namespace {

TEST(SysError, MessageNamesContextErrnoAndText) {
    SysError e(ENOENT, "open /dev/nsdevtmpfs-control");
    EXPECT_STREQ(e.what(), "open /dev/nsdevtmpfs-control: ENOENT (No such file or directory)");
    EXPECT_EQ(e.context(), "open /dev/nsdevtmpfs-control");
}

TEST(SysError, CodeIsGenericErrno) {
    SysError e(EBUSY, "unload module nsdevtmpfs");
    EXPECT_EQ(e.code().value(), EBUSY);
    EXPECT_EQ(e.code(), std::errc::device_or_resource_busy);
}

TEST(SysError, CatchableAsSystemError) {
    try {
        throw SysError(EACCES, "open /x");
    } catch (const std::system_error& e) {
        EXPECT_STREQ(e.what(), "open /x: EACCES (Permission denied)");
        return;
    }
    FAIL() << "SysError not caught as std::system_error";
}

TEST(ErrnoName, KnownNames) {
    EXPECT_EQ(errno_name(EPERM), "EPERM");
    EXPECT_EQ(errno_name(ENOTTY), "ENOTTY");
    EXPECT_EQ(errno_name(ENOTEMPTY), "ENOTEMPTY");
    EXPECT_EQ(errno_name(EWOULDBLOCK), "EAGAIN");
    EXPECT_EQ(errno_name(ENOTSUP), "EOPNOTSUPP");
}

TEST(ErrnoName, UnknownFallsBackToNumber) {
    EXPECT_EQ(errno_name(0), "errno 0");
    EXPECT_EQ(errno_name(4095), "errno 4095");
    EXPECT_EQ(errno_name(-1), "errno -1");
    SysError e(4095, "ioctl ASSIGN");
    EXPECT_EQ(std::string(e.what()).rfind("ioctl ASSIGN: errno 4095 (", 0), 0u) << e.what();
}

}  // namespace
}  // namespace nsdev
