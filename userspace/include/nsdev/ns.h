// User namespaces named the way users name them: a pid or an nsfs path.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "nsdev/fd.h"

namespace nsdev {

/**
 * open_userns - open a user namespace file.
 * @spec: a pid ("1234", meaning /proc/1234/ns/user) or the path of an nsfs
 *        file of a user namespace ("/proc/1234/ns/user", a bind mount of
 *        one). Only a string of decimal digits is taken as a pid.
 *
 * The descriptor is O_RDONLY | O_CLOEXEC and checked with NS_GET_NSTYPE to
 * be a user namespace, so a wrong file is reported here rather than as a
 * bare EINVAL from the kernel later.
 *
 * Return: the open namespace file. Throws std::invalid_argument for an
 * empty @spec, a file that is not a namespace ("/etc/passwd is not a
 * namespace file") or one of another type ("/proc/1/ns/net is a network
 * namespace, not a user namespace"), and SysError with context "open PATH"
 * when the file cannot be opened (ENOENT for a pid that does not exist).
 */
UniqueFd open_userns(std::string_view spec);

/**
 * userns_path - the file open_userns() opens for @spec: "/proc/PID/ns/user"
 * for a pid, @spec itself otherwise. For messages ("assign b:7:0 to
 * /proc/1234/ns/user: EPERM").
 */
std::string userns_path(std::string_view spec);

/**
 * userns_inode - the nsfs inode number of a namespace file, the number
 * /proc/nsdevtmpfs and QueryResult use to name namespaces.
 * @fd: an open namespace file.
 *
 * Return: st_ino. Throws SysError with context "stat user namespace fd N".
 */
uint64_t userns_inode(int fd);

/**
 * current_userns_inode - the nsfs inode number of the caller's user namespace.
 *
 * Return: st_ino of /proc/self/ns/user. Throws SysError with context
 * "stat /proc/self/ns/user".
 */
uint64_t current_userns_inode();

/** NsProcess - a process found in a user namespace. */
struct NsProcess {
    pid_t pid = 0;
    std::string comm;  // /proc/PID/comm, without the newline

    friend bool operator==(const NsProcess&, const NsProcess&) = default;
};

/**
 * userns_processes - one process per user namespace, from one scan of
 * /proc: for each nsfs inode, the lowest pid whose ns/user has it.
 * @proc: the proc root ("/proc"; tests use a fake tree).
 *
 * Processes the caller may not inspect, and processes that exit during the
 * scan, are skipped. Return: inode -> process. Throws SysError "open
 * PROC" only when @proc itself cannot be read.
 */
std::map<uint64_t, NsProcess> userns_processes(const std::string& proc = "/proc");

}  // namespace nsdev
