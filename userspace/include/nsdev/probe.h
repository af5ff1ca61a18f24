// What a user namespace sees: its view, listed from inside.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "nsdev/device.h"

namespace nsdev {

/**
 * ViewNode - one device node of a view, as a process in the view's user
 * namespace sees it.
 */
struct ViewNode {
    std::string name;  // path relative to the view's root ("net/tun")
    DeviceId dev;
    unsigned mode = 0;  // permission bits (07777)
    uint32_t uid = 0;   // owner as seen inside the namespace
    uint32_t gid = 0;

    friend bool operator==(const ViewNode&, const ViewNode&) = default;
};

/**
 * list_device_nodes - the character and block device nodes under @dir.
 * @dir: a directory, usually a mounted view.
 *
 * Recursive, not following symlinks, not crossing into other mounts
 * (a devpts on pts/ is not part of the view). Return: the nodes sorted by
 * name. Throws SysError "open DIR" / "read DIR" / "stat PATH".
 */
std::vector<ViewNode> list_device_nodes(const std::string& dir);

/** The initial user namespace's nsfs inode number (PROC_USER_INIT_INO). */
inline constexpr uint64_t kInitUserNsInode = 0xEFFFFFFDu;

/**
 * probe_userns - list the view of a user namespace from inside it.
 * @userns_fd: an nsfs file of the namespace (open_userns()).
 *
 * Forks a helper that joins the namespace (setns, unless it is our own),
 * unshares a mount namespace, mounts the namespace's view on a private
 * temporary directory and lists it with list_device_nodes(); owners are
 * therefore as that namespace's root sees them. Joining needs
 * CAP_SYS_ADMIN in the target namespace: root of the initial namespace
 * can probe any, root of a namespace its descendants.
 *
 * Return: the nodes. Throws SysError naming the step that failed in the
 * helper ("enter user namespace 4026532119", "mount nsdevtmpfs on
 * /tmp/nsdevctl-probe.XXXXXX").
 */
std::vector<ViewNode> probe_userns(int userns_fd);

}  // namespace nsdev
