// SysError and the errno name table.
#include "nsdev/error.h"

#include <cerrno>
#include <cstring>
#include <utility>

namespace nsdev {
namespace {

struct ErrnoEntry {
    int err;
    const char* name;
};

#define NSDEV_ERRNO(e) \
    { e, #e }
constexpr ErrnoEntry kErrnoNames[] = {
    NSDEV_ERRNO(EPERM),        NSDEV_ERRNO(ENOENT),    NSDEV_ERRNO(ESRCH),
    NSDEV_ERRNO(EINTR),        NSDEV_ERRNO(EIO),       NSDEV_ERRNO(ENXIO),
    NSDEV_ERRNO(E2BIG),        NSDEV_ERRNO(ENOEXEC),   NSDEV_ERRNO(EBADF),
    NSDEV_ERRNO(ECHILD),       NSDEV_ERRNO(EAGAIN),    NSDEV_ERRNO(ENOMEM),
    NSDEV_ERRNO(EACCES),       NSDEV_ERRNO(EFAULT),    NSDEV_ERRNO(EBUSY),
    NSDEV_ERRNO(EEXIST),       NSDEV_ERRNO(EXDEV),     NSDEV_ERRNO(ENODEV),
    NSDEV_ERRNO(ENOTDIR),      NSDEV_ERRNO(EISDIR),    NSDEV_ERRNO(EINVAL),
    NSDEV_ERRNO(ENFILE),       NSDEV_ERRNO(EMFILE),    NSDEV_ERRNO(ENOTTY),
    NSDEV_ERRNO(ENOSPC),       NSDEV_ERRNO(ESPIPE),    NSDEV_ERRNO(EROFS),
    NSDEV_ERRNO(EMLINK),       NSDEV_ERRNO(ERANGE),    NSDEV_ERRNO(ENOSYS),
    NSDEV_ERRNO(EOPNOTSUPP),  // also ENOTSUP: the same value on Linux
    NSDEV_ERRNO(EDQUOT),       NSDEV_ERRNO(ELOOP),     NSDEV_ERRNO(ENAMETOOLONG),
    NSDEV_ERRNO(EOVERFLOW),    NSDEV_ERRNO(ENOTEMPTY),
    NSDEV_ERRNO(EKEYREJECTED),  // module signature rejected
};
#undef NSDEV_ERRNO

}  // namespace

std::string errno_name(int err) {
    for (const ErrnoEntry& e : kErrnoNames)
        if (e.err == err) return e.name;
    return "errno " + std::to_string(err);
}

SysError::SysError(int err, std::string context)
    : std::system_error(err, std::generic_category()),
      context_(std::move(context)),
      message_(context_ + ": " + errno_name(err) + " (" + std::strerror(err) + ")") {}

SysError::SysError(int err, std::string context, std::string hint)
    : SysError(err, std::move(context)) {
    hint_ = std::move(hint);
    if (!hint_.empty()) message_ += " -- " + hint_;
}

}  // namespace nsdev
