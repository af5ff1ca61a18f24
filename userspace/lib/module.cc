// Module status, load and unload through libkmod; no modprobe/insmod processes.
#include "nsdev/module.h"

#include <fcntl.h>
#include <libkmod.h>
#include <sys/utsname.h>
#include <syslog.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <vector>

#include "nsdev/error.h"
#include "nsdev/fd.h"

namespace nsdev {
namespace {

struct KmodCtxUnref {
    void operator()(kmod_ctx* ctx) const { kmod_unref(ctx); }
};
struct KmodModuleUnref {
    void operator()(kmod_module* mod) const { kmod_module_unref(mod); }
};
using KmodCtx = std::unique_ptr<kmod_ctx, KmodCtxUnref>;
using KmodModule = std::unique_ptr<kmod_module, KmodModuleUnref>;

// A libkmod context for the running kernel. libkmod logs its own failures to
// stderr; ours already carry errno and context, so it stays quiet unless the
// user asked for libkmod logging with KMOD_LOG.
KmodCtx new_ctx(const std::string& context) {
    errno = 0;
    KmodCtx ctx(kmod_new(nullptr, nullptr));
    if (!ctx) throw SysError(errno ? errno : ENOMEM, context);
    if (!std::getenv("KMOD_LOG")) kmod_set_log_priority(ctx.get(), LOG_CRIT);
    return ctx;
}

KmodModule module_by_name(kmod_ctx* ctx, const std::string& name, const std::string& context) {
    kmod_module* mod = nullptr;
    int err = kmod_module_new_from_name(ctx, name.c_str(), &mod);
    if (err < 0) throw SysError(-err, context);
    return KmodModule(mod);
}

}  // namespace

ModuleStatus module_status(const std::string& name) {
    const std::string context = "query module " + name;
    KmodCtx ctx = new_ctx(context);
    KmodModule mod = module_by_name(ctx.get(), name, context);

    int state = kmod_module_get_initstate(mod.get());
    if (state == -ENOENT) return {};
    if (state < 0) throw SysError(-state, context);

    const char* state_str = kmod_module_initstate_str(static_cast<kmod_module_initstate>(state));
    ModuleStatus st{true, state_str ? state_str : "unknown", 0};
    if (state != KMOD_MODULE_BUILTIN) {
        int refcnt = kmod_module_get_refcnt(mod.get());
        if (refcnt == -ENOENT) return {};  // unloaded since we read its state
        if (refcnt < 0) throw SysError(-refcnt, context);
        st.refcount = static_cast<unsigned>(refcnt);
    }
    return st;
}

void module_load_file(const std::string& path, const std::string& params) {
    const std::string context = "load module " + path;
    KmodCtx ctx = new_ctx(context);
    kmod_module* raw = nullptr;
    int err = kmod_module_new_from_path(ctx.get(), path.c_str(), &raw);
    if (err < 0) throw SysError(-err, context);
    KmodModule mod(raw);

    err = kmod_module_insert_module(mod.get(), 0, params.c_str());
    if (err < 0) throw SysError(-err, context);
}

void module_load(const std::string& name, const std::string& params) {
    std::string context = "load module " + name;
    KmodCtx ctx = new_ctx(context);
    KmodModule mod = module_by_name(ctx.get(), name, context);
    if (!kmod_module_get_path(mod.get())) {
        struct utsname u {};
        ::uname(&u);
        throw SysError(ENOENT, context + " (not found in /lib/modules/" + u.release + ")");
    }
    int err = kmod_module_probe_insert_module(mod.get(), KMOD_PROBE_FAIL_ON_LOADED, params.c_str(),
                                              nullptr, nullptr, nullptr);
    if (err < 0) throw SysError(-err, context);
    // A positive return is a blacklist verdict; we pass no blacklist flags.
}

std::map<std::string, std::string> module_parameters(const std::string& name,
                                                     const std::string& sysfs) {
    std::string kname = name;
    for (char& c : kname)
        if (c == '-') c = '_';
    const std::string dir = sysfs + "/" + kname + "/parameters";
    std::map<std::string, std::string> params;
    // Not loaded (no directory) or a parameter that cannot be read (a
    // write-only one): left out, as modinfo's sysfs view does.
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        const std::string p = entry.path().filename();
        const UniqueFd fd(::open(entry.path().c_str(), O_RDONLY | O_CLOEXEC));
        if (fd.get() < 0) continue;
        std::string value;
        char buf[4096];
        ssize_t n;
        while ((n = ::read(fd.get(), buf, sizeof(buf))) > 0) value.append(buf, static_cast<size_t>(n));
        if (n < 0) continue;
        while (!value.empty() && value.back() == '\n') value.pop_back();
        params.emplace(p, std::move(value));
    }
    return params;
}

void module_unload(const std::string& name) {
    const std::string context = "unload module " + name;
    KmodCtx ctx = new_ctx(context);
    KmodModule mod = module_by_name(ctx.get(), name, context);

    int err = kmod_module_remove_module(mod.get(), 0);
    if (err < 0) throw SysError(-err, context);
}

}  // namespace nsdev
