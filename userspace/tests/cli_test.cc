// Host tests of nsdevctl: command lines parsed into Commands (nothing is
// executed), usage errors and exit codes, and the text and JSON output of
// status, query, ls, probe and loop ls rendered from canned data.
#include "cli.h"

#include <gtest/gtest.h>

#include <initializer_list>
#include <sstream>
#include <string>
#include <vector>

#include "commands.h"
#include "output.h"

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
              "assign has no output to print as JSON");
    EXPECT_EQ(usage_error({"assign", "b:7:0", "--loops", "3"}), "unrecognized option '--loops'");
}

TEST(CliParse, RevokeQueryLimit) {
    EXPECT_EQ(parse({"revoke", "c:1:3"}).verb, Verb::Revoke);
    Command q = parse({"query", "-J", "c:1:3"});
    EXPECT_EQ(q.verb, Verb::Query);
    EXPECT_TRUE(q.json);
    EXPECT_TRUE(parse({"--json", "query", "c:1:3"}).json);
    EXPECT_EQ(usage_error({"revoke"}), "missing DEVICE");
    EXPECT_EQ(usage_error({"query", "c:1:3", "c:1:5"}), "unexpected argument 'c:1:5'");

    Command l = parse({"limit", "--ns", "42", "--loops", "8"});
    EXPECT_EQ(l.verb, Verb::Limit);
    EXPECT_EQ(l.ns, "42");
    EXPECT_EQ(l.loops, 8u);
    EXPECT_EQ(usage_error({"limit", "--loops", "8"}), "missing --ns NS");
    EXPECT_EQ(usage_error({"limit", "--ns", "1"}), "missing --loops N");
    EXPECT_EQ(usage_error({"limit", "--ns", "1", "--loops", "-1"}),
              "invalid number '-1' for option '--loops' (expected 0-4294967295)");
    EXPECT_EQ(usage_error({"limit", "--ns", "1", "--loops", "4294967296"}),
              "invalid number '4294967296' for option '--loops' (expected 0-4294967295)");
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
    c = parse({"load", "loop_limit=4", "x=y"});
    EXPECT_EQ(c.module_path, "");
    EXPECT_EQ(c.module_params, (std::vector<std::string>{"loop_limit=4", "x=y"}));
    EXPECT_EQ(usage_error({"load", "a.ko", "b.ko"}), "module parameter 'b.ko' is not PARAM=VALUE");
    EXPECT_EQ(usage_error({"load", "=4"}), "module parameter '=4' is not PARAM=VALUE");

    EXPECT_EQ(parse({"unload"}).verb, Verb::Unload);
    EXPECT_EQ(usage_error({"unload", "now"}), "unexpected argument 'now'");
    EXPECT_TRUE(parse({"status", "--json"}).json);
    EXPECT_EQ(parse({"ls"}).verb, Verb::Ls);
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
    EXPECT_EQ(usage_error({"run", "--json", "true"}), "run has no output to print as JSON");
}

TEST(CliParse, Probe) {
    Command c = parse({"probe", "--json", "1", "/proc/42/ns/user"});
    EXPECT_EQ(c.verb, Verb::Probe);
    EXPECT_TRUE(c.json);
    EXPECT_EQ(c.namespaces, (std::vector<std::string>{"1", "/proc/42/ns/user"}));
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
    EXPECT_FALSE(c.json);
    EXPECT_FALSE(c.all);
    c = parse({"loop", "ls", "--json", "--all"});
    EXPECT_TRUE(c.json);
    EXPECT_TRUE(c.all);
    c = parse({"--json", "loop", "ls", "-a"});
    EXPECT_TRUE(c.json);
    EXPECT_TRUE(c.all);
    EXPECT_TRUE(parse({"loop", "ls", "-J"}).json);
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
    EXPECT_EQ(usage_error({"loop", "attach", "--json", "/img"}),
              "loop has no output to print as JSON");
    EXPECT_EQ(usage_error({"--json", "loop", "attach", "/img"}),
              "loop attach has no output to print as JSON");
    EXPECT_EQ(usage_error({"loop", "detach"}), "missing DEVICE");
    EXPECT_EQ(usage_error({"loop", "detach", "b:7"}),
              "invalid device \"b:7\": missing minor number");
    EXPECT_EQ(usage_error({"loop", "detach", "/dev/loop1", "/dev/loop2"}),
              "unexpected argument '/dev/loop2'");
    EXPECT_EQ(usage_error({"loop", "detach", "-P", "/dev/loop1"}), "invalid option -- 'P'");
    EXPECT_EQ(usage_error({"loop", "detach", "--json", "/dev/loop1"}),
              "loop has no output to print as JSON");
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

// ---- Output from canned data

const uint64_t kHost = nsdev::kInitUserNsInode;  // 4026531837
const uint64_t kChild = 4026532119;
const uint64_t kOrphan = 4026532200;

NsNames canned_names() { return NsNames({{kHost, {1, "init"}}, {kChild, {312, "sleep"}}}); }

TEST(NsNames, Labels) {
    const NsNames names = canned_names();
    EXPECT_EQ(names.label(kChild), "4026532119 (pid 312, sleep)");
    EXPECT_EQ(names.label(kOrphan), "4026532200 (no process)");
}

TEST(OutputStatus, TextAndJson) {
    const nsdev::ModuleStatus st{true, "live", 2};
    std::ostringstream text, json, none;
    print_status(text, "nsdevtmpfs", st, {{"loop_limit", "8"}}, false);
    EXPECT_EQ(text.str(),
              "module:      nsdevtmpfs\n"
              "loaded:      yes\n"
              "state:       live\n"
              "refcount:    2\n"
              "parameters:  loop_limit=8\n");
    print_status(json, "nsdevtmpfs", st, {{"loop_limit", "8"}}, true);
    EXPECT_EQ(json.str(),
              "{\n"
              "  \"module\": \"nsdevtmpfs\",\n"
              "  \"loaded\": true,\n"
              "  \"state\": \"live\",\n"
              "  \"refcount\": 2,\n"
              "  \"parameters\": {\n"
              "    \"loop_limit\": \"8\"\n"
              "  }\n"
              "}\n");
    print_status(none, "nsdevtmpfs", {}, {}, true);
    EXPECT_EQ(none.str(),
              "{\n"
              "  \"module\": \"nsdevtmpfs\",\n"
              "  \"loaded\": false,\n"
              "  \"state\": null,\n"
              "  \"refcount\": null,\n"
              "  \"parameters\": {}\n"
              "}\n");
}

TEST(OutputQuery, OwnedDeviceTextAndJson) {
    nsdev::QueryResult q;
    q.state = 2;
    q.owned = true;
    q.depth = 1;
    q.owner_ino = kChild;
    q.assigner_ino = kHost;
    q.name = "loop0";
    std::ostringstream text, json;
    print_query(text, {Type::Block, 7, 0}, q, canned_names(), false);
    EXPECT_EQ(text.str(),
              "device:    b:7:0\n"
              "name:      loop0\n"
              "state:     owned\n"
              "owner:     4026532119 (pid 312, sleep)\n"
              "assigner:  4026531837 (pid 1, init)\n"
              "depth:     1\n");
    print_query(json, {Type::Block, 7, 0}, q, canned_names(), true);
    EXPECT_EQ(json.str(),
              "{\n"
              "  \"device\": \"b:7:0\",\n"
              "  \"type\": \"b\",\n"
              "  \"major\": 7,\n"
              "  \"minor\": 0,\n"
              "  \"name\": \"loop0\",\n"
              "  \"state\": [\n"
              "    \"owned\"\n"
              "  ],\n"
              "  \"global\": false,\n"
              "  \"owned\": true,\n"
              "  \"default\": false,\n"
              "  \"loop\": false,\n"
              "  \"depth\": 1,\n"
              "  \"owner\": {\n"
              "    \"ino\": 4026532119,\n"
              "    \"pid\": 312,\n"
              "    \"comm\": \"sleep\"\n"
              "  },\n"
              "  \"assigner\": {\n"
              "    \"ino\": 4026531837,\n"
              "    \"pid\": 1,\n"
              "    \"comm\": \"init\"\n"
              "  }\n"
              "}\n");
}

TEST(OutputQuery, GlobalDeviceHasNullOwnerAndUnknownBits) {
    nsdev::QueryResult q;
    q.state = 0x1 | 0x4 | 0x20;
    q.global = q.default_content = true;
    q.depth = 1;
    q.assigner_ino = kOrphan;
    q.name = "null";
    std::ostringstream text, json;
    print_query(text, {Type::Char, 1, 3}, q, canned_names(), false);
    EXPECT_NE(text.str().find("state:     global,default,0x20\n"), std::string::npos) << text.str();
    EXPECT_NE(text.str().find("owner:     -\n"), std::string::npos) << text.str();
    EXPECT_NE(text.str().find("assigner:  4026532200 (no process)\n"), std::string::npos)
        << text.str();
    print_query(json, {Type::Char, 1, 3}, q, canned_names(), true);
    EXPECT_NE(json.str().find("  \"global\": true,\n"), std::string::npos) << json.str();
    EXPECT_NE(json.str().find("  \"owner\": null,\n"), std::string::npos) << json.str();
    EXPECT_NE(json.str().find("\"assigner\": {\n    \"ino\": 4026532200,\n    \"pid\": null,\n    "
                              "\"comm\": null\n  }"),
              std::string::npos)
        << json.str();
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

TEST(OutputLs, Text) {
    std::ostringstream out;
    print_ls(out, kDevices, kNamespaces, canned_names(), false);
    EXPECT_EQ(out.str(),
              "TYPE  DEVICE  NAME     FLAGS           OWNER                        ASSIGNER\n"
              "c     1:3     null     global,default  -                            4026531837 (pid "
              "1, init)\n"
              "b     7:0     loop0    owned           4026532119 (pid 312, sleep)  4026531837 (pid "
              "1, init)\n"
              "c     10:200  net/tun  -               4026532200 (no process)      4026532119 (pid "
              "312, sleep)\n"
              "\n"
              "NAMESPACE                    PARENT      LOOPS  LIMIT  VIEWS\n"
              "4026531837 (pid 1, init)     -           0      8      1\n"
              "4026532119 (pid 312, sleep)  4026531837  1      4      0\n");
}

TEST(OutputLs, JsonSchema) {
    std::ostringstream out;
    print_ls(out, {kDevices[0], kDevices[1]}, kNamespaces, canned_names(), true);
    EXPECT_EQ(out.str(),
              "{\n"
              "  \"devices\": [\n"
              "    {\n"
              "      \"type\": \"c\",\n"
              "      \"major\": 1,\n"
              "      \"minor\": 3,\n"
              "      \"name\": \"null\",\n"
              "      \"flags\": [\n"
              "        \"global\",\n"
              "        \"default\"\n"
              "      ],\n"
              "      \"owner\": null,\n"
              "      \"assigner\": {\n"
              "        \"ino\": 4026531837,\n"
              "        \"pid\": 1,\n"
              "        \"comm\": \"init\"\n"
              "      }\n"
              "    },\n"
              "    {\n"
              "      \"type\": \"b\",\n"
              "      \"major\": 7,\n"
              "      \"minor\": 0,\n"
              "      \"name\": \"loop0\",\n"
              "      \"flags\": [\n"
              "        \"owned\"\n"
              "      ],\n"
              "      \"owner\": {\n"
              "        \"ino\": 4026532119,\n"
              "        \"pid\": 312,\n"
              "        \"comm\": \"sleep\"\n"
              "      },\n"
              "      \"assigner\": {\n"
              "        \"ino\": 4026531837,\n"
              "        \"pid\": 1,\n"
              "        \"comm\": \"init\"\n"
              "      }\n"
              "    }\n"
              "  ],\n"
              "  \"namespaces\": [\n"
              "    {\n"
              "      \"ino\": 4026531837,\n"
              "      \"pid\": 1,\n"
              "      \"comm\": \"init\",\n"
              "      \"parent_ino\": null,\n"
              "      \"loops_used\": 0,\n"
              "      \"loop_limit\": 8,\n"
              "      \"views_mounted\": 1\n"
              "    },\n"
              "    {\n"
              "      \"ino\": 4026532119,\n"
              "      \"pid\": 312,\n"
              "      \"comm\": \"sleep\",\n"
              "      \"parent_ino\": 4026531837,\n"
              "      \"loops_used\": 1,\n"
              "      \"loop_limit\": 4,\n"
              "      \"views_mounted\": 0\n"
              "    }\n"
              "  ]\n"
              "}\n");
}

TEST(OutputLs, EmptyListingsStillHaveHeadersAndArrays) {
    std::ostringstream text, json;
    print_ls(text, {}, {}, canned_names(), false);
    EXPECT_EQ(
        text.str(),
        "TYPE  DEVICE  NAME  FLAGS  OWNER  ASSIGNER\n\nNAMESPACE  PARENT  LOOPS  LIMIT  VIEWS\n");
    print_ls(json, {}, {}, canned_names(), true);
    EXPECT_EQ(json.str(), "{\n  \"devices\": [],\n  \"namespaces\": []\n}\n");
}

std::vector<ProbedNamespace> canned_probe() {
    const nsdev::ViewNode null{"null", {Type::Char, 1, 3}, 0666, 0, 0};
    const nsdev::ViewNode tun{"net/tun", {Type::Char, 10, 200}, 0666, 0, 0};
    const nsdev::ViewNode loop0{"loop0", {Type::Block, 7, 0}, 0660, 0, 6};
    return {{"1", kHost, {tun, null}}, {"312", kChild, {loop0, tun, null}}};
}

TEST(OutputProbe, Matrix) {
    std::ostringstream out;
    print_probe(out, canned_probe(), false);
    EXPECT_EQ(out.str(),
              "NAME     DEVICE    host  312\n"
              "loop0    b:7:0     -     x\n"
              "net/tun  c:10:200  x     x\n"
              "null     c:1:3     x     x\n");
}

TEST(OutputProbe, JsonSchema) {
    std::vector<ProbedNamespace> probed = canned_probe();
    probed[0].nodes.clear();
    probed[1].nodes.resize(1);
    probed[1].spec = "/proc/312/ns/user";
    std::ostringstream out;
    print_probe(out, probed, true);
    EXPECT_EQ(out.str(),
              "{\n"
              "  \"namespaces\": [\n"
              "    {\n"
              "      \"ns\": \"1\",\n"
              "      \"ino\": 4026531837,\n"
              "      \"host\": true,\n"
              "      \"devices\": []\n"
              "    },\n"
              "    {\n"
              "      \"ns\": \"/proc/312/ns/user\",\n"
              "      \"ino\": 4026532119,\n"
              "      \"host\": false,\n"
              "      \"devices\": [\n"
              "        {\n"
              "          \"name\": \"loop0\",\n"
              "          \"type\": \"b\",\n"
              "          \"major\": 7,\n"
              "          \"minor\": 0,\n"
              "          \"mode\": \"0660\",\n"
              "          \"uid\": 0,\n"
              "          \"gid\": 6\n"
              "        }\n"
              "      ]\n"
              "    }\n"
              "  ]\n"
              "}\n");
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
// no backing file (listed with --all).
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

TEST(OutputLoop, Flags) {
    const std::vector<nsdev::LoopDevice> loops = canned_loops();
    EXPECT_EQ(loop_flags(loops[0]), std::vector<std::string>{"partscan"});
    EXPECT_EQ(loop_flags(loops[1]), (std::vector<std::string>{"ro", "autoclear", "dio",
                                                              "offset=1048576", "sizelimit=4096"}));
    EXPECT_TRUE(loop_flags(loops[2]).empty());
}

TEST(OutputLoop, Table) {
    std::ostringstream out;
    print_loop_ls(out, canned_loops(), false);
    EXPECT_EQ(out.str(),
              "NAME           BACKING-FILE   FLAGS                                           "
              "PARTITIONS\n"
              "/dev/loop1024  /tmp/disk.img  partscan                                        "
              "loop1024p1,loop1024p2\n"
              "/dev/loop1025  /tmp/my image  ro,autoclear,dio,offset=1048576,sizelimit=4096  -\n"
              "/dev/loop1026  -              -                                               -\n");
    std::ostringstream empty;
    print_loop_ls(empty, {}, false);
    EXPECT_EQ(empty.str(), "NAME  BACKING-FILE  FLAGS  PARTITIONS\n");
}

TEST(OutputLoop, JsonSchema) {
    std::vector<nsdev::LoopDevice> loops = canned_loops();
    loops.erase(loops.begin() + 1);
    std::ostringstream out;
    print_loop_ls(out, loops, true);
    EXPECT_EQ(out.str(),
              "{\n"
              "  \"loopdevices\": [\n"
              "    {\n"
              "      \"name\": \"/dev/loop1024\",\n"
              "      \"index\": 1024,\n"
              "      \"major\": 7,\n"
              "      \"minor\": 1024,\n"
              "      \"backing_file\": \"/tmp/disk.img\",\n"
              "      \"offset\": 0,\n"
              "      \"sizelimit\": 0,\n"
              "      \"read_only\": false,\n"
              "      \"partscan\": true,\n"
              "      \"autoclear\": false,\n"
              "      \"dio\": false,\n"
              "      \"partitions\": [\n"
              "        \"/dev/loop1024p1\",\n"
              "        \"/dev/loop1024p2\"\n"
              "      ]\n"
              "    },\n"
              "    {\n"
              "      \"name\": \"/dev/loop1026\",\n"
              "      \"index\": 1026,\n"
              "      \"major\": 7,\n"
              "      \"minor\": 1026,\n"
              "      \"backing_file\": null,\n"
              "      \"offset\": 0,\n"
              "      \"sizelimit\": 0,\n"
              "      \"read_only\": false,\n"
              "      \"partscan\": false,\n"
              "      \"autoclear\": false,\n"
              "      \"dio\": false,\n"
              "      \"partitions\": []\n"
              "    }\n"
              "  ]\n"
              "}\n");
    std::ostringstream empty;
    print_loop_ls(empty, {}, true);
    EXPECT_EQ(empty.str(), "{\n  \"loopdevices\": []\n}\n");
}

TEST(OutputLoop, JsonEscapesBackingFile) {
    nsdev::LoopDevice d = canned_loop(1024);
    d.attached = true;
    d.backing_file = "/tmp/a \"b\"\n";
    std::ostringstream out;
    print_loop_ls(out, {d}, true);
    EXPECT_NE(out.str().find("\"backing_file\": \"/tmp/a \\\"b\\\"\\n\",\n"), std::string::npos)
        << out.str();
}

TEST(OutputTable, PadsAllButTheLastColumn) {
    EXPECT_EQ(format_table({{"A", "BB", "C"}, {"aaa", "b", "c"}}), "A    BB  C\naaa  b   c\n");
}

}  // namespace
}  // namespace nsdevctl
