// Device numbers as the user writes them: "c:1:3", "b:7:0" or a node path.
#pragma once

#include <string>
#include <string_view>

namespace nsdev {

/** Largest major and minor number of a Linux dev_t (12 and 20 bits). */
inline constexpr unsigned kMaxMajor = (1U << 12) - 1;
inline constexpr unsigned kMaxMinor = (1U << 20) - 1;

/**
 * DeviceId - a character or block device number.
 *
 * Any values can be stored; parse_device() only produces numbers a Linux
 * dev_t can hold (major <= kMaxMajor, minor <= kMaxMinor).
 */
struct DeviceId {
    enum class Type { Char, Block };

    Type type = Type::Char;
    unsigned major = 0;
    unsigned minor = 0;

    /** to_string - "c:MAJOR:MINOR" or "b:MAJOR:MINOR", e.g. "c:1:3". */
    std::string to_string() const;

    friend bool operator==(const DeviceId&, const DeviceId&) = default;
};

/**
 * parse_device - a device as given on a command line.
 * @spec: "c:MAJOR:MINOR" or "b:MAJOR:MINOR" (decimal, lowercase type
 *        letter), or the path of a character or block device node. A
 *        @spec containing '/' is always a path; one without '/' is a path
 *        only if it contains no ':' ("null" in the current directory).
 *
 * A node path is stat(2)ed (following symlinks, so /dev/cdrom works) and
 * its st_rdev is returned.
 *
 * Return: the device. Throws std::invalid_argument naming @spec and the
 * problem for a malformed number form or a path that is not a device node
 * ("invalid device \"c:1\": missing minor number"), and SysError with
 * context "stat PATH" when the path cannot be stat(2)ed.
 */
DeviceId parse_device(std::string_view spec);

}  // namespace nsdev
