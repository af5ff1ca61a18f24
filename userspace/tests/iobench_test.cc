// Host tests of nsdev_iobench's logic: its arguments, the arguments it
// hands its delegated side, the result protocol, the median and the row.
#include "iobench.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace nsdev::bench {
namespace {

using namespace std::chrono_literals;

std::string parse_error(const std::vector<std::string>& args) {
    try {
        parse_iobench_args(args);
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return "(no error)";
}

TEST(IoBenchArgs, DefaultsAreBenchItemFive) {
    const IoBenchOptions o = parse_iobench_args({});
    EXPECT_EQ(o.runs, 5u);
    EXPECT_EQ(o.run_time, 3s);
    EXPECT_EQ(o.slice, 50ms);
    EXPECT_EQ(o.size, 256ULL << 20);
    EXPECT_EQ(o.block, 4096u);
    EXPECT_EQ(o.depth, 32u);
    EXPECT_TRUE(o.direct);
    EXPECT_FALSE(o.inner);
    EXPECT_EQ(metric_name(o), "io_uring QD32 4KiB randread: delegated vs host");
}

TEST(IoBenchArgs, EveryOption) {
    const IoBenchOptions o =
        parse_iobench_args({"--runs", "3", "--seconds", "0.5", "--size-mib", "16", "--block", "512",
                            "--depth", "1", "--buffered", "--file", "/tmp/x"});
    EXPECT_EQ(o.runs, 3u);
    EXPECT_EQ(o.run_time, 500ms);
    EXPECT_EQ(o.size, 16ULL << 20);
    EXPECT_EQ(o.block, 512u);
    EXPECT_EQ(o.depth, 1u);
    EXPECT_FALSE(o.direct);
    EXPECT_EQ(o.file, "/tmp/x");
    EXPECT_EQ(metric_name(o), "io_uring QD1 512B randread (buffered): delegated vs host");
    EXPECT_TRUE(parse_iobench_args({"-h"}).help);
    const IoBenchOptions c = parse_iobench_args({"--control"});
    EXPECT_TRUE(c.control);
    EXPECT_EQ(metric_name(c), "io_uring QD32 4KiB randread: control, host vs host");
}

TEST(IoBenchArgs, EachMistakeHasItsMessage) {
    EXPECT_EQ(parse_error({"--runs"}), "--runs: needs a value");
    EXPECT_EQ(parse_error({"--runs", "x"}), "--runs: 'x' is not a whole number");
    EXPECT_EQ(parse_error({"--runs", "-1"}), "--runs: '-1' is not a whole number");
    EXPECT_EQ(parse_error({"--runs", "5x"}), "--runs: '5x' is not a whole number");
    EXPECT_EQ(parse_error({"--runs", "0"}), "--runs: 0 is not in 1..1000");
    EXPECT_EQ(parse_error({"--runs", "99999999999999999999"}),
              "--runs: 99999999999999999999 is not in 1..1000");
    EXPECT_EQ(parse_error({"--seconds", "abc"}), "--seconds: 'abc' is not a number");
    EXPECT_EQ(parse_error({"--seconds", "0"}), "--seconds: 0 is not in 0.001..3600");
    EXPECT_EQ(parse_error({"--seconds", "3601"}), "--seconds: 3601 is not in 0.001..3600");
    EXPECT_EQ(parse_error({"--slice-ms", "3600001"}), "--slice-ms: 3600001 is not in 0..3600000");
    EXPECT_EQ(parse_error({"--depth", "4097"}), "--depth: 4097 is not in 1..4096");
    EXPECT_EQ(parse_error({"--block", "1000"}), "--block: 1000 is not a multiple of 512");
    EXPECT_EQ(parse_error({"--block", "256"}), "--block: 256 is not in 512..1048576");
    EXPECT_EQ(parse_error({"--size-mib", "0"}), "--size-mib: 0 is not in 1..65536");
    EXPECT_EQ(parse_error({"--size-mib", "1", "--block", "1048576"}), "(no error)");
    EXPECT_EQ(parse_error({"--file", ""}), "--file: the path is empty");
    EXPECT_EQ(parse_error({"--fast"}), "unknown argument '--fast' (see --help)");
    EXPECT_EQ(parse_error({"--inner"}), "--inner, --in-fd and --out-fd go together");
    EXPECT_EQ(parse_error({"--in-fd", "3", "--out-fd", "4"}),
              "--inner, --in-fd and --out-fd go together");
}

TEST(IoBenchArgs, InnerArgsReadBackAsTheSameWorkload) {
    for (const auto& args : std::vector<std::vector<std::string>>{
             {},
             {"--seconds", "1234.567"},
             {"--runs", "7", "--seconds", "1.25", "--slice-ms", "100", "--size-mib", "64",
              "--block", "8192", "--depth", "128", "--buffered", "--control", "--file",
              "/tmp/b c"}}) {
        const IoBenchOptions o = parse_iobench_args(args);
        IoBenchOptions expect = o;
        expect.inner = true;
        expect.in_fd = 5;
        expect.out_fd = 8;
        EXPECT_EQ(parse_iobench_args(inner_args(o, 5, 8)), expect);
    }
}

TEST(IoBenchProtocol, ResultLinesRoundTrip) {
    const IoResult r{123456, 123456ULL * 4096, 3000000123ns};
    EXPECT_EQ(format_result(r), "123456 505675776 3000000123\n");
    EXPECT_EQ(parse_result(format_result(r)), r);
    EXPECT_EQ(parse_result("0 0 0"), IoResult{});
    for (const char* bad : {"", "1 2", "1 2 3 4", "1 -2 3", "a b c", "1 2 3x"}) {
        try {
            parse_result(bad);
            ADD_FAILURE() << "accepted '" << bad << "'";
        } catch (const std::invalid_argument& e) {
            EXPECT_EQ(std::string(e.what()), std::string("bad result line '") + bad + "'");
        }
    }
}

TEST(IoBenchStats, SlicePlanAddsUpToTheRun) {
    using Plan = std::vector<std::chrono::milliseconds>;
    EXPECT_EQ(slice_plan(3s, 250ms), Plan(12, 250ms));
    EXPECT_EQ(slice_plan(1000ms, 300ms), (Plan{300ms, 300ms, 300ms, 100ms}));
    EXPECT_EQ(slice_plan(3s, 0ms), Plan{3s});
    EXPECT_EQ(slice_plan(200ms, 250ms), Plan{200ms});
    EXPECT_EQ(slice_plan(250ms, 250ms), Plan{250ms});
}

TEST(IoBenchStats, Median) {
    EXPECT_DOUBLE_EQ(median({3}), 3);
    EXPECT_DOUBLE_EQ(median({5, 1, 4, 2, 3}), 3);
    EXPECT_DOUBLE_EQ(median({4, 1, 3, 2}), 2.5);
    EXPECT_DOUBLE_EQ(median({41, 58, 55.9, 57, 12}), 55.9);  // one bad run does not move it
    EXPECT_THROW(median({}), std::invalid_argument);
}

TEST(IoBenchStats, PairedRatioFollowsThePairsNotTheMedians) {
    // Both sides slow down and speed up together from run to run (measured
    // on trixie under a loaded host): each side's median comes from a
    // different run, each pair from one.
    const std::vector<double> host = {35.6, 6.3, 8.1, 7.2, 8.3};
    const std::vector<double> deleg = {44.5, 6.4, 6.9, 7.4, 9.0};
    EXPECT_DOUBLE_EQ(median(deleg) / median(host), 7.4 / 8.1);  // 0.91: "MISSED"
    EXPECT_NEAR(paired_ratio(deleg, host), 7.4 / 7.2, 1e-9);
    EXPECT_EQ(paired_ratio({1, 2}, {0, 2}), 0.5);  // (0 + 1) / 2
    EXPECT_THROW(paired_ratio({}, {}), std::invalid_argument);
    EXPECT_THROW(paired_ratio({1}, {1, 2}), std::invalid_argument);
}

TEST(IoBenchTable, BlockLabels) {
    EXPECT_EQ(block_label(512), "512B");
    EXPECT_EQ(block_label(1536), "1536B");
    EXPECT_EQ(block_label(4096), "4KiB");
    EXPECT_EQ(block_label(1 << 20), "1024KiB");
}

TEST(IoBenchTable, RowRatioAndVerdict) {
    BenchRow r{"io_uring QD32 4KiB randread: delegated vs host",
               54.9,
               55.9,
               "kIOPS",
               0.98,
               true,
               std::nullopt};
    EXPECT_NEAR(r.ratio(), 0.9821, 1e-4);
    EXPECT_TRUE(r.met());
    EXPECT_EQ(r.target(), ">=0.98x");
    EXPECT_EQ(format_row(r),
              "io_uring QD32 4KiB randread: delegated vs host      54.90      55.90 kIOPS   "
              "0.98x  >=0.98x  met\n");
    r.value = 54.7;  // 0.9785
    EXPECT_FALSE(r.met());
    EXPECT_NE(format_row(r).find("0.98x  >=0.98x  MISSED\n"), std::string::npos);
    r.baseline = 0;  // no baseline: no ratio, never met
    EXPECT_EQ(r.ratio(), 0);
    EXPECT_FALSE(r.met());

    BenchRow paired{"x", 50, 60, "kIOPS", 0.98, true, 0.99};  // the pairs decide
    EXPECT_EQ(paired.ratio(), 0.99);
    EXPECT_TRUE(paired.met());
    EXPECT_NE(format_row(paired).find("0.99x  >=0.98x  met"), std::string::npos);

    BenchRow lower{"x", 1.1, 1.0, "us", 1.2, false, std::nullopt};
    EXPECT_TRUE(lower.met());
    EXPECT_EQ(lower.target(), "<=1.2x");

    // The header's columns line up with the row's.
    const std::string header = format_header();
    const std::string row = format_row(r);
    EXPECT_EQ(header.find("value") + 5, row.find("54.70") + 5);
    EXPECT_EQ(header.find("baseline") + 8, row.find(" 0.00 ") + 5);
    EXPECT_EQ(header.find("unit"), row.find("kIOPS"));
    EXPECT_EQ(header.find("target"), row.find(">=0.98x"));
    EXPECT_EQ(header.find("verdict"), row.find("MISSED"));
}

}  // namespace
}  // namespace nsdev::bench
