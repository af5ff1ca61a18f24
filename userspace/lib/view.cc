// Mounting views, and the /proc/nsdevtmpfs listing parsers.
#include "nsdev/view.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <optional>
#include <stdexcept>
#include <utility>

#include "nsdev/error.h"
#include "nsdev/fd.h"
#include "parse_util.h"

namespace nsdev {

void mount_view(const std::string& target) {
    if (::mount("none", target.c_str(), "nsdevtmpfs", 0, nullptr) != 0)
        throw SysError(errno, "mount nsdevtmpfs on " + target);
}

MountedView::MountedView(std::string target) : target_(std::move(target)) {
    try {
        mount_view(target_);
    } catch (...) {
        target_.clear();  // nothing to unmount
        throw;
    }
}

MountedView::MountedView(MountedView&& other) noexcept : target_(std::move(other.target_)) {
    other.target_.clear();
}

MountedView& MountedView::operator=(MountedView&& other) noexcept {
    if (this != &other) {
        try {
            unmount();
        } catch (const SysError&) {
            // Same as the destructor: the mount is detached or already gone.
        }
        target_ = std::move(other.target_);
        other.target_.clear();
    }
    return *this;
}

MountedView::~MountedView() {
    try {
        unmount();
    } catch (const SysError&) {
        // A destructor cannot report; callers who care call unmount().
    }
}

void MountedView::unmount() {
    if (target_.empty()) return;
    const std::string target = std::exchange(target_, std::string());
    if (::umount2(target.c_str(), MNT_DETACH) != 0) throw SysError(errno, "unmount " + target);
}

bool DeviceRow::has_flag(std::string_view flag) const {
    return std::find(flags.begin(), flags.end(), flag) != flags.end();
}

namespace {

// Splits text into lines and lines into whitespace-separated fields, and
// formats errors as "SOURCE line N: PROBLEM".
class LineParser {
public:
    LineParser(std::string_view text, std::string_view source) : text_(text), source_(source) {}

    // Advances to the next line; false at the end of the text.
    bool next() {
        if (pos_ >= text_.size()) return false;
        size_t end = text_.find('\n', pos_);
        if (end == std::string_view::npos) end = text_.size();
        line_ = text_.substr(pos_, end - pos_);
        pos_ = end + 1;
        ++number_;
        split();
        return true;
    }

    const std::vector<std::string_view>& fields() const { return fields_; }

    [[noreturn]] void fail(const std::string& problem) const {
        throw std::runtime_error(std::string(source_) + " line " + std::to_string(number_) + ": " +
                                 problem);
    }

    // Checks the field count; @layout names the fields for the message.
    void expect_fields(size_t count, const char* layout) const {
        if (line_.find_first_not_of(" \t") == std::string_view::npos) fail("empty line");
        if (fields_.size() != count)
            fail("expected " + std::to_string(count) + " fields (" + layout + "), got " +
                 std::to_string(fields_.size()) + ": \"" + std::string(line_) + "\"");
    }

    // A decimal field that fits in T; @what names it in the message.
    template <std::unsigned_integral T>
    T number(std::string_view field, const char* what) const {
        if (!detail::is_digits(field))
            fail(std::string(what) + " \"" + std::string(field) + "\" is not a decimal number");
        std::optional<T> value = detail::parse_decimal<T>(field);
        if (!value) fail(std::string(what) + " " + std::string(field) + " out of range");
        return *value;
    }

private:
    void split() {
        fields_.clear();
        size_t i = 0;
        while (i < line_.size()) {
            i = line_.find_first_not_of(" \t", i);
            if (i == std::string_view::npos) break;
            size_t end = line_.find_first_of(" \t", i);
            if (end == std::string_view::npos) end = line_.size();
            fields_.push_back(line_.substr(i, end - i));
            i = end;
        }
    }

    std::string_view text_;
    std::string_view source_;
    size_t pos_ = 0;
    size_t number_ = 0;
    std::string_view line_;
    std::vector<std::string_view> fields_;
};

bool is_flag_word(std::string_view word) {
    if (word.empty()) return false;
    for (char c : word)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
    return true;
}

std::vector<std::string> parse_flags(const LineParser& p, std::string_view field) {
    std::vector<std::string> flags;
    if (field == "-") return flags;
    size_t start = 0;
    while (true) {
        size_t comma = field.find(',', start);
        std::string_view word = field.substr(
            start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
        if (!is_flag_word(word))
            p.fail("bad flags \"" + std::string(field) +
                   "\" (expected \"-\" or comma-separated words of a-z, 0-9, _)");
        flags.emplace_back(word);
        if (comma == std::string_view::npos) return flags;
        start = comma + 1;
    }
}

DeviceId parse_listing_device(const LineParser& p, std::string_view type,
                              std::string_view numbers) {
    DeviceId dev;
    if (type == "c") {
        dev.type = DeviceId::Type::Char;
    } else if (type == "b") {
        dev.type = DeviceId::Type::Block;
    } else {
        p.fail("bad device type \"" + std::string(type) + "\" (expected c or b)");
    }
    const size_t colon = numbers.find(':');
    if (colon == std::string_view::npos)
        p.fail("bad device number \"" + std::string(numbers) + "\" (expected MAJOR:MINOR)");
    dev.major = p.number<unsigned>(numbers.substr(0, colon), "major number");
    dev.minor = p.number<unsigned>(numbers.substr(colon + 1), "minor number");
    if (dev.major > kMaxMajor || dev.minor > kMaxMinor)
        p.fail("device number " + std::string(numbers) + " out of range (major 0-" +
               std::to_string(kMaxMajor) + ", minor 0-" + std::to_string(kMaxMinor) + ")");
    return dev;
}

std::string read_file(const std::string& path) {
    UniqueFd fd = open_or_throw(path, O_RDONLY);
    std::string text;
    char buf[4096];
    while (true) {
        ssize_t n = ::read(fd.get(), buf, sizeof(buf));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw SysError(errno, "read " + path);
        if (n == 0) return text;
        text.append(buf, static_cast<size_t>(n));
    }
}

}  // namespace

std::vector<DeviceRow> parse_proc_devices(std::string_view text, std::string_view source) {
    std::vector<DeviceRow> rows;
    LineParser p(text, source);
    while (p.next()) {
        p.expect_fields(6, "type major:minor name owner-ns-inode assigner-ns-inode flags");
        const std::vector<std::string_view>& f = p.fields();
        DeviceRow row;
        row.dev = parse_listing_device(p, f[0], f[1]);
        row.name = f[2];
        row.owner_ino = p.number<uint64_t>(f[3], "owner-ns-inode");
        row.assigner_ino = p.number<uint64_t>(f[4], "assigner-ns-inode");
        row.flags = parse_flags(p, f[5]);
        rows.push_back(std::move(row));
    }
    return rows;
}

std::vector<NamespaceRow> parse_proc_namespaces(std::string_view text, std::string_view source) {
    std::vector<NamespaceRow> rows;
    LineParser p(text, source);
    while (p.next()) {
        p.expect_fields(5, "ns-inode parent-inode loops-used loop-limit views-mounted");
        const std::vector<std::string_view>& f = p.fields();
        NamespaceRow row;
        row.ino = p.number<uint64_t>(f[0], "ns-inode");
        row.parent_ino = p.number<uint64_t>(f[1], "parent-inode");
        row.loops_used = p.number<unsigned>(f[2], "loops-used");
        row.loop_limit = p.number<unsigned>(f[3], "loop-limit");
        row.views_mounted = p.number<unsigned>(f[4], "views-mounted");
        rows.push_back(row);
    }
    return rows;
}

std::vector<DeviceRow> read_proc_devices(const std::string& path) {
    return parse_proc_devices(read_file(path), path);
}

std::vector<NamespaceRow> read_proc_namespaces(const std::string& path) {
    return parse_proc_namespaces(read_file(path), path);
}

}  // namespace nsdev
