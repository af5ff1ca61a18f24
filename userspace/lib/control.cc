// Control: one ioctl per method on /dev/nsdevtmpfs-control.
#include "nsdev/control.h"

#include <fcntl.h>
#include <linux/nsdevtmpfs.h>
#include <sys/ioctl.h>

#include <cerrno>
#include <cstring>

#include "nsdev/error.h"

namespace nsdev {
namespace {

__u32 uapi_type(DeviceId::Type type) {
    return type == DeviceId::Type::Char ? NSDEVTMPFS_CHR : NSDEVTMPFS_BLK;
}

// ioctl(2) that retries on EINTR; Return: 0, or its errno.
int ioctl_errno(int fd, unsigned long request, void* arg) {
    int rc;
    do {
        rc = ::ioctl(fd, request, arg);
    } while (rc < 0 && errno == EINTR);
    return rc < 0 ? errno : 0;
}

// ioctl(2) that retries on EINTR and throws SysError(errno, @context).
void do_ioctl(int fd, unsigned long request, void* arg, const std::string& context) {
    if (const int err = ioctl_errno(fd, request, arg)) throw SysError(err, context);
}

// ASSIGN, with the advice of assign_error_hint() on failure.
void do_assign(int fd, nsdevtmpfs_assign& arg, const DeviceId& dev, const std::string& context) {
    if (const int err = ioctl_errno(fd, NSDEVTMPFS_IOC_ASSIGN, &arg))
        throw SysError(err, context, assign_error_hint(err, dev));
}

std::string userns_fd_name(int userns_fd, const std::string& ns_name) {
    if (!ns_name.empty()) return ns_name;
    return "user namespace fd " + std::to_string(userns_fd);
}

}  // namespace

std::string assign_error_hint(int err, const DeviceId& dev) {
    // The module refuses a loop device, or a partition of one, with
    // EOPNOTSUPP: unbound in a view, the host's losetup -f could bind a
    // host image to it. Partitions have other majors (259), so the type
    // is all there is to check here.
    if (err == EOPNOTSUPP && dev.type == DeviceId::Type::Block) return kLoopAssignHint;
    return "";
}

Control::Control(const std::string& path) : path_(path), fd_(open_or_throw(path, O_RDWR)) {}

void Control::assign(const DeviceId& dev, int userns_fd, const std::string& ns_name) {
    // Value-initialized: flags and reserved fields are zero.
    nsdevtmpfs_assign arg{};
    arg.type = uapi_type(dev.type);
    arg.major = dev.major;
    arg.minor = dev.minor;
    arg.userns_fd = userns_fd;
    do_assign(fd_.get(), arg, dev,
              "assign " + dev.to_string() + " to " + userns_fd_name(userns_fd, ns_name));
}

void Control::assign_global(const DeviceId& dev) {
    nsdevtmpfs_assign arg{};
    arg.type = uapi_type(dev.type);
    arg.major = dev.major;
    arg.minor = dev.minor;
    arg.userns_fd = -1;  // required with NSDEVTMPFS_ASSIGN_GLOBAL
    arg.flags = NSDEVTMPFS_ASSIGN_GLOBAL;
    do_assign(fd_.get(), arg, dev, "assign " + dev.to_string() + " globally");
}

void Control::revoke(const DeviceId& dev, bool default_too) {
    nsdevtmpfs_revoke arg{};
    arg.type = uapi_type(dev.type);
    arg.major = dev.major;
    arg.minor = dev.minor;
    arg.flags = default_too ? NSDEVTMPFS_REVOKE_DEFAULT : 0;
    const std::string context = "revoke " + dev.to_string();
    const int err = ioctl_errno(fd_.get(), NSDEVTMPFS_IOC_REVOKE, &arg);
    if (!err) return;
    // EPERM is also "not the assigner's root": only default content that
    // is still global gets the advice.
    std::string hint;
    if (err == EPERM && !default_too) {
        nsdevtmpfs_query q{};
        q.type = arg.type;
        q.major = dev.major;
        q.minor = dev.minor;
        if (!ioctl_errno(fd_.get(), NSDEVTMPFS_IOC_QUERY, &q) &&
            (q.state & NSDEVTMPFS_STATE_DEFAULT) && (q.state & NSDEVTMPFS_STATE_GLOBAL))
            hint = kRevokeDefaultHint;
    }
    throw SysError(err, context, hint);
}

QueryResult Control::query(const DeviceId& dev) {
    nsdevtmpfs_query arg{};
    arg.type = uapi_type(dev.type);
    arg.major = dev.major;
    arg.minor = dev.minor;
    do_ioctl(fd_.get(), NSDEVTMPFS_IOC_QUERY, &arg, "query " + dev.to_string());

    QueryResult r;
    r.state = arg.state;
    r.global = arg.state & NSDEVTMPFS_STATE_GLOBAL;
    r.owned = arg.state & NSDEVTMPFS_STATE_OWNED;
    r.default_content = arg.state & NSDEVTMPFS_STATE_DEFAULT;
    r.loop = arg.state & NSDEVTMPFS_STATE_LOOP;
    r.depth = arg.depth;
    r.owner_ino = arg.owner_ino;
    r.assigner_ino = arg.assigner_ino;
    // The kernel NUL-terminates; do not trust it to.
    r.name.assign(arg.name, ::strnlen(arg.name, sizeof(arg.name)));
    return r;
}

void Control::set_limit(int userns_fd, unsigned max_loops, const std::string& ns_name) {
    nsdevtmpfs_limit arg{};
    arg.userns_fd = userns_fd;
    arg.max_loops = max_loops;
    do_ioctl(fd_.get(), NSDEVTMPFS_IOC_SET_LIMIT, &arg,
             "set loop limit " + std::to_string(max_loops) + " on " +
                 userns_fd_name(userns_fd, ns_name));
}

}  // namespace nsdev
