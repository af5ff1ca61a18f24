// Views (nsdevtmpfs mounts) and the module's /proc/nsdevtmpfs listings.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "nsdev/device.h"

namespace nsdev {

/** The listings' paths; the parsers name them in their errors. */
inline constexpr char kProcDevicesPath[] = "/proc/nsdevtmpfs/devices";
inline constexpr char kProcNamespacesPath[] = "/proc/nsdevtmpfs/namespaces";

/**
 * mount_view - mount the caller's user namespace's view on @target.
 * @target: an existing directory, usually /dev.
 *
 * Every mount made from one user namespace shows the same tree (SPEC §1).
 * The caller needs CAP_SYS_ADMIN in the user namespace owning its mount
 * namespace.
 *
 * Throws SysError with context "mount nsdevtmpfs on TARGET"; ENODEV when
 * the module is not loaded.
 */
void mount_view(const std::string& target);

/**
 * MountedView - a view mounted for the lifetime of the object.
 *
 * Mounts in the constructor, detaches (umount2 MNT_DETACH) in the
 * destructor. Move-only; a moved-from object unmounts nothing.
 */
class MountedView {
public:
    /**
     * MountedView - mount_view(@target).
     * @target: an existing directory.
     *
     * Throws what mount_view() throws.
     */
    explicit MountedView(std::string target);

    MountedView(const MountedView&) = delete;
    MountedView& operator=(const MountedView&) = delete;

    /** MountedView - take over @other's mount, leaving @other empty. */
    MountedView(MountedView&& other) noexcept;

    /** operator= - detach our mount (if any), then take over @other's. */
    MountedView& operator=(MountedView&& other) noexcept;

    /** ~MountedView - detach the mount, ignoring errors (see unmount()). */
    ~MountedView();

    /**
     * unmount - detach the mount now (umount2 MNT_DETACH) and report errors.
     *
     * Does nothing on an empty object. The object is empty afterwards,
     * even when this throws. Throws SysError with context "unmount TARGET".
     */
    void unmount();

    /** target - where the view is mounted; "" for an empty object. */
    const std::string& target() const noexcept { return target_; }

private:
    std::string target_;
};

/**
 * DeviceRow - one line of /proc/nsdevtmpfs/devices:
 * "type major:minor name owner-ns-inode assigner-ns-inode flags".
 */
struct DeviceRow {
    DeviceId dev;
    std::string name;                // devnode name ("loop3p1", "net/tun")
    uint64_t owner_ino = 0;          // nsfs inode of the owner (0 for global)
    uint64_t assigner_ino = 0;       // nsfs inode of the assigner
    std::vector<std::string> flags;  // the comma-separated words; empty for "-"

    /** has_flag - true if @flag is one of the row's flag words. */
    bool has_flag(std::string_view flag) const;

    friend bool operator==(const DeviceRow&, const DeviceRow&) = default;
};

/**
 * NamespaceRow - one line of /proc/nsdevtmpfs/namespaces:
 * "ns-inode parent-inode loops-used loop-limit views-mounted".
 */
struct NamespaceRow {
    uint64_t ino = 0;
    uint64_t parent_ino = 0;  // 0 for the initial namespace
    unsigned loops_used = 0;
    unsigned loop_limit = 0;
    unsigned views_mounted = 0;

    friend bool operator==(const NamespaceRow&, const NamespaceRow&) = default;
};

/**
 * parse_proc_devices - parse the text of /proc/nsdevtmpfs/devices.
 * @text: the whole file; lines end in '\n' (the last one may lack it).
 *        Fields are separated by runs of spaces or tabs.
 * @source: the file's name for error messages.
 *
 * Strict: every line must have exactly six fields, type "c" or "b", a
 * decimal major:minor that a dev_t can hold, decimal inode numbers, and
 * flags "-" or comma-separated words of [a-z0-9_]. Empty lines are errors.
 *
 * Return: one row per line, in file order. Throws std::runtime_error
 * "SOURCE line N: PROBLEM" for the first malformed line.
 */
std::vector<DeviceRow> parse_proc_devices(std::string_view text,
                                          std::string_view source = kProcDevicesPath);

/**
 * parse_proc_namespaces - parse the text of /proc/nsdevtmpfs/namespaces.
 * @text: the whole file, as for parse_proc_devices().
 * @source: the file's name for error messages.
 *
 * Strict: exactly five decimal fields per line; the counts must fit in
 * 32 bits, the inode numbers in 64.
 *
 * Return: one row per line, in file order. Throws std::runtime_error
 * "SOURCE line N: PROBLEM" for the first malformed line.
 */
std::vector<NamespaceRow> parse_proc_namespaces(std::string_view text,
                                                std::string_view source = kProcNamespacesPath);

/**
 * read_proc_devices - read and parse /proc/nsdevtmpfs/devices.
 * @path: the file, normally kProcDevicesPath.
 *
 * The caller sees its own namespace's and its descendants' devices (all
 * of them from the initial namespace). Return: the rows. Throws SysError
 * with context "open PATH" / "read PATH", or what parse_proc_devices throws.
 */
std::vector<DeviceRow> read_proc_devices(const std::string& path = kProcDevicesPath);

/**
 * read_proc_namespaces - read and parse /proc/nsdevtmpfs/namespaces.
 * @path: the file, normally kProcNamespacesPath.
 *
 * Return: the rows. Throws as read_proc_devices() does.
 */
std::vector<NamespaceRow> read_proc_namespaces(const std::string& path = kProcNamespacesPath);

}  // namespace nsdev
