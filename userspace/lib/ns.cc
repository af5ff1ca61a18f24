// open_userns and nsfs inode numbers.
#include "nsdev/ns.h"

#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <cerrno>
#include <stdexcept>
#include <string>

#include "nsdev/error.h"
#include "parse_util.h"

namespace nsdev {
namespace {

// "a network", "an IPC": the namespace type with its article.
const char* ns_type_name(int type) {
    switch (type) {
        case CLONE_NEWUSER:
            return "a user";
        case CLONE_NEWNS:
            return "a mount";
        case CLONE_NEWNET:
            return "a network";
        case CLONE_NEWPID:
            return "a PID";
        case CLONE_NEWUTS:
            return "a UTS";
        case CLONE_NEWIPC:
            return "an IPC";
        case CLONE_NEWCGROUP:
            return "a cgroup";
#ifdef CLONE_NEWTIME
        case CLONE_NEWTIME:
            return "a time";
#endif
        default:
            return "an unknown";
    }
}

}  // namespace

UniqueFd open_userns(std::string_view spec) {
    if (spec.empty())
        throw std::invalid_argument("empty user namespace (expected a pid or a path)");
    const std::string path =
        detail::is_digits(spec) ? "/proc/" + std::string(spec) + "/ns/user" : std::string(spec);
    UniqueFd fd = open_or_throw(path, O_RDONLY);

    int type = ::ioctl(fd.get(), NS_GET_NSTYPE);
    if (type < 0) {
        // ENOTTY: not an nsfs file. Anything else is unexpected: report it.
        if (errno == ENOTTY) throw std::invalid_argument(path + " is not a namespace file");
        throw SysError(errno, "get namespace type of " + path);
    }
    if (type != CLONE_NEWUSER)
        throw std::invalid_argument(path + " is " + ns_type_name(type) +
                                    " namespace, not a user namespace");
    return fd;
}

uint64_t userns_inode(int fd) {
    struct stat st {};
    if (::fstat(fd, &st) != 0)
        throw SysError(errno, "stat user namespace fd " + std::to_string(fd));
    return st.st_ino;
}

uint64_t current_userns_inode() {
    struct stat st {};
    if (::stat("/proc/self/ns/user", &st) != 0) throw SysError(errno, "stat /proc/self/ns/user");
    return st.st_ino;
}

}  // namespace nsdev
