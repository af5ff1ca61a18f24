// UserNamespace: fork, unshare, maps, run; and the map writers.
#include "nsdev/userns.h"

#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <pwd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <utility>
#include <vector>

#include "nsdev/ns.h"

namespace nsdev {
namespace {

std::string read_subid_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw SysError(errno ? errno : ENOENT, "open " + path);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) throw SysError(EIO, "read " + path);
    return text;
}

// True if @maps is exactly "0 UID 1" / "0 GID 1": what an unprivileged
// process may write itself.
bool own_ids_only(const IdMapping& maps, uid_t uid, gid_t gid) {
    return maps.uid.size() == 1 && maps.gid.size() == 1 && maps.uid[0].outside == uid &&
           maps.uid[0].count == 1 && maps.gid[0].outside == gid && maps.gid[0].count == 1;
}

}  // namespace

MapPlan plan_id_maps(IdMapping given, bool subuid, uid_t uid, gid_t gid,
                     const std::string& subuid_path, const std::string& subgid_path) {
    MapPlan r;
    r.maps = std::move(given);
    if (r.maps.uid.empty()) r.maps.uid = r.maps.gid;
    if (r.maps.gid.empty()) r.maps.gid = r.maps.uid;
    r.helpers = subuid || (uid != 0 && !r.maps.empty() && !own_ids_only(r.maps, uid, gid));

    if (!r.helpers) {
        if (r.maps.empty()) {
            if (uid == 0)
                r.maps.uid = r.maps.gid = {{0, 100000, 65536}};
            else
                r.maps = {{{0, uid, 1}}, {{0, gid, 1}}};
        }
        r.maps = normalize_id_mapping(r.maps);
        // An unprivileged writer may map its own gid only with setgroups
        // denied (user_namespaces(7)).
        r.deny_setgroups = uid != 0;
        return r;
    }

    const passwd* pw = ::getpwuid(uid);
    const std::string user = pw ? pw->pw_name : "";
    const std::string who =
        user.empty() ? "uid " + std::to_string(uid) : user + " (uid " + std::to_string(uid) + ")";
    const auto subuids =
        subid_ranges_for(parse_subid(read_subid_file(subuid_path), subuid_path), user, uid);
    const auto subgids =
        subid_ranges_for(parse_subid(read_subid_file(subgid_path), subgid_path), user, uid);
    if (r.maps.empty()) {
        r.maps.uid = default_subid_map(subuids, IdKind::Uid, who, subuid_path);
        r.maps.gid = default_subid_map(subgids, IdKind::Gid, who, subgid_path);
    }
    r.maps = normalize_id_mapping(r.maps);
    check_subid_map(r.maps.uid, IdKind::Uid, subuids, uid, who, subuid_path);
    check_subid_map(r.maps.gid, IdKind::Gid, subgids, gid, who, subgid_path);
    return r;
}

namespace {

void write_file(const std::string& path, const std::string& text) {
    UniqueFd fd = open_or_throw(path, O_WRONLY);
    // A map must be written in one write(2).
    ssize_t n = ::write(fd.get(), text.data(), text.size());
    if (n < 0) throw SysError(errno, "write " + path);
    if (static_cast<size_t>(n) != text.size())
        throw SysError(EIO, "write " + path + " (short write)");
}

// Error records from the child, NUL-separated: KIND ERRNO CONTEXT HINT;
// KIND E (SysError), X (ExecError) or R (anything else: errno 0, CONTEXT
// is the whole message).
std::string error_record(char kind, int err, const std::string& context,
                         const std::string& hint = "") {
    std::string rec(1, kind);
    rec += '\0' + std::to_string(err) + '\0' + context + '\0' + hint;
    return rec;
}

[[noreturn]] void rethrow_record(const std::string& rec) {
    std::vector<std::string> f;
    size_t pos = 0;
    while (f.size() < 3) {
        size_t end = rec.find('\0', pos);
        if (end == std::string::npos) break;
        f.push_back(rec.substr(pos, end - pos));
        pos = end + 1;
    }
    if (f.size() != 3) throw std::runtime_error("malformed error report from the child");
    const std::string hint = rec.substr(pos);
    const int err = std::atoi(f[1].c_str());
    if (f[0] == "X") throw ExecError(err, f[2], hint);
    if (f[0] == "E" && err) throw SysError(err, f[2], hint);
    throw std::runtime_error(f[2]);
}

// Runs @argv and waits; @context names it in errors.
void run_helper(const std::vector<std::string>& argv, const std::string& context) {
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    int pipefd[2];
    if (::pipe2(pipefd, O_CLOEXEC) != 0) throw SysError(errno, context);
    UniqueFd rd(pipefd[0]), wr(pipefd[1]);
    pid_t pid = ::fork();
    if (pid < 0) throw SysError(errno, context);
    if (pid == 0) {
        ::execvp(args[0], args.data());
        int err = errno;
        (void)!::write(wr.get(), &err, sizeof(err));
        ::_exit(127);
    }
    wr.reset();
    int exec_err = 0;
    ssize_t n;
    do {
        n = ::read(rd.get(), &exec_err, sizeof(exec_err));
    } while (n < 0 && errno == EINTR);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (n == static_cast<ssize_t>(sizeof(exec_err))) throw SysError(exec_err, context);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        throw SysError(EPERM, context + " (" +
                                  (WIFEXITED(status)
                                       ? "exited with status " + std::to_string(WEXITSTATUS(status))
                                       : "killed by signal " + std::to_string(WTERMSIG(status))) +
                                  ")");
}

}  // namespace

void write_id_maps(pid_t pid, const IdMapping& mapping, bool deny_setgroups) {
    const std::string proc = "/proc/" + std::to_string(pid);
    if (deny_setgroups) write_file(proc + "/setgroups", "deny");
    write_file(proc + "/uid_map", format_proc_map(mapping.uid));
    write_file(proc + "/gid_map", format_proc_map(mapping.gid));
}

void write_id_maps_with_helpers(pid_t pid, const IdMapping& mapping) {
    for (IdKind kind : {IdKind::Uid, IdKind::Gid}) {
        std::vector<std::string> argv = {kind == IdKind::Uid ? "newuidmap" : "newgidmap",
                                         std::to_string(pid)};
        for (const IdRange& r : mapping.of(kind)) {
            argv.push_back(std::to_string(r.inside));
            argv.push_back(std::to_string(r.outside));
            argv.push_back(std::to_string(r.count));
        }
        std::string context;
        for (const std::string& a : argv) context += (context.empty() ? "" : " ") + a;
        run_helper(argv, context);
    }
}

void become_ns_root() {
    // Supplementary groups from outside would show as the overflow gid;
    // setgroups(2) is refused when /proc/PID/setgroups says deny: keep them.
    if (::setgroups(0, nullptr) != 0 && errno != EPERM) throw SysError(errno, "setgroups");
    if (::setresgid(0, 0, 0) != 0) throw SysError(errno, "setresgid 0");
    if (::setresuid(0, 0, 0) != 0) throw SysError(errno, "setresuid 0");
}

void exec_command(const std::vector<std::string>& argv) {
    if (argv.empty()) throw ExecError(EINVAL, "execute (no command)");
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    throw ExecError(errno, "execute " + argv[0]);
}

UserNamespace::UserNamespace(int extra_flags, std::function<void()> fn) {
    int down[2], up[2];
    if (::pipe2(down, O_CLOEXEC) != 0) throw SysError(errno, "pipe");
    to_child_.reset(down[1]);
    UniqueFd child_in(down[0]);
    if (::pipe2(up, O_CLOEXEC) != 0) throw SysError(errno, "pipe");
    from_child_.reset(up[0]);
    UniqueFd child_out(up[1]);

    pid_ = ::fork();
    if (pid_ < 0) throw SysError(errno, "fork");
    if (pid_ == 0) {
        // The child. Every path ends in exec or _exit; nothing returns
        // into the caller's stack.
        to_child_.reset();
        from_child_.reset();
        if (::unshare(CLONE_NEWUSER | extra_flags) != 0) {
            write_all(child_out.get(), error_record('E', errno, "unshare user namespace"));
            ::_exit(125);
        }
        write_all(child_out.get(), "U");
        char go = 0;
        ssize_t n;
        do {
            n = ::read(child_in.get(), &go, 1);
        } while (n < 0 && errno == EINTR);
        if (n != 1 || go != 'G') ::_exit(125);  // the parent gave up on us
        child_in.reset();
        try {
            fn();
            ::_exit(0);
        } catch (const ExecError& e) {
            write_all(child_out.get(), error_record('X', e.code().value(), e.context(), e.hint()));
        } catch (const SysError& e) {
            write_all(child_out.get(), error_record('E', e.code().value(), e.context(), e.hint()));
        } catch (const std::exception& e) {
            write_all(child_out.get(), error_record('R', 0, e.what()));
        } catch (...) {
            write_all(child_out.get(), error_record('R', 0, "unknown error in the child"));
        }
        ::_exit(125);
    }
    child_in.reset();
    child_out.reset();

    try {
        char ack = 0;
        ssize_t n;
        do {
            n = ::read(from_child_.get(), &ack, 1);
        } while (n < 0 && errno == EINTR);
        if (n != 1 || ack != 'U') {
            std::string rec = n == 1 ? std::string(1, ack) + read_all(from_child_.get()) : "";
            if (rec.size() == 1) rec.clear();
            reap();
            if (rec.empty()) throw SysError(EPIPE, "start child " + std::to_string(pid_));
            rethrow_record(rec);
        }
        userns_ = open_userns(std::to_string(pid_));
    } catch (...) {
        reap();
        throw;
    }
}

UserNamespace::UserNamespace(UserNamespace&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      userns_(std::move(other.userns_)),
      to_child_(std::move(other.to_child_)),
      from_child_(std::move(other.from_child_)) {}

UserNamespace::~UserNamespace() { reap(); }

void UserNamespace::reap() noexcept {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
}

void UserNamespace::kill(int sig) noexcept {
    if (pid_ > 0) ::kill(pid_, sig);
}

void UserNamespace::start() {
    const char go = 'G';
    if (::write(to_child_.get(), &go, 1) != 1) {
        int err = errno;
        reap();
        throw SysError(err, "start child");
    }
    to_child_.reset();
    // End of file: the child executed its command (the pipe is O_CLOEXEC)
    // or exited. Anything else is an error record.
    const std::string rec = read_all(from_child_.get());
    from_child_.reset();
    if (rec.empty()) return;
    // The child _exits right after the record; collect it.
    while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    rethrow_record(rec);
}

int UserNamespace::wait() {
    if (pid_ <= 0) throw SysError(ECHILD, "wait for child");
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0) {
        if (errno != EINTR) throw SysError(errno, "wait for " + std::to_string(pid_));
    }
    pid_ = -1;
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}

}  // namespace nsdev
