// Host tests of nsdev-oci-hook's filter: a stock OCI spec's /dev becomes a
// view and its device cgroup lets the delegation devices through.
#include "mount_view.h"
#include "oci_view.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace nsdev::oci {
namespace {

const DelegationDevices kDevices{10, 261};

// What `crun spec` writes, trimmed to what the filter looks at.
Config stock()
{
    return Config::parse(R"({
        "ociVersion": "1.0.0",
        "mounts": [
            {"destination": "/proc", "type": "proc", "source": "proc"},
            {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
             "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
            {"destination": "/dev/pts", "type": "devpts", "source": "devpts"},
            {"destination": "/dev/shm", "type": "tmpfs", "source": "shm"}
        ],
        "linux": {"resources": {"devices": [{"allow": false, "access": "rwm"}]},
                  "namespaces": [{"type": "pid"}, {"type": "user"}, {"type": "mount"}]}
    })");
}

TEST(OciView, DevBecomesAViewWithItsOptions)
{
    const Config out = use_view(stock(), kDevices);
    const Config& dev = out["mounts"][1];
    EXPECT_EQ(dev["destination"], "/dev");
    EXPECT_EQ(dev["type"], "nsdevtmpfs");
    EXPECT_EQ(dev["source"], "none");
    EXPECT_EQ(dev["options"], stock()["mounts"][1]["options"]);
    // Only /dev: /dev/shm stays a tmpfs, /dev/pts a devpts.
    EXPECT_EQ(out["mounts"][2]["type"], "devpts");
    EXPECT_EQ(out["mounts"][3]["type"], "tmpfs");
    EXPECT_EQ(out["mounts"].size(), 4u);
}

TEST(OciView, DelegationDevicesAreAllowedAfterTheDenyAll)
{
    const Config rules = use_view(stock(), kDevices)["linux"]["resources"]["devices"];
    ASSERT_EQ(rules.size(), 4u);
    EXPECT_EQ(rules[0]["allow"], false);
    EXPECT_EQ(rules[1], Config::parse(R"({"allow": true, "type": "c", "major": 10,
                                          "minor": 261, "access": "rwm"})"));
    EXPECT_EQ(rules[2], Config::parse(R"({"allow": true, "type": "b", "major": 7,
                                          "access": "rwm"})"));
    EXPECT_EQ(rules[3], Config::parse(R"({"allow": true, "type": "b", "major": 259,
                                          "access": "rwm"})"));
}

TEST(OciView, TwiceIsOnce)
{
    const Config once = use_view(stock(), kDevices);
    EXPECT_EQ(use_view(once, kDevices), once);
}

TEST(OciView, RulesMovedBehindALaterDenyAreAddedAgain)
{
    Config c = use_view(stock(), kDevices);
    c["linux"]["resources"]["devices"].push_back(Config::parse(R"({"allow": false, "access": "rwm"})"));
    const Config rules = use_view(c, kDevices)["linux"]["resources"]["devices"];
    ASSERT_EQ(rules.size(), 8u);
    EXPECT_EQ(rules[7]["major"], 259);
}

TEST(OciView, MissingDevMountIsAddedAfterProc)
{
    Config c = stock();
    c["mounts"].erase(1);
    const Config out = use_view(c, kDevices);
    ASSERT_EQ(out["mounts"].size(), 4u);
    EXPECT_EQ(out["mounts"][0]["destination"], "/proc");
    EXPECT_EQ(out["mounts"][1]["destination"], "/dev");
    EXPECT_EQ(out["mounts"][1]["type"], "nsdevtmpfs");
}

TEST(OciView, DestinationIsComparedAsAPath)
{
    Config c = stock();
    c["mounts"][1]["destination"] = "//dev/";
    const Config out = use_view(c, kDevices);
    EXPECT_EQ(out["mounts"][1]["type"], "nsdevtmpfs");
    EXPECT_EQ(out["mounts"].size(), 4u);
}

TEST(OciView, NoResourcesGetsThem)
{
    Config c = stock();
    c["linux"].erase("resources");
    EXPECT_EQ(use_view(c, kDevices)["linux"]["resources"]["devices"].size(), 3u);
}

TEST(OciView, NoUserNamespaceIsRefused)
{
    Config c = stock();
    c["linux"]["namespaces"].erase(1);
    EXPECT_THROW(use_view(c, kDevices), std::invalid_argument);
    EXPECT_THROW(allow_devices(c, kDevices), std::invalid_argument);
    c.erase("linux");
    EXPECT_THROW(use_view(c, kDevices), std::invalid_argument);
}

// Rootless podman: the hook runs in podman's user namespace, and the
// container, with no "user" entry, shares it (and its view).
TEST(OciView, NoUserNamespaceIsAcceptedFromARootlessRuntime)
{
    Config c = stock();
    c["linux"]["namespaces"].erase(1);
    const Config v = use_view(c, kDevices, RuntimeNamespace::NonInitial);
    EXPECT_EQ(v["mounts"][1]["type"], "nsdevtmpfs");
    EXPECT_EQ(v["linux"]["resources"]["devices"].size(), 4u);
    EXPECT_NO_THROW(allow_devices(c, kDevices, RuntimeNamespace::NonInitial));
}

// The same three rules, as LXC spells them.
TEST(OciView, LxcRulesAllowWhatUseViewAllows)
{
    EXPECT_EQ(lxc_device_rules(kDevices),
              "lxc.cgroup2.devices.allow = c " + std::to_string(kDevices.loop_control_major) + ":" +
                  std::to_string(kDevices.loop_control_minor) +
                  " rwm\n"
                  "lxc.cgroup2.devices.allow = b 7:* rwm\n"
                  "lxc.cgroup2.devices.allow = b 259:* rwm\n");
}

TEST(OciView, WrongShapesAreRefused)
{
    EXPECT_THROW(use_view(Config::array(), kDevices), std::invalid_argument);
    Config c = stock();
    c["mounts"] = "none";
    EXPECT_THROW(use_view(c, kDevices), std::invalid_argument);
    c = stock();
    c["linux"]["resources"]["devices"] = Config::object();
    EXPECT_THROW(use_view(c, kDevices), std::invalid_argument);
}


TEST(OciView, DevicesOnlyLeavesTheMounts)
{
    const Config out = allow_devices(stock(), kDevices);
    EXPECT_EQ(out["mounts"], stock()["mounts"]);
    EXPECT_EQ(out["linux"], use_view(stock(), kDevices)["linux"]);
}

TEST(OciMountView, RootIsTheBundlesUnlessAbsolute)
{
    const Config state = Config::parse(R"({"bundle": "/b", "pid": 7})");
    EXPECT_EQ(container_root(state, Config::parse(R"({"root": {"path": "rootfs"}})")), "/b/rootfs");
    EXPECT_EQ(container_root(state, Config::parse(R"({"root": {"path": "/r"}})")), "/r");
    EXPECT_THROW(container_root(Config::object(), Config::parse(R"({"root": {"path": "r"}})")),
                 std::invalid_argument);
    EXPECT_THROW(container_root(state, Config::object()), std::invalid_argument);
}

TEST(OciMountView, SubmountsAreThoseOnTheTopmostDev)
{
    const char* mountinfo =
        "24 1 0:2 / / rw - rootfs rootfs rw\n"
        "68 24 0:6 / /r/dev rw - devtmpfs devtmpfs rw\n"
        "69 68 0:25 / /r/dev/pts rw - devpts devpts rw\n"
        "74 68 0:32 / /r/dev rw,nosuid - tmpfs tmpfs rw\n"
        "75 74 0:33 / /r/dev/pts rw - devpts devpts rw\n"
        "76 74 0:34 / /r/dev/shm rw - tmpfs shm rw\n"
        "81 74 0:6 /null /r/dev/null rw - devtmpfs devtmpfs rw\n"
        "82 74 0:6 /x /r/dev/a\\040b/c rw - devtmpfs devtmpfs rw\n"
        "90 75 0:40 / /r/dev/pts/x rw - tmpfs tmpfs rw\n"
        "91 24 0:41 / /r/devices rw - tmpfs tmpfs rw\n";
    const std::vector<std::string> want{"pts", "shm", "null", "a b/c"};
    EXPECT_EQ(dev_submounts(mountinfo, "/r/dev"), want);
    EXPECT_TRUE(dev_submounts(mountinfo, "/elsewhere/dev").empty());
}

TEST(OciMountView, ViewOptionsAreTheTmpfsOnesItTakes)
{
    EXPECT_EQ(view_options(stock()), "mode=755,size=65536k");
    Config c = stock();
    c["mounts"][1]["options"] = {"nosuid", "uid=5", "gid=6", "nr_inodes=9", "inode64"};
    EXPECT_EQ(view_options(c), "uid=5,gid=6,nr_inodes=9");
    c["mounts"].erase(1);
    EXPECT_EQ(view_options(c), "");
}

}  // namespace
}  // namespace nsdev::oci
