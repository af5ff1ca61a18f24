// The ownership registry's control device, /dev/nsdevtmpfs-control.
#pragma once

#include <cstdint>
#include <string>

#include "nsdev/device.h"
#include "nsdev/fd.h"

namespace nsdev {

/** Where the module's control device appears on the host and in every view. */
inline constexpr char kControlPath[] = "/dev/nsdevtmpfs-control";

/**
 * kLoopAssignHint - the advice a refused ASSIGN of a loop device carries:
 * the module never assigns loop devices or their partitions (EOPNOTSUPP).
 */
inline constexpr char kLoopAssignHint[] =
    "loop devices are not assigned: a namespace allocates its own with losetup -f "
    "through the loop-control in its view";

/**
 * assign_error_hint - advice for the user after a failed ASSIGN.
 * @err: the errno of NSDEVTMPFS_IOC_ASSIGN.
 * @dev: the device it was about.
 *
 * Return: kLoopAssignHint for EOPNOTSUPP on a block device (a loop device
 * or a partition of one); "" when the errno says enough.
 */
std::string assign_error_hint(int err, const DeviceId& dev);

/** The advice with a refused REVOKE of default content. */
inline constexpr char kRevokeDefaultHint[] =
    "a default device, in every view: revoke --force takes it from every container";

/**
 * QueryResult - the registry's entry for one device (NSDEVTMPFS_IOC_QUERY).
 *
 * The bools decode state; bits this library does not know stay in state.
 */
struct QueryResult {
    unsigned state = 0;            // raw NSDEVTMPFS_STATE_* bits
    bool global = false;           // in every view
    bool owned = false;            // owned by owner_ino, in its view only
    bool default_content = false;  // part of every view's default content
    bool loop = false;             // allocated through loop delegation
    unsigned depth = 0;            // stacked assignments; 1 = by the initial namespace only
    uint64_t owner_ino = 0;        // nsfs inode of the owner; 0 for global
    uint64_t assigner_ino = 0;     // nsfs inode of the namespace that made the assignment
    std::string name;              // devnode name as devtmpfs names it ("loop3p1")
};

/**
 * Control - an open control device; one object per open(2).
 *
 * Move-only (owns the descriptor). Every method is one ioctl; the kernel
 * checks permission per call (see the uapi header), so opening succeeds
 * for whoever may open the node and a call may still fail with EPERM.
 * A failed call changes nothing.
 */
class Control {
public:
    /**
     * Control - open the control device.
     * @path: the node, normally kControlPath (also inside a view).
     *
     * Throws SysError with context "open PATH".
     */
    explicit Control(const std::string& path = kControlPath);

    /**
     * assign - make @dev owned by a user namespace (NSDEVTMPFS_IOC_ASSIGN).
     * @dev: the device.
     * @userns_fd: an open nsfs file of the target user namespace
     *             (open_userns()); not consumed.
     *
     * @ns_name: how to name the namespace in errors ("/proc/1234/ns/user");
     *           "" for "user namespace fd 5".
     *
     * Throws SysError with context "assign c:1:3 to user namespace fd 5";
     * e.g. EBUSY when the device is assigned elsewhere, EEXIST when it is
     * already owned by that namespace, ENODEV when it does not exist,
     * EOPNOTSUPP (hint: kLoopAssignHint) when it is a loop device or a
     * partition of one.
     */
    void assign(const DeviceId& dev, int userns_fd, const std::string& ns_name = "");

    /**
     * assign_global - make @dev appear in every view (root of the initial
     * user namespace only).
     * @dev: the device.
     *
     * Throws SysError with context "assign c:1:3 globally"; EOPNOTSUPP as
     * for assign().
     */
    void assign_global(const DeviceId& dev);

    /**
     * revoke - undo the current assignment of @dev (NSDEVTMPFS_IOC_REVOKE):
     * it goes back to its assigner, or becomes invisible if the initial
     * namespace made the assignment.
     * @dev: the device.
     * @default_too: also a device of every view's default content
     *               (NSDEVTMPFS_REVOKE_DEFAULT); without it such a device is
     *               refused with EPERM and kRevokeDefaultHint.
     *
     * Throws SysError with context "revoke c:1:3"; ENOENT when @dev has no
     * assignment visible to the caller.
     */
    void revoke(const DeviceId& dev, bool default_too = false);

    /**
     * query - the registry's entry for @dev (NSDEVTMPFS_IOC_QUERY).
     * @dev: the device.
     *
     * Return: the entry. Throws SysError with context "query c:1:3";
     * ENODEV when no such device exists, ENOENT when it exists but has no
     * assignment visible to the caller.
     */
    QueryResult query(const DeviceId& dev);

    /**
     * set_limit - cap the loop devices a namespace and all its descendants
     * may hold through loop delegation (NSDEVTMPFS_IOC_SET_LIMIT).
     * @userns_fd: an open nsfs file of the namespace; not consumed.
     * @max_loops: the new limit.
     * @ns_name: how to name the namespace in errors; "" for "user
     *           namespace fd 5".
     *
     * Throws SysError with context "set loop limit 4 on user namespace fd 5".
     */
    void set_limit(int userns_fd, unsigned max_loops, const std::string& ns_name = "");

    /** fd - the control device descriptor, still owned by this object. */
    int fd() const noexcept { return fd_.get(); }

    /** path - the path the control device was opened from. */
    const std::string& path() const noexcept { return path_; }

private:
    std::string path_;
    UniqueFd fd_;
};

}  // namespace nsdev
