// Host tests of the readers behind ls, status and probe, on fake trees:
// userns_processes (a fake /proc), module_parameters (a fake /sys/module),
// list_device_nodes (a directory with nodes in it).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "nsdev/error.h"
#include "nsdev/module.h"
#include "nsdev/ns.h"
#include "nsdev/probe.h"

namespace nsdev {

// For gtest's messages.
void PrintTo(const ViewNode& n, std::ostream* os) {
    *os << n.name << " " << n.dev.to_string() << " mode " << std::oct << n.mode << std::dec
        << " uid " << n.uid << " gid " << n.gid;
}

namespace {

class FakeTree : public testing::Test {
protected:
    void SetUp() override {
        root_ = "/tmp/nsdev-scan-test.XXXXXX";
        ASSERT_NE(::mkdtemp(root_.data()), nullptr);
    }
    void TearDown() override { ASSERT_EQ(std::system(("rm -rf '" + root_ + "'").c_str()), 0); }

    void mkdirs(const std::string& rel) {
        ASSERT_EQ(std::system(("mkdir -p '" + root_ + "/" + rel + "'").c_str()), 0);
    }
    void write(const std::string& rel, const std::string& text) {
        int fd = ::open((root_ + "/" + rel).c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        ASSERT_GE(fd, 0) << rel;
        ASSERT_EQ(::write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
        ::close(fd);
    }
    uint64_t ino(const std::string& rel) {
        struct stat st {};
        EXPECT_EQ(::stat((root_ + "/" + rel).c_str(), &st), 0) << rel;
        return st.st_ino;
    }

    std::string root_;
};

using UsernsProcesses = FakeTree;

TEST_F(UsernsProcesses, LowestPidPerInodeWithComm) {
    // pids 7 and 12 share a namespace file (a hard link: same inode); 30's
    // namespace is its own; "self" and non-pids are ignored; 40 has no ns.
    mkdirs("7/ns");
    mkdirs("12/ns");
    mkdirs("30/ns");
    mkdirs("40");
    mkdirs("self/ns");
    mkdirs("sys");
    write("7/ns/user", "");
    ASSERT_EQ(::link((root_ + "/7/ns/user").c_str(), (root_ + "/12/ns/user").c_str()), 0);
    write("30/ns/user", "");
    write("self/ns/user", "");
    write("7/comm", "sh\n");
    write("12/comm", "sleep\n");
    write("30/comm", "bash\n");

    const auto found = userns_processes(root_);
    ASSERT_EQ(found.size(), 2u);
    EXPECT_EQ(found.at(ino("7/ns/user")), (NsProcess{7, "sh"}));
    EXPECT_EQ(found.at(ino("30/ns/user")), (NsProcess{30, "bash"}));
}

TEST_F(UsernsProcesses, MissingProcIsAnError) {
    EXPECT_THROW(userns_processes(root_ + "/nonexistent"), SysError);
}

TEST(UsernsProcessesLive, FindsOurOwnNamespace) {
    const auto found = userns_processes();
    EXPECT_TRUE(found.count(current_userns_inode()));
}

using ModuleParameters = FakeTree;

TEST_F(ModuleParameters, ValuesWithoutNewline) {
    mkdirs("nsdevtmpfs/parameters");
    write("nsdevtmpfs/parameters/loop_limit", "8\n");
    write("nsdevtmpfs/parameters/name", "a b\n");
    const auto params = module_parameters("nsdevtmpfs", root_);
    EXPECT_EQ(params, (std::map<std::string, std::string>{{"loop_limit", "8"}, {"name", "a b"}}));
    EXPECT_TRUE(module_parameters("not-loaded", root_).empty());
    // '-' and '_' are the same in module names.
    mkdirs("a_b/parameters");
    write("a_b/parameters/x", "1\n");
    EXPECT_EQ(module_parameters("a-b", root_).size(), 1u);
}

using ListDeviceNodes = FakeTree;

TEST_F(ListDeviceNodes, OnlyDeviceNodesRecursivelySorted) {
    mkdirs("net");
    mkdirs("pts");
    write("regular", "");
    ASSERT_EQ(::symlink("/dev/null", (root_ + "/link").c_str()), 0);
    // No nodes yet: directories, files and symlinks are not listed.
    EXPECT_TRUE(list_device_nodes(root_).empty());
    if (::mknod((root_ + "/null").c_str(), S_IFCHR | 0666, ::makedev(1, 3)) != 0) {
        // A skip, which make check counts as a failure: it runs us as root.
        const int err = errno;
        GTEST_SKIP() << "mknod needs CAP_MKNOD: " << std::strerror(err);
    }
    ASSERT_EQ(::mknod((root_ + "/net/tun").c_str(), S_IFCHR | 0600, ::makedev(10, 200)), 0);
    ASSERT_EQ(::mknod((root_ + "/loop0").c_str(), S_IFBLK | 0660, ::makedev(7, 0)), 0);
    // Modes without the umask.
    ASSERT_EQ(::chmod((root_ + "/null").c_str(), 0666), 0);
    ASSERT_EQ(::chmod((root_ + "/net/tun").c_str(), 0600), 0);
    ASSERT_EQ(::chmod((root_ + "/loop0").c_str(), 0660), 0);
    const std::vector<ViewNode> nodes = list_device_nodes(root_);
    const uint32_t uid = ::getuid(), gid = ::getgid();
    EXPECT_EQ(nodes, (std::vector<ViewNode>{
                         {"loop0", {DeviceId::Type::Block, 7, 0}, 0660, uid, gid},
                         {"net/tun", {DeviceId::Type::Char, 10, 200}, 0600, uid, gid},
                         {"null", {DeviceId::Type::Char, 1, 3}, 0666, uid, gid},
                     }));
}

TEST_F(ListDeviceNodes, MissingDirectoryIsAnError) {
    try {
        list_device_nodes(root_ + "/nonexistent");
        FAIL() << "no exception";
    } catch (const SysError& e) {
        EXPECT_EQ(e.code().value(), ENOENT);
        EXPECT_EQ(e.context(), "open " + root_ + "/nonexistent");
    }
}

}  // namespace
}  // namespace nsdev
