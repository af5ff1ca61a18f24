// Runs inside the test VM, as root, with nsdevtmpfs.ko, loop.ko and brd.ko
// (ram0-7) loaded. What it tests is the library's side of the kernel
// interface: that each Control method fills its ioctl's struct from its
// C++ arguments and reads the answer back into C++ types (QueryResult),
// that a refused call becomes a SysError with the kernel's errno, the verb
// and object in its context and the library's hint where it adds one;
// that MountedView mounts, detaches and hands over a view (RAII); and that
// read_proc_devices/read_proc_namespaces map the module's real listings
// onto DeviceRow and NamespaceRow. What the kernel does with those calls
// (which devices a view shows, which errno for which input, what /proc
// lists) is tested by the kselftests (kselftests/views_test.c,
// module_test.c), not here. The block device the tests assign is ram0.
//
// The test process first moves into a private mount namespace, so its
// views never show in the VM's own. Namespaced steps run in an NsChild
// (user + mount namespace, root mapped to host uid 100000).
#include <gtest/gtest.h>
#include <linux/nsdevtmpfs.h>
#include <sys/statfs.h>

#include <cerrno>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "nsdev/control.h"
#include "nsdev/device.h"
#include "nsdev/error.h"
#include "nsdev/fd.h"
#include "nsdev/ns.h"
#include "nsdev/view.h"
#include "vm_helpers.h"

namespace nsdev {
namespace {

using vmtest::NodeInfo;
using vmtest::NsChild;
using vmtest::TempDir;
using Type = DeviceId::Type;

const DeviceId kNull{Type::Char, 1, 3};
const DeviceId kRam0{Type::Block, 1, 0};   // created by brd.ko (rd_nr=8) at load time
const DeviceId kLoop0{Type::Block, 7, 0};  // created by loop.ko at load time
const DeviceId kNoSuchDevice{Type::Char, 4095, 4095};

// What a SysError carries, to compare a whole error in one assertion.
struct Failure {
    std::string err;  // errno_name(code().value()), or "no exception"
    std::string context;
    std::string hint;

    friend bool operator==(const Failure&, const Failure&) = default;
    friend std::ostream& operator<<(std::ostream& os, const Failure& f) {
        return os << "{" << f.err << ", \"" << f.context << "\", \"" << f.hint << "\"}";
    }
};

// The SysError @call throws, as a Failure.
Failure failure_of(const std::function<void()>& call) {
    try {
        call();
        return {"no exception", "", ""};
    } catch (const SysError& e) {
        return {errno_name(e.code().value()), e.context(), e.hint()};
    }
}

// errno of the SysError @call throws, or 0.
int errno_of(const std::function<void()>& call) {
    try {
        call();
        return 0;
    } catch (const SysError& e) {
        return e.code().value();
    }
}

// "success" or the errno name, for comparing NsChild results readably.
std::string result(int err) { return err ? errno_name(err) : "success"; }

// f_type of the filesystem mounted at @path, or 0 if statfs fails.
long fs_type(const std::string& path) {
    struct statfs sfs {};
    return ::statfs(path.c_str(), &sfs) == 0 ? static_cast<long>(sfs.f_type) : 0;
}

// The row of /proc/nsdevtmpfs/devices for @dev, if any.
std::optional<DeviceRow> proc_row(const DeviceId& dev) {
    for (DeviceRow& row : read_proc_devices())
        if (row.dev == dev) return std::move(row);
    return std::nullopt;
}

// The row of /proc/nsdevtmpfs/namespaces for namespace inode @ino, if any.
std::optional<NamespaceRow> proc_ns_row(uint64_t ino) {
    for (const NamespaceRow& row : read_proc_namespaces())
        if (row.ino == ino) return row;
    return std::nullopt;
}

// Every test: a private mount namespace and a scratch directory.
class VmTest : public testing::Test {
protected:
    void SetUp() override { vmtest::enter_private_mount_ns(); }

    TempDir dir_;
};

// ---- MountedView: mount_view(), unmount(), the destructor and moves.

using ViewVm = VmTest;

TEST_F(ViewVm, MountedViewIsNsdevtmpfs) {
    MountedView view(dir_.path());
    EXPECT_EQ(view.target(), dir_.path());
    EXPECT_EQ(fs_type(dir_.path()), NSDEVTMPFS_SUPER_MAGIC);
}

TEST_F(ViewVm, UnmountDetaches) {
    MountedView view(dir_.path());
    view.unmount();
    EXPECT_EQ(view.target(), "");
    EXPECT_NE(fs_type(dir_.path()), NSDEVTMPFS_SUPER_MAGIC);
    view.unmount();  // empty now: a no-op
}

TEST_F(ViewVm, MoveTransfersTheMount) {
    std::optional<MountedView> outer;
    {
        MountedView inner(dir_.path());
        outer.emplace(std::move(inner));
        EXPECT_EQ(inner.target(), "");  // NOLINT(bugprone-use-after-move): specified state
    }                                   // inner's destructor must not unmount
    EXPECT_EQ(fs_type(dir_.path()), NSDEVTMPFS_SUPER_MAGIC);
    outer.reset();
    EXPECT_NE(fs_type(dir_.path()), NSDEVTMPFS_SUPER_MAGIC);
}

TEST_F(ViewVm, MountOnMissingDirectoryNamesTarget) {
    const std::string target = dir_ / "missing";
    EXPECT_EQ(failure_of([&] { mount_view(target); }),
              (Failure{"ENOENT", "mount nsdevtmpfs on " + target, ""}));
}

// ---- Control without an assignment.

using ControlVm = VmTest;

TEST_F(ControlVm, RamAndLoopNodesOnHost) {
    // parse_device() of a block node; and the preconditions of the tests below.
    EXPECT_EQ(parse_device("/dev/ram0"), kRam0);
    EXPECT_EQ(parse_device("/dev/loop0"), kLoop0);
}

TEST_F(ControlVm, QueryNullIsGlobalDefault) {
    QueryResult q = Control().query(kNull);
    EXPECT_EQ(q.state, NSDEVTMPFS_STATE_GLOBAL | NSDEVTMPFS_STATE_DEFAULT) << "raw state";
    EXPECT_TRUE(q.global);
    EXPECT_TRUE(q.default_content);
    EXPECT_FALSE(q.owned);
    EXPECT_FALSE(q.loop);
    EXPECT_EQ(q.owner_ino, 0u) << "owner of a global device";
    EXPECT_EQ(q.assigner_ino, current_userns_inode());
    EXPECT_EQ(q.name, "null");
}

// One test per way a Control method turns a refusal into a SysError: the
// plain ioctl (query, set_limit), revoke (which asks QUERY for its hint),
// and ASSIGN with its hint.

TEST_F(ControlVm, QueryUnknownDeviceIsEnodev) {
    Control control;
    EXPECT_EQ(failure_of([&] { control.query(kNoSuchDevice); }),
              (Failure{"ENODEV", "query c:4095:4095", ""}));
}

TEST_F(ControlVm, RevokeUnassignedRamIsEnoent) {
    Control control;
    EXPECT_EQ(failure_of([&] { control.revoke(kRam0); }), (Failure{"ENOENT", "revoke b:1:0", ""}));
}

// A plain revoke of default content is refused (EPERM); the library asks
// QUERY whether that is why and says what to do.
TEST_F(ControlVm, RevokeOfDefaultContentHasAHint) {
    Control control;
    const Failure plain = failure_of([&] { control.revoke(kNull); });
    // Put back what a module that accepted it took from every view.
    if (plain.err == "no exception") control.assign_global(kNull);

    EXPECT_EQ(plain, (Failure{"EPERM", "revoke c:1:3", kRevokeDefaultHint}));
}

// Kernel behaviour that no kselftest asserts yet (the lead adds one): the
// row of a global default device has owner 0 and the flags global and
// default. Also the library's parsing of a real row with two flags.
TEST_F(ControlVm, ProcDevicesListsGlobalNull) {
    std::optional<DeviceRow> row = proc_row(kNull);
    ASSERT_TRUE(row) << "no c:1:3 line in " << kProcDevicesPath;
    EXPECT_EQ(row->name, "null");
    EXPECT_EQ(row->owner_ino, 0u);
    EXPECT_TRUE(row->has_flag("global") && row->has_flag("default") && !row->has_flag("owned"));
}

// Loop devices are never assigned (EOPNOTSUPP): the error says where they
// come from instead, for assign and assign_global alike.
TEST_F(ControlVm, AssignLoopHasAHint) {
    Control control;
    NsChild child;
    UniqueFd ns = child.open_userns();
    const Failure to_child = failure_of([&] { control.assign(kLoop0, ns.get()); });
    const Failure global = failure_of([&] { control.assign_global(kLoop0); });
    // Undo what a module that accepted them did, before the verdicts.
    while (errno_of([&] { control.revoke(kLoop0); }) == 0) {
    }

    EXPECT_EQ(to_child, (Failure{"EOPNOTSUPP",
                                 "assign b:7:0 to user namespace fd " + std::to_string(ns.get()),
                                 kLoopAssignHint}));
    EXPECT_EQ(global, (Failure{"EOPNOTSUPP", "assign b:7:0 globally", kLoopAssignHint}));
}

// ---- b:1:0 (ram0) assigned to a child user namespace for each test.

class RamAssignedVm : public VmTest {
protected:
    void SetUp() override {
        VmTest::SetUp();
        ASSERT_EQ(errno_of([&] { control_.query(kRam0); }), ENOENT)
            << "b:1:0 is assigned before the test (left over from an earlier one?)";
        child_.emplace();
        ASSERT_EQ(result(child_->mount_view(dir_.path())), "success")
            << "mount in child user namespace";
        child_ns_ = child_->open_userns();
        child_ino_ = userns_inode(child_ns_.get());
        control_.assign(kRam0, child_ns_.get());
    }

    void TearDown() override {
        // Best effort, before the child (and its namespace) goes away.
        if (errno_of([&] { control_.query(kRam0); }) == 0) control_.revoke(kRam0);
    }

    Control control_;
    std::optional<NsChild> child_;
    UniqueFd child_ns_;
    uint64_t child_ino_ = 0;
};

// Kernel behaviour that no kselftest asserts yet (the lead adds one): an
// assigned device's node is root's of its owner's namespace, as the
// default content's nodes are (views_test.c checks those).
TEST_F(RamAssignedVm, NodeIsOwnedByTheOwnersRoot) {
    NodeInfo node = child_->probe(dir_ / "ram0");
    EXPECT_TRUE(vmtest::describe(node).starts_with("block 1:0 ")) << vmtest::describe(node);
    EXPECT_EQ(node.uid, 0u) << "owned by the child's root";
    EXPECT_EQ(node.gid, 0u);
}

// assign() filled in the device and namespace; query() reads every field back.
TEST_F(RamAssignedVm, QueryReportsOwnerAndAssigner) {
    QueryResult q = control_.query(kRam0);
    EXPECT_EQ(q.state, NSDEVTMPFS_STATE_OWNED) << "raw state";
    EXPECT_TRUE(q.owned);
    EXPECT_FALSE(q.global);
    EXPECT_FALSE(q.default_content);
    EXPECT_FALSE(q.loop) << "assigned, not allocated through loop delegation";
    EXPECT_EQ(q.depth, 1u);
    EXPECT_EQ(q.owner_ino, child_ino_);
    EXPECT_EQ(q.assigner_ino, current_userns_inode());
    EXPECT_EQ(q.name, "ram0");
}

TEST_F(RamAssignedVm, ProcDevicesListsAssignment) {
    std::optional<DeviceRow> row = proc_row(kRam0);
    ASSERT_TRUE(row) << "no b:1:0 line in " << kProcDevicesPath;
    EXPECT_EQ(row->name, "ram0");
    EXPECT_EQ(row->owner_ino, child_ino_);
    EXPECT_EQ(row->assigner_ino, current_userns_inode());
    EXPECT_EQ(row->flags, std::vector<std::string>{"owned"});
}

// A refused assign() names the namespace by fd, or as the caller names it.
TEST_F(RamAssignedVm, AssignAgainToOwnerIsEexist) {
    const std::string by_fd = "user namespace fd " + std::to_string(child_ns_.get());
    EXPECT_EQ(failure_of([&] { control_.assign(kRam0, child_ns_.get()); }),
              (Failure{"EEXIST", "assign b:1:0 to " + by_fd, ""}));
    const std::string by_path = "/proc/" + std::to_string(child_->pid()) + "/ns/user";
    EXPECT_EQ(failure_of([&] { control_.assign(kRam0, child_ns_.get(), by_path); }),
              (Failure{"EEXIST", "assign b:1:0 to " + by_path, ""}));
}

// revoke() passes the device it is given: its assignment is gone.
TEST_F(RamAssignedVm, RevokeUndoesTheAssignment) {
    control_.revoke(kRam0);
    EXPECT_EQ(result(errno_of([&] { control_.query(kRam0); })), "ENOENT");
}

TEST_F(RamAssignedVm, SetLimitShowsInNamespacesListing) {
    control_.set_limit(child_ns_.get(), 3);
    std::optional<NamespaceRow> row = proc_ns_row(child_ino_);
    ASSERT_TRUE(row) << "no line for namespace " << child_ino_ << " in " << kProcNamespacesPath;
    EXPECT_EQ(row->parent_ino, current_userns_inode());
    EXPECT_EQ(row->loop_limit, 3u);
    EXPECT_EQ(row->loops_used, 0u);
    EXPECT_EQ(row->views_mounted, 1u) << "the child has its view mounted";
}

}  // namespace
}  // namespace nsdev
