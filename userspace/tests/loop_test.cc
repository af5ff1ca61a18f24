// Host tests of the loop library on fake trees: which nodes of a /dev are
// loop devices and partitions (loop_devices, from canned nodes), what a
// fake sysfs says about them (loop_status), and the errors of the calls
// that need no loop device (a missing loop-control, detaching a
// non-loop).
#include "nsdev/loop.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <string>
#include <vector>

#include "nsdev/error.h"

namespace nsdev {

// For gtest's messages.
void PrintTo(const LoopDevice& d, std::ostream* os) {
    *os << d.path << " " << d.dev.to_string() << (d.attached ? " -> " + d.backing_file : "");
}

namespace {

using Type = DeviceId::Type;

class FakeSysfs : public testing::Test {
protected:
    void SetUp() override {
        root_ = "/tmp/nsdev-loop-test.XXXXXX";
        ASSERT_NE(::mkdtemp(root_.data()), nullptr);
    }
    void TearDown() override { ASSERT_EQ(std::system(("rm -rf '" + root_ + "'").c_str()), 0); }

    void write(const std::string& rel, const std::string& text) {
        ASSERT_EQ(std::system(("mkdir -p \"$(dirname '" + root_ + "/" + rel + "')\"").c_str()), 0);
        int fd = ::open((root_ + "/" + rel).c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        ASSERT_GE(fd, 0) << rel;
        ASSERT_EQ(::write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
        ::close(fd);
    }

    // A loop device as the loop driver shows it in sysfs; bound to
    // @backing unless that is "".
    void fake_loop(const std::string& name, const std::string& dev, const std::string& backing,
                   const std::string& ro = "0", const std::string& partscan = "0") {
        write("block/" + name + "/dev", dev + "\n");
        write("block/" + name + "/ro", ro + "\n");
        if (backing.empty()) return;
        write("block/" + name + "/loop/backing_file", backing + "\n");
        write("block/" + name + "/loop/offset", "0\n");
        write("block/" + name + "/loop/sizelimit", "0\n");
        write("block/" + name + "/loop/autoclear", "0\n");
        write("block/" + name + "/loop/partscan", partscan + "\n");
        write("block/" + name + "/loop/dio", "0\n");
    }

    static LoopDevice device(const std::string& name, unsigned index, unsigned minor) {
        LoopDevice d;
        d.index = index;
        d.name = name;
        d.path = "/dev/" + name;
        d.dev = {Type::Block, 7, minor};
        return d;
    }

    std::string root_;
};

TEST_F(FakeSysfs, StatusOfABoundDevice) {
    fake_loop("loop1024", "7:1024", "/tmp/disk.img", "1", "1");
    write("block/loop1024/loop/offset", "512\n");
    write("block/loop1024/loop/sizelimit", "1048576\n");
    write("block/loop1024/loop/autoclear", "1\n");
    LoopDevice d = device("loop1024", 1024, 1024);
    loop_status(d, root_);
    EXPECT_TRUE(d.attached);
    EXPECT_EQ(d.backing_file, "/tmp/disk.img");
    EXPECT_EQ(d.offset, 512u);
    EXPECT_EQ(d.sizelimit, 1048576u);
    EXPECT_TRUE(d.read_only);
    EXPECT_TRUE(d.partscan);
    EXPECT_TRUE(d.autoclear);
    EXPECT_FALSE(d.direct_io);
}

TEST_F(FakeSysfs, BackingFileKeepsSpacesAndLosesOnlyOneNewline) {
    fake_loop("loop3", "7:3", "/tmp/a b (deleted)");
    LoopDevice d = device("loop3", 3, 3);
    loop_status(d, root_);
    EXPECT_EQ(d.backing_file, "/tmp/a b (deleted)");
}

TEST_F(FakeSysfs, UnboundMissingOrStaleIsNotAttached) {
    fake_loop("loop0", "7:0", "");  // the device exists, nothing bound
    LoopDevice d = device("loop0", 0, 0);
    loop_status(d, root_);
    EXPECT_FALSE(d.attached);
    EXPECT_EQ(d.backing_file, "");

    // A delegated number whose device is not instantiated: no sysfs at all.
    LoopDevice missing = device("loop1030", 1030, 1030);
    missing.attached = true;  // whatever it said before is reset
    missing.backing_file = "/old";
    loop_status(missing, root_);
    EXPECT_FALSE(missing.attached);
    EXPECT_EQ(missing.backing_file, "");

    // The node's number is not the device's (a stale node).
    fake_loop("loop5", "7:5", "/tmp/x");
    LoopDevice stale = device("loop5", 5, 6);
    loop_status(stale, root_);
    EXPECT_FALSE(stale.attached);
}

TEST_F(FakeSysfs, DetachedWhileReadIsNotAttached) {
    fake_loop("loop1", "7:1", "/tmp/x");
    ASSERT_EQ(::unlink((root_ + "/block/loop1/loop/dio").c_str()), 0);
    LoopDevice d = device("loop1", 1, 1);
    loop_status(d, root_);
    EXPECT_FALSE(d.attached);
    EXPECT_EQ(d.backing_file, "");
}

TEST_F(FakeSysfs, MalformedAttributesAreErrors) {
    fake_loop("loop1", "7:1", "/tmp/x");
    write("block/loop1/loop/offset", "12x\n");
    LoopDevice d = device("loop1", 1, 1);
    try {
        loop_status(d, root_);
        FAIL() << "no error";
    } catch (const std::runtime_error& e) {
        EXPECT_EQ(std::string(e.what()),
                  root_ + "/block/loop1/loop/offset: expected a number, read \"12x\"");
    }
    write("block/loop1/loop/offset", "0\n");
    write("block/loop1/loop/partscan", "yes\n");
    try {
        loop_status(d, root_);
        FAIL() << "no error";
    } catch (const std::runtime_error& e) {
        EXPECT_EQ(std::string(e.what()),
                  root_ + "/block/loop1/loop/partscan: expected 0 or 1, read \"yes\"");
    }
}

TEST_F(FakeSysfs, DevicesFromNodesWithPartitionsInOrder) {
    fake_loop("loop1024", "7:1024", "/tmp/disk.img", "0", "1");
    fake_loop("loop2", "7:2", "/tmp/two.img");
    const std::vector<ViewNode> nodes = {
        {"loop-control", {Type::Char, 10, 126}, 0666, 0, 0},
        {"loop1024", {Type::Block, 7, 1024}, 0660, 0, 6},
        {"loop1024p10", {Type::Block, 259, 2}, 0660, 0, 6},
        {"loop1024p2", {Type::Block, 259, 1}, 0660, 0, 6},
        {"loop1024p1", {Type::Block, 259, 0}, 0660, 0, 6},
        {"loop2", {Type::Block, 7, 2}, 0660, 0, 6},
        {"loop1030", {Type::Block, 7, 1030}, 0660, 0, 6},  // reserved, no device
        {"loop7p1", {Type::Block, 259, 9}, 0660, 0, 6},    // a partition without its disk
        // Not loop devices: another type, other names, deeper paths.
        {"loop3", {Type::Char, 7, 3}, 0660, 0, 6},
        {"loopback", {Type::Block, 7, 9}, 0660, 0, 6},
        {"loop01", {Type::Block, 7, 1}, 0660, 0, 6},
        {"loop4p", {Type::Block, 7, 4}, 0660, 0, 6},
        {"loop4p0", {Type::Block, 7, 4}, 0660, 0, 6},
        {"loop", {Type::Block, 7, 8}, 0660, 0, 6},
        {"disk/loop6", {Type::Block, 7, 6}, 0660, 0, 6},
        {"sda", {Type::Block, 8, 0}, 0660, 0, 6},
    };
    const std::vector<LoopDevice> loops = loop_devices(nodes, "/dev", root_);
    ASSERT_EQ(loops.size(), 3u);

    EXPECT_EQ(loops[0].name, "loop2");
    EXPECT_EQ(loops[0].index, 2u);
    EXPECT_EQ(loops[0].path, "/dev/loop2");
    EXPECT_TRUE(loops[0].attached);
    EXPECT_EQ(loops[0].backing_file, "/tmp/two.img");
    EXPECT_TRUE(loops[0].partitions.empty());

    EXPECT_EQ(loops[1].name, "loop1024");
    EXPECT_EQ(loops[1].dev, (DeviceId{Type::Block, 7, 1024}));
    EXPECT_TRUE(loops[1].attached);
    EXPECT_TRUE(loops[1].partscan);
    EXPECT_EQ(loops[1].partitions,
              (std::vector<std::string>{"loop1024p1", "loop1024p2", "loop1024p10"}));

    EXPECT_EQ(loops[2].name, "loop1030");
    EXPECT_FALSE(loops[2].attached);
}

TEST_F(FakeSysfs, ListOfADirectoryWithoutLoops) {
    // Regular files named like loop devices are not loop devices.
    write("dev/loop0", "");
    write("dev/loop1p1", "");
    EXPECT_TRUE(loop_list(root_ + "/dev", root_).empty());
}

TEST(LoopErrors, ListOfAMissingDirectory) {
    try {
        loop_list("/nonexistent/dev");
        FAIL() << "no error";
    } catch (const SysError& e) {
        EXPECT_STREQ(e.what(), "open /nonexistent/dev: ENOENT (No such file or directory)");
    }
}

TEST(LoopErrors, MissingLoopControlHasAHint) {
    try {
        LoopControl ctl("/nonexistent/loop-control");
        FAIL() << "no error";
    } catch (const SysError& e) {
        EXPECT_EQ(e.code().value(), ENOENT);
        EXPECT_STREQ(e.what(),
                     "open /nonexistent/loop-control: ENOENT (No such file or directory) -- no "
                     "loop-control in this /dev (is loop.ko loaded?)");
    }
}

TEST(LoopErrors, AttachOpensTheFileFirst) {
    LoopAttachOptions opts;
    opts.read_only = true;
    try {
        loop_attach("/nonexistent/img", opts, "/nonexistent/dev");
        FAIL() << "no error";
    } catch (const SysError& e) {
        EXPECT_STREQ(e.what(), "open /nonexistent/img: ENOENT (No such file or directory)");
    }
    // Then the loop-control of the given /dev.
    try {
        loop_attach("/etc/passwd", opts, "/nonexistent/dev");
        FAIL() << "no error";
    } catch (const SysError& e) {
        EXPECT_EQ(e.context(), "open /nonexistent/dev/loop-control");
    }
}

TEST(LoopErrors, DetachOfWhatIsNotALoopDevice) {
    const auto message = [](const std::string& device, const std::string& dev_dir = "/dev") {
        try {
            loop_detach(device, dev_dir);
        } catch (const std::exception& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    EXPECT_EQ(message("/etc/passwd"), "detach /etc/passwd: not a loop device");
    EXPECT_EQ(message("/dev/null"), "detach /dev/null: not a loop device");
    EXPECT_EQ(message("b:8:0"), "detach b:8:0: not a loop device");
    EXPECT_EQ(message("c:7:0"), "detach c:7:0: not a loop device");
    EXPECT_EQ(message("/nonexistent/loop0"),
              "detach /nonexistent/loop0: ENOENT (No such file or directory)");
    // A number form needs its node in the /dev given.
    EXPECT_EQ(message("b:7:1024", "/nonexistent/dev"),
              "open /nonexistent/dev: ENOENT (No such file or directory)");
    EXPECT_EQ(message("b:7:1024", "/etc"),
              "detach b:7:1024: ENOENT (No such file or directory) -- no node of it in /etc");
}

}  // namespace
}  // namespace nsdev
