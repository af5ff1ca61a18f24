#include "mount_view.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>

#include "nsdev/error.h"
#include "nsdev/fd.h"

namespace nsdev::oci {

namespace {

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescape(std::string_view s)
{
    std::string out;
    for (size_t i = 0; i < s.size(); i++) {
        if (s[i] == '\\' && i + 3 < s.size()) {
            out += static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
            i += 3;
        } else {
            out += s[i];
        }
    }
    return out;
}

struct MountLine {
    std::string id, parent, point;
};

std::vector<MountLine> parse_mountinfo(std::string_view text)
{
    std::vector<MountLine> out;
    std::istringstream in{std::string(text)};
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream f(line);
        MountLine m;
        std::string devno, root, point;
        if (f >> m.id >> m.parent >> devno >> root >> point) {
            m.point = unescape(point);
            out.push_back(std::move(m));
        }
    }
    return out;
}

// The new mount API's move_mount(2), which glibc 2.36 declares only with
// <linux/mount.h>'s conflicting definitions: the raw call.
int move_mount_fd(int from, const std::string& to)
{
    constexpr unsigned kMoveMountFEmptyPath = 0x00000004;  // MOVE_MOUNT_F_EMPTY_PATH
    return static_cast<int>(
        syscall(SYS_move_mount, from, "", AT_FDCWD, to.c_str(), kMoveMountFEmptyPath));
}

// mkdir -p @path's directories below @top (which exists).
void make_dirs(const std::string& top, const std::string& rel)
{
    for (size_t at = rel.find('/'); at != std::string::npos; at = rel.find('/', at + 1)) {
        const std::string dir = top + "/" + rel.substr(0, at);
        if (mkdir(dir.c_str(), 0755) && errno != EEXIST)
            throw SysError(errno, "mkdir " + dir);
    }
}

}  // namespace

std::string container_root(const Config& state, const Config& config)
{
    const auto bundle = state.find("bundle");
    if (bundle == state.end() || !bundle->is_string())
        throw std::invalid_argument("the OCI state has no bundle");
    const auto root = config.find("root");
    if (root == config.end() || !root->is_object() || !root->contains("path") ||
        !(*root)["path"].is_string())
        throw std::invalid_argument("config.json has no root.path");
    const std::string path = (*root)["path"].get<std::string>();
    return path.starts_with('/') ? path : bundle->get<std::string>() + "/" + path;
}

std::vector<std::string> dev_submounts(std::string_view mountinfo, const std::string& dev)
{
    const std::vector<MountLine> mounts = parse_mountinfo(mountinfo);
    std::string top;
    for (const MountLine& m : mounts)
        if (m.point == dev)
            top = m.id;  // later lines are mounted over earlier ones
    std::vector<std::string> out;
    if (top.empty())
        return out;
    for (const MountLine& m : mounts)
        if (m.parent == top && m.point.size() > dev.size() + 1 && m.point.starts_with(dev + "/"))
            out.push_back(m.point.substr(dev.size() + 1));
    return out;
}

std::string view_options(const Config& config)
{
    std::string out;
    const auto mounts = config.find("mounts");
    if (mounts == config.end() || !mounts->is_array())
        return out;
    for (const Config& m : *mounts) {
        if (!m.is_object() || m.value("destination", "") != "/dev" || !m.contains("options") ||
            !m["options"].is_array())
            continue;
        for (const Config& o : m["options"]) {
            if (!o.is_string())
                continue;
            const std::string opt = o.get<std::string>();
            for (const char* key : {"mode=", "uid=", "gid=", "size=", "nr_inodes="})
                if (opt.starts_with(key))
                    out += (out.empty() ? "" : ",") + opt;
        }
    }
    return out;
}

RuntimeNamespace runtime_namespace()
{
    std::ifstream map("/proc/self/uid_map");
    if (!map)
        throw SysError(errno, "open /proc/self/uid_map");
    unsigned long inside = 1, outside = 1, count = 0;
    if (map >> inside >> outside >> count && inside == 0 && outside == 0 &&
        count == 4294967295UL)
        return RuntimeNamespace::Initial;
    return RuntimeNamespace::NonInitial;
}

void mount_view_over(const std::string& root, const std::string& options)
{
    const std::string dev = root + "/dev";
    // A createContainer hook runs in the container's namespaces.
    if (runtime_namespace() == RuntimeNamespace::Initial)
        throw std::invalid_argument(kNoUserNamespace);
    std::ifstream in("/proc/self/mountinfo");
    if (!in)
        throw SysError(errno, "open /proc/self/mountinfo");
    const std::string text{std::istreambuf_iterator<char>(in), {}};
    const std::vector<std::string> subs = dev_submounts(text, dev);

    // Hold each mount by an O_PATH fd of its root while the view covers it.
    std::vector<UniqueFd> held;
    for (const std::string& rel : subs) {
        UniqueFd fd(open((dev + "/" + rel).c_str(), O_PATH | O_CLOEXEC | O_NOFOLLOW));
        if (fd.get() < 0)
            throw SysError(errno, "open " + dev + "/" + rel);
        held.push_back(std::move(fd));
    }
    if (mount("none", dev.c_str(), "nsdevtmpfs", MS_NOSUID | MS_NOEXEC,
              options.empty() ? nullptr : options.c_str()))
        throw SysError(errno, "mount nsdevtmpfs on " + dev,
                       errno == ENODEV ? "is nsdevtmpfs loaded? (modprobe nsdevtmpfs)" : "");
    for (size_t i = 0; i < subs.size(); i++) {
        const std::string to = dev + "/" + subs[i];
        struct stat st;
        if (fstat(held[i].get(), &st))
            throw SysError(errno, "stat " + to);
        make_dirs(dev, subs[i]);
        if (S_ISDIR(st.st_mode)) {
            if (mkdir(to.c_str(), 0755) && errno != EEXIST)
                throw SysError(errno, "mkdir " + to);
        } else if (struct stat there; lstat(to.c_str(), &there)) {
            // A file bind's target; an existing node (null, tty) serves as it is.
            if (errno != ENOENT)
                throw SysError(errno, "stat " + to);
            UniqueFd placeholder(open(to.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644));
            if (placeholder.get() < 0)
                throw SysError(errno, "create " + to);
        }
        if (move_mount_fd(held[i].get(), to))
            throw SysError(errno, "move the mount on " + to + " onto the view");
    }
}

}  // namespace nsdev::oci
