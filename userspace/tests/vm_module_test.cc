// Runs inside the test VM, as root, with nsdevtmpfs.ko loaded: the
// library's libkmod wrapper reads a loaded module's status into
// ModuleStatus (the host tests only see modules that are not loaded).
// That the module is live and its control node is a root-only 0600 misc
// device that opens is the kernel's part: kselftests/module_test.c.
#include <gtest/gtest.h>

#include "nsdev/module.h"

namespace nsdev {
namespace {

TEST(VmModule, StatusOfTheLoadedModule) {
    ModuleStatus st = module_status(kModuleName);
    ASSERT_TRUE(st.loaded) << kModuleName << " is not loaded; the VM harness must load it";
    EXPECT_EQ(st.state, "live");
}

}  // namespace
}  // namespace nsdev
