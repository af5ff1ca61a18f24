// Host tests of the /proc/nsdevtmpfs listing parsers and of mount errors.
#include "nsdev/view.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <utility>

#include "nsdev/error.h"

namespace nsdev {
namespace {

using Type = DeviceId::Type;

// what() of the std::runtime_error @parse(@text) throws, or a description
// of what happened instead.
template <typename Parse>
std::string parse_error(Parse parse, const std::string& text) {
    try {
        auto rows = parse(text, "LISTING");
        return "no exception, " + std::to_string(rows.size()) + " rows";
    } catch (const std::runtime_error& e) {
        return e.what();
    }
}

std::string devices_error(const std::string& text) {
    return parse_error(
        [](std::string_view t, std::string_view s) { return parse_proc_devices(t, s); }, text);
}

std::string namespaces_error(const std::string& text) {
    return parse_error(
        [](std::string_view t, std::string_view s) { return parse_proc_namespaces(t, s); }, text);
}

TEST(ParseProcDevices, GoodListing) {
    const std::string text =
        "c 1:3 null 0 4026531837 global,default\n"
        "c 10:200 net/tun 0 4026531837 global,default\n"
        "b 7:0 loop0 4026532200 4026531837 owned\n"
        "b 259:1  loop0p1\t4026532200 4026531837 owned,loop\n";
    std::vector<DeviceRow> rows = parse_proc_devices(text);
    ASSERT_EQ(rows.size(), 4u);
    EXPECT_EQ(rows[0],
              (DeviceRow{{Type::Char, 1, 3}, "null", 0, 4026531837, {"global", "default"}}));
    EXPECT_EQ(rows[1].name, "net/tun");
    EXPECT_EQ(rows[2],
              (DeviceRow{{Type::Block, 7, 0}, "loop0", 4026532200, 4026531837, {"owned"}}));
    EXPECT_EQ(
        rows[3],
        (DeviceRow{{Type::Block, 259, 1}, "loop0p1", 4026532200, 4026531837, {"owned", "loop"}}));
    EXPECT_TRUE(rows[0].has_flag("default"));
    EXPECT_FALSE(rows[2].has_flag("global"));
    EXPECT_TRUE(rows[3].has_flag("loop"));
    EXPECT_FALSE(rows[0].has_flag("glob"));
}

TEST(ParseProcDevices, EmptyListingHasNoRows) { EXPECT_TRUE(parse_proc_devices("").empty()); }

TEST(ParseProcDevices, DashMeansNoFlags) {
    std::vector<DeviceRow> rows = parse_proc_devices("b 7:2 loop2 5 6 -\n");
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_TRUE(rows[0].flags.empty());
}

TEST(ParseProcDevices, LastLineMayLackNewline) {
    std::vector<DeviceRow> rows = parse_proc_devices("b 7:1 loop1 5 6 -");
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].dev, (DeviceId{Type::Block, 7, 1}));
}

TEST(ParseProcDevices, MalformedLines) {
    const std::string fields =
        " fields (type major:minor name owner-ns-inode assigner-ns-inode flags), got ";
    const std::string flag_words = "(expected \"-\" or comma-separated words of a-z, 0-9, _)";
    const struct {
        const char* line;
        std::string message;
    } cases[] = {
        {"\n", "empty line"},
        {"  \n", "empty line"},
        {"c 1:3 null 0 1\n", "expected 6" + fields + "5: \"c 1:3 null 0 1\""},
        {"c 1:3 null 0 1 - extra\n", "expected 6" + fields + "7: \"c 1:3 null 0 1 - extra\""},
        {"x 1:3 null 0 1 -\n", "bad device type \"x\" (expected c or b)"},
        {"char 1:3 null 0 1 -\n", "bad device type \"char\" (expected c or b)"},
        {"c 13 null 0 1 -\n", "bad device number \"13\" (expected MAJOR:MINOR)"},
        {"c a:3 null 0 1 -\n", "major number \"a\" is not a decimal number"},
        {"c 1: null 0 1 -\n", "minor number \"\" is not a decimal number"},
        {"c 1:3:4 null 0 1 -\n", "minor number \"3:4\" is not a decimal number"},
        {"c -1:3 null 0 1 -\n", "major number \"-1\" is not a decimal number"},
        {"c 4294967296:3 null 0 1 -\n", "major number 4294967296 out of range"},
        {"c 4096:3 null 0 1 -\n",
         "device number 4096:3 out of range (major 0-4095, minor 0-1048575)"},
        {"c 1:3 null x 1 -\n", "owner-ns-inode \"x\" is not a decimal number"},
        {"c 1:3 null 0 0x1 -\n", "assigner-ns-inode \"0x1\" is not a decimal number"},
        {"c 1:3 null 18446744073709551616 1 -\n",
         "owner-ns-inode 18446744073709551616 out of range"},
        {"c 1:3 null 0 1 global,,default\n", "bad flags \"global,,default\" " + flag_words},
        {"c 1:3 null 0 1 global,\n", "bad flags \"global,\" " + flag_words},
        {"c 1:3 null 0 1 ,global\n", "bad flags \",global\" " + flag_words},
        {"c 1:3 null 0 1 Global\n", "bad flags \"Global\" " + flag_words},
        {"c 1:3 null 0 1 --\n", "bad flags \"--\" " + flag_words},
        {"c 1:3 null 0 1 -\r\n", "bad flags \"-\r\" " + flag_words},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(std::string("line \"") + c.line + "\"");
        EXPECT_EQ(devices_error(c.line), "LISTING line 1: " + c.message);
    }
}

TEST(ParseProcDevices, ErrorNamesLineNumber) {
    EXPECT_EQ(devices_error("c 1:3 null 0 1 -\nc 1:5 zero 0 1 -\nc 1:7 full 0 1\n"),
              "LISTING line 3: expected 6 fields (type major:minor name owner-ns-inode "
              "assigner-ns-inode flags), got 5: \"c 1:7 full 0 1\"");
    EXPECT_EQ(devices_error("c 1:3 null 0 1 -\n\nc 1:7 full 0 1 -\n"),
              "LISTING line 2: empty line");
}

TEST(ParseProcDevices, ErrorNamesProcFileByDefault) {
    try {
        parse_proc_devices("c 1:3\n");
        FAIL() << "parse_proc_devices did not throw";
    } catch (const std::runtime_error& e) {
        EXPECT_EQ(std::string(e.what()).rfind("/proc/nsdevtmpfs/devices line 1: expected 6", 0), 0u)
            << e.what();
    }
}

TEST(ParseProcNamespaces, GoodListing) {
    std::vector<NamespaceRow> rows = parse_proc_namespaces(
        "4026531837 0 2 16 1\n"
        "4026532200\t4026531837  1 4294967295 0\n");
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0], (NamespaceRow{4026531837, 0, 2, 16, 1}));
    EXPECT_EQ(rows[1], (NamespaceRow{4026532200, 4026531837, 1, 4294967295u, 0}));
}

TEST(ParseProcNamespaces, EmptyListingHasNoRows) { EXPECT_TRUE(parse_proc_namespaces("").empty()); }

TEST(ParseProcNamespaces, MalformedLines) {
    const std::string fields =
        " fields (ns-inode parent-inode loops-used loop-limit views-mounted), got ";
    const struct {
        const char* line;
        std::string message;
    } cases[] = {
        {"\n", "empty line"},
        {"1 0 2 16\n", "expected 5" + fields + "4: \"1 0 2 16\""},
        {"1 0 2 16 1 9\n", "expected 5" + fields + "6: \"1 0 2 16 1 9\""},
        {"x 0 2 16 1\n", "ns-inode \"x\" is not a decimal number"},
        {"1 -1 2 16 1\n", "parent-inode \"-1\" is not a decimal number"},
        {"1 0 two 16 1\n", "loops-used \"two\" is not a decimal number"},
        {"1 0 2 4294967296 1\n", "loop-limit 4294967296 out of range"},
        {"1 0 2 16 1.0\n", "views-mounted \"1.0\" is not a decimal number"},
        {"1 0 2 - 1\n", "loop-limit \"-\" is not a decimal number"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(std::string("line \"") + c.line + "\"");
        EXPECT_EQ(namespaces_error(c.line), "LISTING line 1: " + c.message);
    }
}

TEST(ReadProcListing, MissingFileThrowsSysError) {
    const std::string path = "/nonexistent-nsdev-test/devices";
    try {
        read_proc_devices(path);
        FAIL() << "read_proc_devices did not throw";
    } catch (const SysError& e) {
        EXPECT_EQ(e.code().value(), ENOENT);
        EXPECT_EQ(e.context(), "open " + path);
    }
}

TEST(MountedView, FailureNamesTarget) {
    // ENOENT as root, EPERM without CAP_SYS_ADMIN, ENODEV without the module.
    const std::string target = "/nonexistent-nsdev-test/dev";
    try {
        MountedView view(target);
        FAIL() << "mounting on a missing directory succeeded";
    } catch (const SysError& e) {
        EXPECT_NE(e.code().value(), 0);
        EXPECT_EQ(e.context(), "mount nsdevtmpfs on " + target);
    }
}

}  // namespace
}  // namespace nsdev
