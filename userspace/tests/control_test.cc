// Host tests of Control's error reporting. Without the module, /dev/null
// stands in for the control device: every ioctl fails with ENOTTY, which
// shows the context each method puts in its SysError.
#include "nsdev/control.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <functional>
#include <string>

#include "nsdev/error.h"

namespace nsdev {
namespace {

using Type = DeviceId::Type;

// what() of the SysError @call throws, or a description of what happened.
std::string error_of(const std::function<void()>& call) {
    try {
        call();
        return "no exception";
    } catch (const SysError& e) {
        return e.what();
    }
}

const char kEnotty[] = ": ENOTTY (Inappropriate ioctl for device)";

TEST(Control, MissingNodeThrowsEnoent) {
    const std::string path = "/nonexistent-nsdev-test/nsdevtmpfs-control";
    EXPECT_EQ(error_of([&] { Control c(path); }),
              "open " + path + ": ENOENT (No such file or directory)");
}

TEST(Control, DefaultPath) { EXPECT_STREQ(kControlPath, "/dev/nsdevtmpfs-control"); }

TEST(Control, ErrorsNameVerbAndDevice) {
    Control c("/dev/null");
    EXPECT_EQ(c.path(), "/dev/null");
    EXPECT_GE(c.fd(), 0);
    const DeviceId null{Type::Char, 1, 3};
    const DeviceId ram0{Type::Block, 1, 0};
    EXPECT_EQ(error_of([&] { c.assign(ram0, 5); }),
              std::string("assign b:1:0 to user namespace fd 5") + kEnotty);
    EXPECT_EQ(error_of([&] { c.assign_global(null); }),
              std::string("assign c:1:3 globally") + kEnotty);
    EXPECT_EQ(error_of([&] { c.revoke(ram0); }), std::string("revoke b:1:0") + kEnotty);
    EXPECT_EQ(error_of([&] { c.query(null); }), std::string("query c:1:3") + kEnotty);
    EXPECT_EQ(error_of([&] { c.set_limit(5, 4); }),
              std::string("set loop limit 4 on user namespace fd 5") + kEnotty);
}

// The module refuses ASSIGN of a loop device or a loop partition with
// EOPNOTSUPP; the message says where loop devices come from instead.
TEST(Control, RefusedLoopAssignHasAHint) {
    const DeviceId loop0{Type::Block, 7, 0};
    const DeviceId loop0p1{Type::Block, 259, 0};
    EXPECT_EQ(assign_error_hint(EOPNOTSUPP, loop0), kLoopAssignHint);
    EXPECT_EQ(assign_error_hint(EOPNOTSUPP, loop0p1), kLoopAssignHint);
    EXPECT_EQ(assign_error_hint(EBUSY, loop0), "");
    EXPECT_EQ(assign_error_hint(ENOTTY, loop0), "");
    EXPECT_EQ(assign_error_hint(EOPNOTSUPP, DeviceId{Type::Char, 1, 3}), "");
    EXPECT_STREQ(SysError(EOPNOTSUPP, "assign b:7:0 to /proc/42/ns/user",
                          assign_error_hint(EOPNOTSUPP, loop0))
                     .what(),
                 "assign b:7:0 to /proc/42/ns/user: EOPNOTSUPP (Operation not supported) -- "
                 "loop devices are not assigned: a namespace allocates its own with losetup -f "
                 "through the loop-control in its view");
}

}  // namespace
}  // namespace nsdev
