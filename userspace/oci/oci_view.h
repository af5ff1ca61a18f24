// Turning an OCI runtime configuration's /dev into an nsdevtmpfs view: the
// logic of nsdev-oci-hook(8), a pure function so that it can be tested
// without a runtime.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace nsdev::oci {

/** The OCI configuration as JSON, keys kept in their order. */
using Config = nlohmann::ordered_json;

/**
 * DelegationDevices - the device numbers a container's device cgroup must
 * allow for loop delegation: the view's loop-control (a misc device, minor
 * assigned at load time), loop devices (block major 7) and their
 * partitions (blkext, block major 259).
 */
struct DelegationDevices {
    unsigned loop_control_major = 10;
    unsigned loop_control_minor = 0;
};

/**
 * RuntimeNamespace - where the runtime (and so the hook) runs. A rootless
 * runtime (podman as a user) runs in a user namespace of its own, and a
 * container without a "user" namespace entry shares it: its view is that
 * namespace's, not the host's. Only a runtime in the initial user
 * namespace makes such a container share the host's view.
 */
enum class RuntimeNamespace { Initial, NonInitial };

/** Why a configuration without a user namespace is refused. */
inline constexpr const char* kNoUserNamespace =
    "the container has no user namespace: a view is per user namespace, and "
    "without one it would share the host's view with every such container";

/** has_user_namespace - does @config's linux.namespaces have "user"? */
bool has_user_namespace(const Config& config);

/**
 * use_view - @config with its /dev mount made an nsdevtmpfs view.
 * @config:  an OCI runtime configuration (config.json).
 * @devices: what to allow in the device cgroup.
 * @runtime: where the runtime runs (see RuntimeNamespace).
 *
 * The mount whose destination is /dev gets type "nsdevtmpfs" and source
 * "none"; its options stay (a view takes tmpfs's mode, uid, gid, size and
 * nr_inodes). Without such a mount one is added, after /proc's if there
 * is one: nosuid, noexec, mode=755. linux.resources.devices gets, at its
 * end (later rules win), allow rules for @devices, unless they end it
 * already: applying it twice changes nothing.
 *
 * Throws std::invalid_argument when @config is not an object, has no user
 * namespace while @runtime is Initial (kNoUserNamespace), or when mounts
 * or linux.resources.devices is there but not an array.
 */
Config use_view(Config config, const DelegationDevices& devices,
                RuntimeNamespace runtime = RuntimeNamespace::Initial);

/**
 * allow_devices - @config with only use_view()'s device rules added, for
 * runtimes that keep their own /dev and get the view from
 * nsdev-oci-hook's createContainer stage (runc).
 *
 * Throws std::invalid_argument as use_view() does.
 */
Config allow_devices(Config config, const DelegationDevices& devices,
                     RuntimeNamespace runtime = RuntimeNamespace::Initial);

/**
 * lxc_device_rules - use_view()'s device rules in LXC's configuration
 * syntax, one "lxc.cgroup2.devices.allow = ..." line each, for a container
 * with a device cgroup (LXC's common.conf denies all first). LXC cannot
 * compute loop-control's minor, which the kernel assigns when the module
 * loads: the lines are valid until the module is loaded again.
 */
std::string lxc_device_rules(const DelegationDevices& devices);

}  // namespace nsdev::oci
