// open_userns and nsfs inode numbers.
#include "nsdev/ns.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

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

std::string userns_path(std::string_view spec) {
    return detail::is_digits(spec) ? "/proc/" + std::string(spec) + "/ns/user" : std::string(spec);
}

UniqueFd open_userns(std::string_view spec) {
    if (spec.empty())
        throw std::invalid_argument("empty user namespace (expected a pid or a path)");
    const std::string path = userns_path(spec);
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

std::map<uint64_t, NsProcess> userns_processes(const std::string& proc) {
    DIR* d = ::opendir(proc.c_str());
    if (!d) throw SysError(errno, "open " + proc);
    std::vector<pid_t> pids;
    while (dirent* e = ::readdir(d)) {
        if (!detail::is_digits(e->d_name)) continue;
        std::optional<unsigned> pid = detail::parse_decimal<unsigned>(e->d_name);
        if (pid && *pid > 0) pids.push_back(static_cast<pid_t>(*pid));
    }
    ::closedir(d);
    std::sort(pids.begin(), pids.end());

    std::map<uint64_t, NsProcess> found;
    for (pid_t pid : pids) {
        const std::string dir = proc + "/" + std::to_string(pid);
        struct stat st {};
        if (::stat((dir + "/ns/user").c_str(), &st) != 0) continue;
        if (found.count(st.st_ino)) continue;
        NsProcess p{pid, ""};
        int fd = ::open((dir + "/comm").c_str(), O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
            char buf[64];
            ssize_t n = ::read(fd, buf, sizeof(buf));
            ::close(fd);
            if (n > 0) p.comm.assign(buf, static_cast<size_t>(n));
            while (!p.comm.empty() && p.comm.back() == '\n') p.comm.pop_back();
        }
        found.emplace(st.st_ino, std::move(p));
    }
    return found;
}

}  // namespace nsdev
