// Host tests of DeviceId and parse_device.
#include "nsdev/device.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <string>

#include "nsdev/error.h"

namespace nsdev {
namespace {

using Type = DeviceId::Type;

// what() of the std::invalid_argument parse_device(@spec) throws, or a
// description of what happened instead.
std::string invalid_message(const std::string& spec) {
    try {
        DeviceId dev = parse_device(spec);
        return "no exception, parsed as " + dev.to_string();
    } catch (const std::invalid_argument& e) {
        return e.what();
    } catch (const std::exception& e) {
        return std::string("wrong exception: ") + e.what();
    }
}

// A temporary regular file, removed on destruction.
class TempFile {
public:
    TempFile() {
        int fd = ::mkstemp(path_.data());
        int err = errno;
        if (fd < 0) throw SysError(err, "create " + path_);
        ::close(fd);
    }
    ~TempFile() { ::unlink(path_.c_str()); }
    const std::string& path() const { return path_; }

private:
    std::string path_ = "/tmp/nsdev-device-test.XXXXXX";
};

TEST(ParseDevice, CharNumbers) { EXPECT_EQ(parse_device("c:1:3"), (DeviceId{Type::Char, 1, 3})); }

TEST(ParseDevice, BlockNumbers) { EXPECT_EQ(parse_device("b:7:0"), (DeviceId{Type::Block, 7, 0})); }

TEST(ParseDevice, LargestDevT) {
    EXPECT_EQ(parse_device("b:4095:1048575"), (DeviceId{Type::Block, kMaxMajor, kMaxMinor}));
}

TEST(ParseDevice, LeadingZerosAreDecimal) {
    EXPECT_EQ(parse_device("c:010:08"), (DeviceId{Type::Char, 10, 8}));
}

TEST(ParseDevice, MalformedNumberForms) {
    const std::string any = " (expected c:MAJOR:MINOR, b:MAJOR:MINOR or a device node path)";
    const struct {
        const char* spec;
        std::string message;
    } cases[] = {
        {"", "invalid device \"\": empty" + any},
        {"c:", "invalid device \"c:\": missing major number"},
        {"c:1", "invalid device \"c:1\": missing minor number"},
        {"c:1:", "invalid device \"c:1:\": missing minor number"},
        {"c::3", "invalid device \"c::3\": missing major number"},
        {"c:x:3", "invalid device \"c:x:3\": major number \"x\" is not a decimal number"},
        {"b:7:y", "invalid device \"b:7:y\": minor number \"y\" is not a decimal number"},
        {"c:-1:3", "invalid device \"c:-1:3\": major number \"-1\" is not a decimal number"},
        {"c:+1:3", "invalid device \"c:+1:3\": major number \"+1\" is not a decimal number"},
        {"c: 1:3", "invalid device \"c: 1:3\": major number \" 1\" is not a decimal number"},
        {"c:0x1:3", "invalid device \"c:0x1:3\": major number \"0x1\" is not a decimal number"},
        {"c:1:3 ", "invalid device \"c:1:3 \": minor number \"3 \" is not a decimal number"},
        {"c:4294967296:0",
         "invalid device \"c:4294967296:0\": major number 4294967296 out of range (0-4095)"},
        {"c:1:4294967296",
         "invalid device \"c:1:4294967296\": minor number 4294967296 out of range (0-1048575)"},
        {"c:99999999999999999999:0",
         "invalid device \"c:99999999999999999999:0\": major number 99999999999999999999 out of "
         "range (0-4095)"},
        {"c:4096:0", "invalid device \"c:4096:0\": major number 4096 out of range (0-4095)"},
        {"b:0:1048576",
         "invalid device \"b:0:1048576\": minor number 1048576 out of range "
         "(0-1048575)"},
        {"x:1:3", "invalid device \"x:1:3\": unknown device type \"x\"" + any},
        {"C:1:3", "invalid device \"C:1:3\": unknown device type \"C\"" + any},
        {"char:1:3", "invalid device \"char:1:3\": unknown device type \"char\"" + any},
        {":1:3", "invalid device \":1:3\": unknown device type \"\"" + any},
        {"c:1:3:4", "invalid device \"c:1:3:4\": too many fields (expected TYPE:MAJOR:MINOR)"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(std::string("spec \"") + c.spec + "\"");
        EXPECT_EQ(invalid_message(c.spec), c.message);
    }
}

TEST(ParseDevice, CharNodePath) {
    EXPECT_EQ(parse_device("/dev/null"), (DeviceId{Type::Char, 1, 3}));
}

TEST(ParseDevice, SymlinkToNodeIsFollowed) {
    TempFile tmp;  // reserve a unique name, then turn it into a symlink
    ASSERT_EQ(::unlink(tmp.path().c_str()), 0);
    ASSERT_EQ(::symlink("/dev/null", tmp.path().c_str()), 0);
    EXPECT_EQ(parse_device(tmp.path()), (DeviceId{Type::Char, 1, 3}));
}

TEST(ParseDevice, RegularFileIsRejected) {
    TempFile tmp;
    EXPECT_EQ(invalid_message(tmp.path()),
              "invalid device \"" + tmp.path() + "\": not a device node (regular file)");
}

TEST(ParseDevice, DirectoryIsRejected) {
    EXPECT_EQ(invalid_message("/"), "invalid device \"/\": not a device node (directory)");
}

TEST(ParseDevice, MissingPathThrowsEnoent) {
    const std::string path = "/nonexistent-nsdev-test/sdb";
    try {
        parse_device(path);
        FAIL() << "parse_device did not throw";
    } catch (const SysError& e) {
        EXPECT_EQ(e.code().value(), ENOENT);
        EXPECT_EQ(std::string(e.what()), "stat " + path + ": ENOENT (No such file or directory)");
    }
}

TEST(ParseDevice, WordWithoutColonIsARelativePath) {
    try {
        parse_device("nsdev-no-such-node");
        FAIL() << "parse_device did not throw";
    } catch (const SysError& e) {
        EXPECT_EQ(e.code().value(), ENOENT);
        EXPECT_EQ(e.context(), "stat nsdev-no-such-node");
    }
}

TEST(DeviceIdToString, CharAndBlock) {
    EXPECT_EQ((DeviceId{Type::Char, 1, 3}).to_string(), "c:1:3");
    EXPECT_EQ((DeviceId{Type::Block, 7, 0}).to_string(), "b:7:0");
    EXPECT_EQ((DeviceId{Type::Block, 259, 1048575}).to_string(), "b:259:1048575");
    EXPECT_EQ(DeviceId{}.to_string(), "c:0:0");
}

TEST(DeviceIdToString, RoundTripsThroughParse) {
    for (const DeviceId& dev : {DeviceId{Type::Char, 10, 229}, DeviceId{Type::Block, 7, 12},
                                DeviceId{Type::Block, kMaxMajor, kMaxMinor}})
        EXPECT_EQ(parse_device(dev.to_string()), dev) << dev.to_string();
}

}  // namespace
}  // namespace nsdev
