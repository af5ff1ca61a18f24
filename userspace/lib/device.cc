// DeviceId parsing and formatting.
#include "nsdev/device.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cerrno>
#include <optional>
#include <stdexcept>

#include "nsdev/error.h"
#include "parse_util.h"

namespace nsdev {
namespace {

[[noreturn]] void invalid(std::string_view spec, const std::string& problem) {
    throw std::invalid_argument("invalid device \"" + std::string(spec) + "\": " + problem);
}

// One number of a "t:MAJOR:MINOR" spec; @what is "major" or "minor".
unsigned parse_number(std::string_view spec, std::string_view text, const char* what,
                      unsigned max) {
    if (text.empty()) invalid(spec, std::string("missing ") + what + " number");
    if (!detail::is_digits(text))
        invalid(spec, std::string(what) + " number \"" + std::string(text) +
                          "\" is not a decimal number");
    std::optional<unsigned> value = detail::parse_decimal<unsigned>(text);
    if (!value || *value > max)
        invalid(spec, std::string(what) + " number " + std::string(text) + " out of range (0-" +
                          std::to_string(max) + ")");
    return *value;
}

DeviceId parse_number_form(std::string_view spec) {
    const size_t colon1 = spec.find(':');
    const std::string_view type = spec.substr(0, colon1);
    DeviceId dev;
    if (type == "c") {
        dev.type = DeviceId::Type::Char;
    } else if (type == "b") {
        dev.type = DeviceId::Type::Block;
    } else {
        invalid(spec, "unknown device type \"" + std::string(type) +
                          "\" (expected c:MAJOR:MINOR, b:MAJOR:MINOR or a device node path)");
    }

    const std::string_view rest = spec.substr(colon1 + 1);
    const size_t colon2 = rest.find(':');
    if (colon2 == std::string_view::npos) {
        // "c:1" or "c:": say which number is missing.
        if (rest.empty()) invalid(spec, "missing major number");
        invalid(spec, "missing minor number");
    }
    dev.major = parse_number(spec, rest.substr(0, colon2), "major", kMaxMajor);
    const std::string_view minor = rest.substr(colon2 + 1);
    if (minor.find(':') != std::string_view::npos)
        invalid(spec, "too many fields (expected TYPE:MAJOR:MINOR)");
    dev.minor = parse_number(spec, minor, "minor", kMaxMinor);
    return dev;
}

const char* file_kind(mode_t mode) {
    if (S_ISREG(mode)) return "regular file";
    if (S_ISDIR(mode)) return "directory";
    if (S_ISFIFO(mode)) return "fifo";
    if (S_ISSOCK(mode)) return "socket";
    if (S_ISLNK(mode)) return "symbolic link";
    return "unknown file type";
}

DeviceId parse_node(std::string_view spec) {
    const std::string path(spec);
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) throw SysError(errno, "stat " + path);
    DeviceId dev;
    if (S_ISCHR(st.st_mode)) {
        dev.type = DeviceId::Type::Char;
    } else if (S_ISBLK(st.st_mode)) {
        dev.type = DeviceId::Type::Block;
    } else {
        invalid(spec, std::string("not a device node (") + file_kind(st.st_mode) + ")");
    }
    dev.major = ::major(st.st_rdev);
    dev.minor = ::minor(st.st_rdev);
    return dev;
}

}  // namespace

std::string DeviceId::to_string() const {
    return std::string(type == Type::Char ? "c:" : "b:") + std::to_string(major) + ":" +
           std::to_string(minor);
}

DeviceId parse_device(std::string_view spec) {
    if (spec.empty())
        invalid(spec, "empty (expected c:MAJOR:MINOR, b:MAJOR:MINOR or a device node path)");
    if (spec.find('/') == std::string_view::npos && spec.find(':') != std::string_view::npos)
        return parse_number_form(spec);
    return parse_node(spec);
}

}  // namespace nsdev
