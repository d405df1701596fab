// Progress for long work: items done, rate and ETA, on stderr. On a terminal the line redraws
// in place; otherwise (CI logs, pipes) a line is printed at most every few seconds.
#pragma once

#include <chrono>
#include <cstdio>
#include <string>

namespace rightsize {

class Progress {
public:
    Progress(std::string label, size_t total, std::string unit = "items", FILE * out = stderr);
    ~Progress();
    void advance(size_t n = 1);
    void set_label(std::string label);
    void finish();
    // When false, nothing is printed (--quiet, or output to a pipe that asked for silence).
    static void set_enabled(bool enabled);

private:
    void draw(bool force);
    std::string label_;
    size_t total_;
    size_t done_ = 0;
    size_t drawn_done_ = size_t(-1);  // done_ at the last line printed
    std::string unit_;
    FILE * out_;
    bool tty_;
    bool finished_ = false;
    std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace rightsize
