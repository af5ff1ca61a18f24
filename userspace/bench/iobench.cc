// nsdev_iobench's arguments, protocol, statistics and table (see iobench.h).
#include "iobench.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <stdexcept>

namespace nsdev::bench {
namespace {

constexpr unsigned kMaxRuns = 1000;
constexpr double kMaxSeconds = 3600;
constexpr uint64_t kMaxSizeMiB = 65536;
constexpr unsigned kSectorSize = 512;
constexpr unsigned kMaxBlock = 1U << 20;

std::invalid_argument bad(const std::string& opt, const std::string& why) {
    return std::invalid_argument(opt + ": " + why);
}

template <typename T>
T whole(const std::string& opt, const std::string& text, T lo, T hi) {
    T v{};
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, v, 10);
    if (text.empty() || ec == std::errc::invalid_argument || ptr != end || text[0] == '-' ||
        text[0] == '+')
        throw bad(opt, "'" + text + "' is not a whole number");
    if (ec == std::errc::result_out_of_range || v < lo || v > hi)
        throw bad(opt, text + " is not in " + std::to_string(lo) + ".." + std::to_string(hi));
    return v;
}

// A number as briefly as it reads back exactly (for milliseconds in seconds).
std::string number(double v) {
    std::ostringstream s;
    s.precision(12);
    s << v;
    return s.str();
}

}  // namespace

std::string iobench_usage() {
    return "Usage: nsdev_iobench [OPTION]...\n"
           "io_uring random reads on a loop device of the host and on a delegated loop\n"
           "device inside a user namespace with a view on /dev, both over the same file\n"
           "on tmpfs; runs alternate between the two, the table shows the medians.\n"
           "Needs root and the nsdevtmpfs module; exits 0 unless it cannot run.\n"
           "\n"
           "  --runs N        runs per side (default 5)\n"
           "  --seconds S     seconds per run and side, decimals allowed (default 3)\n"
           "  --slice-ms N    alternate between the sides every N ms within a run\n"
           "                  (default 50; 0: once per run)\n"
           "  --size-mib N    size of the backing file (default 256)\n"
           "  --block N       bytes per read, a multiple of 512 (default 4096)\n"
           "  --depth N       reads in flight (default 32)\n"
           "  --buffered      open the loop devices without O_DIRECT\n"
           "  --control       compare the host's loop device with a second one of\n"
           "                  the host, read by a child outside any namespace (A/A)\n"
           "  --file PATH     the backing file, created and removed (default\n"
           "                  /tmp/nsdev-iobench.img)\n"
           "  -h, --help      this text\n";
}

IoBenchOptions parse_iobench_args(const std::vector<std::string>& args) {
    IoBenchOptions o;
    bool have_size = false;
    for (size_t i = 0; i < args.size(); i++) {
        const std::string& a = args[i];
        auto value = [&]() -> const std::string& {
            if (i + 1 >= args.size()) throw bad(a, "needs a value");
            return args[++i];
        };
        if (a == "-h" || a == "--help") {
            o.help = true;
        } else if (a == "--runs") {
            o.runs = whole<unsigned>(a, value(), 1, kMaxRuns);
        } else if (a == "--seconds") {
            const std::string& v = value();
            double s = 0;
            const char* end = v.data() + v.size();
            auto [ptr, ec] = std::from_chars(v.data(), end, s, std::chars_format::fixed);
            if (v.empty() || ec != std::errc() || ptr != end || !std::isfinite(s))
                throw bad(a, "'" + v + "' is not a number");
            const auto ms = std::llround(s * 1000);
            if (ms < 1 || s > kMaxSeconds)
                throw bad(a, v + " is not in 0.001.." + number(kMaxSeconds));
            o.run_time = std::chrono::milliseconds(ms);
        } else if (a == "--slice-ms") {
            o.slice = std::chrono::milliseconds(
                whole<unsigned>(a, value(), 0, static_cast<unsigned>(kMaxSeconds * 1000)));
        } else if (a == "--size-mib") {
            o.size = whole<uint64_t>(a, value(), 1, kMaxSizeMiB) << 20;
            have_size = true;
        } else if (a == "--block") {
            o.block = whole<unsigned>(a, value(), kSectorSize, kMaxBlock);
            if (o.block % kSectorSize != 0)
                throw bad(a, std::to_string(o.block) + " is not a multiple of 512");
        } else if (a == "--depth") {
            o.depth = whole<unsigned>(a, value(), 1, kMaxIoDepth);
        } else if (a == "--buffered") {
            o.direct = false;
        } else if (a == "--file") {
            o.file = value();
            if (o.file.empty()) throw bad(a, "the path is empty");
        } else if (a == "--control") {
            o.control = true;
        } else if (a == "--inner") {
            o.inner = true;
        } else if (a == "--in-fd") {
            o.in_fd = whole<int>(a, value(), 0, 1 << 20);
        } else if (a == "--out-fd") {
            o.out_fd = whole<int>(a, value(), 0, 1 << 20);
        } else {
            throw std::invalid_argument("unknown argument '" + a + "' (see --help)");
        }
    }
    if (o.block > o.size)
        throw bad(have_size ? "--size-mib" : "--block", "reads of " + std::to_string(o.block) +
                                                            " bytes do not fit in " +
                                                            std::to_string(o.size) + " bytes");
    if (o.inner != (o.in_fd >= 0 && o.out_fd >= 0))
        throw std::invalid_argument("--inner, --in-fd and --out-fd go together");
    return o;
}

std::vector<std::string> inner_args(const IoBenchOptions& o, int in_fd, int out_fd) {
    std::vector<std::string> a = {
        "--inner",
        "--in-fd",
        std::to_string(in_fd),
        "--out-fd",
        std::to_string(out_fd),
        "--runs",
        std::to_string(o.runs),
        "--seconds",
        number(static_cast<double>(o.run_time.count()) / 1000),
        "--slice-ms",
        std::to_string(o.slice.count()),
        "--size-mib",
        std::to_string(o.size >> 20),
        "--block",
        std::to_string(o.block),
        "--depth",
        std::to_string(o.depth),
        "--file",
        o.file,
    };
    if (!o.direct) a.push_back("--buffered");
    if (o.control) a.push_back("--control");
    return a;
}

std::string format_result(const IoResult& r) {
    return std::to_string(r.ops) + " " + std::to_string(r.bytes) + " " +
           std::to_string(r.elapsed.count()) + "\n";
}

IoResult parse_result(const std::string& line) {
    std::string text = line;
    if (!text.empty() && text.back() == '\n') text.pop_back();
    std::istringstream in(text);
    std::string f[3], extra;
    in >> f[0] >> f[1] >> f[2];
    if (!in || (in >> extra) || text.find_first_not_of("0123456789 ") != std::string::npos)
        throw std::invalid_argument("bad result line '" + text + "'");
    try {
        IoResult r;
        r.ops = whole<uint64_t>("ops", f[0], 0, UINT64_MAX);
        r.bytes = whole<uint64_t>("bytes", f[1], 0, UINT64_MAX);
        r.elapsed = std::chrono::nanoseconds(whole<int64_t>("ns", f[2], 0, INT64_MAX));
        return r;
    } catch (const std::invalid_argument&) {
        throw std::invalid_argument("bad result line '" + text + "'");
    }
}

std::vector<std::chrono::milliseconds> slice_plan(std::chrono::milliseconds run_time,
                                                  std::chrono::milliseconds slice) {
    if (slice.count() <= 0 || slice >= run_time) return {run_time};
    std::vector<std::chrono::milliseconds> plan(static_cast<size_t>(run_time / slice), slice);
    if (run_time % slice != std::chrono::milliseconds::zero()) plan.push_back(run_time % slice);
    return plan;
}

double median(std::vector<double> v) {
    if (v.empty()) throw std::invalid_argument("median of no values");
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double paired_ratio(const std::vector<double>& value, const std::vector<double>& baseline) {
    if (value.size() != baseline.size())
        throw std::invalid_argument("paired ratio of " + std::to_string(value.size()) +
                                    " values and " + std::to_string(baseline.size()) +
                                    " baselines");
    std::vector<double> r;
    for (size_t i = 0; i < value.size(); i++)
        r.push_back(baseline[i] > 0 ? value[i] / baseline[i] : 0);
    return median(r);
}

std::string block_label(unsigned block) {
    if (block >= 1024 && block % 1024 == 0) return std::to_string(block / 1024) + "KiB";
    return std::to_string(block) + "B";
}

std::string metric_name(const IoBenchOptions& o) {
    return "io_uring QD" + std::to_string(o.depth) + " " + block_label(o.block) + " randread" +
           (o.direct ? "" : " (buffered)") +
           (o.control ? ": control, host vs host" : ": delegated vs host");
}

std::string BenchRow::target() const {
    return (higher_is_better ? ">=" : "<=") + number(limit) + "x";
}

std::string format_header() {
    char line[256];
    std::snprintf(line, sizeof(line), "%-46s %10s %10s %-5s %7s  %-8s %s\n", "metric", "value",
                  "baseline", "unit", "ratio", "target", "verdict");
    return line;
}

std::string format_row(const BenchRow& r) {
    char line[512];
    std::snprintf(line, sizeof(line), "%-46s %10.2f %10.2f %-5s %6.2fx  %-8s %s\n",
                  r.metric.c_str(), r.value, r.baseline, r.unit.c_str(), r.ratio(),
                  r.target().c_str(), r.met() ? "met" : "MISSED");
    return line;
}

}  // namespace nsdev::bench
