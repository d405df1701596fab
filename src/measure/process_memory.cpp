#include "measure/process_memory.h"

#include <malloc.h>

#include <fstream>
#include <string>

namespace rightsize {

ProcessMemory read_process_memory() {
    ProcessMemory m;
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line)) {
        auto kb = [&](const char * key) -> uint64_t { return std::stoull(line.substr(std::string(key).size())) * 1024; };
        if (line.rfind("VmRSS:", 0) == 0) m.rss_bytes = kb("VmRSS:");
        if (line.rfind("VmHWM:", 0) == 0) m.peak_rss_bytes = kb("VmHWM:");
    }
    return m;
}

bool reset_peak_rss() {
    // Memory freed before the window (a dataset read and dropped) goes back to the system first,
    // so the new peak starts from what is really in use.
    malloc_trim(0);
    // Writing 5 to clear_refs resets the peak RSS counter (Linux ≥ 4.0).
    std::ofstream out("/proc/self/clear_refs");
    if (!out) return false;
    out << "5";
    out.flush();
    return bool(out);
}

uint64_t memory_available_bytes() {
    std::ifstream in("/proc/meminfo");
    std::string key, unit;
    uint64_t kb = 0;
    while (in >> key >> kb >> unit) {
        if (key == "MemAvailable:") return kb * 1024;
    }
    return 0;
}

}  // namespace rightsize
