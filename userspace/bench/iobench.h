// nsdev_iobench's logic that needs no root and no VM: its arguments, the
// line protocol between its host and delegated sides, the statistics and
// the table row. main.cc does the rest.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "io.h"

namespace nsdev::bench {

/** IoBenchOptions - the command line of nsdev_iobench. */
struct IoBenchOptions {
    unsigned runs = 5;                            // --runs: per side, alternating
    std::chrono::milliseconds run_time{3000};     // --seconds: per run
    std::chrono::milliseconds slice{50};          // --slice-ms: alternation within a run
    uint64_t size = 256ULL << 20;                 // --size-mib: the backing file
    unsigned block = 4096;                        // --block: bytes per read
    unsigned depth = 32;                          // --depth: reads in flight
    bool direct = true;                           // O_DIRECT on the loop devices (--buffered: off)
    std::string file = "/tmp/nsdev-iobench.img";  // --file: on tmpfs
    bool help = false;                            // --help
    // --control: the other side is a second loop device of the host, read
    // by a child process outside any namespace (an A/A run: the method's
    // noise and bias, without delegation).
    bool control = false;

    // The delegated side, started by the host side in the namespace:
    // --inner --in-fd N --out-fd N (and the workload options above).
    bool inner = false;
    int in_fd = -1;
    int out_fd = -1;

    friend bool operator==(const IoBenchOptions&, const IoBenchOptions&) = default;
};

/** iobench_usage - the text of --help. */
std::string iobench_usage();

/**
 * parse_iobench_args - nsdev_iobench's arguments (without argv[0]).
 *
 * Throws std::invalid_argument with a message for the user: an unknown
 * option, a missing or malformed value ("--runs: 'x' is not a whole
 * number"), a value out of range (runs 1..1000, seconds 0.001..3600, a
 * decimal like 0.5 allowed, slice-ms 0..3600000, size 1..65536 MiB, depth 1..kMaxIoDepth, block a
 * multiple of 512 up to 1 MiB and not above the size), --inner without
 * both descriptors.
 */
IoBenchOptions parse_iobench_args(const std::vector<std::string>& args);

/**
 * inner_args - the arguments (without argv[0]) that make the delegated
 * side run @o's workload, talking over @in_fd and @out_fd; what
 * parse_iobench_args() reads back as @o with inner, in_fd and out_fd set.
 */
std::vector<std::string> inner_args(const IoBenchOptions& o, int in_fd, int out_fd);

/** format_result - one IoResult as a protocol line: "ops bytes nanoseconds\n". */
std::string format_result(const IoResult& r);

/**
 * parse_result - the inverse of format_result() (with or without the
 * newline). Throws std::invalid_argument "bad result line 'LINE'".
 */
IoResult parse_result(const std::string& line);

/**
 * slice_plan - the slices one run of @run_time is made of: as many of
 * @slice as fit, then the rest; one slice of @run_time when @slice is 0 or
 * not shorter. Return: durations that add up to @run_time.
 */
std::vector<std::chrono::milliseconds> slice_plan(std::chrono::milliseconds run_time,
                                                  std::chrono::milliseconds slice);

/**
 * median - the middle value of @v (the mean of the two middle ones for an
 * even count). Throws std::invalid_argument for an empty @v.
 */
double median(std::vector<double> v);

/** block_label - 4096 as "4KiB", 512 as "512B", 1048576 as "1024KiB". */
std::string block_label(unsigned block);

/**
 * metric_name - the table's metric for @o:
 * "io_uring QD32 4KiB randread: delegated vs host", with " (buffered)"
 * before the colon without O_DIRECT.
 */
std::string metric_name(const IoBenchOptions& o);

/**
 * paired_ratio - the median of @value[i] / @baseline[i]: for runs that
 * measured both sides under the same conditions (slices alternating
 * between them), robust when the machine's speed jumps between runs,
 * which the ratio of the two medians is not. A pair without a baseline
 * counts as 0. Throws std::invalid_argument for no pairs or lists of
 * different lengths.
 */
double paired_ratio(const std::vector<double>& value, const std::vector<double>& baseline);

/**
 * BenchRow - one row of a bench table: a value against its baseline, the
 * ratio, and whether it meets @limit.
 */
struct BenchRow {
    std::string metric;
    double value = 0;
    double baseline = 0;
    std::string unit;
    double limit = 0;
    bool higher_is_better = true;
    std::optional<double> paired;  // paired_ratio() of the runs, if they were paired

    /** ratio - @paired if set, else value / baseline (0 without a baseline). */
    double ratio() const noexcept {
        if (paired) return *paired;
        return baseline > 0 ? value / baseline : 0;
    }

    /** met - there is a ratio, and it is >= limit (higher is better) or <= limit. */
    bool met() const noexcept {
        const double r = ratio();
        return r > 0 && (higher_is_better ? r >= limit : r <= limit);
    }

    /** target - ">=0.98x" or "<=1.2x". */
    std::string target() const;
};

/** format_header - the table's header line (with newline), columns as format_row(). */
std::string format_header();

/**
 * format_row - @r as a table line (with newline):
 * "METRIC  VALUE  BASELINE UNIT  RATIOx  TARGET  met|MISSED".
 */
std::string format_row(const BenchRow& r);

}  // namespace nsdev::bench
