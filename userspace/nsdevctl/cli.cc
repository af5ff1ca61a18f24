// Command-line parsing and help texts of nsdevctl.
#include "cli.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <optional>

#include "nsdev/device.h"

namespace nsdevctl {
namespace {

// ---- Help texts, one per command; the overview lists them all.

const char kOverview[] =
    "Usage:\n"
    " nsdevctl [--control PATH] COMMAND [OPTIONS] [ARGUMENTS]\n"
    "\n"
    "Manage nsdevtmpfs: per-user-namespace /dev views, device ownership and\n"
    "namespaces to run commands in.\n"
    "\n"
    "Commands:\n"
    " load [PATH] [PARAM=VALUE]...   load the module (by name, or from PATH)\n"
    " unload                         unload the module\n"
    " status [--json]                is the module loaded, its parameters\n"
    " assign DEVICE --ns NS          give a device to a user namespace\n"
    " assign DEVICE --global         show a device in every view\n"
    " revoke DEVICE                  undo the last assignment of a device\n"
    " query DEVICE [--json]          who owns a device\n"
    " limit --ns NS --loops N        cap a namespace's delegated loop devices\n"
    " ls [--json]                    every assigned device and namespace\n"
    " run [OPTIONS] [--] CMD [ARG]...  run CMD in a new user namespace with its view\n"
    " probe [--json] NS...           which devices each namespace sees\n"
    " loop attach|detach|ls          loop devices (delegated ones inside a view)\n"
    " help [COMMAND]                 this text, or a command's\n"
    "\n"
    "DEVICE is a device node path (/dev/sdb) or b:MAJOR:MINOR / c:MAJOR:MINOR.\n"
    "NS is a pid or an nsfs path (/proc/PID/ns/user).\n"
    "\n"
    "Global options:\n"
    " --control PATH   the control device (default /dev/nsdevtmpfs-control;\n"
    "                  inside a view, the same path)\n"
    " -J, --json       JSON output, for the commands that print something\n"
    " -h, --help       display help (nsdevctl COMMAND --help for a command)\n"
    " -V, --version    display version\n"
    "\n"
    "Exit status: 0 success, 1 operational error, 2 usage error;\n"
    "run exits with the command's status.\n"
    "\n"
    "See nsdevctl(8).\n";

const std::map<std::string, std::string>& command_help() {
    static const std::map<std::string, std::string> help = {
        {"load",
         "Usage:\n"
         " nsdevctl load [PATH] [PARAM=VALUE]...\n"
         "\n"
         "Load the nsdevtmpfs module through libkmod: without PATH, found by name\n"
         "in /lib/modules/$(uname -r) and inserted with its dependencies (like\n"
         "modprobe); with PATH, that .ko file (like insmod). A module already\n"
         "loaded is an error (its parameters would not apply).\n"
         "\n"
         "Parameters:\n"
         " loop_limit=N   default per-namespace limit of delegated loop devices\n"},
        {"unload",
         "Usage:\n"
         " nsdevctl unload\n"
         "\n"
         "Unload the nsdevtmpfs module (fails with EBUSY while views are mounted).\n"},
        {"status",
         "Usage:\n"
         " nsdevctl status [--json]\n"
         "\n"
         "Show whether the nsdevtmpfs module is loaded, its state, reference count\n"
         "and parameters (/sys/module/nsdevtmpfs/parameters). Exits 0 either way.\n"
         "\n"
         "Options:\n"
         " -J, --json   one JSON object on stdout\n"},
        {"assign",
         "Usage:\n"
         " nsdevctl assign DEVICE --ns NS\n"
         " nsdevctl assign DEVICE --global\n"
         "\n"
         "Make DEVICE owned by the user namespace NS (it appears in that\n"
         "namespace's view only), or global (in every view; root of the initial\n"
         "namespace only). Root of a namespace may pass a device it owns on to a\n"
         "descendant.\n"
         "\n"
         "Options:\n"
         " --ns NS          the namespace: a pid or an nsfs path\n"
         " --global         every view\n"
         " --control PATH   the control device\n"},
        {"revoke",
         "Usage:\n"
         " nsdevctl revoke DEVICE\n"
         "\n"
         "Undo the current assignment of DEVICE: it goes back to the namespace\n"
         "that assigned it, or becomes invisible if the initial namespace did.\n"
         "\n"
         "Options:\n"
         " --control PATH   the control device\n"},
        {"query",
         "Usage:\n"
         " nsdevctl query DEVICE [--json]\n"
         "\n"
         "Show the registry entry of DEVICE: its name, state (global, owned,\n"
         "default, loop), owner and assigner namespaces (with a process in each)\n"
         "and the depth of stacked assignments.\n"
         "\n"
         "Options:\n"
         " -J, --json       one JSON object on stdout\n"
         " --control PATH   the control device\n"},
        {"limit",
         "Usage:\n"
         " nsdevctl limit --ns NS --loops N\n"
         "\n"
         "Set how many delegated loop devices the namespace NS and all its\n"
         "descendants together may hold.\n"
         "\n"
         "Options:\n"
         " --ns NS          the namespace: a pid or an nsfs path\n"
         " --loops N        the limit\n"
         " --control PATH   the control device\n"},
        {"ls",
         "Usage:\n"
         " nsdevctl ls [--json]\n"
         "\n"
         "List every global or owned device and every namespace the module\n"
         "tracks (/proc/nsdevtmpfs/devices and namespaces), with each namespace\n"
         "inode resolved to a process in it: \"4026532119 (pid 312, sh)\", or\n"
         "\"(no process)\". A caller sees its own namespace and its descendants.\n"
         "\n"
         "Options:\n"
         " -J, --json   one JSON object on stdout\n"},
        {"run",
         "Usage:\n"
         " nsdevctl run [OPTIONS] [--] CMD [ARG]...\n"
         "\n"
         "Run CMD in a new user namespace and mount namespace as its root, with\n"
         "the namespace's view mounted on /dev, a new devpts on /dev/pts and a\n"
         "tmpfs on /dev/shm. Exits with CMD's status (128+N if signal N killed it).\n"
         "\n"
         "Options:\n"
         " --map u:INSIDE:OUTSIDE:COUNT   a uid range (repeatable)\n"
         " --map g:INSIDE:OUTSIDE:COUNT   a gid range (repeatable)\n"
         " --map-file FILE   ranges from lxc lines (u 0 100000 65536) or a libvirt\n"
         "                   <idmap> element (repeatable)\n"
         " --subuid          write the maps with newuidmap/newgidmap, within your\n"
         "                   ranges in /etc/subuid and /etc/subgid\n"
         " --no-view         keep the host's /dev (no view, devpts or shm mounts)\n"
         "\n"
         "Maps given for only uids (or only gids) are used for both. Without maps:\n"
         "as root, 0 100000 65536; with --subuid, your subordinate ranges, root at\n"
         "the first; otherwise, root is your own uid and gid (count 1). Maps must\n"
         "not overlap inside or outside and must map root.\n"},
        {"probe",
         "Usage:\n"
         " nsdevctl probe [--json] NS...\n"
         "\n"
         "For each namespace (a pid or an nsfs path), mount its view from inside\n"
         "it on a private temporary directory and list the device nodes; print a\n"
         "table with a row per device name and a column per namespace (\"host\" for\n"
         "the initial one), x where the namespace sees the device. Needs\n"
         "CAP_SYS_ADMIN in each namespace (root can probe any).\n"
         "\n"
         "Options:\n"
         " -J, --json   one JSON object on stdout, with each node's mode and owner\n"},
        {"loop",
         "Usage:\n"
         " nsdevctl loop attach [--partscan] [--read-only] FILE\n"
         " nsdevctl loop detach DEVICE\n"
         " nsdevctl loop ls [--all] [--json]\n"
         "\n"
         "Loop devices of the current namespace, through the loop-control of its\n"
         "/dev. Inside a view (nsdevctl run, or nsenter -U -m into one) that is the\n"
         "module's delegation device: devices numbered from 1024, owned by the\n"
         "namespace, counted against its limit (nsdevctl limit), usable by its root.\n"
         "On the host it is the loop driver's own. losetup is not needed.\n"
         "\n"
         " attach   attach FILE to a free loop device and print the device\n"
         "          (/dev/loopN); it stays attached until detached\n"
         " detach   detach DEVICE, a node path or b:7:N; the driver clears it on its\n"
         "          last close, and a delegated number is given back\n"
         " ls       the attached loop devices of /dev: NAME BACKING-FILE FLAGS\n"
         "          (ro, partscan, autoclear, dio, offset=N, sizelimit=N) PARTITIONS\n"
         "\n"
         "Options:\n"
         " -P, --partscan   (attach) scan the new device for partitions (/dev/loopNpM)\n"
         " -r, --read-only  (attach) attach read-only\n"
         " -a, --all        (ls) also the loop nodes with no backing file\n"
         " -J, --json       (ls) one JSON object on stdout\n"},
        {"help",
         "Usage:\n"
         " nsdevctl help [COMMAND]\n"
         "\n"
         "Display help on nsdevctl or one of its commands.\n"},
    };
    return help;
}

// ---- A small getopt_long: per-command option tables, no global state.

enum Opt {
    kOptHelp,
    kOptVersion,
    kOptControl,
    kOptJson,
    kOptNs,
    kOptGlobal,
    kOptLoops,
    kOptMap,
    kOptMapFile,
    kOptSubuid,
    kOptNoView,
    kOptView,
    kOptPartscan,
    kOptReadOnly,
    kOptAll,
};

struct OptSpec {
    const char* long_name;
    char short_name;  // 0: none
    bool has_arg;
    Opt id;
};

const OptSpec kGlobalOpts[] = {
    {"help", 'h', false, kOptHelp},
    {"version", 'V', false, kOptVersion},
    {"control", 0, true, kOptControl},
    {"json", 'J', false, kOptJson},
};

struct Option {
    Opt id;
    std::string name;  // "--ns", as it will be named in messages
    std::string value;
};

struct Parsed {
    std::vector<Option> options;
    std::vector<std::string> operands;
};

// Parses args[@pos..]. @stop_at_operand: the first operand and everything
// after it are operands (run's CMD).
Parsed parse_options(const std::vector<std::string>& args, size_t pos,
                     const std::vector<OptSpec>& specs, const std::string& command,
                     bool stop_at_operand) {
    Parsed p;
    auto find_long = [&](const std::string& name) -> const OptSpec* {
        for (const OptSpec& s : specs)
            if (name == s.long_name) return &s;
        return nullptr;
    };
    auto find_short = [&](char c) -> const OptSpec* {
        for (const OptSpec& s : specs)
            if (s.short_name && c == s.short_name) return &s;
        return nullptr;
    };
    for (; pos < args.size(); ++pos) {
        const std::string& a = args[pos];
        if (a == "--") {
            p.operands.insert(p.operands.end(), args.begin() + static_cast<long>(pos) + 1,
                              args.end());
            return p;
        }
        if (a.size() > 2 && a.compare(0, 2, "--") == 0) {
            const size_t eq = a.find('=');
            const std::string name = a.substr(2, eq == std::string::npos ? eq : eq - 2);
            const OptSpec* s = find_long(name);
            if (!s) throw UsageError("unrecognized option '--" + name + "'", command);
            Option o{s->id, "--" + name, ""};
            if (s->has_arg) {
                if (eq != std::string::npos) {
                    o.value = a.substr(eq + 1);
                } else if (pos + 1 < args.size()) {
                    o.value = args[++pos];
                } else {
                    throw UsageError("option '--" + name + "' requires an argument", command);
                }
            } else if (eq != std::string::npos) {
                throw UsageError("option '--" + name + "' doesn't allow an argument", command);
            }
            p.options.push_back(std::move(o));
            continue;
        }
        if (a.size() > 1 && a[0] == '-') {
            // Grouped short options: -JP; one taking an argument ends the
            // group (-mVALUE or -m VALUE).
            for (size_t k = 1; k < a.size(); ++k) {
                const OptSpec* s = find_short(a[k]);
                if (!s) throw UsageError(std::string("invalid option -- '") + a[k] + "'", command);
                Option o{s->id, std::string("-") + a[k], ""};
                if (s->has_arg) {
                    if (k + 1 < a.size()) {
                        o.value = a.substr(k + 1);
                    } else if (pos + 1 < args.size()) {
                        o.value = args[++pos];
                    } else {
                        throw UsageError(
                            std::string("option requires an argument -- '") + a[k] + "'", command);
                    }
                    p.options.push_back(std::move(o));
                    break;
                }
                p.options.push_back(std::move(o));
            }
            continue;
        }
        if (stop_at_operand) {
            p.operands.insert(p.operands.end(), args.begin() + static_cast<long>(pos), args.end());
            return p;
        }
        p.operands.push_back(a);
    }
    return p;
}

std::vector<OptSpec> with_globals(std::vector<OptSpec> specs) {
    specs.insert(specs.end(), std::begin(kGlobalOpts), std::end(kGlobalOpts));
    return specs;
}

// Applies the global options among @p.options to @c; false if --help was
// among them. Rejects --json for commands that print nothing to format.
void apply_globals(const Parsed& p, Command& c, const std::string& command, bool json_ok) {
    for (const Option& o : p.options) {
        switch (o.id) {
            case kOptHelp:
                c.verb = Verb::Help;
                c.help_topic = command;
                return;
            case kOptVersion:
                c.verb = Verb::Version;
                return;
            case kOptControl:
                if (o.value.empty()) throw UsageError("--control needs a path", command);
                c.control = o.value;
                break;
            case kOptJson:
                if (!json_ok)
                    throw UsageError(command + " has no output to print as JSON", command);
                c.json = true;
                break;
            default:
                break;
        }
    }
}

bool wants_help(const Parsed& p) {
    return std::any_of(p.options.begin(), p.options.end(),
                       [](const Option& o) { return o.id == kOptHelp || o.id == kOptVersion; });
}

// Every option of @p with id @id, checking it is given at most once.
const Option* single(const Parsed& p, Opt id, const std::string& command) {
    const Option* found = nullptr;
    for (const Option& o : p.options) {
        if (o.id != id) continue;
        if (found) throw UsageError("option '" + o.name + "' given more than once", command);
        found = &o;
    }
    return found;
}

void expect_operands(const Parsed& p, size_t min, size_t max, const std::string& command,
                     const char* what) {
    if (p.operands.size() < min) throw UsageError(std::string("missing ") + what, command);
    if (p.operands.size() > max)
        throw UsageError("unexpected argument '" + p.operands[max] + "'", command);
}

// A DEVICE operand: the number forms are checked now; a path later (stat).
std::string device_operand(const std::string& spec, const std::string& command) {
    if (spec.empty()) throw UsageError("empty DEVICE", command);
    if (spec.find('/') == std::string::npos && spec.find(':') != std::string::npos) {
        try {
            nsdev::parse_device(spec);
        } catch (const std::invalid_argument& e) {
            throw UsageError(e.what(), command);
        }
    }
    return spec;
}

std::string ns_value(const Option& o, const std::string& command) {
    if (o.value.empty())
        throw UsageError("option '" + o.name + "' needs a pid or an nsfs path", command);
    return o.value;
}

unsigned number_value(const Option& o, const std::string& command) {
    unsigned v = 0;
    const char* b = o.value.data();
    const char* e = b + o.value.size();
    auto [ptr, ec] = std::from_chars(b, e, v, 10);
    if (o.value.empty() || ec != std::errc() || ptr != e ||
        o.value.find_first_not_of("0123456789") != std::string::npos)
        throw UsageError(
            "invalid number '" + o.value + "' for option '" + o.name + "' (expected 0-4294967295)",
            command);
    return v;
}

// ---- One function per command: options, operands, conflicts.

void parse_load(const Parsed& p, Command& c) {
    expect_operands(p, 0, SIZE_MAX, "load", "");
    for (size_t i = 0; i < p.operands.size(); ++i) {
        const std::string& a = p.operands[i];
        if (i == 0 && a.find('=') == std::string::npos) {
            c.module_path = a;
            continue;
        }
        if (a.find('=') == std::string::npos || a.front() == '=')
            throw UsageError("module parameter '" + a + "' is not PARAM=VALUE", "load");
        c.module_params.push_back(a);
    }
}

void parse_assign(const Parsed& p, Command& c) {
    expect_operands(p, 1, 1, "assign", "DEVICE");
    c.device = device_operand(p.operands[0], "assign");
    const Option* ns = single(p, kOptNs, "assign");
    const Option* global = single(p, kOptGlobal, "assign");
    if (ns && global) throw UsageError("--ns and --global are mutually exclusive", "assign");
    if (!ns && !global) throw UsageError("missing --ns NS or --global", "assign");
    if (ns) c.ns = ns_value(*ns, "assign");
    c.global = global != nullptr;
}

void parse_limit(const Parsed& p, Command& c) {
    expect_operands(p, 0, 0, "limit", "");
    const Option* ns = single(p, kOptNs, "limit");
    const Option* loops = single(p, kOptLoops, "limit");
    if (!ns) throw UsageError("missing --ns NS", "limit");
    if (!loops) throw UsageError("missing --loops N", "limit");
    c.ns = ns_value(*ns, "limit");
    c.loops = number_value(*loops, "limit");
}

void parse_run(const Parsed& p, Command& c) {
    for (const Option& o : p.options) {
        switch (o.id) {
            case kOptMap:
                try {
                    nsdev::IdMapOption m = nsdev::parse_map_option(o.value);
                    c.maps.of(m.kind).push_back(m.range);
                } catch (const nsdev::IdMapError& e) {
                    throw UsageError(e.what(), "run");
                }
                break;
            case kOptMapFile:
                if (o.value.empty()) throw UsageError("option '--map-file' needs a file", "run");
                c.map_files.push_back(o.value);
                break;
            case kOptSubuid:
                c.subuid = true;
                break;
            case kOptNoView:
                c.no_view = true;
                break;
            default:
                break;
        }
    }
    const bool view = std::any_of(p.options.begin(), p.options.end(),
                                  [](const Option& o) { return o.id == kOptView; });
    if (view && c.no_view) throw UsageError("--view and --no-view are mutually exclusive", "run");
    if (p.operands.empty()) throw UsageError("missing CMD", "run");
    c.argv = p.operands;
    // Maps from files join later; a complete set from --map alone is
    // checked now, so a mistake typed on the command line is a usage error.
    if (!c.maps.empty() && c.map_files.empty()) {
        fill_missing_map(c.maps);
        try {
            c.maps = nsdev::normalize_id_mapping(c.maps);
        } catch (const nsdev::IdMapError& e) {
            throw UsageError(e.what(), "run");
        }
    }
}

void parse_loop(const std::vector<std::string>& args, size_t pos, Command& c) {
    if (pos >= args.size()) throw UsageError("missing subcommand (attach, detach or ls)", "loop");
    const std::string sub = args[pos];
    if (sub == "--help" || sub == "-h") {
        c.verb = Verb::Help;
        c.help_topic = "loop";
        return;
    }
    std::vector<OptSpec> specs;
    if (sub == "attach")
        specs = {{"partscan", 'P', false, kOptPartscan}, {"read-only", 'r', false, kOptReadOnly}};
    else if (sub == "ls")
        specs = {{"all", 'a', false, kOptAll}};
    else if (sub != "detach")
        throw UsageError("unknown loop subcommand '" + sub + "' (expected attach, detach or ls)",
                         "loop");
    const Parsed p = parse_options(args, pos + 1, with_globals(specs), "loop", false);
    if (wants_help(p)) return apply_globals(p, c, "loop", true);
    apply_globals(p, c, "loop", sub == "ls");
    if (sub == "attach") {
        c.verb = Verb::LoopAttach;
        expect_operands(p, 1, 1, "loop", "FILE");
        c.file = p.operands[0];
        c.partscan = single(p, kOptPartscan, "loop") != nullptr;
        c.read_only = single(p, kOptReadOnly, "loop") != nullptr;
    } else if (sub == "detach") {
        c.verb = Verb::LoopDetach;
        expect_operands(p, 1, 1, "loop", "DEVICE");
        c.device = device_operand(p.operands[0], "loop");
    } else {
        c.verb = Verb::LoopLs;
        expect_operands(p, 0, 0, "loop", "");
        c.all = single(p, kOptAll, "loop") != nullptr;
    }
}

struct CommandSpec {
    const char* name;
    Verb verb;
    std::vector<OptSpec> options;
    bool json;
};

const std::vector<CommandSpec>& commands() {
    static const std::vector<CommandSpec> specs = {
        {"load", Verb::Load, {}, false},
        {"unload", Verb::Unload, {}, false},
        {"status", Verb::Status, {}, true},
        {"assign",
         Verb::Assign,
         {{"ns", 0, true, kOptNs}, {"global", 0, false, kOptGlobal}},
         false},
        {"revoke", Verb::Revoke, {}, false},
        {"query", Verb::Query, {}, true},
        {"limit", Verb::Limit, {{"ns", 0, true, kOptNs}, {"loops", 0, true, kOptLoops}}, false},
        {"ls", Verb::Ls, {}, true},
        {"run",
         Verb::Run,
         {{"map", 0, true, kOptMap},
          {"map-file", 0, true, kOptMapFile},
          {"subuid", 0, false, kOptSubuid},
          {"no-view", 0, false, kOptNoView},
          {"view", 0, false, kOptView}},
         false},
        {"probe", Verb::Probe, {}, true},
    };
    return specs;
}

}  // namespace

void fill_missing_map(nsdev::IdMapping& maps) {
    if (maps.uid.empty()) maps.uid = maps.gid;
    if (maps.gid.empty()) maps.gid = maps.uid;
}

Command parse_command_line(const std::vector<std::string>& args) {
    Command c;
    // Global options before the command.
    size_t pos = 0;
    std::vector<std::string> globals;
    while (pos < args.size() && args[pos].size() > 1 && args[pos][0] == '-' && args[pos] != "--") {
        globals.push_back(args[pos]);
        if (args[pos] == "--control" && pos + 1 < args.size()) globals.push_back(args[++pos]);
        ++pos;
    }
    const Parsed g = parse_options(globals, 0, with_globals({}), "", false);
    apply_globals(g, c, "", true);
    if (wants_help(g)) return c;
    if (pos < args.size() && args[pos] == "--") ++pos;
    if (pos >= args.size()) throw UsageError("missing command", "");

    const std::string name = args[pos++];
    if (name == "help") {
        if (pos + 1 < args.size())
            throw UsageError("unexpected argument '" + args[pos + 1] + "'", "help");
        c.verb = Verb::Help;
        c.help_topic = pos < args.size() ? args[pos] : "";
        if (c.help_topic == "--help" || c.help_topic == "-h") c.help_topic = "help";
        if (!c.help_topic.empty() && help_text(c.help_topic).empty())
            throw UsageError("unknown command '" + c.help_topic + "'", "");
        return c;
    }
    if (name == "loop") {
        const bool json_before = c.json;
        parse_loop(args, pos, c);
        if (json_before && c.verb != Verb::LoopLs && c.verb != Verb::Help)
            throw UsageError("loop " + args[pos] + " has no output to print as JSON", "loop");
        return c;
    }
    const auto it = std::find_if(commands().begin(), commands().end(),
                                 [&](const CommandSpec& s) { return name == s.name; });
    if (it == commands().end()) throw UsageError("unknown command '" + name + "'", "");
    const CommandSpec& spec = *it;
    if (c.json && !spec.json) throw UsageError(name + " has no output to print as JSON", name);

    const Parsed p =
        parse_options(args, pos, with_globals(spec.options), name, spec.verb == Verb::Run);
    if (wants_help(p)) {
        apply_globals(p, c, name, true);
        return c;
    }
    apply_globals(p, c, name, spec.json);
    c.verb = spec.verb;
    switch (spec.verb) {
        case Verb::Load:
            parse_load(p, c);
            break;
        case Verb::Unload:
        case Verb::Status:
        case Verb::Ls:
            expect_operands(p, 0, 0, name, "");
            break;
        case Verb::Assign:
            parse_assign(p, c);
            break;
        case Verb::Revoke:
        case Verb::Query:
            expect_operands(p, 1, 1, name, "DEVICE");
            c.device = device_operand(p.operands[0], name);
            break;
        case Verb::Limit:
            parse_limit(p, c);
            break;
        case Verb::Run:
            parse_run(p, c);
            break;
        case Verb::Probe:
            expect_operands(p, 1, SIZE_MAX, name, "NS (a pid or an nsfs path)");
            for (const std::string& ns : p.operands)
                if (ns.empty()) throw UsageError("empty NS", name);
            c.namespaces = p.operands;
            break;
        default:
            break;
    }
    return c;
}

std::string help_text(const std::string& command) {
    if (command.empty()) return kOverview;
    const auto& help = command_help();
    const auto it = help.find(command);
    return it == help.end() ? "" : it->second;
}

}  // namespace nsdevctl
