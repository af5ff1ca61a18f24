// One function per nsdevctl command: a few library calls, then print.
#include "commands.h"

#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <iterator>
#include <sstream>

#include "nsdev/control.h"
#include "nsdev/device.h"
#include "nsdev/error.h"
#include "nsdev/idmap.h"
#include "nsdev/loop.h"
#include "nsdev/module.h"
#include "nsdev/ns.h"
#include "nsdev/probe.h"
#include "nsdev/userns.h"
#include "nsdev/view.h"
#include "output.h"

namespace nsdevctl {
namespace {

NsNames scan_names() { return NsNames(nsdev::userns_processes()); }

// The advice every command gives when the module is missing.
constexpr char kNotLoadedHint[] = "the nsdevtmpfs module is not loaded (nsdevctl load)";

bool module_loaded() {
    try {
        return nsdev::module_status(nsdev::kModuleName).loaded;
    } catch (const std::exception&) {
        return true;  // unknown: no advice rather than a wrong one
    }
}

// Why unload failed with @err: EAGAIN (EWOULDBLOCK) is the module's
// reference count, which mounted views hold; name their namespaces.
std::string unload_hint(int err) {
    if (err != EAGAIN && err != EBUSY) return "";
    std::vector<std::string> holders;
    try {
        const NsNames names = scan_names();
        for (const nsdev::NamespaceRow& n : nsdev::read_proc_namespaces()) {
            if (!n.views_mounted) continue;
            std::string h = NsNames::label(n.ino);
            if (const nsdev::NsProcess* p = names.find(n.ino))
                h += " (pid " + std::to_string(p->pid) + ", " + p->comm + ")";
            holders.push_back(h);
        }
    } catch (const std::exception&) {
        // No listing: the general advice below.
    }
    if (holders.empty())
        return "the module is in use: an open control or loop-control file, or a mounted view";
    std::string list;
    for (const std::string& h : holders) list += (list.empty() ? "" : ", ") + h;
    return "views still mounted by namespaces " + list;
}

int cmd_unload() {
    try {
        nsdev::module_unload(nsdev::kModuleName);
    } catch (const nsdev::SysError& e) {
        const int err = e.code().value();
        throw nsdev::SysError(err, e.context(),
                              !module_loaded() ? kNotLoadedHint : unload_hint(err));
    }
    return kExitOk;
}

// @e failed on a file the module provides: the default control device,
// /proc/nsdevtmpfs, or the filesystem type (ENODEV of a view's mount).
bool about_the_module(const nsdev::SysError& e) {
    const int err = e.code().value();
    const std::string& ctx = e.context();
    if (err == ENODEV) return ctx.find("nsdevtmpfs") != std::string::npos;
    if (err != ENOENT) return false;
    return ctx == std::string("open ") + nsdev::kControlPath ||
           ctx.find("/proc/nsdevtmpfs/") != std::string::npos;
}

int cmd_load(const Command& c) {
    std::string params;
    for (const std::string& p : c.module_params) params += (params.empty() ? "" : " ") + p;
    try {
        if (c.module_path.empty())
            nsdev::module_load(nsdev::kModuleName, params);
        else
            nsdev::module_load_file(c.module_path, params);
    } catch (const nsdev::SysError& e) {
        // The names and forms were checked (parse_load); a range the
        // module checks itself is named in the kernel log.
        if (e.code().value() != EINVAL || params.empty()) throw;
        throw nsdev::SysError(EINVAL, e.context(),
                              "the module refused a parameter value (" + params +
                                  "); dmesg says which");
    }
    return kExitOk;
}

int cmd_status(const Command& c, std::ostream& out) {
    const nsdev::ModuleStatus st = nsdev::module_status(nsdev::kModuleName);
    const auto params = st.loaded ? nsdev::module_parameters(nsdev::kModuleName)
                                  : std::map<std::string, std::string>{};
    print_status(out, nsdev::kModuleName, st, params, c.output);
    return kExitOk;
}

// DEVICE as every command takes it: a number, a node, or, for a node the
// caller's /dev no longer has (a device it passed down to a descendant),
// /dev/NAME as the caller's /proc/nsdevtmpfs/devices names it.
nsdev::DeviceId resolve_device(const std::string& spec) {
    try {
        return nsdev::parse_device(spec);
    } catch (const nsdev::SysError& e) {
        if (e.code().value() != ENOENT || spec.rfind("/dev/", 0) != 0) throw;
        const std::string name = spec.substr(5);
        std::vector<nsdev::DeviceRow> rows;
        try {
            rows = nsdev::read_proc_devices();
        } catch (const std::exception&) {
            throw e;
        }
        for (const nsdev::DeviceRow& r : rows)
            if (r.name == name) return r.dev;
        throw;
    }
}

int cmd_assign(const Command& c) {
    const nsdev::DeviceId dev = resolve_device(c.device);
    nsdev::Control ctl(c.control);
    if (c.global) {
        ctl.assign_global(dev);
    } else {
        nsdev::UniqueFd ns = nsdev::open_userns(c.ns);
        ctl.assign(dev, ns.get(), nsdev::userns_path(c.ns));
    }
    return kExitOk;
}

int cmd_revoke(const Command& c) {
    const nsdev::DeviceId dev = resolve_device(c.device);
    nsdev::Control(c.control).revoke(dev, c.force);
    return kExitOk;
}

int cmd_query(const Command& c, std::ostream& out) {
    nsdev::Control ctl(c.control);
    std::vector<QueriedDevice> devices;
    for (const std::string& spec : c.devices) {
        const nsdev::DeviceId dev = resolve_device(spec);
        devices.push_back({dev, ctl.query(dev)});
    }
    print_query(out, devices, scan_names(), c.output);
    return kExitOk;
}

int cmd_limit(const Command& c) {
    nsdev::UniqueFd ns = nsdev::open_userns(c.ns);
    nsdev::Control(c.control).set_limit(ns.get(), c.loops, nsdev::userns_path(c.ns));
    return kExitOk;
}

int cmd_ls(const Command& c, std::ostream& out) {
    if (c.namespaces_table)
        print_namespaces(out, nsdev::read_proc_namespaces(), scan_names(), c.output);
    else
        print_devices(out, nsdev::read_proc_devices(), scan_names(), c.output);
    return kExitOk;
}

int cmd_probe(const Command& c, std::ostream& out) {
    std::vector<ProbedNamespace> probed;
    for (size_t i = 0; i < c.namespaces.size(); ++i) {
        const std::string& spec = c.namespaces[i];
        nsdev::UniqueFd fd = nsdev::open_userns(spec);
        ProbedNamespace p{spec, c.labels.at(i), nsdev::userns_inode(fd.get()), {}};
        p.nodes = nsdev::probe_userns(fd.get());
        probed.push_back(std::move(p));
    }
    print_probe(out, probed, c.output);
    return kExitOk;
}

// ---- loop: in the caller's own /dev (a view, or the host's)

int cmd_loop_attach(const Command& c, std::ostream& out) {
    nsdev::LoopAttachOptions opts;
    opts.partscan = c.partscan;
    opts.read_only = c.read_only;
    const nsdev::LoopDevice d = nsdev::loop_attach(c.file, opts);
    out << d.path << "\n";
    return kExitOk;
}

int cmd_loop_ls(const Command& c, std::ostream& out) {
    std::vector<nsdev::LoopDevice> devices = nsdev::loop_list();
    if (!c.with_free) std::erase_if(devices, [](const nsdev::LoopDevice& d) { return !d.attached; });
    print_loop_ls(out, devices, c.output);
    return kExitOk;
}

// What `loop detach` says when the device stays bound: who holds it.
std::string still_in_use(const std::string& device) {
    const std::string what =
        "still in use: the loop driver only set autoclear and detaches it on its last close";
    try {
        const nsdev::DeviceId dev = resolve_device(device);
        for (const nsdev::DeviceRow& r : nsdev::read_proc_devices()) {
            if (r.dev != dev || !r.owner_ino || !r.has_flag("loop")) continue;
            std::string owner = NsNames::label(r.owner_ino);
            if (const nsdev::NsProcess* p = scan_names().find(r.owner_ino))
                owner += " (pid " + std::to_string(p->pid) + ", " + p->comm + ")";
            return "delegated to namespace " + owner +
                   ": it is detached when that namespace last closes it, or ends";
        }
    } catch (const std::exception&) {
        // Not ours to explain further.
    }
    return what + " (a mount, or another process, has it open)";
}

// ---- run

std::string read_text_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw nsdev::SysError(errno ? errno : ENOENT, "open " + path);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) throw nsdev::SysError(EIO, "read " + path);
    return text;
}

// The maps `run` writes and how: the command line's and the map files'
// ranges, through the library's policy (nsdev::plan_id_maps).
nsdev::MapPlan decide_maps(const Command& c) {
    nsdev::IdMapping given = c.maps;
    for (const std::string& file : c.map_files) {
        const nsdev::IdMapping m = nsdev::parse_idmap_file(read_text_file(file), file);
        given.uid.insert(given.uid.end(), m.uid.begin(), m.uid.end());
        given.gid.insert(given.gid.end(), m.gid.begin(), m.gid.end());
    }
    return nsdev::plan_id_maps(given, c.subuid, ::getuid(), ::getgid());
}

// Mounts @type on @target in the child, with a hint on failure.
void child_mount(const char* type, const std::string& target, const char* options,
                 const std::string& hint) {
    if (::mount(type, target.c_str(), type, MS_NOSUID | MS_NOEXEC, options) != 0)
        throw nsdev::SysError(errno, std::string("mount ") + type + " on " + target, hint);
}

// What the child does once its maps are written. Runs after fork: throws
// to the parent (UserNamespace), never returns otherwise.
void run_child(const Command& c) {
    nsdev::become_ns_root();
    // Our mounts must not propagate back into the parent's namespace.
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
        throw nsdev::SysError(errno, "make / private");
    if (!c.no_view) {
        try {
            nsdev::mount_view("/dev");
        } catch (const nsdev::SysError& e) {
            const int err = e.code().value();
            std::string hint;
            if (err == ENODEV)
                hint = kNotLoadedHint;
            else if (err == EPERM || err == EACCES)
                hint =
                    "the kernel does not let this user namespace mount its view "
                    "(--no-view keeps the host's /dev)";
            throw nsdev::SysError(err, e.context(), hint);
        }
        child_mount("devpts", "/dev/pts", "newinstance,ptmxmode=0666,mode=0620",
                    "a new devpts instance in the view");
        child_mount("tmpfs", "/dev/shm", "mode=1777", "");
    }
    // Back to dumpable after the credential changes, so that /proc/PID of
    // the command belongs to the namespace's root (and can be inspected).
    if (::prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) != 0)
        throw nsdev::SysError(errno, "prctl PR_SET_DUMPABLE");
    nsdev::exec_command(c.argv);
}

volatile sig_atomic_t g_child_pid = 0;

void forward_signal(int sig) {
    if (g_child_pid > 0) ::kill(static_cast<pid_t>(g_child_pid), sig);
}

int cmd_run(const Command& c, std::ostream& err) {
    nsdev::MapPlan r;
    try {
        r = decide_maps(c);
    } catch (const nsdev::IdMapError& e) {
        err << "nsdevctl: " << e.what() << "\n";
        return kExitFailure;
    }
    nsdev::UserNamespace ns(CLONE_NEWNS, [&c] { run_child(c); });
    if (r.helpers)
        nsdev::write_id_maps_with_helpers(ns.pid(), r.maps);
    else
        nsdev::write_id_maps(ns.pid(), r.maps, r.deny_setgroups);
    try {
        ns.start();
    } catch (const nsdev::ExecError& e) {
        err << "nsdevctl: " << e.what() << "\n";
        return e.code().value() == ENOENT ? kExitNotFound : kExitCannotExecute;
    }
    // The terminal sends SIGINT/SIGQUIT to the command itself; a SIGTERM
    // or SIGHUP for us is passed on to it.
    g_child_pid = ns.pid();
    struct sigaction sa {};
    sa.sa_handler = forward_signal;
    sa.sa_flags = SA_RESTART;
    ::sigaction(SIGTERM, &sa, nullptr);
    ::sigaction(SIGHUP, &sa, nullptr);
    ::signal(SIGINT, SIG_IGN);
    ::signal(SIGQUIT, SIG_IGN);
    const int status = ns.wait();
    g_child_pid = 0;
    return status;
}

}  // namespace

int execute(const Command& c, std::ostream& out, std::ostream& err) {
    try {
        switch (c.verb) {
            case Verb::Help:
                out << help_text(c.help_topic);
                return kExitOk;
            case Verb::Version:
                out << "nsdevctl " << kVersion << "\n";
                return kExitOk;
            case Verb::Load:
                return cmd_load(c);
            case Verb::Unload:
                return cmd_unload();
            case Verb::Status:
                return cmd_status(c, out);
            case Verb::Assign:
                return cmd_assign(c);
            case Verb::Revoke:
                return cmd_revoke(c);
            case Verb::Query:
                return cmd_query(c, out);
            case Verb::Limit:
                return cmd_limit(c);
            case Verb::Ls:
                return cmd_ls(c, out);
            case Verb::Run:
                return cmd_run(c, err);
            case Verb::Probe:
                return cmd_probe(c, out);
            case Verb::LoopAttach:
                return cmd_loop_attach(c, out);
            case Verb::LoopDetach:
                if (!nsdev::loop_detach(c.device))
                    err << "nsdevctl: " << c.device << ": " << still_in_use(c.device) << "\n";
                return kExitOk;
            case Verb::LoopLs:
                return cmd_loop_ls(c, out);
        }
    } catch (const nsdev::SysError& e) {
        // One style for every command: the object, the errno name, the
        // likely cause. A missing module is the most likely of all.
        out.flush();
        const int errnum = e.code().value();
        if (e.hint().empty() && about_the_module(e) && !module_loaded())
            err << "nsdevctl: " << nsdev::SysError(errnum, e.context(), kNotLoadedHint).what()
                << "\n";
        else
            err << "nsdevctl: " << e.what() << "\n";
        return kExitFailure;
    } catch (const std::exception& e) {
        // SysError ("open /dev/nsdevtmpfs-control: ENOENT (...)"), bad
        // device or namespace files (std::invalid_argument), parse errors
        // of /proc listings, map files and /etc/subuid.
        out.flush();
        err << "nsdevctl: " << e.what() << "\n";
        return kExitFailure;
    }
    return kExitFailure;
}

int nsdevctl_main(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    Command c;
    try {
        c = parse_command_line(args);
    } catch (const UsageError& e) {
        err << "nsdevctl: " << e.what() << "\n"
            << "Try 'nsdevctl " << (e.command().empty() ? "" : e.command() + " ")
            << "--help' for more information.\n";
        return kExitUsage;
    }
    return execute(c, out, err);
}

}  // namespace nsdevctl
