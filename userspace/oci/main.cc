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
#include "oci_view.h"

namespace {

constexpr const char* kLoopControlDev = "/sys/class/misc/nsdevtmpfs-loop-control/dev";

void usage(std::ostream& out)
{
    out << "Usage: nsdev-oci-hook < config.json > config.json.new\n"
           "\n"
           "Make the container's /dev an nsdevtmpfs view: the /dev mount's type\n"
           "becomes nsdevtmpfs, and the device cgroup allows loop-control and\n"
           "loop devices. As a podman precreate hook (hooks.d), or as a filter.\n"
           "\n"
           "Options:\n"
           "  -h, --help   print this help and exit\n";
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

}  // namespace

int main(int argc, char** argv)
{
    static const option longopts[] = {{"help", no_argument, nullptr, 'h'}, {}};
    int c;
    while ((c = getopt_long(argc, argv, "h", longopts, nullptr)) != -1) {
        if (c == 'h') {
            usage(std::cout);
            return 0;
        }
        usage(std::cerr);
        return 2;
    }
    if (optind != argc) {
        std::cerr << "nsdev-oci-hook: unexpected operand '" << argv[optind] << "'\n";
        usage(std::cerr);
        return 2;
    }
    try {
        const std::string text{std::istreambuf_iterator<char>(std::cin), {}};
        auto config = nsdev::oci::Config::parse(text);
        std::cout << nsdev::oci::use_view(std::move(config), delegation_devices()).dump(1, '\t')
                  << '\n';
        std::cout.flush();
        if (!std::cout)
            throw nsdev::SysError(errno ? errno : EIO, "write the configuration");
    } catch (const nsdev::oci::Config::parse_error& e) {
        std::cerr << "nsdev-oci-hook: the configuration on stdin is not JSON: " << e.what() << '\n';
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "nsdev-oci-hook: " << e.what() << '\n';
        return 1;
    }
    return 0;
}
