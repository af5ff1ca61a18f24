// Errors that carry an errno and the object the failed call was about.
#pragma once

#include <string>
#include <system_error>

namespace nsdev {

/**
 * errno_name - symbolic name of an errno value.
 * @err: errno value (positive).
 *
 * Return: "ENOENT", "EBUSY", ... for the common errnos; "errno N" for any
 * value not in the table. ENOTSUP and EOPNOTSUPP share a value on Linux and
 * are both reported as "EOPNOTSUPP"; EWOULDBLOCK is reported as "EAGAIN".
 */
std::string errno_name(int err);

/**
 * SysError - a failed system call, with the object it was about.
 *
 * code() is @err in std::generic_category(), so callers can compare it with
 * std::errc values; what() reads
 * "CONTEXT: ENAME (strerror text)", e.g.
 * "open /dev/nsdevtmpfs-control: ENOENT (No such file or directory)".
 */
class SysError : public std::system_error {
public:
    /**
     * SysError - build the error.
     * @err: errno value (positive).
     * @context: the verb and object, e.g. "open /dev/nsdevtmpfs-control".
     */
    SysError(int err, std::string context);

    /**
     * SysError - the error with advice for the user appended to what():
     * "CONTEXT: ENAME (strerror text) -- HINT".
     * @hint: what probably went wrong or what to do, e.g. "the nsdevtmpfs
     *        module is not loaded (nsdevctl load)"; "" for none.
     */
    SysError(int err, std::string context, std::string hint);

    /** what - the full message, "CONTEXT: ENAME (strerror text)". */
    const char* what() const noexcept override { return message_.c_str(); }

    /** context - the verb and object given at construction. */
    const std::string& context() const noexcept { return context_; }

    /** hint - the advice given at construction, or "". */
    const std::string& hint() const noexcept { return hint_; }

private:
    std::string context_;
    std::string hint_;
    std::string message_;
};

}  // namespace nsdev
