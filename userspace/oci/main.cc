// nsdev-oci-hook(8): an OCI configuration filter that makes a container's
// /dev an nsdevtmpfs view. Reads config.json on stdin, writes the changed
// configuration on stdout: podman's precreate hook contract (hooks.d), and
// a filter for anyone who writes their own spec. See oci_view.h.
#include <getopt.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>

#include "nsdev/error.h"
#include "mount_view.h"
#include "oci_view.h"

namespace {

constexpr const char* kLoopControlDev = "/sys/class/misc/nsdevtmpfs-loop-control/dev";

void usage(std::ostream& out)
{
    out << "Usage: nsdev-oci-hook < config.json > config.json.new\n"
           "       nsdev-oci-hook create-container < state.json\n"
           "       nsdev-oci-hook --lxc-rules\n"
           "\n"
           "Make the container's /dev an nsdevtmpfs view: the /dev mount's type\n"
           "becomes nsdevtmpfs, and the device cgroup allows loop-control and\n"
           "loop devices. As a podman precreate hook (hooks.d), or as a filter.\n"
           "\n"
           "create-container: as an OCI createContainer hook (runc), mount the\n"
           "view over the /dev the runtime made, keeping what it mounted there.\n"
           "\n"
           "Options:\n"
           "  -d, --devices-only  only allow the delegation devices (for runc,\n"
           "                      whose /dev the create-container stage replaces)\n"
           "  -l, --lxc-rules     print the same device rules as LXC configuration\n"
           "                      lines (lxc.cgroup2.devices.allow), for LXC\n"
           "                      containers with a device cgroup\n"
           "  -h, --help          print this help and exit\n";
}

// The loop-control misc device's number, from sysfs: "10:261".
nsdev::oci::DelegationDevices delegation_devices()
{
    std::ifstream in(kLoopControlDev);
    nsdev::oci::DelegationDevices d;
    char colon = 0;
    if (!in)
        throw nsdev::SysError(ENOENT, std::string("open ") + kLoopControlDev,
                              "is nsdevtmpfs loaded? (modprobe nsdevtmpfs)");
    if (!(in >> d.loop_control_major >> colon >> d.loop_control_minor) || colon != ':')
        throw nsdev::SysError(EINVAL, std::string("parse ") + kLoopControlDev);
    return d;
}

// The createContainer stage: state on stdin, config.json in its bundle.
int mount_view_hook()
{
    const std::string text{std::istreambuf_iterator<char>(std::cin), {}};
    const auto state = nsdev::oci::Config::parse(text);
    const std::string bundle = state.value("bundle", "");
    std::ifstream in(bundle + "/config.json");
    if (bundle.empty() || !in)
        throw nsdev::SysError(bundle.empty() ? EINVAL : errno,
                              "open the bundle's config.json (bundle '" + bundle + "')");
    const auto config = nsdev::oci::Config::parse(in);
    nsdev::oci::mount_view_over(nsdev::oci::container_root(state, config),
                                nsdev::oci::view_options(config));
    return 0;
}

}  // namespace

int main(int argc, char** argv)
{
    static const option longopts[] = {{"help", no_argument, nullptr, 'h'},
                                      {"devices-only", no_argument, nullptr, 'd'},
                                      {"lxc-rules", no_argument, nullptr, 'l'},
                                      {}};
    bool devices_only = false;
    bool lxc_rules = false;
    int c;
    while ((c = getopt_long(argc, argv, "hdl", longopts, nullptr)) != -1) {
        if (c == 'h') {
            usage(std::cout);
            return 0;
        }
        if (c == 'd') {
            devices_only = true;
            continue;
        }
        if (c == 'l') {
            lxc_rules = true;
            continue;
        }
        usage(std::cerr);
        return 2;
    }
    const bool create_container = optind < argc && std::string(argv[optind]) == "create-container";
    if (argc - optind > (create_container ? 1 : 0)) {
        std::cerr << "nsdev-oci-hook: unexpected operand '" << argv[argc - 1] << "'\n";
        usage(std::cerr);
        return 2;
    }
    if (lxc_rules && (create_container || devices_only)) {
        std::cerr << "nsdev-oci-hook: --lxc-rules reads no configuration and takes no other mode\n";
        usage(std::cerr);
        return 2;
    }
    try {
        if (create_container)
            return mount_view_hook();
        if (lxc_rules) {
            std::cout << nsdev::oci::lxc_device_rules(delegation_devices());
            std::cout.flush();
            if (!std::cout)
                throw nsdev::SysError(errno ? errno : EIO, "write the rules");
            return 0;
        }
        const std::string text{std::istreambuf_iterator<char>(std::cin), {}};
        auto config = nsdev::oci::Config::parse(text);
        // A rootless runtime runs the hook in its own user namespace,
        // which a container without a "user" entry shares.
        const auto runtime = nsdev::oci::runtime_namespace();
        const auto out =
            devices_only
                ? nsdev::oci::allow_devices(std::move(config), delegation_devices(), runtime)
                : nsdev::oci::use_view(std::move(config), delegation_devices(), runtime);
        std::cout << out.dump(1, '\t') << '\n';
        std::cout.flush();
        if (!std::cout)
            throw nsdev::SysError(errno ? errno : EIO, "write the configuration");
    } catch (const nsdev::oci::Config::parse_error& e) {
        std::cerr << "nsdev-oci-hook: the input is not JSON: " << e.what() << '\n';
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "nsdev-oci-hook: " << e.what() << '\n';
        return 1;
    }
    return 0;
}
