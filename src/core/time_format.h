// Timestamps as rightsize writes them: UTC, ISO 8601, to the second.
#pragma once

#include <chrono>
#include <string>

namespace rightsize {

// "2026-12-03T05:18:05Z"
std::string iso8601_utc(std::chrono::system_clock::time_point t = std::chrono::system_clock::now());
// "20261203T051805Z": sortable, and safe in a file or id.
std::string compact_utc(std::chrono::system_clock::time_point t = std::chrono::system_clock::now());

}  // namespace rightsize
