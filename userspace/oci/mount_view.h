// nsdev-oci-hook's createContainer stage: for runtimes that set up /dev
// themselves (runc opens each node it makes with O_CREAT, and a view's
// /dev/tty answers that with ENXIO outside a session), the view is mounted
// over the runtime's finished /dev, and what the runtime mounted in it
// (devpts, shm, mqueue, device binds) is moved onto the view.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "oci_view.h"

namespace nsdev::oci {

/**
 * runtime_namespace - is this process in the initial user namespace? Read
 * from /proc/self/uid_map: only the initial namespace maps all of 0..2^32-2
 * onto itself. Throws SysError when it cannot be read.
 */
RuntimeNamespace runtime_namespace();

/**
 * container_root - the container's root directory before pivot_root.
 * @state:  the OCI state a hook gets on stdin ("bundle").
 * @config: the bundle's config.json ("root": {"path"}).
 *
 * Throws std::invalid_argument when either lacks its member.
 */
std::string container_root(const Config& state, const Config& config);

/**
 * dev_submounts - what is mounted on the topmost mount at @dev.
 * @mountinfo: the text of /proc/self/mountinfo.
 * @dev:       an absolute path without a trailing slash.
 *
 * Return: the mount points, relative to @dev, of the mounts whose parent
 * is the topmost mount on @dev, in mountinfo's order (parents first);
 * empty when nothing is mounted on @dev.
 */
std::vector<std::string> dev_submounts(std::string_view mountinfo, const std::string& dev);

/**
 * view_options - the mount data for the view: the tmpfs options of the
 * config's /dev mount that a view takes (mode, uid, gid, size,
 * nr_inodes), comma-separated; "" when there are none.
 */
std::string view_options(const Config& config);

/**
 * mount_view_over - mount the view on @root/dev over what is there, and
 * move every mount made on the old /dev (dev_submounts()) onto the same
 * path in the view, creating a directory or an empty file for it.
 *
 * Throws SysError (with the path) when a step fails; what was done stays.
 */
void mount_view_over(const std::string& root, const std::string& options);

}  // namespace nsdev::oci
