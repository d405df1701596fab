// Resident memory of this process, from /proc/self/status (Linux).
#pragma once

#include <cstdint>

namespace rightsize {

struct ProcessMemory {
    uint64_t rss_bytes = 0;       // VmRSS now
    uint64_t peak_rss_bytes = 0;  // VmHWM: peak since start or since the last reset
};

ProcessMemory read_process_memory();

// Resets the peak (VmHWM) to the current RSS so a later read covers only what follows — used
// to attribute peak memory to one model of several in one process. Returns false where the
// kernel does not allow it (then peaks are process-wide and callers must say so).
bool reset_peak_rss();

// MemAvailable of /proc/meminfo: memory the system can give without swapping (0 if unreadable).
uint64_t memory_available_bytes();

}  // namespace rightsize
