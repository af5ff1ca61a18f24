// Host tests of nsdevctl: command lines parsed into Commands (nothing is
// executed), usage errors and exit codes, and the text and JSON output of
// status, query, ls, probe and loop ls rendered from canned data through
// libsmartcols.
#include "cli.h"

#include <gtest/gtest.h>

#include <initializer_list>
#include <sstream>
#include <string>
#include <vector>

#include "commands.h"
#include "output.h"

#include <nlohmann/json.hpp>
#include <unistd.h>

namespace nsdevctl {
namespace {

using nsdev::DeviceId;
using Type = nsdev::DeviceId::Type;

Command parse(std::initializer_list<const char*> args) {
    return parse_command_line(std::vector<std::string>(args.begin(), args.end()));
}

// The UsageError message of @args, or "no usage error".
std::string usage_error(std::initializer_list<const char*> args) {
    try {
        parse(args);
    } catch (const UsageError& e) {
        return e.what();
    }
    return "no usage error";
}

struct MainResult {
    int status;
    std::string out;
    std::string err;
};

MainResult run_main(std::initializer_list<const char*> args) {
    std::ostringstream out, err;
    int status = nsdevctl_main(std::vector<std::string>(args.begin(), args.end()), out, err);
    return {status, out.str(), err.str()};
}

// ---- Parsing

TEST(CliParse, Assign) {
    Command c = parse({"assign", "b:7:0", "--ns", "1234"});
    EXPECT_EQ(c.verb, Verb::Assign);
    EXPECT_EQ(c.device, "b:7:0");
    EXPECT_EQ(c.ns, "1234");
    EXPECT_FALSE(c.global);
    EXPECT_EQ(c.control, "/dev/nsdevtmpfs-control");

    c = parse({"--control", "/dev/x", "assign", "--global", "/dev/null"});
    EXPECT_TRUE(c.global);
    EXPECT_EQ(c.device, "/dev/null");
    EXPECT_EQ(c.control, "/dev/x");

    c = parse({"assign", "--ns=/proc/1/ns/user", "c:1:3", "--control=/c"});
    EXPECT_EQ(c.ns, "/proc/1/ns/user");
    EXPECT_EQ(c.control, "/c");
}

TEST(CliParse, AssignUsageErrors) {
    EXPECT_EQ(usage_error({"assign"}), "missing DEVICE");
    EXPECT_EQ(usage_error({"assign", "--ns", "1"}), "missing DEVICE");
    EXPECT_EQ(usage_error({"assign", "b:7:0"}), "missing --ns NS or --global");
    EXPECT_EQ(usage_error({"assign", "b:7:0", "--ns", "1", "--global"}),
              "--ns and --global are mutually exclusive");
    EXPECT_EQ(usage_error({"assign", "b:7:0", "--ns", "1", "--ns", "2"}),
              "option '--ns' given more than once");
    EXPECT_EQ(usage_error({"assign", "b:7:0", "b:7:1", "--global"}), "unexpected argument 'b:7:1'");
    EXPECT_EQ(usage_error({"assign", "b:7:0", "--ns"}), "option '--ns' requires an argument");
    EXPECT_EQ(usage_error({"assign", "b:7:0", "--ns="}),
              "option '--ns' needs a pid or an nsfs path");
    EXPECT_EQ(usage_error({"assign", "c:1", "--global"}),
              "invalid device \"c:1\": missing minor number");
    EXPECT_EQ(usage_error({"assign", "x:1:3", "--global"}),
              "invalid device \"x:1:3\": unknown device type \"x\" (expected c:MAJOR:MINOR, "
              "b:MAJOR:MINOR or a "
              "device node path)");
    EXPECT_EQ(usage_error({"assign", "b:7:0", "--global=yes"}),
              "option '--global' doesn't allow an argument");
    EXPECT_EQ(usage_error({"assign", "b:7:0", "--global", "--json"}),
              "unrecognized option '--json'");
    EXPECT_EQ(usage_error({"--json", "assign", "b:7:0", "--global"}),
              "assign has no output to format");
    EXPECT_EQ(usage_error({"assign", "b:7:0", "--loops", "3"}), "unrecognized option '--loops'");
}

TEST(CliParse, RevokeQueryLimit) {
    EXPECT_EQ(parse({"revoke", "c:1:3"}).verb, Verb::Revoke);
    EXPECT_FALSE(parse({"revoke", "c:1:3"}).force);
    EXPECT_TRUE(parse({"revoke", "--force", "c:1:3"}).force);
    EXPECT_TRUE(parse({"revoke", "c:1:3", "-f"}).force);
    EXPECT_TRUE(parse({"revoke", "--fo", "c:1:3"}).force);  // abbreviated
    Command q = parse({"query", "-J", "c:1:3"});
    EXPECT_EQ(q.verb, Verb::Query);
    EXPECT_TRUE(q.output.json);
    EXPECT_TRUE(parse({"--json", "query", "c:1:3"}).output.json);
    EXPECT_EQ(usage_error({"revoke"}), "missing DEVICE");
    EXPECT_EQ(usage_error({"revoke", "--json", "c:1:3"}), "unrecognized option '--json'");
    EXPECT_EQ(parse({"query", "c:1:3", "b:7:0"}).devices,
              (std::vector<std::string>{"c:1:3", "b:7:0"}));

    Command l = parse({"limit", "--ns", "42", "--loops", "8"});
    EXPECT_EQ(l.verb, Verb::Limit);
    EXPECT_EQ(l.ns, "42");
    EXPECT_EQ(l.loops, 8u);
    EXPECT_EQ(usage_error({"limit", "--loops", "8"}), "missing --ns NS");
    EXPECT_EQ(usage_error({"limit", "--ns", "1"}), "missing --loops N");
    EXPECT_EQ(usage_error({"limit", "--ns", "1", "--loops", "-1"}),
              "invalid number '-1' for option '--loops' (expected 0-1048576)");
    EXPECT_EQ(usage_error({"limit", "--ns", "1", "--loops", "4294967295"}),
              "invalid number '4294967295' for option '--loops' (expected 0-1048576)");
    EXPECT_EQ(usage_error({"limit", "--ns", "1", "--loops", "1048577"}),
              "invalid number '1048577' for option '--loops' (expected 0-1048576)");
    EXPECT_EQ(parse({"limit", "--ns", "1", "--loops", "1048576"}).loops, 1048576u);
    // The kernel's maximum, from the uapi header, is what --help shows.
    EXPECT_NE(help_text("limit").find("--loops N        the limit, 0-1048576\n"),
              std::string::npos);
    EXPECT_EQ(usage_error({"limit", "--ns", "1", "--loops", "8", "extra"}),
              "unexpected argument 'extra'");
}

TEST(CliParse, LoadUnloadStatusLs) {
    Command c = parse({"load"});
    EXPECT_EQ(c.verb, Verb::Load);
    EXPECT_EQ(c.module_path, "");
    c = parse({"load", "/tmp/nsdevtmpfs.ko", "loop_limit=4"});
    EXPECT_EQ(c.module_path, "/tmp/nsdevtmpfs.ko");
    EXPECT_EQ(c.module_params, std::vector<std::string>{"loop_limit=4"});
    c = parse({"load", "loop_limit=4", "loop_index_base=2048", "loop_limit_per_user=0"});
    EXPECT_EQ(c.module_path, "");
    EXPECT_EQ(c.module_params, (std::vector<std::string>{"loop_limit=4", "loop_index_base=2048",
                                                         "loop_limit_per_user=0"}));
    EXPECT_EQ(usage_error({"load", "bogus=1"}),
              "unknown module parameter 'bogus' (known: loop_limit, loop_limit_per_user, "
              "loop_index_base)");
    EXPECT_EQ(usage_error({"load", "loop_limit=abc"}),
              "invalid value 'abc' for module parameter 'loop_limit' (expected a decimal number)");
    EXPECT_EQ(usage_error({"load", "loop_index_base=2"}),
              "invalid value '2' for module parameter 'loop_index_base' (expected 256-524288)");
    EXPECT_EQ(usage_error({"load", "loop_index_base=524289"}),
              "invalid value '524289' for module parameter 'loop_index_base' (expected "
              "256-524288)");
    EXPECT_EQ(parse({"load", "loop_index_base=256"}).module_params.size(), 1u);
    EXPECT_EQ(usage_error({"load", "loop_limit="}),
              "invalid value '' for module parameter 'loop_limit' (expected a decimal number)");
    for (const char* p : {"loop_limit=N", "loop_limit_per_user=N", "loop_index_base=N", "256-524288"})
        EXPECT_NE(help_text("load").find(p), std::string::npos) << p;
    EXPECT_EQ(usage_error({"load", "a.ko", "b.ko"}), "module parameter 'b.ko' is not PARAM=VALUE");
    EXPECT_EQ(usage_error({"load", "=4"}), "module parameter '=4' is not PARAM=VALUE");

    EXPECT_EQ(parse({"unload"}).verb, Verb::Unload);
    EXPECT_EQ(usage_error({"unload", "now"}), "unexpected argument 'now'");
    EXPECT_TRUE(parse({"status", "--json"}).output.json);
    EXPECT_EQ(parse({"ls"}).verb, Verb::Ls);
    EXPECT_FALSE(parse({"ls"}).namespaces_table);
    EXPECT_TRUE(parse({"ls", "--namespaces"}).namespaces_table);
    EXPECT_TRUE(parse({"ls", "-N"}).namespaces_table);
    EXPECT_EQ(usage_error({"ls", "-x"}), "invalid option -- 'x'");
}

TEST(CliParse, Run) {
    Command c = parse(
        {"run", "--map", "u:0:100000:65536", "--map=g:0:100000:65536", "--", "sh", "-c", "id"});
    EXPECT_EQ(c.verb, Verb::Run);
    EXPECT_EQ(c.maps.uid, (std::vector<nsdev::IdRange>{{0, 100000, 65536}}));
    EXPECT_EQ(c.maps.gid, (std::vector<nsdev::IdRange>{{0, 100000, 65536}}));
    EXPECT_EQ(c.argv, (std::vector<std::string>{"sh", "-c", "id"}));

    // The first operand starts CMD: its options are its own.
    c = parse({"run", "--subuid", "--no-view", "ls", "-l", "--help"});
    EXPECT_TRUE(c.subuid);
    EXPECT_TRUE(c.no_view);
    EXPECT_EQ(c.argv, (std::vector<std::string>{"ls", "-l", "--help"}));

    // Maps for uids only serve gids too; they are sorted.
    c = parse({"run", "--map", "u:1:200000:10", "--map", "u:0:1000:1", "true"});
    EXPECT_EQ(c.maps.uid, (std::vector<nsdev::IdRange>{{0, 1000, 1}, {1, 200000, 10}}));
    EXPECT_EQ(c.maps.gid, c.maps.uid);

    c = parse({"run", "--map-file", "/etc/lxc.conf", "--map", "u:1:2:3", "true"});
    EXPECT_EQ(c.map_files, std::vector<std::string>{"/etc/lxc.conf"});
    EXPECT_EQ(c.maps.uid,
              (std::vector<nsdev::IdRange>{{1, 2, 3}}));  // checked with the file's later
}

TEST(CliParse, RunUsageErrors) {
    EXPECT_EQ(usage_error({"run"}), "missing CMD");
    EXPECT_EQ(usage_error({"run", "--subuid", "--"}), "missing CMD");
    EXPECT_EQ(usage_error({"run", "--map", "u:0:x:1", "true"}),
              "invalid --map \"u:0:x:1\": OUTSIDE \"x\" is not a decimal number");
    EXPECT_EQ(
        usage_error({"run", "--map", "u:0:100000:65536", "--map", "u:10:200000:1", "true"}),
        "uid map: ranges 0 100000 65536 and 10 200000 1 overlap inside the namespace (id 10)");
    EXPECT_EQ(usage_error({"run", "--map", "u:1:100000:10", "true"}),
              "uid map does not map root (uid 0 inside the namespace)");
    EXPECT_EQ(usage_error({"run", "--map", "u:0:1:1", "--map", "g:5:1:1", "true"}),
              "gid map does not map root (gid 0 inside the namespace)");
    EXPECT_EQ(usage_error({"run", "--view", "--no-view", "true"}),
              "--view and --no-view are mutually exclusive");
    EXPECT_EQ(usage_error({"run", "--bogus", "true"}), "unrecognized option '--bogus'");
    EXPECT_EQ(usage_error({"run", "--json", "true"}), "unrecognized option '--json'");
}

TEST(CliParse, Probe) {
    Command c = parse({"probe", "--json", "1", "/proc/42/ns/user"});
    EXPECT_EQ(c.verb, Verb::Probe);
    EXPECT_TRUE(c.output.json);
    EXPECT_EQ(c.namespaces, (std::vector<std::string>{"1", "/proc/42/ns/user"}));
    EXPECT_EQ(c.labels, (std::vector<std::string>{"", ""}));
    c = parse({"probe", "host=1", "A=312", "/proc/x=y/ns/user"});
    EXPECT_EQ(c.namespaces, (std::vector<std::string>{"1", "312", "/proc/x=y/ns/user"}));
    EXPECT_EQ(c.labels, (std::vector<std::string>{"host", "A", ""}));
    EXPECT_EQ(usage_error({"probe", "=1"}), "empty LABEL in '=1'");
    EXPECT_EQ(usage_error({"probe", "A="}), "empty NS");
    EXPECT_EQ(usage_error({"probe"}), "missing NS (a pid or an nsfs path)");
    EXPECT_EQ(usage_error({"probe", "--json"}), "missing NS (a pid or an nsfs path)");
}

TEST(CliParse, Loop) {
    Command c = parse({"loop", "attach", "-P", "/img"});
    EXPECT_EQ(c.verb, Verb::LoopAttach);
    EXPECT_EQ(c.file, "/img");
    EXPECT_TRUE(c.partscan);
    EXPECT_FALSE(c.read_only);
    c = parse({"loop", "attach", "/img", "--read-only", "--partscan"});
    EXPECT_EQ(c.file, "/img");
    EXPECT_TRUE(c.partscan);
    EXPECT_TRUE(c.read_only);
    c = parse({"loop", "attach", "-rP", "--", "-img"});
    EXPECT_EQ(c.file, "-img");
    EXPECT_TRUE(c.partscan);
    EXPECT_TRUE(c.read_only);
    EXPECT_FALSE(parse({"loop", "attach", "/img"}).partscan);

    c = parse({"loop", "detach", "/dev/loop1024"});
    EXPECT_EQ(c.verb, Verb::LoopDetach);
    EXPECT_EQ(c.device, "/dev/loop1024");
    EXPECT_EQ(parse({"loop", "detach", "b:7:1024"}).device, "b:7:1024");

    c = parse({"loop", "ls"});
    EXPECT_EQ(c.verb, Verb::LoopLs);
    EXPECT_FALSE(c.output.json);
    EXPECT_FALSE(c.with_free);
    // -a is losetup's: the attached devices, which is the default.
    c = parse({"loop", "ls", "--json", "--all"});
    EXPECT_TRUE(c.output.json);
    EXPECT_FALSE(c.with_free);
    c = parse({"--json", "loop", "ls", "-a", "--with-free"});
    EXPECT_TRUE(c.output.json);
    EXPECT_TRUE(c.with_free);
    EXPECT_TRUE(parse({"loop", "ls", "-J"}).output.json);
}

TEST(CliParse, LoopUsageErrors) {
    EXPECT_EQ(usage_error({"loop"}), "missing subcommand (attach, detach or ls)");
    EXPECT_EQ(usage_error({"loop", "frob"}),
              "unknown loop subcommand 'frob' (expected attach, detach or ls)");
    EXPECT_EQ(usage_error({"loop", "attach"}), "missing FILE");
    EXPECT_EQ(usage_error({"loop", "attach", "-P"}), "missing FILE");
    EXPECT_EQ(usage_error({"loop", "attach", "/a", "/b"}), "unexpected argument '/b'");
    EXPECT_EQ(usage_error({"loop", "attach", "-P", "-P", "/img"}),
              "option '-P' given more than once");
    EXPECT_EQ(usage_error({"loop", "attach", "--all", "/img"}), "unrecognized option '--all'");
    EXPECT_EQ(usage_error({"loop", "attach", "-x", "/img"}), "invalid option -- 'x'");
    EXPECT_EQ(usage_error({"loop", "attach", "--json", "/img"}), "unrecognized option '--json'");
    EXPECT_EQ(usage_error({"--json", "loop", "attach", "/img"}),
              "loop attach has no output to format");
    EXPECT_EQ(usage_error({"loop", "detach"}), "missing DEVICE");
    EXPECT_EQ(usage_error({"loop", "detach", "b:7"}),
              "invalid device \"b:7\": missing minor number");
    EXPECT_EQ(usage_error({"loop", "detach", "/dev/loop1", "/dev/loop2"}),
              "unexpected argument '/dev/loop2'");
    EXPECT_EQ(usage_error({"loop", "detach", "-P", "/dev/loop1"}), "invalid option -- 'P'");
    EXPECT_EQ(usage_error({"loop", "detach", "--json", "/dev/loop1"}),
              "unrecognized option '--json'");
    EXPECT_EQ(usage_error({"loop", "ls", "extra"}), "unexpected argument 'extra'");
    EXPECT_EQ(usage_error({"loop", "ls", "--partscan"}), "unrecognized option '--partscan'");
}

TEST(CliMain, LoopUsageErrorsPointAtLoopHelp) {
    MainResult r = run_main({"loop", "attach"});
    EXPECT_EQ(r.status, kExitUsage);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, "nsdevctl: missing FILE\nTry 'nsdevctl loop --help' for more information.\n");
}

TEST(CliParse, HelpAndGlobalErrors) {
    Command c = parse({"--help"});
    EXPECT_EQ(c.verb, Verb::Help);
    EXPECT_EQ(c.help_topic, "");
    c = parse({"assign", "--help"});
    EXPECT_EQ(c.verb, Verb::Help);
    EXPECT_EQ(c.help_topic, "assign");
    EXPECT_EQ(parse({"help", "run"}).help_topic, "run");
    EXPECT_EQ(parse({"loop", "--help"}).help_topic, "loop");
    EXPECT_EQ(parse({"loop", "ls", "-h"}).help_topic, "loop");
    // --help wins over other mistakes on the same command line.
    EXPECT_EQ(parse({"assign", "--help", "--global", "--ns", "1"}).verb, Verb::Help);
    EXPECT_EQ(parse({"-V"}).verb, Verb::Version);

    EXPECT_EQ(usage_error({}), "missing command");
    EXPECT_EQ(usage_error({"frobnicate"}), "unknown command 'frobnicate'");
    EXPECT_EQ(usage_error({"--bogus", "ls"}), "unrecognized option '--bogus'");
    EXPECT_EQ(usage_error({"--control"}), "option '--control' requires an argument");
    EXPECT_EQ(usage_error({"help", "frobnicate"}), "unknown command 'frobnicate'");
}

TEST(CliHelp, EveryCommandHasHelp) {
    for (const char* cmd : {"load", "unload", "status", "assign", "revoke", "query", "limit", "ls",
                            "run", "probe", "loop", "help"}) {
        const std::string text = help_text(cmd);
        EXPECT_EQ(text.rfind("Usage:\n nsdevctl ", 0), 0u) << cmd;
        MainResult r = run_main({cmd, "--help"});
        EXPECT_EQ(r.status, kExitOk) << cmd;
        EXPECT_EQ(r.out, text) << cmd;
        EXPECT_EQ(r.err, "") << cmd;
    }
}

TEST(CliMain, UsageErrorsExitTwoWithAPointerToHelp) {
    MainResult r = run_main({"assign", "b:7:0", "--ns", "1", "--global"});
    EXPECT_EQ(r.status, kExitUsage);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err,
              "nsdevctl: --ns and --global are mutually exclusive\n"
              "Try 'nsdevctl assign --help' for more information.\n");
    r = run_main({"bogus"});
    EXPECT_EQ(r.status, kExitUsage);
    EXPECT_EQ(r.err,
              "nsdevctl: unknown command 'bogus'\nTry 'nsdevctl --help' for more information.\n");
}

TEST(CliMain, OperationalErrorsExitOneNamingObjectAndErrno) {
    MainResult r = run_main({"--control", "/nonexistent/nsdevtmpfs-control", "query", "c:1:3"});
    EXPECT_EQ(r.status, kExitFailure);
    EXPECT_EQ(
        r.err,
        "nsdevctl: open /nonexistent/nsdevtmpfs-control: ENOENT (No such file or directory)\n");
    r = run_main({"assign", "/nonexistent-node", "--global"});
    EXPECT_EQ(r.status, kExitFailure);
    EXPECT_EQ(r.err, "nsdevctl: stat /nonexistent-node: ENOENT (No such file or directory)\n");
    r = run_main({"loop", "attach", "-P", "/nonexistent/img"});
    EXPECT_EQ(r.status, kExitFailure);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, "nsdevctl: open /nonexistent/img: ENOENT (No such file or directory)\n");
    r = run_main({"loop", "detach", "/nonexistent/loop1024"});
    EXPECT_EQ(r.status, kExitFailure);
    EXPECT_EQ(r.err,
              "nsdevctl: detach /nonexistent/loop1024: ENOENT (No such file or directory)\n");
    r = run_main({"loop", "detach", "/etc/passwd"});
    EXPECT_EQ(r.status, kExitFailure);
    EXPECT_EQ(r.err, "nsdevctl: detach /etc/passwd: not a loop device\n");
    r = run_main({"loop", "detach", "b:8:0"});
    EXPECT_EQ(r.status, kExitFailure);
    EXPECT_EQ(r.err, "nsdevctl: detach b:8:0: not a loop device\n");
    r = run_main({"run", "--map-file", "/nonexistent/map", "true"});
    EXPECT_EQ(r.status, kExitFailure);
    EXPECT_EQ(r.err, "nsdevctl: open /nonexistent/map: ENOENT (No such file or directory)\n");
}

TEST(CliMain, Version) {
    MainResult r = run_main({"--version"});
    EXPECT_EQ(r.status, kExitOk);
    EXPECT_EQ(r.out, std::string("nsdevctl ") + kVersion + "\n");
}

TEST(CliParse, GetoptLong) {
    // Long options may be abbreviated to any unambiguous prefix.
    Command c = parse({"assign", "b:7:0", "--gl"});
    EXPECT_TRUE(c.global);
    c = parse({"limit", "--n", "7", "--lo=3"});
    EXPECT_EQ(c.ns, "7");
    EXPECT_EQ(c.loops, 3u);
    EXPECT_EQ(parse({"--contr", "/c", "ls"}).control, "/c");
    EXPECT_TRUE(parse({"ls", "--names"}).namespaces_table);
    EXPECT_EQ(usage_error({"run", "--ma", "u:0:1:1", "true"}),
              "option '--ma' is ambiguous; possibilities: '--map' '--map-file'");
    EXPECT_EQ(usage_error({"ls", "--n"}),
              "option '--n' is ambiguous; possibilities: '--namespaces' '--noheadings'");
    EXPECT_TRUE(parse({"ls", "--no"}).output.noheadings);
    EXPECT_EQ(usage_error({"ls", "--jso=x"}), "option '--json' doesn't allow an argument");
    // "--" ends the options: a file named like an option.
    EXPECT_EQ(parse({"loop", "attach", "--", "--partscan"}).file, "--partscan");
    EXPECT_FALSE(parse({"loop", "attach", "--", "--partscan"}).partscan);
    // Options after operands, and grouped short options with a value.
    c = parse({"ls", "-nJoNAME,maj:min"});
    EXPECT_TRUE(c.output.noheadings);
    EXPECT_TRUE(c.output.json);
    EXPECT_EQ(c.output.columns, "NAME,maj:min");
    c = parse({"query", "c:1:3", "-o", "+DEPTH", "--raw"});
    EXPECT_TRUE(c.output.raw);
    EXPECT_EQ(c.output.columns, "+DEPTH");
    EXPECT_EQ(usage_error({"ls", "-o"}), "option requires an argument -- 'o'");
    EXPECT_EQ(usage_error({"ls", "--output"}), "option '--output' requires an argument");
    EXPECT_EQ(usage_error({"ls", "-o", "NAME,FOO"}), "unknown column: FOO");
    EXPECT_EQ(usage_error({"ls", "--namespaces", "-o", "NAME"}), "unknown column: NAME");
    EXPECT_EQ(usage_error({"-n", "unload"}), "unload has no output to format");
    EXPECT_EQ(usage_error({"limit", "--raw", "--ns", "1", "--loops", "1"}),
              "unrecognized option '--raw'");
}

// ---- Output from canned data: golden tables, and JSON checked by a parser

const uint64_t kHost = nsdev::kInitUserNsInode;  // 4026531837
const uint64_t kChild = 4026532119;
const uint64_t kOrphan = 4026532200;

NsNames canned_names() { return NsNames({{kHost, {1, "init"}}, {kChild, {312, "sleep"}}}); }

// @text parsed as JSON; a parse error fails the test.
nlohmann::json parse_json(const std::string& text) {
    try {
        return nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
        ADD_FAILURE() << "invalid JSON: " << e.what() << "\n" << text;
        return nullptr;
    }
}

OutputOptions json_output() {
    OutputOptions o;
    o.json = true;
    return o;
}

OutputOptions columns(const char* cols) {
    OutputOptions o;
    o.columns = cols;
    return o;
}

TEST(NsNames, Labels) {
    const NsNames names = canned_names();
    EXPECT_EQ(NsNames::label(kHost), "host");
    EXPECT_EQ(NsNames::label(kChild), "4026532119");
    ASSERT_NE(names.find(kChild), nullptr);
    EXPECT_EQ(names.find(kChild)->pid, 312);
    EXPECT_EQ(names.find(kOrphan), nullptr);
    // nsdevctl itself is never the process that names a namespace.
    const NsNames self({{kChild, {::getpid(), "nsdevctl"}}});
    EXPECT_EQ(self.find(kChild), nullptr);
}

TEST(OutputColumns, SelectAndHelp) {
    EXPECT_EQ(select_columns(Listing::Loops, "name,back-file"),
              (std::vector<std::string>{"NAME", "BACK-FILE"}));
    EXPECT_EQ(select_columns(Listing::Devices, "+DEPTH").back(), "DEPTH");
    EXPECT_EQ(select_columns(Listing::Devices, "").size(), 8u);
    EXPECT_THROW(select_columns(Listing::Loops, "NAME,"), std::invalid_argument);
    EXPECT_THROW(select_columns(Listing::Status, "X"), std::invalid_argument);
    // Every column is in --help, under the command that prints it.
    for (const auto& [cmd, l] : std::vector<std::pair<const char*, Listing>>{
             {"status", Listing::Status},
             {"query", Listing::Devices},
             {"ls", Listing::Devices},
             {"ls", Listing::Namespaces},
             {"probe", Listing::Probe},
             {"loop", Listing::Loops}})
        for (const ColumnInfo& c : columns_of(l))
            EXPECT_NE(help_text(cmd).find(std::string(c.name) + " "), std::string::npos)
                << cmd << " " << c.name;
}

TEST(OutputStatus, TableAndJson) {
    const nsdev::ModuleStatus st{true, "live", 2};
    const std::map<std::string, std::string> params = {{"loop_limit", "8"},
                                                       {"loop_index_base", "1024"}};
    std::ostringstream text, json, none;
    print_status(text, "nsdevtmpfs", st, params, {});
    EXPECT_EQ(text.str(), "MODULE     LOADED STATE REFCNT PARAMETERS\n"
              "nsdevtmpfs 1      live       2 loop_index_base=1024 loop_limit=8\n");
    print_status(json, "nsdevtmpfs", st, params, json_output());
    EXPECT_EQ(json.str(), "{\n"
              "   \"modules\": [\n"
              "      {\n"
              "         \"module\": \"nsdevtmpfs\",\n"
              "         \"loaded\": true,\n"
              "         \"state\": \"live\",\n"
              "         \"refcnt\": 2,\n"
              "         \"parameters\": \"loop_index_base=1024 loop_limit=8\"\n"
              "      }\n"
              "   ]\n"
              "}\n");
    print_status(none, "nsdevtmpfs", {}, {}, json_output());
    const nlohmann::json j = parse_json(none.str());
    ASSERT_TRUE(j.contains("modules")) << none.str();
    EXPECT_EQ(j["modules"].size(), 1u);
    EXPECT_EQ(j["modules"][0]["loaded"], false);
    EXPECT_TRUE(j["modules"][0]["state"].is_null());
    EXPECT_TRUE(j["modules"][0]["refcnt"].is_null());
}

nsdev::QueryResult owned_loop0() {
    nsdev::QueryResult q;
    q.state = 2;
    q.owned = true;
    q.depth = 1;
    q.owner_ino = kChild;
    q.assigner_ino = kHost;
    q.name = "loop0";
    return q;
}

nsdev::QueryResult global_null() {
    nsdev::QueryResult q;
    q.state = 0x1 | 0x4 | 0x20;
    q.global = q.default_content = true;
    q.depth = 1;
    q.assigner_ino = kOrphan;
    q.name = "null";
    return q;
}

TEST(OutputQuery, TableAndJson) {
    const std::vector<QueriedDevice> devices = {{{Type::Block, 7, 0}, owned_loop0()},
                                                {{Type::Char, 1, 3}, global_null()}};
    std::ostringstream text, json, raw;
    print_query(text, devices, canned_names(), columns("+DEPTH"));
    EXPECT_EQ(text.str(), "NAME  TYPE MAJ:MIN STATE                    OWNER PID COMMAND   ASSIGNER DEPTH\n"
              "loop0 b    7:0     owned               4026532119 312 sleep   4026531837     1\n"
              "null  c    1:3     global,default,0x20          -   - -       4026532200     1\n");
    OutputOptions o = columns("NAME,MAJ:MIN,OWNER");
    o.raw = true;
    o.noheadings = true;
    print_query(raw, devices, canned_names(), o);
    EXPECT_EQ(raw.str(), "loop0 7:0 4026532119\nnull 1:3 -\n");
    print_query(json, devices, canned_names(), json_output());
    EXPECT_EQ(json.str(), "{\n"
              "   \"devices\": [\n"
              "      {\n"
              "         \"name\": \"loop0\",\n"
              "         \"type\": \"b\",\n"
              "         \"maj:min\": \"7:0\",\n"
              "         \"state\": \"owned\",\n"
              "         \"owner\": 4026532119,\n"
              "         \"pid\": 312,\n"
              "         \"command\": \"sleep\",\n"
              "         \"assigner\": 4026531837\n"
              "      },{\n"
              "         \"name\": \"null\",\n"
              "         \"type\": \"c\",\n"
              "         \"maj:min\": \"1:3\",\n"
              "         \"state\": \"global,default,0x20\",\n"
              "         \"owner\": null,\n"
              "         \"pid\": null,\n"
              "         \"command\": null,\n"
              "         \"assigner\": 4026532200\n"
              "      }\n"
              "   ]\n"
              "}\n");
    const nlohmann::json j = parse_json(json.str());
    ASSERT_EQ(j["devices"].size(), 2u) << json.str();
    EXPECT_EQ(j["devices"][0]["maj:min"], "7:0");
    EXPECT_EQ(j["devices"][0]["owner"], kChild);
    EXPECT_EQ(j["devices"][0]["pid"], 312);
    EXPECT_EQ(j["devices"][1]["state"], "global,default,0x20");
    EXPECT_TRUE(j["devices"][1]["owner"].is_null());
    EXPECT_TRUE(j["devices"][1]["pid"].is_null());
}

const std::vector<nsdev::DeviceRow> kDevices = {
    {{Type::Char, 1, 3}, "null", 0, kHost, {"global", "default"}},
    {{Type::Block, 7, 0}, "loop0", kChild, kHost, {"owned"}},
    {{Type::Char, 10, 200}, "net/tun", kOrphan, kChild, {}},
};
const std::vector<nsdev::NamespaceRow> kNamespaces = {
    {kHost, 0, 0, 8, 1},
    {kChild, kHost, 1, 4, 0},
};

TEST(OutputLs, DevicesTableAndJson) {
    std::ostringstream text, json;
    print_devices(text, kDevices, canned_names(), {});
    EXPECT_EQ(text.str(), "NAME    TYPE MAJ:MIN STATE               OWNER PID COMMAND   ASSIGNER\n"
              "null    c    1:3     global,default          -   - -       4026531837\n"
              "loop0   b    7:0     owned          4026532119 312 sleep   4026531837\n"
              "net/tun c    10:200  -              4026532200   - -       4026532119\n");
    print_devices(json, kDevices, canned_names(), json_output());
    const nlohmann::json j = parse_json(json.str());
    ASSERT_EQ(j.size(), 1u) << json.str();  // one array under one key
    ASSERT_EQ(j["devices"].size(), 3u) << json.str();
    EXPECT_EQ(j["devices"][0]["name"], "null");
    EXPECT_EQ(j["devices"][0]["type"], "c");
    EXPECT_EQ(j["devices"][0]["maj:min"], "1:3");
    EXPECT_EQ(j["devices"][0]["state"], "global,default");
    EXPECT_TRUE(j["devices"][0]["owner"].is_null());
    EXPECT_EQ(j["devices"][0]["assigner"], kHost);
    EXPECT_EQ(j["devices"][1]["command"], "sleep");
    EXPECT_TRUE(j["devices"][2]["state"].is_null());
    EXPECT_TRUE(j["devices"][2]["pid"].is_null());
}

TEST(OutputLs, NamespacesTableAndJson) {
    std::ostringstream text, json;
    print_namespaces(text, kNamespaces, canned_names(), {});
    EXPECT_EQ(text.str(), "        NS     PARENT PID COMMAND LOOPS LIMIT VIEWS\n"
              "4026531837          -   1 init        0     8     1\n"
              "4026532119 4026531837 312 sleep       1     4     0\n");
    print_namespaces(json, kNamespaces, canned_names(), json_output());
    const nlohmann::json j = parse_json(json.str());
    ASSERT_EQ(j["namespaces"].size(), 2u) << json.str();
    EXPECT_EQ(j["namespaces"][0]["ns"], kHost);
    EXPECT_TRUE(j["namespaces"][0]["parent"].is_null());
    EXPECT_EQ(j["namespaces"][1]["parent"], kHost);
    EXPECT_EQ(j["namespaces"][1]["loops"], 1);
    EXPECT_EQ(j["namespaces"][1]["limit"], 4);
    EXPECT_EQ(j["namespaces"][0]["views"], 1);
}

TEST(OutputLs, EmptyListings) {
    std::ostringstream text, json, bare;
    print_devices(text, {}, canned_names(), {});
    EXPECT_EQ(text.str(), "");
    print_devices(json, {}, canned_names(), json_output());
    EXPECT_EQ(parse_json(json.str()), nlohmann::json::parse(R"({"devices": []})")) << json.str();
    OutputOptions o;
    o.noheadings = true;
    print_devices(bare, {}, canned_names(), o);
    EXPECT_EQ(bare.str(), "");
}

std::vector<ProbedNamespace> canned_probe() {
    const nsdev::ViewNode null{"null", {Type::Char, 1, 3}, 0666, 0, 0};
    const nsdev::ViewNode tun{"net/tun", {Type::Char, 10, 200}, 0666, 0, 0};
    const nsdev::ViewNode loop0{"loop0", {Type::Block, 7, 0}, 0660, 0, 6};
    return {{"1", "", kHost, {tun, null}}, {"312", "", kChild, {loop0, tun, null}}};
}

TEST(OutputProbe, LabelsNameTheColumns) {
    std::vector<ProbedNamespace> probed = canned_probe();
    probed[1].label = "A";
    std::ostringstream out;
    print_probe(out, probed, columns("NAME"));
    EXPECT_EQ(out.str(), "NAME    host A\nloop0   -    x\nnet/tun x    x\nnull    x    x\n");
}

TEST(OutputProbe, MatrixAndJson) {
    std::ostringstream out, json;
    print_probe(out, canned_probe(), {});
    EXPECT_EQ(out.str(), "NAME    TYPE MAJ:MIN host 312\n"
              "loop0   b    7:0     -    x\n"
              "net/tun c    10:200  x    x\n"
              "null    c    1:3     x    x\n");
    print_probe(json, canned_probe(), json_output());
    const nlohmann::json j = parse_json(json.str());
    ASSERT_EQ(j["devices"].size(), 3u) << json.str();
    EXPECT_EQ(j["devices"][0]["name"], "loop0");
    EXPECT_EQ(j["devices"][0]["host"], false);
    EXPECT_EQ(j["devices"][0]["312"], true);
    EXPECT_EQ(j["devices"][2]["host"], true);
}

nsdev::LoopDevice canned_loop(unsigned index) {
    nsdev::LoopDevice d;
    d.index = index;
    d.name = "loop" + std::to_string(index);
    d.path = "/dev/" + d.name;
    d.dev = {Type::Block, 7, index};
    return d;
}

// A partitioned delegated loop, a read-only one with an offset, one with
// no backing file (listed with --with-free).
std::vector<nsdev::LoopDevice> canned_loops() {
    nsdev::LoopDevice a = canned_loop(1024);
    a.attached = true;
    a.backing_file = "/tmp/disk.img";
    a.partscan = true;
    a.partitions = {"loop1024p1", "loop1024p2"};
    nsdev::LoopDevice b = canned_loop(1025);
    b.attached = true;
    b.backing_file = "/tmp/my image";
    b.read_only = true;
    b.autoclear = true;
    b.direct_io = true;
    b.offset = 1048576;
    b.sizelimit = 4096;
    return {a, b, canned_loop(1026)};
}

TEST(OutputLoop, Table) {
    std::ostringstream out, empty;
    print_loop_ls(out, canned_loops(), {});
    EXPECT_EQ(out.str(), "NAME          SIZELIMIT  OFFSET AUTOCLEAR RO BACK-FILE     DIO PARTSCAN PARTITIONS\n"
              "/dev/loop1024         0       0 0         0  /tmp/disk.img 0   1        "
              "loop1024p1,loop1024p2\n"
              "/dev/loop1025      4096 1048576 1         1  /tmp/my image 1   0        -\n"
              "/dev/loop1026         -       - -         -  -             -   -        -\n");
    print_loop_ls(empty, {}, {});
    EXPECT_EQ(empty.str(), "");
}

TEST(OutputLoop, JsonKeysAreLosetups) {
    std::ostringstream out;
    print_loop_ls(out, canned_loops(), json_output());
    const nlohmann::json j = parse_json(out.str());
    ASSERT_EQ(j["loopdevices"].size(), 3u) << out.str();
    const nlohmann::json& b = j["loopdevices"][1];
    EXPECT_EQ(b["name"], "/dev/loop1025");
    EXPECT_EQ(b["back-file"], "/tmp/my image");
    EXPECT_EQ(b["ro"], true);
    EXPECT_EQ(b["autoclear"], true);
    EXPECT_EQ(b["dio"], true);
    EXPECT_EQ(b["offset"], 1048576);
    EXPECT_EQ(b["sizelimit"], 4096);
    EXPECT_EQ(j["loopdevices"][0]["partscan"], true);
    EXPECT_EQ(j["loopdevices"][0]["ro"], false);
    EXPECT_TRUE(j["loopdevices"][2]["back-file"].is_null());
    std::ostringstream empty;
    print_loop_ls(empty, {}, json_output());
    EXPECT_EQ(parse_json(empty.str()), nlohmann::json::parse(R"({"loopdevices": []})"));
}

TEST(OutputLoop, JsonEscapesBackingFile) {
    nsdev::LoopDevice d = canned_loop(1024);
    d.attached = true;
    d.backing_file = "/tmp/a \"b\"\n";
    std::ostringstream out;
    print_loop_ls(out, {d}, json_output());
    EXPECT_EQ(parse_json(out.str())["loopdevices"][0]["back-file"], "/tmp/a \"b\"\n") << out.str();
}

}  // namespace
}  // namespace nsdevctl
