// Host tests of UserNamespace: the fork/unshare/maps/start/wait protocol
// and how errors in the child reach the parent. Needs unprivileged user
// namespaces or root; skipped where the host forbids them.
#include "nsdev/userns.h"

#include <fcntl.h>
#include <grp.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <grp.h>
#include <sched.h>
#include <sys/prctl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "nsdev/ns.h"

namespace nsdev {
namespace {

// Skips the test when this host cannot create user namespaces at all.
#define SKIP_WITHOUT_USERNS()                                                         \
    do {                                                                              \
        pid_t probe = ::fork();                                                       \
        if (probe == 0) ::_exit(::unshare(CLONE_NEWUSER | CLONE_NEWNS) == 0 ? 0 : 1); \
        int st = 0;                                                                   \
        ::waitpid(probe, &st, 0);                                                     \
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)                                   \
            GTEST_SKIP() << "user namespaces are not available on this host";         \
    } while (0)

// The map that works for any caller: root is our own uid and gid.
IdMapping own_ids() {
    return {{{0, static_cast<uint32_t>(::getuid()), 1}},
            {{0, static_cast<uint32_t>(::getgid()), 1}}};
}

TEST(UserNamespace, ChildRunsAfterMapsInItsOwnNamespace) {
    SKIP_WITHOUT_USERNS();
    int pipefd[2];
    ASSERT_EQ(::pipe(pipefd), 0);
    const uint64_t parent_ns = current_userns_inode();
    UserNamespace ns(CLONE_NEWNS, [&] {
        ::close(pipefd[0]);
        become_ns_root();
        int fd = ::open("/proc/self/uid_map", O_RDONLY);
        char buf[256];
        ssize_t n = fd >= 0 ? ::read(fd, buf, sizeof(buf)) : -1;
        std::string report = std::to_string(::getuid()) + "|" + (n > 0 ? std::string(buf, n) : "");
        (void)!::write(pipefd[1], report.data(), report.size());
    });
    ::close(pipefd[1]);
    EXPECT_GT(ns.pid(), 0);
    EXPECT_NE(userns_inode(ns.userns_fd()), parent_ns);
    write_id_maps(ns.pid(), own_ids(), ::getuid() != 0);
    ns.start();
    EXPECT_EQ(ns.wait(), 0);
    char buf[256];
    ssize_t n = ::read(pipefd[0], buf, sizeof(buf));
    ::close(pipefd[0]);
    ASSERT_GT(n, 0);
    const std::string report(buf, static_cast<size_t>(n));
    // uid 0 inside, our uid outside, count 1 (the kernel pads the columns).
    EXPECT_EQ(report.substr(0, 2), "0|") << report;
    EXPECT_NE(report.find(" " + std::to_string(::getuid()) + " "), std::string::npos) << report;
}

TEST(UserNamespace, ChildErrorsReachTheParentWithErrnoAndHint) {
    SKIP_WITHOUT_USERNS();
    UserNamespace ns(CLONE_NEWNS,
                     [] { throw SysError(EPERM, "mount nsdevtmpfs on /dev", "a hint"); });
    write_id_maps(ns.pid(), own_ids(), ::getuid() != 0);
    try {
        ns.start();
        FAIL() << "start() did not throw";
    } catch (const ExecError& e) {
        FAIL() << "an ExecError: " << e.what();
    } catch (const SysError& e) {
        EXPECT_EQ(e.code().value(), EPERM);
        EXPECT_EQ(e.context(), "mount nsdevtmpfs on /dev");
        EXPECT_EQ(e.hint(), "a hint");
        EXPECT_STREQ(e.what(),
                     "mount nsdevtmpfs on /dev: EPERM (Operation not permitted) -- a hint");
    }
}

TEST(UserNamespace, ExecFailureIsAnExecError) {
    SKIP_WITHOUT_USERNS();
    UserNamespace ns(CLONE_NEWNS, [] { exec_command({"/nonexistent/nsdev-command"}); });
    write_id_maps(ns.pid(), own_ids(), ::getuid() != 0);
    try {
        ns.start();
        FAIL() << "start() did not throw";
    } catch (const ExecError& e) {
        EXPECT_EQ(e.code().value(), ENOENT);
        EXPECT_EQ(e.context(), "execute /nonexistent/nsdev-command");
    }
}

TEST(UserNamespace, ExitStatusAndSignals) {
    SKIP_WITHOUT_USERNS();
    {
        UserNamespace ns(CLONE_NEWNS, [] { exec_command({"/bin/sh", "-c", "exit 7"}); });
        write_id_maps(ns.pid(), own_ids(), ::getuid() != 0);
        ns.start();
        EXPECT_EQ(ns.wait(), 7);
    }
    {
        UserNamespace ns(CLONE_NEWNS, [] { exec_command({"/bin/sh", "-c", "kill -KILL $$"}); });
        write_id_maps(ns.pid(), own_ids(), ::getuid() != 0);
        ns.start();
        EXPECT_EQ(ns.wait(), 128 + SIGKILL);
    }
}

TEST(UserNamespace, DestructorReapsAChildNeverStarted) {
    SKIP_WITHOUT_USERNS();
    pid_t pid;
    {
        UserNamespace ns(CLONE_NEWNS, [] {});
        pid = ns.pid();
        // Alive (waiting for start()) and our child until the destructor.
        ASSERT_GT(pid, 0);
        ASSERT_EQ(::waitpid(pid, nullptr, WNOHANG), 0);
    }
    // Reaped: no longer our child, and no zombie left under its pid.
    EXPECT_EQ(::waitpid(pid, nullptr, WNOHANG), -1);
    EXPECT_EQ(errno, ECHILD);
    EXPECT_EQ(::kill(pid, 0), -1);
    EXPECT_EQ(errno, ESRCH);
}

// Only root may map ids it does not own: as root, the check runs in a child
// that has become nobody first, so the test means the same for every caller.
TEST(UserNamespace, KernelRefusesAnUnwritableMap) {
    SKIP_WITHOUT_USERNS();
    EXPECT_EXIT(
        {
            if (::getuid() == 0 &&
                (::setgroups(0, nullptr) || ::setresgid(65534, 65534, 65534) ||
                 ::setresuid(65534, 65534, 65534)))
                std::_Exit(10);
            ::prctl(PR_SET_DUMPABLE, 1);  // the uid change made us undumpable
            UserNamespace ns(CLONE_NEWNS, [] {});
            try {
                write_id_maps(ns.pid(), {{{0, 100000, 65536}}, {{0, 100000, 65536}}}, true);
                std::_Exit(11);
            } catch (const SysError& e) {
                const bool ok = e.code().value() == EPERM &&
                                e.context() == "write /proc/" + std::to_string(ns.pid()) +
                                                   "/uid_map";
                std::_Exit(ok ? 0 : 12);
            }
        },
        ::testing::ExitedWithCode(0), "")
        << "10: cannot become nobody, 11: the map was written, 12: wrong error";
}

}  // namespace
}  // namespace nsdev

// ---- plan_id_maps: nsdevctl run's id-map policy, in the library

namespace {

// A subuid/subgid file in the test's temporary directory.
std::string subid_file(const std::string& name, const std::string& text) {
    const std::string path = ::testing::TempDir() + "nsdev-" + name;
    std::FILE* f = std::fopen(path.c_str(), "w");
    if (!f) return path;
    std::fputs(text.c_str(), f);
    std::fclose(f);
    return path;
}

}  // namespace

TEST(PlanIdMaps, RootWithoutMapsGetsTheDefaultRangeDirectly) {
    const nsdev::MapPlan p = nsdev::plan_id_maps({}, false, 0, 0, "/nonexistent", "/nonexistent");
    EXPECT_FALSE(p.helpers);
    EXPECT_FALSE(p.deny_setgroups);
    EXPECT_EQ(p.maps.uid, (std::vector<nsdev::IdRange>{{0, 100000, 65536}}));
    EXPECT_EQ(p.maps.gid, p.maps.uid);
}

TEST(PlanIdMaps, UserWithoutMapsIsRootOfItsOwnIds) {
    const nsdev::MapPlan p =
        nsdev::plan_id_maps({}, false, 4242, 4343, "/nonexistent", "/nonexistent");
    EXPECT_FALSE(p.helpers);
    EXPECT_TRUE(p.deny_setgroups);
    EXPECT_EQ(p.maps.uid, (std::vector<nsdev::IdRange>{{0, 4242, 1}}));
    EXPECT_EQ(p.maps.gid, (std::vector<nsdev::IdRange>{{0, 4343, 1}}));
}

TEST(PlanIdMaps, SubuidUsesTheUsersRangesThroughTheHelpers) {
    const std::string su = subid_file("subuid", "4242:200000:65536\n");
    const std::string sg = subid_file("subgid", "4242:300000:65536\n");
    nsdev::MapPlan p = nsdev::plan_id_maps({}, true, 4242, 4242, su, sg);
    EXPECT_TRUE(p.helpers);
    EXPECT_EQ(p.maps.uid, (std::vector<nsdev::IdRange>{{0, 200000, 65536}}));
    EXPECT_EQ(p.maps.gid, (std::vector<nsdev::IdRange>{{0, 300000, 65536}}));
    // Maps for uids only serve gids too; outside the ranges: refused.
    nsdev::IdMapping given;
    given.uid = {{0, 200000, 10}};
    p = nsdev::plan_id_maps(given, false, 4242, 4242, su, su);
    EXPECT_TRUE(p.helpers);
    EXPECT_EQ(p.maps.gid, p.maps.uid);
    given.uid = {{0, 100000, 10}};
    EXPECT_THROW(nsdev::plan_id_maps(given, false, 4242, 4242, su, su), nsdev::SubIdError);
    EXPECT_THROW(nsdev::plan_id_maps({}, true, 4242, 4242, "/nonexistent", sg), nsdev::SysError);
}
