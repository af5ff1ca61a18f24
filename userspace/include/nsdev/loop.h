// Loop delegation (SPEC §4): allocating, attaching and removing loop
// devices through the module's loop-control, from the host or from inside
// a view.
//
// STATUS: declared, not implemented. The kernel side (loopctl.c) is being
// written; until it lands nothing here is defined, and `nsdevctl loop`
// reports "loop delegation is not available in this module version".
// The entry points are fixed now so that callers (nsdevctl loop, the
// liburing benchmark) can be written against them; the definitions will go
// to lib/loop.cc, following util-linux's loopdev.c: sysfs first
// (/sys/block/loopN/loop/backing_file), the ioctl as fallback.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "nsdev/device.h"
#include "nsdev/fd.h"

namespace nsdev {

/** The delegation device on the host (NSDEVTMPFS_LOOPCTL_NAME). */
inline constexpr char kLoopControlHostPath[] = "/dev/nsdevtmpfs-loop-control";

/** The same device as every view shows it, where losetup looks for it. */
inline constexpr char kLoopControlViewPath[] = "/dev/loop-control";

/**
 * LoopAttachOptions - how loop_attach() configures a device
 * (struct loop_config of LOOP_CONFIGURE).
 */
struct LoopAttachOptions {
    bool read_only = false;   // LO_FLAGS_READ_ONLY
    bool partscan = false;    // LO_FLAGS_PARTSCAN: partitions appear (owned alike)
    bool direct_io = false;   // LO_FLAGS_DIRECT_IO
    bool autoclear = true;    // LO_FLAGS_AUTOCLEAR: detach on last close
    uint64_t offset = 0;      // bytes into the backing file
    uint64_t sizelimit = 0;   // 0: up to the end of the file
    uint32_t block_size = 0;  // 0: the kernel's default (512)
};

/**
 * LoopDevice - one loop device delegated to a namespace, as the caller's
 * namespace sees it.
 */
struct LoopDevice {
    unsigned index = 0;        // N of loopN
    DeviceId dev;              // b:7:N (or the extended major)
    std::string name;          // "loop3"
    std::string backing_file;  // "" when not configured
    uint64_t offset = 0;
    uint64_t sizelimit = 0;
    bool read_only = false;
    bool partscan = false;
    uint64_t owner_ino = 0;               // nsfs inode of the owning namespace
    std::vector<std::string> partitions;  // "loop3p1", ...
};

/**
 * LoopControl - an open delegation device; one method per ioctl, with the
 * kernel loop-control's numbers and semantics (LOOP_CTL_*), restricted to
 * the caller's namespace. Move-only.
 */
class LoopControl {
public:
    /**
     * LoopControl - open the delegation device.
     * @path: kLoopControlHostPath on the host, kLoopControlViewPath in a
     *        view.
     *
     * Throws SysError "open PATH".
     */
    explicit LoopControl(const std::string& path = kLoopControlHostPath);

    /**
     * get_free - LOOP_CTL_GET_FREE: a free loop device owned by the
     * caller's namespace, or a new one assigned to it; it is in the
     * caller's view when this returns.
     *
     * Return: its index. Throws SysError "allocate a loop device"
     * (EDQUOT at the namespace's loop limit, EPERM without CAP_SYS_ADMIN
     * in the caller's user namespace).
     */
    unsigned get_free();

    /**
     * add - LOOP_CTL_ADD: create loop@index for the caller's namespace.
     * Throws SysError "add loopN" (EEXIST if it exists).
     */
    unsigned add(unsigned index);

    /**
     * remove - LOOP_CTL_REMOVE: remove loop@index, which the caller's
     * namespace (or a descendant) must own. Throws SysError "remove loopN"
     * (EBUSY while attached, EPERM for another namespace's device).
     */
    void remove(unsigned index);

    /** fd - the descriptor, still owned by this object. */
    int fd() const noexcept { return fd_.get(); }

private:
    std::string path_;
    UniqueFd fd_;
};

/**
 * loop_attach - get_free(), then LOOP_CONFIGURE @file on the new device
 * (like `losetup -f [-P] FILE`).
 * @ctl: the delegation device.
 * @file: the backing file, opened read-write unless @opts.read_only.
 * @opts: flags, offset and size limit.
 * @dev_dir: where the caller sees its devices ("/dev", or a view mounted
 *           elsewhere); the node @dev_dir/loopN is opened to configure it.
 *
 * Return: the configured device. Throws SysError naming the step
 * ("open FILE", "configure /dev/loop3 with FILE").
 */
LoopDevice loop_attach(LoopControl& ctl, const std::string& file, const LoopAttachOptions& opts,
                       const std::string& dev_dir = "/dev");

/**
 * loop_detach - LOOP_CLR_FD on @device, then (if @remove) LOOP_CTL_REMOVE,
 * like `losetup -d`.
 * @device: a node path ("/dev/loop3") or "b:7:3".
 * @remove: also give the device back (it leaves the namespace's quota).
 *
 * Throws SysError "detach /dev/loop3" (ENXIO when not attached).
 */
void loop_detach(const std::string& device, bool remove = true);

/**
 * loop_list - the delegated loop devices visible to the caller (its
 * namespace and its descendants; all of them from the initial namespace),
 * from /proc/nsdevtmpfs/devices (flag "loop") and sysfs.
 *
 * Return: sorted by index. Throws SysError "read /proc/nsdevtmpfs/devices".
 */
std::vector<LoopDevice> loop_list();

}  // namespace nsdev
