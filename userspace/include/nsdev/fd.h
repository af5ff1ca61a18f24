// Owning file descriptor.
#pragma once

#include <sys/types.h>

#include <string>

namespace nsdev {

/**
 * UniqueFd - sole owner of a file descriptor; closes it on destruction.
 *
 * Move-only. An empty UniqueFd holds -1.
 */
class UniqueFd {
public:
    /** UniqueFd - an empty descriptor (-1). */
    UniqueFd() noexcept = default;

    /** UniqueFd - take ownership of @fd (may be -1). */
    explicit UniqueFd(int fd) noexcept : fd_(fd) {}

    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;

    /** UniqueFd - take the descriptor of @other, leaving @other empty. */
    UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}

    /** operator= - close ours, then take the descriptor of @other. */
    UniqueFd& operator=(UniqueFd&& other) noexcept {
        if (this != &other) reset(other.release());
        return *this;
    }

    ~UniqueFd() { reset(); }

    /** get - the descriptor, still owned by this object; -1 if empty. */
    int get() const noexcept { return fd_; }

    /** release - give up ownership without closing. Return: the descriptor. */
    int release() noexcept {
        int fd = fd_;
        fd_ = -1;
        return fd;
    }

    /**
     * reset - close the current descriptor (if any) and own @fd instead.
     * @fd: new descriptor, or -1 to just close.
     *
     * Errors from close() are ignored: the descriptor is gone either way.
     */
    void reset(int fd = -1) noexcept;

    /** operator bool - true if a descriptor is held. */
    explicit operator bool() const noexcept { return fd_ >= 0; }

private:
    int fd_ = -1;
};

/**
 * open_or_throw - open(2) a path into a UniqueFd.
 * @path: file to open.
 * @flags: open(2) flags; O_CLOEXEC is always added (clear it with fcntl(2)
 *         to hand the descriptor to a child).
 * @mode: creation mode, used with O_CREAT / O_TMPFILE.
 *
 * Return: the open descriptor. Throws SysError with context "open PATH".
 */
UniqueFd open_or_throw(const std::string& path, int flags, mode_t mode = 0);

/**
 * read_all - read(2) from a descriptor until end of file, retrying EINTR.
 * @fd: a pipe or file to drain.
 *
 * For a parent reading what its child reported: the report ends at end of
 * file or at the first error, whichever comes first.
 *
 * Return: everything read.
 */
std::string read_all(int fd);

/**
 * write_all - write(2) all of a string, retrying EINTR and short writes.
 * @fd: where to write.
 * @data: what to write.
 *
 * Return: true if all of @data was written, false at the first error.
 */
bool write_all(int fd, const std::string& data);

}  // namespace nsdev
