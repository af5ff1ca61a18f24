#include "oci_view.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace nsdev::oci {

namespace {

// "/dev", "/dev/" and "//dev" are the same destination.
bool is_dev(const Config& mount)
{
    const auto it = mount.find("destination");
    if (it == mount.end() || !it->is_string())
        return false;
    std::string path;
    for (const char c : it->get<std::string>())
        if (c != '/' || path.empty() || path.back() != '/')
            path += c;
    while (path.size() > 1 && path.back() == '/')
        path.pop_back();
    return path == "/dev";
}

Config& array_member(Config& object, const char* key, const char* where)
{
    Config& member = object[key];
    if (member.is_null())
        member = Config::array();
    if (!member.is_array())
        throw std::invalid_argument(std::string(where) + " is not an array");
    return member;
}

Config& object_member(Config& object, const char* key, const char* where)
{
    Config& member = object[key];
    if (member.is_null())
        member = Config::object();
    if (!member.is_object())
        throw std::invalid_argument(std::string(where) + " is not an object");
    return member;
}

Config allow(const char* type, unsigned major, const unsigned* minor)
{
    Config rule = {{"allow", true}, {"type", type}, {"major", major}};
    if (minor)
        rule["minor"] = *minor;
    rule["access"] = "rwm";
    return rule;
}

}  // namespace

bool has_user_namespace(const Config& config)
{
    const auto linux = config.find("linux");
    if (linux == config.end() || !linux->is_object())
        return false;
    const auto ns = linux->find("namespaces");
    if (ns == linux->end() || !ns->is_array())
        return false;
    return std::any_of(ns->begin(), ns->end(), [](const Config& n) {
        return n.is_object() && n.value("type", "") == "user";
    });
}

Config use_view(Config config, const DelegationDevices& devices, RuntimeNamespace runtime)
{
    if (!config.is_object())
        throw std::invalid_argument("the configuration is not a JSON object");
    if (runtime == RuntimeNamespace::Initial && !has_user_namespace(config))
        throw std::invalid_argument(kNoUserNamespace);

    Config& mounts = array_member(config, "mounts", "mounts");
    bool found = false;
    for (Config& m : mounts) {
        if (!m.is_object() || !is_dev(m))
            continue;
        m["type"] = "nsdevtmpfs";
        m["source"] = "none";
        found = true;
    }
    if (!found) {
        Config dev = {{"destination", "/dev"},
                      {"type", "nsdevtmpfs"},
                      {"source", "none"},
                      {"options", {"nosuid", "noexec", "mode=755"}}};
        auto at = mounts.begin();
        while (at != mounts.end() && !(at->is_object() && at->value("destination", "") == "/proc"))
            ++at;
        mounts.insert(at == mounts.end() ? mounts.begin() : at + 1, dev);
    }

    return allow_devices(std::move(config), devices, runtime);
}

Config allow_devices(Config config, const DelegationDevices& devices, RuntimeNamespace runtime)
{
    if (!config.is_object())
        throw std::invalid_argument("the configuration is not a JSON object");
    if (runtime == RuntimeNamespace::Initial && !has_user_namespace(config))
        throw std::invalid_argument(kNoUserNamespace);
    Config& linux = object_member(config, "linux", "linux");
    Config& resources = object_member(linux, "resources", "linux.resources");
    Config& rules = array_member(resources, "devices", "linux.resources.devices");
    const Config ours = {allow("c", devices.loop_control_major, &devices.loop_control_minor),
                         allow("b", 7, nullptr), allow("b", 259, nullptr)};
    // Already at the end, where nothing after them can deny them: done.
    if (rules.size() >= ours.size() &&
        std::equal(ours.begin(), ours.end(), rules.end() - ours.size()))
        return config;
    for (const Config& rule : ours)
        rules.push_back(rule);
    return config;
}

std::string lxc_device_rules(const DelegationDevices& devices)
{
    return "lxc.cgroup2.devices.allow = c " + std::to_string(devices.loop_control_major) + ":" +
           std::to_string(devices.loop_control_minor) +
           " rwm\n"
           "lxc.cgroup2.devices.allow = b 7:* rwm\n"
           "lxc.cgroup2.devices.allow = b 259:* rwm\n";
}

}  // namespace nsdev::oci
