// nsdev_iobench - io_uring random reads (liburing, 4 KiB, queue depth 32)
// on a delegated loop device from inside a user namespace, against the
// host's own loop device on the same backing file (make bench, item 5).
//
// As root: fill a file on tmpfs, attach it read-only through the host's
// /dev/loop-control (the loop driver's), fork a child into a new user and
// mount namespace with a view mounted on /dev, and have it re-execute this
// program (--inner) to attach the same file through the view's
// /dev/loop-control (the module's delegation device; a loop numbered from
// 1024). Both devices are opened the same way (O_DIRECT unless
// --buffered); each run alternates between the sides in short slices (the
// delegated ones asked for over a pipe), each pair of slices with the same
// offsets, host first in every other pair. The table row shows each side's
// median and, as the ratio, the median of the per-run ratios.
//
// --control replaces the namespace's side by a second host loop read by a
// plain child process: an A/A run that shows the noise of the method on
// this machine. Not a test: it exits 0 whether or not the target is met,
// 1 when it cannot run, 2 on a usage error.
#include <fcntl.h>
#include <linux/magic.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <exception>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "iobench.h"
#include "nsdev/error.h"
#include "nsdev/fd.h"
#include "nsdev/idmap.h"
#include "io.h"
#include "nsdev/loop.h"
#include "nsdev/userns.h"
#include "nsdev/view.h"

namespace {

using nsdev::IoResult;
using nsdev::UniqueFd;
using nsdev::bench::IoBenchOptions;

// The namespace's ids: what `nsdevctl run` maps for root.
const nsdev::IdMapping kMaps = {{{0, 100000, 65536}}, {{0, 100000, 65536}}};

// Warm-up before the measured runs: each side once, this long at most.
constexpr auto kWarmUp = std::chrono::milliseconds(500);

// BackingFile - the file both loop devices read: created and filled with
// a pattern (no holes, so every read finds a page), removed on destruction.
class BackingFile {
public:
    BackingFile(std::string path, uint64_t size) : path_(std::move(path)) {
        UniqueFd fd = nsdev::open_or_throw(path_, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        try {
            fill(fd.get(), size);
        } catch (...) {
            ::unlink(path_.c_str());  // no destructor for a half-built object
            throw;
        }
    }
    BackingFile(const BackingFile&) = delete;
    BackingFile& operator=(const BackingFile&) = delete;
    ~BackingFile() { ::unlink(path_.c_str()); }

    // The file system's name for the table's notes.
    std::string fs_type() const {
        struct statfs s {};
        if (::statfs(path_.c_str(), &s) != 0) return "?";
        return s.f_type == TMPFS_MAGIC ? "tmpfs" : "not tmpfs";
    }

private:
    void fill(int fd, uint64_t size) {
        std::vector<unsigned char> chunk(1 << 20);
        for (uint64_t off = 0; off < size; off += chunk.size()) {
            std::fill(chunk.begin(), chunk.end(), static_cast<unsigned char>(0x5a ^ (off >> 20)));
            const size_t n = static_cast<size_t>(std::min<uint64_t>(chunk.size(), size - off));
            for (size_t done = 0; done < n;) {
                const ssize_t w = ::write(fd, chunk.data() + done, n - done);
                if (w < 0 && errno == EINTR) continue;
                if (w <= 0) throw nsdev::SysError(w < 0 ? errno : ENOSPC, "write " + path_);
                done += static_cast<size_t>(w);
            }
        }
        if (::fsync(fd) != 0) throw nsdev::SysError(errno, "fsync " + path_);
    }

    std::string path_;
};

// AttachedLoop - the backing file on a loop device of @dev_dir's
// loop-control, read-only, opened for the workload; closed and detached
// by detach() or, ignoring errors, on destruction.
class AttachedLoop {
public:
    AttachedLoop(const std::string& file, const std::string& dev_dir, bool direct, unsigned depth)
        : dev_dir_(dev_dir) {
        nsdev::LoopAttachOptions opts;
        opts.read_only = true;
        dev_ = nsdev::loop_attach(file, opts, dev_dir_);
        attached_ = true;
        try {
            fd_ = nsdev::open_or_throw(dev_.path, O_RDONLY | (direct ? O_DIRECT : 0));
            size_ = nsdev::io_size(fd_.get());
            ring_.emplace(depth);
        } catch (...) {
            detach_quietly();  // no destructor for a half-built object
            throw;
        }
    }
    AttachedLoop(const AttachedLoop&) = delete;
    AttachedLoop& operator=(const AttachedLoop&) = delete;
    ~AttachedLoop() { detach_quietly(); }

    void detach() {
        ring_.reset();
        fd_.reset();  // the loop driver clears a device on its last close
        if (!attached_) return;
        attached_ = false;
        nsdev::loop_detach(dev_.path, dev_dir_);
    }

    // One slice of the workload; the ring (and its io-wq workers) stays.
    IoResult run(const IoBenchOptions& o, std::chrono::nanoseconds time, uint64_t seed) {
        return nsdev::random_read(*ring_, fd_.get(), size_, o.block, o.depth, time, seed);
    }

    const std::string& path() const { return dev_.path; }

private:
    void detach_quietly() noexcept {
        try {
            detach();
        } catch (const std::exception& e) {
            std::cerr << "nsdev_iobench: " << e.what() << "\n";
        }
    }

    std::string dev_dir_;
    nsdev::LoopDevice dev_;
    bool attached_ = false;
    UniqueFd fd_;
    uint64_t size_ = 0;
    std::optional<nsdev::IoRing> ring_;
};

// Protocol lines, parent to child: "run MS SEED\n" -> "OPS BYTES NS\n",
// "quit\n" -> exit 0. First, child to parent: "ready /dev/loopN\n".

void write_line(int fd, const std::string& line, const char* what) {
    if (!nsdev::write_all(fd, line)) throw nsdev::SysError(errno, what);
}

// A line without its newline; nullopt at end of file.
std::optional<std::string> read_line(int fd, const char* what) {
    std::string line;
    for (;;) {
        char c;
        const ssize_t n = ::read(fd, &c, 1);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw nsdev::SysError(errno, what);
        if (n == 0) return std::nullopt;
        if (c == '\n') return line;
        line += c;
    }
}

// The delegated side, in the namespace with the view on /dev.
int inner_main(const IoBenchOptions& o) {
    UniqueFd in(o.in_fd), out(o.out_fd);
    ::fcntl(in.get(), F_SETFD, FD_CLOEXEC);
    ::fcntl(out.get(), F_SETFD, FD_CLOEXEC);
    AttachedLoop loop(o.file, "/dev", o.direct, o.depth);
    write_line(out.get(), "ready " + loop.path() + "\n", "write to the host side");
    while (const auto cmd = read_line(in.get(), "read from the host side")) {
        unsigned long long ms = 0, seed = 0;
        char tail = 0;
        if (*cmd == "quit") break;
        if (std::sscanf(cmd->c_str(), "run %llu %llu%c", &ms, &seed, &tail) != 2)
            throw std::runtime_error("unknown request '" + *cmd + "'");
        const IoResult r = loop.run(o, std::chrono::milliseconds(ms), seed);
        write_line(out.get(), nsdev::bench::format_result(r), "write to the host side");
    }
    loop.detach();
    return 0;
}

// What the namespace's first process does once its maps are written:
// become its root, mount the view on /dev, run ourselves with --inner.
[[noreturn]] void start_inner(const std::string& self, const IoBenchOptions& o, int in_fd,
                              int out_fd) {
    nsdev::become_ns_root();
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
        throw nsdev::SysError(errno, "make / private");
    try {
        nsdev::mount_view("/dev");
    } catch (const nsdev::SysError& e) {
        if (e.code().value() != ENODEV) throw;
        throw nsdev::SysError(ENODEV, e.context(), "the nsdevtmpfs module is not loaded");
    }
    for (int fd : {in_fd, out_fd})
        if (::fcntl(fd, F_SETFD, 0) != 0) throw nsdev::SysError(errno, "fcntl F_SETFD");
    std::vector<std::string> argv = {self};
    for (std::string& a : nsdev::bench::inner_args(o, in_fd, out_fd)) argv.push_back(std::move(a));
    nsdev::exec_command(argv);
}

// DelegatedSide - the child in the namespace, driven over two pipes.
class DelegatedSide {
public:
    explicit DelegatedSide(const IoBenchOptions& o) {
        int down[2], up[2];
        if (::pipe2(down, O_CLOEXEC) != 0) throw nsdev::SysError(errno, "pipe");
        UniqueFd child_in(down[0]);
        to_.reset(down[1]);
        if (::pipe2(up, O_CLOEXEC) != 0) throw nsdev::SysError(errno, "pipe");
        from_.reset(up[0]);
        UniqueFd child_out(up[1]);

        char self[4096];
        const ssize_t n = ::readlink("/proc/self/exe", self, sizeof(self) - 1);
        if (n < 0) throw nsdev::SysError(errno, "readlink /proc/self/exe");
        self[n] = 0;
        const int in_fd = child_in.get(), out_fd = child_out.get();
        if (o.control) {
            start_control(self, o, in_fd, out_fd);
        } else {
            ns_.emplace(CLONE_NEWNS, [path = std::string(self), &o, in_fd, out_fd] {
                start_inner(path, o, in_fd, out_fd);
            });
            nsdev::write_id_maps(ns_->pid(), kMaps, false);
            ns_->start();
        }
        child_in.reset();
        child_out.reset();
        const auto ready = read_line(from_.get(), "read from the delegated side");
        if (!ready || ready->rfind("ready ", 0) != 0) fail();
        device_ = ready->substr(6);
    }

    DelegatedSide(const DelegatedSide&) = delete;
    DelegatedSide& operator=(const DelegatedSide&) = delete;
    ~DelegatedSide() {
        if (control_pid_ > 0) {
            ::kill(control_pid_, SIGKILL);
            wait_child();
        }
    }

    const std::string& device() const { return device_; }

    IoResult run(std::chrono::milliseconds time, uint64_t seed) {
        write_line(to_.get(),
                   "run " + std::to_string(time.count()) + " " + std::to_string(seed) + "\n",
                   "write to the delegated side");
        const auto line = read_line(from_.get(), "read from the delegated side");
        if (!line) fail();
        return nsdev::bench::parse_result(*line);
    }

    // Ask the child to detach its loop and exit; throw if it fails to.
    void finish() {
        write_line(to_.get(), "quit\n", "write to the delegated side");
        to_.reset();
        const int status = wait_child();
        if (status != 0)
            throw std::runtime_error("the delegated side exited with status " +
                                     std::to_string(status));
    }

private:
    // The child stopped answering: it said why on stderr.
    [[noreturn]] void fail() {
        to_.reset();
        const int status = wait_child();
        throw std::runtime_error("the delegated side exited with status " + std::to_string(status));
    }

    // --control: the same program as a plain child, on the host's /dev.
    void start_control(const std::string& self, const IoBenchOptions& o, int in_fd, int out_fd) {
        std::vector<std::string> args = {self};
        for (std::string& a : nsdev::bench::inner_args(o, in_fd, out_fd))
            args.push_back(std::move(a));
        std::vector<char*> argv;
        for (std::string& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        control_pid_ = ::fork();
        if (control_pid_ < 0) throw nsdev::SysError(errno, "fork");
        if (control_pid_ == 0) {
            ::fcntl(in_fd, F_SETFD, 0);
            ::fcntl(out_fd, F_SETFD, 0);
            ::execv(argv[0], argv.data());
            ::_exit(127);
        }
    }

    // The child's exit status, 128 + N after signal N.
    int wait_child() {
        if (ns_) return ns_->wait();
        int status = 0;
        while (::waitpid(control_pid_, &status, 0) < 0 && errno == EINTR) {
        }
        control_pid_ = -1;
        return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
    }

    UniqueFd to_, from_;
    std::optional<nsdev::UserNamespace> ns_;
    pid_t control_pid_ = -1;
    std::string device_;
};

std::string fixed_list(const std::vector<double>& v, int precision = 1) {
    std::ostringstream s;
    s.setf(std::ios::fixed);
    s.precision(precision);
    for (size_t i = 0; i < v.size(); i++) s << (i ? " " : "") << v[i];
    return s.str();
}

int outer_main(const IoBenchOptions& o) {
    if (::geteuid() != 0) {
        std::cerr << "nsdev_iobench: needs root (it attaches loop devices on the host)\n";
        return 1;
    }
    // A child that died mid-protocol is reported by its exit status.
    ::signal(SIGPIPE, SIG_IGN);
    BackingFile file(o.file, o.size);
    AttachedLoop host(o.file, "/dev", o.direct, o.depth);
    DelegatedSide delegated(o);

    const auto warm = std::min<std::chrono::milliseconds>(o.run_time, kWarmUp);
    host.run(o, warm, 1);
    delegated.run(warm, 1);
    // Each run is a series of short slices alternating between the sides,
    // the same offsets on both, host first in every other pair: a drift in
    // the machine's load (QEMU TCG shares the host's CPUs with whatever
    // else runs there) favours neither side.
    const auto plan = nsdev::bench::slice_plan(o.run_time, o.slice);
    std::vector<double> h, d;
    uint64_t seed = 2;
    for (unsigned i = 0; i < o.runs; i++) {
        IoResult hr, dr;
        for (size_t k = 0; k < plan.size(); k++, seed++) {
            if ((i + k) % 2 == 0) hr += host.run(o, plan[k], seed);
            dr += delegated.run(plan[k], seed);
            if ((i + k) % 2 == 1) hr += host.run(o, plan[k], seed);
        }
        h.push_back(hr.iops() / 1000);
        d.push_back(dr.iops() / 1000);
    }
    delegated.finish();
    host.detach();

    nsdev::bench::BenchRow row;
    row.metric = nsdev::bench::metric_name(o);
    row.value = nsdev::bench::median(d);
    row.baseline = nsdev::bench::median(h);
    row.unit = "kIOPS";
    row.limit = 0.98;
    row.higher_is_better = true;
    row.paired = nsdev::bench::paired_ratio(d, h);
    std::cout << nsdev::bench::format_header() << nsdev::bench::format_row(row);
    std::vector<double> ratios;
    for (size_t i = 0; i < d.size(); i++) ratios.push_back(h[i] > 0 ? d[i] / h[i] : 0);
    std::cout << "# " << (o.direct ? "O_DIRECT" : "buffered") << " reads of " << o.block
              << " B at queue depth " << o.depth << " on a " << (o.size >> 20) << " MiB file on "
              << file.fs_type() << "; " << o.runs << (o.runs == 1 ? " run of " : " runs of ")
              << static_cast<double>(o.run_time.count()) / 1000 << " s per side, each in "
              << plan.size() << " slice" << (plan.size() == 1 ? "" : "s")
              << " alternating between the sides\n"
              << "# host " << host.path() << " kIOPS per run: " << fixed_list(h) << "\n"
              << (o.control ? "# second host " : "# delegated ") << delegated.device()
              << " kIOPS per run: " << fixed_list(d) << "\n"
              << (o.control ? "# second/first" : "# delegated/host")
              << " per run: " << fixed_list(ratios, 3)
              << "; the ratio is their median, value and baseline the medians per side\n";
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    IoBenchOptions o;
    try {
        o = nsdev::bench::parse_iobench_args(std::vector<std::string>(argv + 1, argv + argc));
    } catch (const std::exception& e) {
        std::cerr << "nsdev_iobench: " << e.what() << "\n";
        return 2;
    }
    if (o.help) {
        std::cout << nsdev::bench::iobench_usage();
        return 0;
    }
    try {
        return o.inner ? inner_main(o) : outer_main(o);
    } catch (const std::exception& e) {
        std::cerr << "nsdev_iobench" << (o.inner ? " (delegated side)" : "") << ": " << e.what()
                  << "\n";
        return 1;
    }
}
