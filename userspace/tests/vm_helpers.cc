// Helpers for the in-VM tests; see vm_helpers.h.
#include "vm_helpers.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <sstream>

#include "nsdev/error.h"
#include "nsdev/ns.h"

namespace nsdev::vmtest {
namespace {

// Largest request or reply on the socket pair.
constexpr size_t kMaxMessage = 8192;

void write_file(const std::string& path, const std::string& text) {
    UniqueFd fd = open_or_throw(path, O_WRONLY);
    ssize_t n = ::write(fd.get(), text.data(), text.size());
    if (n < 0) throw SysError(errno, "write " + path);
    if (static_cast<size_t>(n) != text.size()) throw SysError(EIO, "write " + path + " (short)");
}

std::string octal(unsigned mode) {
    char buf[16];
    std::snprintf(buf, sizeof(buf), "%04o", mode);
    return buf;
}

// NodeInfo of @path in this process.
NodeInfo probe_node(const std::string& path) {
    NodeInfo n;
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) {
        n.err = errno;
        return n;
    }
    n.mode = st.st_mode;
    n.rdev_major = major(st.st_rdev);
    n.rdev_minor = minor(st.st_rdev);
    n.uid = st.st_uid;
    n.gid = st.st_gid;
    if (S_ISLNK(st.st_mode)) {
        char buf[4096];
        ssize_t len = ::readlink(path.c_str(), buf, sizeof(buf));
        if (len < 0) {
            n.err = errno;
            return n;
        }
        n.link.assign(buf, static_cast<size_t>(len));
    }
    return n;
}

// ---- The child's side. It never returns into gtest: every path ends in _exit.

void child_send(int sock, const std::string& msg) {
    // The parent is waiting for exactly this message; if it is gone, so are we.
    if (::send(sock, msg.data(), msg.size(), MSG_NOSIGNAL) < 0) ::_exit(3);
}

// One request, "OP PATH"; the reply is "ERRNO" or "0\nPAYLOAD".
std::string child_handle(const std::string& request) {
    const size_t space = request.find(' ');
    const std::string op = request.substr(0, space);
    const std::string path = space == std::string::npos ? "" : request.substr(space + 1);
    int rc = -1;
    if (op == "mount") {
        rc = ::mount("none", path.c_str(), "nsdevtmpfs", 0, nullptr);
    } else if (op == "probe") {
        NodeInfo n = probe_node(path);
        if (n.err) return std::to_string(n.err);
        std::ostringstream out;
        out << "0\n"
            << n.mode << '\n'
            << n.rdev_major << '\n'
            << n.rdev_minor << '\n'
            << n.uid << '\n'
            << n.gid << '\n'
            << n.link;
        return out.str();
    } else {
        errno = ENOSYS;
    }
    return rc == 0 ? "0" : std::to_string(errno);
}

[[noreturn]] void child_main(int sock, pid_t parent, int flags) {
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || ::getppid() != parent) ::_exit(4);
    if (::unshare(flags) != 0) {
        child_send(sock, "E " + std::to_string(errno) + " unshare in child");
        ::_exit(1);
    }
    if ((flags & CLONE_NEWNS) && ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr)) {
        child_send(sock, "E " + std::to_string(errno) + " make / private in child");
        ::_exit(1);
    }
    child_send(sock, "ready");
    char buf[kMaxMessage];
    while (true) {
        ssize_t n = ::recv(sock, buf, sizeof(buf), 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) ::_exit(0);  // the test is done with us
        child_send(sock, child_handle(std::string(buf, static_cast<size_t>(n))));
    }
}

}  // namespace

void enter_private_mount_ns() {
    static bool done = false;
    if (done) return;
    if (::unshare(CLONE_NEWNS) != 0) throw SysError(errno, "unshare mount namespace");
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
        throw SysError(errno, "make / private");
    done = true;
}

TempDir::TempDir() : path_("/tmp/nsdev-vm-test.XXXXXX") {
    if (!::mkdtemp(path_.data())) throw SysError(errno, "create " + path_);
    if (::chmod(path_.c_str(), 0755) != 0) {
        int err = errno;
        ::rmdir(path_.c_str());
        throw SysError(err, "chmod " + path_);
    }
}

TempDir::~TempDir() { ::rmdir(path_.c_str()); }

std::string describe(const NodeInfo& n) {
    if (n.err) return errno_name(n.err);
    std::string kind;
    if (S_ISCHR(n.mode) || S_ISBLK(n.mode))
        kind = std::string(S_ISCHR(n.mode) ? "char " : "block ") + std::to_string(n.rdev_major) +
               ":" + std::to_string(n.rdev_minor) + " mode " + octal(n.mode & 07777);
    else if (S_ISLNK(n.mode))
        kind = "symlink -> " + n.link;
    else if (S_ISDIR(n.mode))
        kind = "dir mode " + octal(n.mode & 07777);
    else
        kind = "type " + octal(n.mode & S_IFMT) + " mode " + octal(n.mode & 07777);
    return kind + " uid " + std::to_string(n.uid) + " gid " + std::to_string(n.gid);
}

void write_id_maps(pid_t pid, const std::string& map) {
    const std::string proc = "/proc/" + std::to_string(pid);
    write_file(proc + "/setgroups", "deny");
    write_file(proc + "/uid_map", map);
    write_file(proc + "/gid_map", map);
}

NsChild::NsChild(int flags, const std::string& map) {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
        throw SysError(errno, "socketpair");
    sock_.reset(sv[0]);
    UniqueFd child_end(sv[1]);

    const pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ < 0) throw SysError(errno, "fork");
    if (pid_ == 0) {
        sock_.reset();
        child_main(child_end.get(), parent, flags);
    }
    child_end.reset();

    try {
        char buf[kMaxMessage];
        ssize_t n = ::recv(sock_.get(), buf, sizeof(buf), 0);
        if (n < 0) throw SysError(errno, "wait for child " + std::to_string(pid_));
        const std::string hello(buf, static_cast<size_t>(n));
        if (hello != "ready") {
            // "E ERRNO STEP", or nothing if the child died.
            int err = EPIPE;
            std::string step = "start child";
            if (hello.rfind("E ", 0) == 0) {
                const size_t space = hello.find(' ', 2);
                err = std::atoi(hello.substr(2, space - 2).c_str());
                step = hello.substr(space + 1);
            }
            throw SysError(err, step);
        }
        if (flags & CLONE_NEWUSER) write_id_maps(pid_, map);
    } catch (...) {
        stop();
        throw;
    }
}

NsChild::~NsChild() { stop(); }

void NsChild::stop() noexcept {
    sock_.reset();  // the child reads end of file and exits
    if (pid_ > 0) {
        while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
        }
    }
    pid_ = -1;
}

UniqueFd NsChild::open_userns() const { return nsdev::open_userns(std::to_string(pid_)); }

std::string NsChild::call(const std::string& request) {
    const std::string context = "ask child " + std::to_string(pid_) + " to " + request;
    if (::send(sock_.get(), request.data(), request.size(), MSG_NOSIGNAL) < 0)
        throw SysError(errno, context);
    char buf[kMaxMessage];
    ssize_t n;
    do {
        n = ::recv(sock_.get(), buf, sizeof(buf), 0);
    } while (n < 0 && errno == EINTR);
    if (n < 0) throw SysError(errno, context);
    if (n == 0) throw SysError(EPIPE, context + " (child exited)");
    return std::string(buf, static_cast<size_t>(n));
}

int NsChild::mount_view(const std::string& dir) { return std::atoi(call("mount " + dir).c_str()); }

NodeInfo NsChild::probe(const std::string& path) {
    std::istringstream reply(call("probe " + path));
    NodeInfo n;
    reply >> n.err;
    if (n.err) return n;
    reply >> n.mode >> n.rdev_major >> n.rdev_minor >> n.uid >> n.gid;
    reply.ignore(1);  // the newline before the link target, which may hold spaces
    std::getline(reply, n.link, '\0');
    return n;
}

}  // namespace nsdev::vmtest
