// Helpers for the in-VM tests: namespaces, a helper child that acts inside
// them, temporary directories, and what a test wants to know about a node.
//
// The pattern (as in sandboxed-api's namespace tests): the test forks an
// NsChild into fresh namespaces, asks it to do one step at a time (mount a
// view, look at a node) and asserts on what it reports back.
// Helpers throw SysError on failures of their own; gtest reports those
// with the message, naming the failed call and errno.
#pragma once

#include <sched.h>
#include <sys/types.h>

#include <string>

#include "nsdev/fd.h"

namespace nsdev::vmtest {

/**
 * enter_private_mount_ns - move this process into its own mount namespace
 * with every mount private, so nothing the tests mount shows on the VM's
 * host namespace. Idempotent; the first call does the work.
 *
 * Throws SysError ("unshare mount namespace", "make / private").
 */
void enter_private_mount_ns();

/**
 * TempDir - an empty directory under /tmp, mode 0755 so that the root of a
 * child user namespace (unmapped on the host) can look it up; removed on
 * destruction (errors ignored).
 */
class TempDir {
public:
    /** TempDir - create it. Throws SysError with context "create /tmp/...". */
    TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir();

    /** path - the directory. */
    const std::string& path() const { return path_; }

    /** operator/ - path() + "/" + @name. */
    std::string operator/(const std::string& name) const { return path_ + "/" + name; }

private:
    std::string path_;
};

/**
 * NodeInfo - what lstat(2) (and readlink(2) for a symlink) says about a path.
 */
struct NodeInfo {
    int err = 0;  // errno of lstat, 0 on success; the fields below are then valid
    mode_t mode = 0;
    unsigned rdev_major = 0;
    unsigned rdev_minor = 0;
    uid_t uid = 0;
    gid_t gid = 0;
    std::string link;  // symlink target, "" for anything else
};

/** describe - "char 1:3 mode 0666 uid 0 gid 0", "symlink -> X", "ENOENT". */
std::string describe(const NodeInfo& node);

/**
 * write_id_maps - give @pid's user namespace identical uid and gid maps.
 * @pid: a process that has just unshared CLONE_NEWUSER.
 * @map: /proc/PID/uid_map text, e.g. "0 100000 65536".
 *
 * Writes "deny" to /proc/PID/setgroups first. Throws SysError
 * ("write /proc/PID/uid_map").
 */
void write_id_maps(pid_t pid, const std::string& map);

/**
 * NsChild - a forked helper process in new namespaces that performs one
 * step at a time on request, over a SOCK_SEQPACKET socket pair.
 *
 * The child unshares @flags (CLONE_NEWUSER | CLONE_NEWNS by default) and,
 * with CLONE_NEWNS, makes its mounts private; the parent then writes its
 * id maps. It exits when the object is destroyed (end of file on the
 * socket) or when the test process dies (PR_SET_PDEATHSIG).
 */
class NsChild {
public:
    /** The default namespaces: a user namespace and a mount namespace it owns. */
    static constexpr int kDefaultFlags = CLONE_NEWUSER | CLONE_NEWNS;

    /** The default user namespace map: root is host uid 100000. */
    static constexpr const char* kDefaultMap = "0 100000 65536";

    /**
     * NsChild - fork the child and wait until it is in its namespaces.
     * @flags: CLONE_NEW* flags for unshare(2).
     * @map: uid/gid map for CLONE_NEWUSER (see write_id_maps()).
     *
     * Throws SysError naming the step that failed ("fork", "unshare in
     * child", "write /proc/PID/uid_map").
     */
    explicit NsChild(int flags = kDefaultFlags, const std::string& map = kDefaultMap);
    NsChild(const NsChild&) = delete;
    NsChild& operator=(const NsChild&) = delete;

    /** ~NsChild - let the child exit and reap it. */
    ~NsChild();

    /** pid - the child's pid. */
    pid_t pid() const { return pid_; }

    /** open_userns - an nsfs fd of the child's user namespace. */
    UniqueFd open_userns() const;

    /** mount_view - mount nsdevtmpfs on @dir in the child. Return: errno, 0 on success. */
    int mount_view(const std::string& dir);

    /** probe - NodeInfo of @path, as the child sees it. */
    NodeInfo probe(const std::string& path);

private:
    // Sends @request ("OP PATH"), returns the reply ("ERRNO [PAYLOAD]").
    std::string call(const std::string& request);
    void stop() noexcept;

    pid_t pid_ = -1;
    UniqueFd sock_;
};

}  // namespace nsdev::vmtest
