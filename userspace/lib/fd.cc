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

std::string read_all(int fd) {
    std::string data;
    char buf[4096];
    while (true) {
        ssize_t n = ::read(fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return data;
        data.append(buf, static_cast<size_t>(n));
    }
}

bool write_all(int fd, const std::string& data) {
    size_t off = 0;
    while (off < data.size()) {
        ssize_t n = ::write(fd, data.data() + off, data.size() - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        off += static_cast<size_t>(n);
    }
    return true;
}

}  // namespace nsdev
