// Loop devices of the caller's /dev: attach, detach, list (see loop.h).
#include "nsdev/loop.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <thread>

#include "nsdev/error.h"
#include "parse_util.h"

namespace nsdev {
namespace {

// The loop driver's own loop-control (misc 10:237, LOOP_CTRL_MINOR).
constexpr unsigned kMiscMajor = 10;
constexpr unsigned kLoopCtrlMinor = 237;

// How long loop_detach() waits for a detached device to be cleared by
// another opener's close before it reports it as still in use.
constexpr auto kClearWait = std::chrono::milliseconds(500);
// How long loop_detach() waits for the module to release a cleared device
// before giving its number back (the module polls every 200 ms).
constexpr auto kRemoveWait = std::chrono::milliseconds(1000);
constexpr auto kRemovePoll = std::chrono::milliseconds(50);

/** The number of "loopN" / "loopNpM": N, and M (0 for a whole device). */
struct LoopName {
    unsigned index = 0;
    unsigned partition = 0;
};

std::optional<unsigned> digits(std::string_view s) {
    if (!detail::is_digits(s) || (s.size() > 1 && s[0] == '0')) return std::nullopt;
    return detail::parse_decimal<unsigned>(s);
}

std::optional<LoopName> parse_loop_name(std::string_view name) {
    if (name.substr(0, 4) != "loop") return std::nullopt;
    name.remove_prefix(4);
    const size_t p = name.find('p');
    const auto index = digits(name.substr(0, p));
    if (!index) return std::nullopt;
    if (p == std::string_view::npos) return LoopName{*index, 0};
    const auto part = digits(name.substr(p + 1));
    if (!part || *part == 0) return std::nullopt;
    return LoopName{*index, *part};
}

// A sysfs attribute, without its trailing newline; nullopt if it does not
// exist (the device or its loop/ directory is gone).
std::optional<std::string> read_attr(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT || errno == ENODEV || errno == ENXIO) return std::nullopt;
        throw SysError(errno, "read " + path);
    }
    UniqueFd owner(fd);
    std::string text;
    char buf[4096];
    while (true) {
        ssize_t n = ::read(fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            if (errno == ENODEV || errno == ENXIO) return std::nullopt;
            throw SysError(errno, "read " + path);
        }
        if (n == 0) break;
        text.append(buf, static_cast<size_t>(n));
    }
    if (!text.empty() && text.back() == '\n') text.pop_back();
    return text;
}

uint64_t number_attr(const std::string& path, const std::string& text) {
    const auto v = detail::parse_decimal<uint64_t>(text);
    if (!v) throw std::runtime_error(path + ": expected a number, read \"" + text + "\"");
    return *v;
}

bool flag_attr(const std::string& path, const std::string& text) {
    if (text == "0") return false;
    if (text == "1") return true;
    throw std::runtime_error(path + ": expected 0 or 1, read \"" + text + "\"");
}

// Block nodes at the top of @dir whose names start with "loop".
std::vector<ViewNode> loop_nodes(const std::string& dir) {
    UniqueFd fd = open_or_throw(dir, O_RDONLY | O_DIRECTORY);
    int dup = ::fcntl(fd.get(), F_DUPFD_CLOEXEC, 0);
    if (dup < 0) throw SysError(errno, "open " + dir);
    DIR* d = ::fdopendir(dup);
    if (!d) {
        int err = errno;
        ::close(dup);
        throw SysError(err, "open " + dir);
    }
    std::vector<std::string> names;
    errno = 0;
    while (dirent* e = ::readdir(d)) {
        if (std::strncmp(e->d_name, "loop", 4) == 0) names.push_back(e->d_name);
        errno = 0;
    }
    int err = errno;
    ::closedir(d);
    if (err) throw SysError(err, "read " + dir);

    std::vector<ViewNode> nodes;
    for (const std::string& name : names) {
        struct stat st {};
        if (::fstatat(fd.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
            if (errno == ENOENT) continue;  // removed while we looked
            throw SysError(errno, "stat " + dir + "/" + name);
        }
        if (!S_ISBLK(st.st_mode)) continue;
        nodes.push_back({name,
                         {DeviceId::Type::Block, ::major(st.st_rdev), ::minor(st.st_rdev)},
                         static_cast<unsigned>(st.st_mode & 07777),
                         st.st_uid,
                         st.st_gid});
    }
    return nodes;
}

std::string dev_path(const std::string& dev_dir, const std::string& name) {
    return dev_dir.empty() || dev_dir.back() != '/' ? dev_dir + "/" + name : dev_dir + name;
}

// The index of a whole loop device, from sysfs: /sys/dev/block/M:m links
// to .../block/loopN.
std::optional<unsigned> sysfs_loop_index(const DeviceId& dev, const std::string& sysfs) {
    const std::string link =
        sysfs + "/dev/block/" + std::to_string(dev.major) + ":" + std::to_string(dev.minor);
    char buf[4096];
    ssize_t n = ::readlink(link.c_str(), buf, sizeof(buf) - 1);
    if (n <= 0) return std::nullopt;
    std::string target(buf, static_cast<size_t>(n));
    const auto name = parse_loop_name(target.substr(target.rfind('/') + 1));
    if (!name || name->partition) return std::nullopt;
    return name->index;
}

// The partition nodes of loop@index among @nodes, sorted by number.
std::vector<std::string> partitions_of(const std::vector<ViewNode>& nodes, unsigned index) {
    std::vector<std::pair<unsigned, std::string>> found;
    for (const ViewNode& n : nodes) {
        const auto name = parse_loop_name(n.name);
        if (n.dev.type == DeviceId::Type::Block && name && name->partition && name->index == index)
            found.emplace_back(name->partition, n.name);
    }
    std::sort(found.begin(), found.end());
    std::vector<std::string> names;
    for (auto& f : found) names.push_back(std::move(f.second));
    return names;
}

[[noreturn]] void rethrow_with_hint(const SysError& e, const std::string& context) {
    const int err = e.code().value();
    std::string hint;
    if (err == EDQUOT)
        hint = "this namespace's loop limit is reached (nsdevctl limit)";
    else if (err == EPERM)
        hint = "only the namespace's root (CAP_SYS_ADMIN in it) may allocate loop devices";
    else if (err == ENOSPC)
        hint = "no loop device numbers left";
    throw SysError(err, context, hint);
}

}  // namespace

// ---- LoopControl

LoopControl::LoopControl(const std::string& path) : path_(path) {
    int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        const int err = errno;
        throw SysError(err, "open " + path,
                       err == ENOENT ? "no loop-control in this /dev (is loop.ko loaded?)" : "");
    }
    fd_.reset(fd);
    struct stat st {};
    if (::fstat(fd, &st) != 0) throw SysError(errno, "stat " + path);
    delegated_ = !(S_ISCHR(st.st_mode) && ::major(st.st_rdev) == kMiscMajor &&
                   ::minor(st.st_rdev) == kLoopCtrlMinor);
}

unsigned LoopControl::get_free() {
    int n = ::ioctl(fd_.get(), LOOP_CTL_GET_FREE);
    if (n < 0) throw SysError(errno, "allocate a loop device");
    return static_cast<unsigned>(n);
}

unsigned LoopControl::add(unsigned index) {
    int n = ::ioctl(fd_.get(), LOOP_CTL_ADD, static_cast<unsigned long>(index));
    if (n < 0) throw SysError(errno, "add loop" + std::to_string(index));
    return static_cast<unsigned>(n);
}

void LoopControl::remove(unsigned index) {
    if (::ioctl(fd_.get(), LOOP_CTL_REMOVE, static_cast<unsigned long>(index)) < 0)
        throw SysError(errno, "remove loop" + std::to_string(index));
}

// ---- attach

namespace {

UniqueFd open_backing(const std::string& file, const LoopAttachOptions& opts) {
    int fd = ::open(file.c_str(), (opts.read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
    if (fd < 0) {
        const int err = errno;
        throw SysError(err, "open " + file,
                       !opts.read_only && (err == EACCES || err == EROFS)
                           ? "it may still be attached read-only"
                           : "");
    }
    return UniqueFd(fd);
}

LoopDevice attach_fd(LoopControl& ctl, const UniqueFd& backing, const std::string& file,
                     const LoopAttachOptions& opts, const std::string& dev_dir) {
    loop_config cfg;
    std::memset(&cfg, 0, sizeof(cfg));
    cfg.fd = static_cast<__u32>(backing.get());
    cfg.block_size = opts.block_size;
    cfg.info.lo_offset = opts.offset;
    cfg.info.lo_sizelimit = opts.sizelimit;
    if (opts.read_only) cfg.info.lo_flags |= LO_FLAGS_READ_ONLY;
    if (opts.partscan) cfg.info.lo_flags |= LO_FLAGS_PARTSCAN;
    if (opts.direct_io) cfg.info.lo_flags |= LO_FLAGS_DIRECT_IO;
    if (opts.autoclear) cfg.info.lo_flags |= LO_FLAGS_AUTOCLEAR;
    // What LOOP_GET_STATUS64 reports as the file name (truncated, as
    // losetup does); sysfs shows the real path.
    std::strncpy(reinterpret_cast<char*>(cfg.info.lo_file_name), file.c_str(), LO_NAME_SIZE - 1);

    const std::string context = "attach " + file + " to a loop device";
    for (int attempt = 0; attempt < kLoopAttachAttempts; ++attempt) {
        unsigned index = 0;
        try {
            index = ctl.get_free();
        } catch (const SysError& e) {
            rethrow_with_hint(e, context);
        }
        const std::string name = "loop" + std::to_string(index);
        const std::string path = dev_path(dev_dir, name);

        // Opening a delegated loop's node makes the device and claims it
        // for us; a number given up meanwhile has no node (ENOENT), is not
        // delegated any more (ENXIO) or is someone else's (EBUSY).
        int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
        if (fd < 0 && (errno == EACCES || errno == EROFS))
            fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            if (errno == ENOENT || errno == ENXIO || errno == EBUSY) continue;
            throw SysError(errno, "open " + path);
        }
        UniqueFd dev(fd);
        struct stat st {};
        if (::fstat(fd, &st) != 0) throw SysError(errno, "stat " + path);
        if (::ioctl(fd, LOOP_CONFIGURE, &cfg) != 0) {
            // Bound by someone else between GET_FREE and here: another one.
            if (errno == EBUSY) continue;
            throw SysError(errno, "configure " + path + " with " + file);
        }
        dev.reset();  // the device stays bound: no autoclear unless asked

        LoopDevice d;
        d.index = index;
        d.name = name;
        d.path = path;
        d.dev = {DeviceId::Type::Block, ::major(st.st_rdev), ::minor(st.st_rdev)};
        d.partitions = partitions_of(loop_nodes(dev_dir), index);
        loop_status(d);
        return d;
    }
    throw SysError(EBUSY, context,
                   "every loop device handed out was taken before it could be configured; "
                   "try again");
}

}  // namespace

LoopDevice loop_attach(LoopControl& ctl, const std::string& file, const LoopAttachOptions& opts,
                       const std::string& dev_dir) {
    const UniqueFd backing = open_backing(file, opts);
    return attach_fd(ctl, backing, file, opts, dev_dir);
}

LoopDevice loop_attach(const std::string& file, const LoopAttachOptions& opts,
                       const std::string& dev_dir) {
    const UniqueFd backing = open_backing(file, opts);
    LoopControl ctl(dev_path(dev_dir, "loop-control"));
    return attach_fd(ctl, backing, file, opts, dev_dir);
}

// ---- detach

bool loop_detach(const std::string& device, const std::string& dev_dir) {
    const std::string context = "detach " + device;
    const auto not_a_loop = [&](const std::string& what) {
        return std::invalid_argument(context + ": not a loop device" + what);
    };

    std::string path = device;
    if (device.find('/') == std::string::npos && device.find(':') != std::string::npos) {
        const DeviceId id = parse_device(device);
        if (id.type != DeviceId::Type::Block || id.major != kLoopMajor) throw not_a_loop("");
        path.clear();
        for (const ViewNode& n : loop_nodes(dev_dir))
            if (n.dev == id && parse_loop_name(n.name)) path = dev_path(dev_dir, n.name);
        if (path.empty()) throw SysError(ENOENT, context, "no node of it in " + dev_dir);
    }

    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) throw SysError(errno, context);
    const DeviceId id{DeviceId::Type::Block, ::major(st.st_rdev), ::minor(st.st_rdev)};
    if (!S_ISBLK(st.st_mode) || id.major != kLoopMajor) throw not_a_loop("");
    if (read_attr("/sys/dev/block/" + std::to_string(id.major) + ":" + std::to_string(id.minor) +
                  "/partition"))
        throw not_a_loop(" (a partition of one)");
    const std::optional<unsigned> index = sysfs_loop_index(id, "/sys");

    {
        // LOOP_CLR_FD needs no write access; a read-only device cannot be
        // opened for writing.
        int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) throw SysError(errno, context);
        UniqueFd dev(fd);
        if (::ioctl(fd, LOOP_CLR_FD) != 0) {
            const int err = errno;
            throw SysError(err, context, err == ENXIO ? "it is not attached" : "");
        }
    }  // the last close clears it

    // Still bound after our close: another opener (a mount, a process in
    // the namespace that owns it) holds it, and the driver only set
    // autoclear. The caller says so instead of claiming a detach.
    const std::string sys = "/sys/dev/block/" + std::to_string(id.major) + ":" +
                            std::to_string(id.minor) + "/loop/backing_file";
    // A udev probe may still have it open for a moment: wait a little.
    bool detached = !read_attr(sys);
    for (auto end = std::chrono::steady_clock::now() + kClearWait;
         !detached && std::chrono::steady_clock::now() < end; detached = !read_attr(sys))
        std::this_thread::sleep_for(kRemovePoll);

    // Give a delegated number back (best effort: the device is detached).
    if (!index || !detached) return detached;
    try {
        LoopControl ctl(dev_path(dev_dir, "loop-control"));
        if (!ctl.delegated()) return true;
        const std::string bound = "/sys/block/loop" + std::to_string(*index) + "/loop";
        const auto deadline = std::chrono::steady_clock::now() + kRemoveWait;
        while (true) {
            struct stat now {};
            if (::stat(path.c_str(), &now) != 0 || now.st_rdev != st.st_rdev) return true;  // gone
            try {
                ctl.remove(*index);
                return true;
            } catch (const SysError& e) {
                // Still bound: someone else has it open, and the driver
                // clears it on their last close. EBUSY without that: the
                // module is still releasing it.
                if (e.code().value() != EBUSY || read_attr(bound + "/backing_file") ||
                    std::chrono::steady_clock::now() >= deadline)
                    return true;
            }
            std::this_thread::sleep_for(kRemovePoll);
        }
    } catch (const std::exception&) {
        // No loop-control to give it back through: it stays reserved.
    }
    return true;
}

// ---- status and listing

void loop_status(LoopDevice& d, const std::string& sysfs) {
    const std::string base = sysfs + "/block/" + d.name;
    d.attached = false;
    d.backing_file.clear();
    d.offset = d.sizelimit = 0;
    d.read_only = d.partscan = d.autoclear = d.direct_io = false;

    const auto dev = read_attr(base + "/dev");
    if (!dev || *dev != std::to_string(d.dev.major) + ":" + std::to_string(d.dev.minor)) return;
    const auto backing = read_attr(base + "/loop/backing_file");
    if (!backing) return;

    LoopDevice s = d;
    s.attached = true;
    s.backing_file = *backing;
    const auto attr = [&](const char* name) { return read_attr(base + "/loop/" + name); };
    const auto offset = attr("offset");
    const auto sizelimit = attr("sizelimit");
    const auto autoclear = attr("autoclear");
    const auto partscan = attr("partscan");
    const auto dio = attr("dio");
    const auto ro = read_attr(base + "/ro");
    if (!offset || !sizelimit || !autoclear || !partscan || !dio || !ro)
        return;  // detached while we read
    s.offset = number_attr(base + "/loop/offset", *offset);
    s.sizelimit = number_attr(base + "/loop/sizelimit", *sizelimit);
    s.autoclear = flag_attr(base + "/loop/autoclear", *autoclear);
    s.partscan = flag_attr(base + "/loop/partscan", *partscan);
    s.direct_io = flag_attr(base + "/loop/dio", *dio);
    s.read_only = flag_attr(base + "/ro", *ro);
    d = std::move(s);
}

std::vector<LoopDevice> loop_devices(const std::vector<ViewNode>& nodes, const std::string& dev_dir,
                                     const std::string& sysfs) {
    std::vector<LoopDevice> devices;
    for (const ViewNode& n : nodes) {
        if (n.dev.type != DeviceId::Type::Block) continue;
        const auto name = parse_loop_name(n.name);  // none for "dir/loop0"
        if (!name || name->partition) continue;
        LoopDevice d;
        d.index = name->index;
        d.name = n.name;
        d.path = dev_path(dev_dir, n.name);
        d.dev = n.dev;
        devices.push_back(std::move(d));
    }
    std::sort(devices.begin(), devices.end(),
              [](const LoopDevice& a, const LoopDevice& b) { return a.index < b.index; });
    for (LoopDevice& d : devices) {
        d.partitions = partitions_of(nodes, d.index);
        loop_status(d, sysfs);
    }
    return devices;
}

std::vector<LoopDevice> loop_list(const std::string& dev_dir, const std::string& sysfs) {
    return loop_devices(loop_nodes(dev_dir), dev_dir, sysfs);
}

}  // namespace nsdev
