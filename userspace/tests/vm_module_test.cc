// Runs inside the test VM, as root, with nsdevtmpfs.ko loaded.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "nsdev/error.h"
#include "nsdev/fd.h"
#include "nsdev/module.h"

namespace nsdev {
namespace {

const char kModule[] = "nsdevtmpfs";
const char kControl[] = "/dev/nsdevtmpfs-control";

TEST(VmModule, LoadedAndLive) {
    ModuleStatus st = module_status(kModule);
    ASSERT_TRUE(st.loaded) << kModule << " is not loaded; the VM harness must load it";
    EXPECT_EQ(st.state, "live");
}

TEST(VmModule, ControlNodeIsRootOnlyCharDevice) {
    struct stat sb {};
    int rc = ::stat(kControl, &sb);
    int err = errno;
    ASSERT_EQ(rc, 0) << SysError(err, std::string("stat ") + kControl).what();
    EXPECT_TRUE(S_ISCHR(sb.st_mode)) << kControl << " mode " << std::oct << sb.st_mode;
    EXPECT_EQ(sb.st_mode & 07777, 0600u) << kControl << " mode " << std::oct << sb.st_mode;
    EXPECT_EQ(sb.st_uid, 0u);
    EXPECT_EQ(sb.st_gid, 0u);
}

TEST(VmModule, ControlNodeOpensAsRoot) {
    ASSERT_EQ(::geteuid(), 0u) << "the VM tests must run as root";
    try {
        UniqueFd fd = open_or_throw(kControl, O_RDWR);
        EXPECT_TRUE(fd);
    } catch (const SysError& e) {
        FAIL() << e.what();
    }
}

}  // namespace
}  // namespace nsdev
