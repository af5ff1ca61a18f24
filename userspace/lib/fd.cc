// UniqueFd and open_or_throw.
#include "nsdev/fd.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "nsdev/error.h"

namespace nsdev {

void UniqueFd::reset(int fd) noexcept {
    // On Linux the descriptor is released even when close() fails (also on
    // EINTR), so it must not be retried.
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
}

UniqueFd open_or_throw(const std::string& path, int flags, mode_t mode) {
    int fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
    if (fd < 0) throw SysError(errno, "open " + path);
    return UniqueFd(fd);
}

}  // namespace nsdev
