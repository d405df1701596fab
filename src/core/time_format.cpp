// Timestamps (time_format.h).
#include "time_format.h"

#include <ctime>

namespace rightsize {

namespace {

std::string format_utc(std::chrono::system_clock::time_point t, const char * format) {
    const auto tt = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[40];
    std::strftime(buf, sizeof buf, format, &tm);
    return buf;
}

}  // namespace

std::string iso8601_utc(std::chrono::system_clock::time_point t) { return format_utc(t, "%Y-%m-%dT%H:%M:%SZ"); }
std::string compact_utc(std::chrono::system_clock::time_point t) { return format_utc(t, "%Y%m%dT%H%M%SZ"); }

}  // namespace rightsize
