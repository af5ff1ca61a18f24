// gtest main that reports kernel-style TAP (as kselftest does) on stdout:
//
//   TAP version 13
//   1..N
//   # file.cc:12: Failure        <- diagnostics of the test that follows
//   not ok 1 Suite.Name
//   ok 2 Suite.Other # SKIP reason
//   # Totals: pass:0 fail:1 skip:1
//
// gtest's own printer is removed, so stdout carries nothing but TAP.
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <sstream>
#include <string>

namespace {

class TapPrinter : public testing::EmptyTestEventListener {
public:
    void OnTestProgramStart(const testing::UnitTest& unit) override {
        std::printf("TAP version 13\n1..%d\n", unit.test_to_run_count());
        std::fflush(stdout);
    }

    void OnTestPartResult(const testing::TestPartResult& result) override {
        if (result.skipped()) {
            skip_reason_ = first_line(result.message());
            return;
        }
        if (!result.failed()) return;
        if (result.file_name())
            diag(std::string(result.file_name()) + ":" + std::to_string(result.line_number()) +
                 ": Failure");
        std::istringstream lines(result.message());
        for (std::string line; std::getline(lines, line);) diag(line);
    }

    void OnTestEnd(const testing::TestInfo& info) override {
        const std::string name = std::string(info.test_suite_name()) + "." + info.name();
        const testing::TestResult& result = *info.result();
        ++number_;
        if (result.Failed()) {
            ++failed_;
            std::printf("not ok %d %s\n", number_, name.c_str());
        } else if (result.Skipped()) {
            ++skipped_;
            std::printf("ok %d %s # SKIP%s%s\n", number_, name.c_str(),
                        skip_reason_.empty() ? "" : " ", skip_reason_.c_str());
        } else {
            ++passed_;
            std::printf("ok %d %s\n", number_, name.c_str());
        }
        skip_reason_.clear();
        std::fflush(stdout);
    }

    void OnTestProgramEnd(const testing::UnitTest&) override {
        std::printf("# Totals: pass:%d fail:%d skip:%d\n", passed_, failed_, skipped_);
        std::fflush(stdout);
    }

private:
    static std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

    static void diag(const std::string& line) { std::printf("# %s\n", line.c_str()); }

    int number_ = 0;
    int passed_ = 0;
    int failed_ = 0;
    int skipped_ = 0;
    std::string skip_reason_;
};

}  // namespace

int main(int argc, char** argv) {
    testing::InitGoogleTest(&argc, argv);
    testing::TestEventListeners& listeners = testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
    listeners.Append(std::make_unique<TapPrinter>().release());  // gtest takes ownership
    return RUN_ALL_TESTS();
}
