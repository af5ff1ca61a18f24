// Loop devices in the caller's namespace (SPEC §4): allocating, attaching,
// detaching and listing them through whatever /dev/loop-control the
// caller's /dev has. Inside a view that is the module's delegation device
// (numbers from loop_index_base, 1024, owned by the caller's namespace); on
// the host it is the loop driver's own, and the same calls work like
// losetup there.
//
// Following util-linux's losetup: GET_FREE, open /dev/loopN and
// LOOP_CONFIGURE, retrying with another number when the one handed out is
// gone by the time it is opened; sysfs (/sys/block/loopN/loop/...) for the
// status of a device, never opening it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "nsdev/device.h"
#include "nsdev/fd.h"
#include "nsdev/probe.h"

namespace nsdev {

/** The delegation device on the host (NSDEVTMPFS_LOOPCTL_NAME). */
inline constexpr char kLoopControlHostPath[] = "/dev/nsdevtmpfs-loop-control";

/**
 * The loop-control of the caller's /dev: the delegation device in a view,
 * where losetup looks for it; the loop driver's own on the host.
 */
inline constexpr char kLoopControlViewPath[] = "/dev/loop-control";

/** The block major of loop devices (LOOP_MAJOR). */
inline constexpr unsigned kLoopMajor = 7;

/** How often loop_attach() asks for another number (util-linux: a few). */
inline constexpr int kLoopAttachAttempts = 8;

/**
 * LoopAttachOptions - how loop_attach() configures a device
 * (struct loop_config of LOOP_CONFIGURE).
 */
struct LoopAttachOptions {
    bool read_only = false;   // LO_FLAGS_READ_ONLY; the file is opened O_RDONLY
    bool partscan = false;    // LO_FLAGS_PARTSCAN: partitions appear (owned alike)
    bool direct_io = false;   // LO_FLAGS_DIRECT_IO
    bool autoclear = false;   // LO_FLAGS_AUTOCLEAR: detach on the last close
    uint64_t offset = 0;      // bytes into the backing file
    uint64_t sizelimit = 0;   // 0: up to the end of the file
    uint32_t block_size = 0;  // 0: the kernel's default (512)
};

/**
 * LoopDevice - one loop device node of the caller's /dev and what sysfs
 * says about the device.
 */
struct LoopDevice {
    unsigned index = 0;        // N of loopN
    std::string name;          // "loop1024"
    std::string path;          // "/dev/loop1024"
    DeviceId dev;              // b:7:N (N << part_shift with max_part)
    bool attached = false;     // bound to a backing file
    std::string backing_file;  // as sysfs shows it; "" when not attached
    uint64_t offset = 0;
    uint64_t sizelimit = 0;
    bool read_only = false;
    bool partscan = false;
    bool autoclear = false;
    bool direct_io = false;
    std::vector<std::string> partitions;  // nodes in the same /dev: "loop1024p1", ...

    friend bool operator==(const LoopDevice&, const LoopDevice&) = default;
};

/**
 * LoopControl - an open loop-control; one method per ioctl, with the
 * kernel loop-control's numbers and semantics (LOOP_CTL_*). On the
 * delegation device they are restricted to the caller's namespace.
 * Move-only (owns the descriptor).
 */
class LoopControl {
public:
    /**
     * LoopControl - open a loop-control.
     * @path: kLoopControlViewPath (the caller's /dev), or
     *        kLoopControlHostPath for the delegation device on the host.
     *
     * Throws SysError "open PATH".
     */
    explicit LoopControl(const std::string& path = kLoopControlViewPath);

    /**
     * get_free - LOOP_CTL_GET_FREE: a free loop device; from the
     * delegation device, one owned by the caller's namespace or a new
     * number reserved for it, in the caller's view when this returns.
     *
     * Return: its index. Throws SysError "allocate a loop device"
     * (EDQUOT at the namespace's loop limit, EPERM without CAP_SYS_ADMIN
     * in the caller's user namespace).
     */
    unsigned get_free();

    /**
     * add - LOOP_CTL_ADD: create loop@index (for the caller's namespace).
     * Return: @index. Throws SysError "add loopN" (EEXIST if it exists).
     */
    unsigned add(unsigned index);

    /**
     * remove - LOOP_CTL_REMOVE: remove loop@index; on the delegation
     * device the caller's namespace (or a descendant) must own it, and
     * the number leaves the namespace's quota. Throws SysError
     * "remove loopN" (EBUSY while attached, EPERM for another namespace's
     * device).
     */
    void remove(unsigned index);

    /**
     * delegated - true if this is the module's delegation device, false
     * for the loop driver's own loop-control (c:10:237).
     */
    bool delegated() const noexcept { return delegated_; }

    /** fd - the descriptor, still owned by this object. */
    int fd() const noexcept { return fd_.get(); }

    /** path - the path it was opened from. */
    const std::string& path() const noexcept { return path_; }

private:
    std::string path_;
    UniqueFd fd_;
    bool delegated_ = false;
};

/**
 * loop_attach - attach @file to a free loop device, like
 * `losetup -f [-P] [-r] --show FILE`: get_free(), open @dev_dir/loopN,
 * LOOP_CONFIGURE; when the number is gone or taken by the time it is
 * opened or configured (ENOENT, ENXIO, EBUSY), another one, up to
 * kLoopAttachAttempts times.
 * @ctl: the loop-control of @dev_dir.
 * @file: the backing file, opened read-write unless @opts.read_only.
 * @opts: flags, offset and size limit.
 * @dev_dir: the caller's device directory ("/dev", or a view mounted
 *           elsewhere).
 *
 * Return: the attached device, as loop_status() reads it. Throws
 * SysError naming the step: "open FILE", "attach FILE to a loop device"
 * (from GET_FREE: EDQUOT with a hint at `nsdevctl limit`, EPERM; EBUSY
 * when every attempt lost its number), "open /dev/loopN",
 * "configure /dev/loopN with FILE".
 */
LoopDevice loop_attach(LoopControl& ctl, const std::string& file, const LoopAttachOptions& opts,
                       const std::string& dev_dir = "/dev");

/**
 * loop_attach - the same with a LoopControl opened from @dev_dir.
 */
LoopDevice loop_attach(const std::string& file, const LoopAttachOptions& opts,
                       const std::string& dev_dir = "/dev");

/**
 * loop_detach - LOOP_CLR_FD on @device, like `losetup -d`; the loop driver
 * clears it on its last close (at once, unless something else has it
 * open). Then, if @dev_dir/loop-control is the delegation device and the
 * node is still there once the device is cleared, LOOP_CTL_REMOVE gives
 * the number back (node and quota); that step is best effort.
 * @device: a node path ("/dev/loop1024") or "b:7:1024" (its node is
 *          looked up in @dev_dir).
 * @dev_dir: the caller's device directory.
 *
 * Return: true if the device is detached; false if another opener (a
 * mount, a process of the namespace that owns it) still holds it: the
 * driver then only set autoclear and detaches it on that last close (the
 * number is not given back). Throws SysError "detach DEVICE" (ENXIO when
 * not attached, ENOENT when no such node) and std::invalid_argument for a
 * device that is not a whole loop device ("detach /dev/sda: not a loop
 * device").
 */
bool loop_detach(const std::string& device, const std::string& dev_dir = "/dev");

/**
 * loop_status - fill the sysfs part of @d (attached, backing_file,
 * offset, sizelimit, the flags) from @sysfs/block/@d.name; @d.dev must
 * match that device's dev attribute, else @d stays unattached (the node
 * is stale or the number not instantiated).
 * @d: a device with index, name and dev set.
 * @sysfs: where sysfs is mounted ("/sys").
 *
 * A device detached while it is read is reported unattached. Throws
 * SysError "read PATH" for other read errors.
 */
void loop_status(LoopDevice& d, const std::string& sysfs = "/sys");

/**
 * loop_devices - the loop devices among @nodes (what
 * list_device_nodes(@dev_dir) returns): block nodes named loopN at the top
 * of @dev_dir, each with its partitions (block nodes loopNpM, sorted by M)
 * and loop_status(). Return: sorted by index.
 */
std::vector<LoopDevice> loop_devices(const std::vector<ViewNode>& nodes, const std::string& dev_dir,
                                     const std::string& sysfs = "/sys");

/**
 * loop_list - the loop devices of the caller's /dev: in a view, the
 * namespace's own (not the host's, which /sys/block lists too).
 * @dev_dir: the device directory.
 * @sysfs: where sysfs is mounted.
 *
 * Nodes are never opened (opening a delegated loop's node instantiates
 * it). Return: every loop node, attached or not, sorted by index. Throws
 * what list_device_nodes() and loop_status() throw.
 */
std::vector<LoopDevice> loop_list(const std::string& dev_dir = "/dev",
                                  const std::string& sysfs = "/sys");

}  // namespace nsdev
