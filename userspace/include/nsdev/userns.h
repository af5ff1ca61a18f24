// A child process in a new user namespace (and more), with id maps.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

#include "nsdev/error.h"
#include "nsdev/fd.h"
#include "nsdev/idmap.h"

namespace nsdev {

/** MapPlan - the id maps to write for a new user namespace, and how. */
struct MapPlan {
    IdMapping maps;               // normalized (sorted, checked)
    bool helpers = false;         // with newuidmap/newgidmap (write_id_maps_with_helpers)
    bool deny_setgroups = false;  // for write_id_maps: an unprivileged writer
};

/**
 * plan_id_maps - which maps a new namespace of the caller gets (the policy
 * of `nsdevctl run`, documented in its --help and nsdevctl(8)).
 * @given: maps from the command line and map files, possibly for uids or
 *         gids only (those serve both), possibly empty.
 * @subuid: the caller asked for newuidmap/newgidmap (--subuid).
 * @uid, @gid: the caller's real ids.
 * @subuid_path, @subgid_path: /etc/subuid and /etc/subgid (tests: others).
 *
 * Without maps: root gets 0 100000 65536, written directly; with @subuid,
 * the caller's subordinate ranges, root at the first; anyone else its
 * own uid and gid as root (count 1), written directly with setgroups
 * denied. Maps other than those an unprivileged caller may write itself
 * go through the helpers, and are checked against its subordinate ranges.
 *
 * Return: the plan. Throws IdMapError (invalid maps), SubIdError (ranges
 * the caller does not have) and SysError "open PATH" (no subid file).
 */
MapPlan plan_id_maps(IdMapping given, bool subuid, uid_t uid, gid_t gid,
                     const std::string& subuid_path = kSubUidPath,
                     const std::string& subgid_path = kSubGidPath);

/**
 * ExecError - execvp(2) of the command failed (thrown in the child and
 * passed to the parent by UserNamespace::start()). Shell convention for
 * the exit status: 127 for ENOENT, 126 otherwise.
 */
class ExecError : public SysError {
public:
    using SysError::SysError;
};

/**
 * write_id_maps - write a process's maps ourselves, as the kernel allows
 * for a writer with CAP_SETUID/CAP_SETGID over the parent namespace (root),
 * or for an unprivileged writer mapping only its own uid and gid.
 * @pid: a process that has just unshared CLONE_NEWUSER.
 * @mapping: both maps, normalized (normalize_id_mapping()).
 * @deny_setgroups: write "deny" to /proc/PID/setgroups first; required
 *                  when an unprivileged writer maps its own gid.
 *
 * Throws SysError "write /proc/PID/uid_map" (EPERM when the kernel refuses
 * the map for this writer).
 */
void write_id_maps(pid_t pid, const IdMapping& mapping, bool deny_setgroups);

/**
 * write_id_maps_with_helpers - have the setuid helpers newuidmap and
 * newgidmap (shadow's uidmap package, found in PATH) write the maps; they
 * check the ranges against /etc/subuid and /etc/subgid.
 * @pid: as for write_id_maps().
 * @mapping: both maps, normalized.
 *
 * The helpers' own messages go to our stderr. Throws SysError with
 * context "newuidmap PID 0 100000 65536" (ENOENT when the helper is not
 * installed, EPERM when it exits non-zero).
 */
void write_id_maps_with_helpers(pid_t pid, const IdMapping& mapping);

/**
 * become_ns_root - make the calling process uid 0 / gid 0 of its user
 * namespace, with no supplementary groups (kept when setgroups is denied).
 *
 * Throws SysError "setresuid 0" (EINVAL when 0 is not mapped).
 */
void become_ns_root();

/**
 * exec_command - execvp(@argv[0], @argv). Returns only by throwing
 * ExecError with context "execute ARGV0".
 */
[[noreturn]] void exec_command(const std::vector<std::string>& argv);

/**
 * UserNamespace - a forked child in a new user namespace, owned by this
 * object: its pid, an nsfs file of its namespace, its exit.
 *
 * Steps, each a method, in this order:
 *   UserNamespace ns(CLONE_NEWNS, fn);   fork; the child unshares
 *                                        CLONE_NEWUSER | CLONE_NEWNS and waits
 *   write_id_maps(ns.pid(), ...)         the parent writes its maps
 *   ns.start();                          the child runs fn
 *   int status = ns.wait();              exit status, 128+N after signal N
 *
 * fn runs in the child; it should end in exec_command(). If it throws,
 * the exception's message (and errno, for a SysError) is passed to the
 * parent and start() throws it there; the child exits 125.
 *
 * Destroying the object before wait() kills the child (SIGKILL) and reaps
 * it, so no step can leak a process. Move-only.
 */
class UserNamespace {
public:
    /**
     * UserNamespace - fork the child and wait until it has unshared.
     * @extra_flags: CLONE_NEW* flags besides CLONE_NEWUSER (CLONE_NEWNS,
     *               usually), unshared together with it.
     * @fn: what the child does once start() is called.
     *
     * Throws SysError "fork", or the child's "unshare user namespace" error.
     */
    UserNamespace(int extra_flags, std::function<void()> fn);

    UserNamespace(UserNamespace&& other) noexcept;
    UserNamespace& operator=(UserNamespace&&) = delete;
    UserNamespace(const UserNamespace&) = delete;
    UserNamespace& operator=(const UserNamespace&) = delete;

    /** ~UserNamespace - kill and reap the child if wait() has not. */
    ~UserNamespace();

    /** pid - the child's pid (in our pid namespace). */
    pid_t pid() const noexcept { return pid_; }

    /** userns_fd - an nsfs file of the child's user namespace, owned here. */
    int userns_fd() const noexcept { return userns_.get(); }

    /**
     * start - let the child run fn, and wait until it has executed a
     * command or exited.
     *
     * Throws what fn threw in the child (SysError, ExecError, or
     * std::runtime_error for others); the child is reaped then.
     */
    void start();

    /**
     * wait - wait for the child to exit.
     *
     * Return: its exit status, or 128 + N if signal N killed it. Throws
     * SysError "wait for PID".
     */
    int wait();

    /** kill - send @sig to the child (if it is still ours). */
    void kill(int sig) noexcept;

private:
    void reap() noexcept;

    pid_t pid_ = -1;
    UniqueFd userns_;
    UniqueFd to_child_;    // write end: "go"
    UniqueFd from_child_;  // read end: ack, errors; end of file at exec
};

}  // namespace nsdev
