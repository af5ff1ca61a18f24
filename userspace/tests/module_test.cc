// Host tests of the libkmod wrappers that need no particular module loaded.
#include "nsdev/module.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <string>

#include "nsdev/error.h"

namespace nsdev {
namespace {

const char kNoSuchModule[] = "nsdev_no_such_module";

TEST(ModuleStatus, MissingModuleIsNotLoaded) {
    ModuleStatus st = module_status(kNoSuchModule);
    EXPECT_FALSE(st.loaded);
    EXPECT_EQ(st.state, "");
    EXPECT_EQ(st.refcount, 0u);
}

TEST(ModuleLoadFile, MissingFileThrowsEnoent) {
    const std::string path = "/nonexistent-nsdev-test/nsdevtmpfs.ko";
    try {
        module_load_file(path, "");
        FAIL() << "module_load_file did not throw";
    } catch (const SysError& e) {
        EXPECT_EQ(e.code().value(), ENOENT) << e.what();
        EXPECT_EQ(e.context(), "load module " + path);
    }
}

TEST(ModuleUnload, MissingModuleThrows) {
    try {
        module_unload(kNoSuchModule);
        FAIL() << "module_unload did not throw";
    } catch (const SysError& e) {
        // ENOENT as root, EPERM without CAP_SYS_MODULE, ENOSYS under a seccomp sandbox.
        EXPECT_NE(e.code().value(), 0);
        EXPECT_EQ(e.context(), std::string("unload module ") + kNoSuchModule);
    }
}

}  // namespace
}  // namespace nsdev
