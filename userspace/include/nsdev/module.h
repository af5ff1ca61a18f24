// Kernel module status, loading and unloading through libkmod.
#pragma once

#include <map>
#include <string>

namespace nsdev {

/** ModuleStatus - what the kernel reports about one module. */
struct ModuleStatus {
    bool loaded = false;    // present in /sys/module (loaded or built in)
    std::string state;      // "live", "coming", "going", "builtin"; "" if not loaded
    unsigned refcount = 0;  // users of the module; 0 if not loaded or built in
};

/**
 * module_status - look up a module by name.
 * @name: module name ("nsdevtmpfs"); '-' and '_' are equivalent.
 *
 * A module that is not loaded is not an error: loaded is false.
 *
 * Return: the status. Throws SysError with context "query module NAME".
 */
ModuleStatus module_status(const std::string& name);

/**
 * module_load_file - insert a module from a .ko file (like insmod).
 * @path: path to the .ko file (possibly compressed).
 * @params: module parameters, "key=value key2=value2", or "".
 *
 * Dependencies are not resolved. Loading a module that is already loaded
 * fails with EEXIST.
 *
 * Throws SysError with context "load module PATH".
 */
void module_load_file(const std::string& path, const std::string& params);

/** The module this project builds. */
inline constexpr char kModuleName[] = "nsdevtmpfs";

/**
 * module_load - load a module by name the way modprobe does: libkmod finds
 * it in /lib/modules/$(uname -r) (modules.dep, aliases) and inserts it with
 * its dependencies (kmod_module_probe_insert_module).
 * @name: module name.
 * @params: module parameters, "key=value key2=value2", or "".
 *
 * Already loaded is an error (EEXIST), as with insmod: the parameters
 * would silently not apply. Throws SysError with context "load module
 * NAME"; ENOENT "(not found in /lib/modules/RELEASE)" when the module is
 * not installed.
 */
void module_load(const std::string& name, const std::string& params);

/**
 * module_parameters - the parameters of a loaded module and their current
 * values, from /sys/module/NAME/parameters.
 * @name: module name.
 * @sysfs: the /sys/module directory (tests use a fake tree).
 *
 * Parameters the caller may not read (mode 0200) are left out. Return:
 * name -> value (trailing newline removed); empty when the module has no
 * parameters or is not loaded.
 */
std::map<std::string, std::string> module_parameters(const std::string& name,
                                                     const std::string& sysfs = "/sys/module");

/**
 * module_unload - remove a module (like rmmod, without --force).
 * @name: module name.
 *
 * Does not wait: a module still in use fails with EWOULDBLOCK/EAGAIN, one
 * that is not loaded with ENOENT.
 *
 * Throws SysError with context "unload module NAME".
 */
void module_unload(const std::string& name);

}  // namespace nsdev
