// Command-line parsing and help texts of nsdevctl.
#include "cli.h"

#include <getopt.h>
#include <linux/nsdevtmpfs.h>

#include <algorithm>
#include <charconv>
#include <cstring>
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
    " status                         is the module loaded, its parameters\n"
    " assign DEVICE --ns NS          give a device to a user namespace\n"
    " assign DEVICE --global         show a device in every view\n"
    " revoke [--force] DEVICE        undo the last assignment of a device\n"
    " query DEVICE...                who owns a device\n"
    " limit --ns NS --loops N        cap a namespace's delegated loop devices\n"
    " ls [--namespaces]              every assigned device, or every namespace\n"
    " run [OPTIONS] [--] CMD [ARG]...  run CMD in a new user namespace with its view\n"
    " probe [LABEL=]NS...            which devices each namespace sees\n"
    " loop attach|detach|ls          loop devices (delegated ones inside a view)\n"
    " help [COMMAND]                 this text, or a command's\n"
    "\n"
    "DEVICE is a device node path (/dev/sdb) or b:MAJOR:MINOR / c:MAJOR:MINOR.\n"
    "NS is a pid or an nsfs path (/proc/PID/ns/user).\n"
    "\n"
    "Global options:\n"
    " --control PATH   the control device (default /dev/nsdevtmpfs-control;\n"
    "                  inside a view, the same path)\n"
    " -h, --help       display help (nsdevctl COMMAND --help for a command)\n"
    " -V, --version    display version\n"
    "\n"
    "Output options of status, query, ls, probe and loop ls:\n"
    " -J, --json          JSON output: one array under a named key\n"
    " -n, --noheadings    don't print headings\n"
    " -o, --output COLS   the columns to print (+COLS: the defaults and COLS)\n"
    "     --raw           raw output format\n"
    "\n"
    "Exit status: 0 success, 1 operational error, 2 usage error;\n"
    "run exits with the command's status.\n"
    "\n"
    "See nsdevctl(8).\n";

const char kOutputOptions[] =
    "\n"
    "Output options:\n"
    " -J, --json          use JSON output format\n"
    " -n, --noheadings    don't print headings\n"
    " -o, --output COLS   the columns to print (+COLS: the defaults and COLS)\n"
    "     --raw           use raw output format\n";

// The parameters of nsdevtmpfs.ko, as main.c and loopctl.c declare them.
struct ModuleParam {
    const char* name;
    const char* help;
};
const ModuleParam kModuleParams[] = {
    {"loop_limit", "default per-namespace limit of delegated loop devices (8)"},
    {"loop_limit_per_user", "delegated loop devices one user's namespaces may hold (16)"},
    {"loop_index_base", "first loop number handed to namespaces (1024)"},
};

std::string load_help() {
    std::string s =
        "Usage:\n"
        " nsdevctl load [PATH] [PARAM=VALUE]...\n"
        "\n"
        "Load the nsdevtmpfs module through libkmod: without PATH, found by name\n"
        "in /lib/modules/$(uname -r) and inserted with its dependencies (like\n"
        "modprobe); with PATH, that .ko file (like insmod). A module already\n"
        "loaded is an error (its parameters would not apply). Values are\n"
        "decimal numbers; the module checks their ranges (dmesg says why it\n"
        "refused one).\n"
        "\n"
        "Parameters:\n";
    for (const ModuleParam& p : kModuleParams) {
        std::string name = std::string(" ") + p.name + "=N";
        name.resize(std::max<size_t>(name.size() + 2, 26), ' ');
        s += name + p.help + "\n";
    }
    s += "\nloop_index_base must be in " + std::to_string(NSDEVTMPFS_LOOP_INDEX_BASE_MIN) + "-" +
         std::to_string(NSDEVTMPFS_LOOP_INDEX_BASE_MAX) +
         ": below, namespaces' loop\nnumbers would be ones the host's losetup takes.\n";
    return s;
}

std::string listing_help(const char* text, Listing l) {
    return std::string(text) + kOutputOptions + columns_help(l);
}

const std::map<std::string, std::string>& command_help() {
    static const std::map<std::string, std::string> help = {
        {"load", load_help()},
        {"unload",
         "Usage:\n"
         " nsdevctl unload\n"
         "\n"
         "Unload the nsdevtmpfs module. It fails with EAGAIN while views are\n"
         "mounted (the namespaces that mount them are named) and with EBUSY while\n"
         "a control or loop-control file is open.\n"},
        {"status", listing_help("Usage:\n"
                                " nsdevctl status [OPTIONS]\n"
                                "\n"
                                "Show whether the nsdevtmpfs module is loaded, its state, reference\n"
                                "count and parameters (/sys/module/nsdevtmpfs/parameters). Exits 0\n"
                                "either way.\n",
                                Listing::Status)},
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
         " nsdevctl revoke [--force] DEVICE\n"
         "\n"
         "Undo the current assignment of DEVICE: it goes back to the namespace\n"
         "that assigned it, or becomes invisible if the initial namespace did.\n"
         "A device passed down to a descendant has no node in the caller's view\n"
         "any more: /dev/NAME is then looked up by name in /proc/nsdevtmpfs/devices\n"
         "(or give its number, b:7:1024).\n"
         "\n"
         "Options:\n"
         " -f, --force      also revoke a default device (null, zero, full, random,\n"
         "                  urandom, tty, loop-control, ...): without it, EPERM,\n"
         "                  since every view would lose it\n"
         " --control PATH   the control device\n"},
        {"query", listing_help("Usage:\n"
                               " nsdevctl query [OPTIONS] DEVICE...\n"
                               "\n"
                               "Show the registry entry of each DEVICE: its name, state (global,\n"
                               "owned, default, loop), owner and assigner namespaces (with a process\n"
                               "in the owner) and the depth of stacked assignments.\n",
                               Listing::Devices)},
        {"limit",
         "Usage:\n"
         " nsdevctl limit --ns NS --loops N\n"
         "\n"
         "Set how many delegated loop devices the namespace NS and all its\n"
         "descendants together may hold.\n"
         "\n"
         "Options:\n"
         " --ns NS          the namespace: a pid or an nsfs path\n"
         " --loops N        the limit, 0-" +
             std::to_string(NSDEVTMPFS_MAX_LOOP_LIMIT) +
             "\n"
             " --control PATH   the control device\n"},
        {"ls", listing_help("Usage:\n"
                            " nsdevctl ls [OPTIONS]\n"
                            " nsdevctl ls --namespaces [OPTIONS]\n"
                            "\n"
                            "List every global or owned device (/proc/nsdevtmpfs/devices), or\n"
                            "with --namespaces every namespace the module tracks\n"
                            "(/proc/nsdevtmpfs/namespaces). Namespaces are nsfs inode numbers\n"
                            "(4026531837 is the host's, the initial one), with the lowest pid\n"
                            "found in each. A caller sees its own namespace and its descendants.\n"
                            "\n"
                            "Options:\n"
                            " -N, --namespaces    list namespaces, not devices\n",
                            Listing::Devices) +
                   columns_help(Listing::Namespaces, "Available --namespaces columns")},
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
        {"probe", listing_help("Usage:\n"
                               " nsdevctl probe [OPTIONS] [LABEL=]NS...\n"
                               "\n"
                               "For each namespace (a pid or an nsfs path), mount its view from inside\n"
                               "it on a private temporary directory and list the device nodes; print a\n"
                               "table with a row per device name and a column per namespace (LABEL if\n"
                               "given, else \"host\" for the initial one or NS as given), x where the\n"
                               "namespace sees the device (true in\n"
                               "JSON). Needs CAP_SYS_ADMIN in each namespace (root can probe any).\n"
                               "-o selects among the columns below; the namespace columns follow.\n",
                               Listing::Probe)},
        {"loop", listing_help(
                     "Usage:\n"
                     " nsdevctl loop attach [--partscan] [--read-only] FILE\n"
                     " nsdevctl loop detach DEVICE\n"
                     " nsdevctl loop ls [--with-free] [OPTIONS]\n"
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
                     "          last close, and a delegated number is given back (if something\n"
                     "          else still has it open, that is later: nsdevctl says who)\n"
                     " ls       the attached loop devices of /dev (losetup --list's columns)\n"
                     "\n"
                     "Options:\n"
                     " -P, --partscan   (attach) scan the new device for partitions (/dev/loopNpM)\n"
                     " -r, --read-only  (attach) attach read-only\n"
                     " -a, --all        (ls) the attached devices, as losetup -a (the default)\n"
                     "     --with-free  (ls) also the loop nodes with no backing file\n",
                     Listing::Loops)},
        {"help",
         "Usage:\n"
         " nsdevctl help [COMMAND]\n"
         "\n"
         "Display help on nsdevctl or one of its commands.\n"},
    };
    return help;
}

// ---- getopt_long(3), one option table per command.

enum Opt : int {
    kOptHelp = 'h',
    kOptVersion = 'V',
    kOptJson = 'J',
    kOptNoHeadings = 'n',
    kOptOutput = 'o',
    kOptPartscan = 'P',
    kOptReadOnly = 'r',
    kOptAll = 'a',
    kOptForce = 'f',
    kOptNamespaces = 'N',
    // Long only: values no option character can have.
    kOptControl = 256,
    kOptRaw,
    kOptNs,
    kOptGlobal,
    kOptLoops,
    kOptMap,
    kOptMapFile,
    kOptSubuid,
    kOptNoView,
    kOptView,
    kOptWithFree,
};

struct OptSpec {
    const char* long_name;
    int has_arg;  // no_argument, required_argument
    int id;       // the short option character, or a long-only kOpt*
};

const std::vector<OptSpec> kGlobalOpts = {
    {"help", no_argument, kOptHelp},
    {"version", no_argument, kOptVersion},
    {"control", required_argument, kOptControl},
};

const std::vector<OptSpec> kOutputOpts = {
    {"json", no_argument, kOptJson},
    {"noheadings", no_argument, kOptNoHeadings},
    {"output", required_argument, kOptOutput},
    {"raw", no_argument, kOptRaw},
};

bool is_output_option(int id) {
    return std::any_of(kOutputOpts.begin(), kOutputOpts.end(),
                       [id](const OptSpec& s) { return s.id == id; });
}

struct Option {
    int id;
    std::string name;  // "--ns" or "-J", as it will be named in messages
    std::string value;
};

struct Parsed {
    std::vector<Option> options;
    std::vector<std::string> operands;
};

const OptSpec* spec_of(const std::vector<OptSpec>& specs, int id) {
    for (const OptSpec& s : specs)
        if (s.id == id) return &s;
    return nullptr;
}

// The message for a long option getopt_long refused: unknown, ambiguous
// (an abbreviation of two), or given a value it does not take.
std::string bad_long_option(const std::vector<OptSpec>& specs, const std::string& arg) {
    const size_t eq = arg.find('=');
    const std::string name = arg.substr(2, eq == std::string::npos ? eq : eq - 2);
    std::vector<std::string> matches;
    for (const OptSpec& s : specs) {
        if (name == s.long_name) {
            if (s.has_arg == no_argument && eq != std::string::npos)
                return "option '--" + name + "' doesn't allow an argument";
            return "unrecognized option '" + arg + "'";
        }
        if (std::strncmp(s.long_name, name.c_str(), name.size()) == 0)
            matches.push_back(std::string("'--") + s.long_name + "'");
    }
    if (matches.size() > 1) {
        std::string list;
        for (const std::string& m : matches) list += " " + m;
        return "option '--" + name + "' is ambiguous; possibilities:" + list;
    }
    if (matches.size() == 1 && eq != std::string::npos)
        return "option " + matches[0] + " doesn't allow an argument";
    return "unrecognized option '--" + name + "'";
}

// Parses args[@pos..] with getopt_long. @stop_at_operand: the first
// operand and everything after it are operands (run's CMD; the command
// name after the global options).
Parsed parse_options(const std::vector<std::string>& args, size_t pos,
                     const std::vector<OptSpec>& specs, const std::string& command,
                     bool stop_at_operand) {
    // getopt_long permutes argv: it gets copies.
    std::vector<std::string> store = {"nsdevctl"};
    store.insert(store.end(), args.begin() + static_cast<long>(pos), args.end());
    std::vector<char*> argv;
    for (std::string& a : store) argv.push_back(a.data());
    argv.push_back(nullptr);

    // '+': stop at the first operand; ':': tell a missing argument apart.
    std::string shortopts = stop_at_operand ? "+:" : ":";
    std::vector<option> longopts;
    for (const OptSpec& s : specs) {
        if (s.id < 256) {
            shortopts += static_cast<char>(s.id);
            if (s.has_arg == required_argument) shortopts += ':';
        }
        longopts.push_back({s.long_name, s.has_arg, nullptr, s.id});
    }
    longopts.push_back({nullptr, 0, nullptr, 0});

    Parsed p;
    const int argc = static_cast<int>(store.size());
    optind = 0;  // glibc: start over, forgetting any earlier scan
    opterr = 0;  // messages are ours (UsageError), not getopt's
    while (true) {
        int idx = -1;
        const int c = getopt_long(argc, argv.data(), shortopts.c_str(), longopts.data(), &idx);
        if (c == -1) break;
        const std::string arg = argv[optind - 1] ? argv[optind - 1] : "";
        const bool is_long = arg.compare(0, 2, "--") == 0;
        if (c == '?') {
            if (is_long) throw UsageError(bad_long_option(specs, arg), command);
            throw UsageError(std::string("invalid option -- '") + static_cast<char>(optopt) + "'",
                             command);
        }
        if (c == ':') {
            const OptSpec* s = spec_of(specs, optopt);
            if (is_long && s)
                throw UsageError(std::string("option '--") + s->long_name +
                                     "' requires an argument",
                                 command);
            throw UsageError(
                std::string("option requires an argument -- '") + static_cast<char>(optopt) + "'",
                command);
        }
        const OptSpec* s = spec_of(specs, c);
        Option o{c,
                 idx >= 0 || !s || c >= 256 ? std::string("--") + s->long_name
                                            : std::string("-") + static_cast<char>(c),
                 optarg ? optarg : ""};
        p.options.push_back(std::move(o));
    }
    for (int i = optind; i < argc; ++i) p.operands.push_back(argv[i]);
    return p;
}

std::vector<OptSpec> with_globals(std::vector<OptSpec> specs, bool listing) {
    specs.insert(specs.end(), kGlobalOpts.begin(), kGlobalOpts.end());
    if (listing) specs.insert(specs.end(), kOutputOpts.begin(), kOutputOpts.end());
    return specs;
}

// Applies the global and output options among @p.options to @c.
void apply_globals(const Parsed& p, Command& c, const std::string& command) {
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
                c.output.json = true;
                break;
            case kOptNoHeadings:
                c.output.noheadings = true;
                break;
            case kOptRaw:
                c.output.raw = true;
                break;
            case kOptOutput:
                if (o.value.empty()) throw UsageError("option '" + o.name + "' needs columns", command);
                c.output.columns = o.value;
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

// The option of @p with id @id, checking it is given at most once.
const Option* single(const Parsed& p, int id, const std::string& command) {
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

// A decimal number in [0, @max], or nullopt.
std::optional<unsigned> decimal(const std::string& text, unsigned max) {
    unsigned v = 0;
    const char* b = text.data();
    const char* e = b + text.size();
    auto [ptr, ec] = std::from_chars(b, e, v, 10);
    if (text.empty() || ec != std::errc() || ptr != e ||
        text.find_first_not_of("0123456789") != std::string::npos || v > max)
        return std::nullopt;
    return v;
}

// ---- One function per command: options, operands, conflicts.

void parse_load(const Parsed& p, Command& c) {
    for (size_t i = 0; i < p.operands.size(); ++i) {
        const std::string& a = p.operands[i];
        const size_t eq = a.find('=');
        if (i == 0 && eq == std::string::npos) {
            c.module_path = a;
            continue;
        }
        if (eq == std::string::npos || eq == 0)
            throw UsageError("module parameter '" + a + "' is not PARAM=VALUE", "load");
        const std::string name = a.substr(0, eq);
        const std::string value = a.substr(eq + 1);
        const bool known =
            std::any_of(std::begin(kModuleParams), std::end(kModuleParams),
                        [&](const ModuleParam& m) { return name == m.name; });
        if (!known)
            throw UsageError("unknown module parameter '" + name +
                                 "' (known: loop_limit, loop_limit_per_user, loop_index_base)",
                             "load");
        if (!decimal(value, UINT32_MAX))
            throw UsageError("invalid value '" + value + "' for module parameter '" + name +
                                 "' (expected a decimal number)",
                             "load");
        const auto v = decimal(value, UINT32_MAX);
        if (name == "loop_index_base" &&
            (*v < NSDEVTMPFS_LOOP_INDEX_BASE_MIN || *v > NSDEVTMPFS_LOOP_INDEX_BASE_MAX))
            throw UsageError("invalid value '" + value + "' for module parameter '" + name +
                                 "' (expected " + std::to_string(NSDEVTMPFS_LOOP_INDEX_BASE_MIN) +
                                 "-" + std::to_string(NSDEVTMPFS_LOOP_INDEX_BASE_MAX) + ")",
                             "load");
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
    const auto v = decimal(loops->value, NSDEVTMPFS_MAX_LOOP_LIMIT);
    if (!v)
        throw UsageError("invalid number '" + loops->value + "' for option '" + loops->name +
                             "' (expected 0-" + std::to_string(NSDEVTMPFS_MAX_LOOP_LIMIT) + ")",
                         "limit");
    c.loops = *v;
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

// -o names columns of the listing the command prints.
void check_columns(const Command& c, const std::string& command) {
    Listing l;
    if (c.output.columns.empty() || !listing_of(c, l)) return;
    try {
        select_columns(l, c.output.columns);
    } catch (const std::invalid_argument& e) {
        throw UsageError(e.what(), command);
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
        specs = {{"partscan", no_argument, kOptPartscan}, {"read-only", no_argument, kOptReadOnly}};
    else if (sub == "ls")
        specs = {{"all", no_argument, kOptAll}, {"with-free", no_argument, kOptWithFree}};
    else if (sub != "detach")
        throw UsageError("unknown loop subcommand '" + sub + "' (expected attach, detach or ls)",
                         "loop");
    const Parsed p = parse_options(args, pos + 1, with_globals(specs, sub == "ls"), "loop", false);
    apply_globals(p, c, "loop");
    if (wants_help(p)) return;
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
        single(p, kOptAll, "loop");
        c.with_free = single(p, kOptWithFree, "loop") != nullptr;
    }
    check_columns(c, "loop");
}

struct CommandSpec {
    const char* name;
    Verb verb;
    std::vector<OptSpec> options;
    bool listing;  // takes the output options
};

const std::vector<CommandSpec>& commands() {
    static const std::vector<CommandSpec> specs = {
        {"load", Verb::Load, {}, false},
        {"unload", Verb::Unload, {}, false},
        {"status", Verb::Status, {}, true},
        {"assign",
         Verb::Assign,
         {{"ns", required_argument, kOptNs}, {"global", no_argument, kOptGlobal}},
         false},
        {"revoke", Verb::Revoke, {{"force", no_argument, kOptForce}}, false},
        {"query", Verb::Query, {}, true},
        {"limit",
         Verb::Limit,
         {{"ns", required_argument, kOptNs}, {"loops", required_argument, kOptLoops}},
         false},
        {"ls", Verb::Ls, {{"namespaces", no_argument, kOptNamespaces}}, true},
        {"run",
         Verb::Run,
         {{"map", required_argument, kOptMap},
          {"map-file", required_argument, kOptMapFile},
          {"subuid", no_argument, kOptSubuid},
          {"no-view", no_argument, kOptNoView},
          {"view", no_argument, kOptView}},
         false},
        {"probe", Verb::Probe, {}, true},
    };
    return specs;
}

}  // namespace

bool listing_of(const Command& c, Listing& l) {
    switch (c.verb) {
        case Verb::Status:
            l = Listing::Status;
            return true;
        case Verb::Query:
            l = Listing::Devices;
            return true;
        case Verb::Ls:
            l = c.namespaces_table ? Listing::Namespaces : Listing::Devices;
            return true;
        case Verb::Probe:
            l = Listing::Probe;
            return true;
        case Verb::LoopLs:
            l = Listing::Loops;
            return true;
        default:
            return false;
    }
}

void fill_missing_map(nsdev::IdMapping& maps) {
    if (maps.uid.empty()) maps.uid = maps.gid;
    if (maps.gid.empty()) maps.gid = maps.uid;
}

Command parse_command_line(const std::vector<std::string>& args) {
    Command c;
    // Global options before the command; the output options are accepted
    // here too, and refused below for a command that prints no table.
    const Parsed g = parse_options(args, 0, with_globals({}, true), "", true);
    apply_globals(g, c, "");
    if (wants_help(g)) return c;
    const bool output_before = std::any_of(g.options.begin(), g.options.end(),
                                           [](const Option& o) { return is_output_option(o.id); });
    if (g.operands.empty()) throw UsageError("missing command", "");
    const size_t pos = args.size() - g.operands.size() + 1;

    const std::string name = g.operands[0];
    if (name == "help") {
        if (g.operands.size() > 2)
            throw UsageError("unexpected argument '" + g.operands[2] + "'", "help");
        c.verb = Verb::Help;
        c.help_topic = g.operands.size() > 1 ? g.operands[1] : "";
        if (c.help_topic == "--help" || c.help_topic == "-h") c.help_topic = "help";
        if (!c.help_topic.empty() && help_text(c.help_topic).empty())
            throw UsageError("unknown command '" + c.help_topic + "'", "");
        return c;
    }
    if (name == "loop") {
        parse_loop(args, pos, c);
        Listing l;
        if (output_before && c.verb != Verb::Help && !listing_of(c, l))
            throw UsageError("loop " + args[pos] + " has no output to format", "loop");
        return c;
    }
    const auto it = std::find_if(commands().begin(), commands().end(),
                                 [&](const CommandSpec& s) { return name == s.name; });
    if (it == commands().end()) throw UsageError("unknown command '" + name + "'", "");
    const CommandSpec& spec = *it;
    if (output_before && !spec.listing) throw UsageError(name + " has no output to format", name);

    const Parsed p = parse_options(args, pos, with_globals(spec.options, spec.listing), name,
                                   spec.verb == Verb::Run);
    apply_globals(p, c, name);
    if (wants_help(p)) return c;
    c.verb = spec.verb;
    switch (spec.verb) {
        case Verb::Load:
            parse_load(p, c);
            break;
        case Verb::Unload:
        case Verb::Status:
            expect_operands(p, 0, 0, name, "");
            break;
        case Verb::Ls:
            expect_operands(p, 0, 0, name, "");
            c.namespaces_table = single(p, kOptNamespaces, name) != nullptr;
            break;
        case Verb::Assign:
            parse_assign(p, c);
            break;
        case Verb::Revoke:
            expect_operands(p, 1, 1, name, "DEVICE");
            c.device = device_operand(p.operands[0], name);
            c.force = single(p, kOptForce, name) != nullptr;
            break;
        case Verb::Query:
            expect_operands(p, 1, SIZE_MAX, name, "DEVICE");
            for (const std::string& d : p.operands) c.devices.push_back(device_operand(d, name));
            break;
        case Verb::Limit:
            parse_limit(p, c);
            break;
        case Verb::Run:
            parse_run(p, c);
            break;
        case Verb::Probe:
            expect_operands(p, 1, SIZE_MAX, name, "NS (a pid or an nsfs path)");
            for (const std::string& op : p.operands) {
                // LABEL=NS names the column; a path with '=' stays a path.
                const size_t eq = op.find('=');
                std::string label, ns = op;
                if (eq != std::string::npos && op.find('/') > eq) {
                    label = op.substr(0, eq);
                    ns = op.substr(eq + 1);
                    if (label.empty()) throw UsageError("empty LABEL in '" + op + "'", name);
                }
                if (ns.empty()) throw UsageError("empty NS", name);
                c.namespaces.push_back(ns);
                c.labels.push_back(label);
            }
            break;
        default:
            break;
    }
    check_columns(c, name);
    return c;
}

std::string help_text(const std::string& command) {
    if (command.empty()) return kOverview;
    const auto& help = command_help();
    const auto it = help.find(command);
    return it == help.end() ? "" : it->second;
}

}  // namespace nsdevctl
