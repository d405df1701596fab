#include "report/progress.h"

#include <unistd.h>

#include <atomic>

namespace rightsize {

namespace {
std::atomic<bool> g_enabled{true};

std::string fmt_duration(double s) {
    char buf[32];
    if (s < 60) {
        snprintf(buf, sizeof buf, "%.0fs", s);
    } else if (s < 3600) {
        snprintf(buf, sizeof buf, "%dm%02ds", int(s) / 60, int(s) % 60);
    } else {
        snprintf(buf, sizeof buf, "%dh%02dm", int(s) / 3600, (int(s) % 3600) / 60);
    }
    return buf;
}
}  // namespace

void Progress::set_enabled(bool enabled) { g_enabled = enabled; }

Progress::Progress(std::string label, size_t total, std::string unit, FILE * out)
    : label_(std::move(label)), total_(total), unit_(std::move(unit)), out_(out), tty_(isatty(fileno(out)) != 0) {
    start_ = last_draw_ = std::chrono::steady_clock::now();
    draw(true);
}

Progress::~Progress() { finish(); }

void Progress::set_label(std::string label) {
    label_ = std::move(label);
    draw(false);
}

void Progress::advance(size_t n) {
    done_ += n;
    draw(done_ >= total_);
}

void Progress::finish() {
    if (finished_) return;
    finished_ = true;
    if (drawn_done_ != done_) draw(true);
    if (g_enabled && tty_) fputc('\n', out_);
}

void Progress::draw(bool force) {
    if (!g_enabled) return;
    const auto now = std::chrono::steady_clock::now();
    const double since_draw = std::chrono::duration<double>(now - last_draw_).count();
    if (!force && since_draw < (tty_ ? 0.1 : 5.0)) return;
    last_draw_ = now;
    drawn_done_ = done_;
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const double rate = elapsed > 0 ? double(done_) / elapsed : 0.0;
    std::string eta = "?";
    if (done_ >= total_) {
        eta = "done";
    } else if (rate > 0) {
        eta = fmt_duration(double(total_ - done_) / rate);
    }
    const int pct = total_ ? int(100.0 * double(done_) / double(total_)) : 100;
    fprintf(out_, "%s%s %zu/%zu %s (%d%%) %.2f %s/s, elapsed %s, ETA %s%s", tty_ ? "\r\033[K" : "", label_.c_str(),
            done_, total_, unit_.c_str(), pct, rate, unit_.c_str(), fmt_duration(elapsed).c_str(), eta.c_str(),
            tty_ ? "" : "\n");
    fflush(out_);
}

}  // namespace rightsize
