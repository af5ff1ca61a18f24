// Listing views, and the helper that lists one from inside its namespace.
#include "nsdev/probe.h"

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <stdexcept>

#include "nsdev/error.h"
#include "nsdev/fd.h"
#include "nsdev/ns.h"
#include "nsdev/view.h"

namespace nsdev {
namespace {

// Deepest directory nesting list_device_nodes() follows; views are shallow.
constexpr int kMaxDepth = 16;

void list_dir(int dirfd, const std::string& path, const std::string& prefix, dev_t root_dev,
              int depth, std::vector<ViewNode>& out) {
    if (depth > kMaxDepth) return;
    int dup = ::fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
    if (dup < 0) throw SysError(errno, "open " + path);
    DIR* d = ::fdopendir(dup);
    if (!d) {
        int err = errno;
        ::close(dup);
        throw SysError(err, "open " + path);
    }
    std::vector<std::string> names;
    errno = 0;
    while (dirent* e = ::readdir(d)) {
        const std::string name = e->d_name;
        if (name != "." && name != "..") names.push_back(name);
        errno = 0;
    }
    int err = errno;
    ::closedir(d);
    if (err) throw SysError(err, "read " + path);

    for (const std::string& name : names) {
        struct stat st {};
        const std::string child = path + "/" + name;
        if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
            if (errno == ENOENT) continue;  // removed while we looked
            throw SysError(errno, "stat " + child);
        }
        if (st.st_dev != root_dev) continue;  // another mount (devpts on pts/)
        if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
            ViewNode n;
            n.name = prefix + name;
            n.dev = {S_ISCHR(st.st_mode) ? DeviceId::Type::Char : DeviceId::Type::Block,
                     ::major(st.st_rdev), ::minor(st.st_rdev)};
            n.mode = st.st_mode & 07777;
            n.uid = st.st_uid;
            n.gid = st.st_gid;
            out.push_back(std::move(n));
        } else if (S_ISDIR(st.st_mode)) {
            int sub =
                ::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub < 0) throw SysError(errno, "open " + child);
            UniqueFd subfd(sub);
            list_dir(sub, child, prefix + name + "/", root_dev, depth + 1, out);
        }
    }
}

// ---- The helper's report: NUL-terminated fields.
//   "OK" then 7 fields per node: name type(c|b) major minor mode uid gid
//   "ERR" errno context

void put(std::string& buf, const std::string& field) {
    buf += field;
    buf += '\0';
}

std::string encode(const std::vector<ViewNode>& nodes) {
    std::string buf;
    put(buf, "OK");
    for (const ViewNode& n : nodes) {
        put(buf, n.name);
        put(buf, n.dev.type == DeviceId::Type::Char ? "c" : "b");
        put(buf, std::to_string(n.dev.major));
        put(buf, std::to_string(n.dev.minor));
        put(buf, std::to_string(n.mode));
        put(buf, std::to_string(n.uid));
        put(buf, std::to_string(n.gid));
    }
    return buf;
}

std::vector<ViewNode> decode(const std::string& buf, const std::string& context) {
    std::vector<std::string> f;
    size_t pos = 0;
    while (pos < buf.size()) {
        size_t end = buf.find('\0', pos);
        if (end == std::string::npos) throw SysError(EPROTO, context + " (truncated report)");
        f.push_back(buf.substr(pos, end - pos));
        pos = end + 1;
    }
    if (f.empty()) throw SysError(EPROTO, context + " (the helper died)");
    if (f[0] == "ERR" && f.size() == 3) throw SysError(std::atoi(f[1].c_str()), f[2]);
    if (f[0] != "OK" || (f.size() - 1) % 7 != 0)
        throw SysError(EPROTO, context + " (malformed report)");
    std::vector<ViewNode> nodes;
    for (size_t i = 1; i < f.size(); i += 7) {
        ViewNode n;
        n.name = f[i];
        n.dev.type = f[i + 1] == "c" ? DeviceId::Type::Char : DeviceId::Type::Block;
        n.dev.major = static_cast<unsigned>(std::strtoul(f[i + 2].c_str(), nullptr, 10));
        n.dev.minor = static_cast<unsigned>(std::strtoul(f[i + 3].c_str(), nullptr, 10));
        n.mode = static_cast<unsigned>(std::strtoul(f[i + 4].c_str(), nullptr, 10));
        n.uid = static_cast<uint32_t>(std::strtoul(f[i + 5].c_str(), nullptr, 10));
        n.gid = static_cast<uint32_t>(std::strtoul(f[i + 6].c_str(), nullptr, 10));
        nodes.push_back(std::move(n));
    }
    return nodes;
}

// The helper: join, mount, list, report. Never returns.
[[noreturn]] void helper_main(int out, int userns_fd, bool join, uint64_t ino,
                              const std::string& dir) {
    std::string report;
    try {
        if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
            throw SysError(errno, "prctl PR_SET_PDEATHSIG");
        if (join && ::setns(userns_fd, CLONE_NEWUSER) != 0)
            throw SysError(errno, "enter user namespace " + std::to_string(ino));
        if (::unshare(CLONE_NEWNS) != 0) throw SysError(errno, "unshare mount namespace");
        // Nothing we mount may propagate back to the caller's namespace.
        if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
            throw SysError(errno, "make / private");
        mount_view(dir);
        report = encode(list_device_nodes(dir));
    } catch (const SysError& e) {
        report.clear();
        put(report, "ERR");
        put(report, std::to_string(e.code().value()));
        put(report, e.context());
    }
    write_all(out, report);
    ::_exit(0);
}

}  // namespace

std::vector<ViewNode> list_device_nodes(const std::string& dir) {
    UniqueFd fd = open_or_throw(dir, O_RDONLY | O_DIRECTORY);
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) throw SysError(errno, "stat " + dir);
    std::vector<ViewNode> nodes;
    list_dir(fd.get(), dir, "", st.st_dev, 0, nodes);
    std::sort(nodes.begin(), nodes.end(),
              [](const ViewNode& a, const ViewNode& b) { return a.name < b.name; });
    return nodes;
}

std::vector<ViewNode> probe_userns(int userns_fd) {
    const uint64_t ino = userns_inode(userns_fd);
    const bool join = ino != current_userns_inode();
    const std::string context = "probe user namespace " + std::to_string(ino);

    std::string dir = "/tmp/nsdevctl-probe.XXXXXX";
    if (!::mkdtemp(dir.data())) throw SysError(errno, "create " + dir);
    // The namespace's root is usually unmapped here: let it look the
    // directory up.
    ::chmod(dir.c_str(), 0755);

    std::string report;
    int err = 0;
    int pipefd[2];
    if (::pipe2(pipefd, O_CLOEXEC) != 0) {
        err = errno;
        ::rmdir(dir.c_str());
        throw SysError(err, context);
    }
    UniqueFd rd(pipefd[0]), wr(pipefd[1]);
    pid_t pid = ::fork();
    if (pid < 0) {
        err = errno;
        ::rmdir(dir.c_str());
        throw SysError(err, context);
    }
    if (pid == 0) {
        rd.reset();
        helper_main(wr.get(), userns_fd, join, ino, dir);
    }
    wr.reset();
    report = read_all(rd.get());
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    // The helper's mount died with its mount namespace.
    ::rmdir(dir.c_str());
    return decode(report, context);
}

}  // namespace nsdev
