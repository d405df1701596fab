#include <rightsize/hardware.h>

#include <fstream>
#include <string>
#include <sys/utsname.h>
#include <thread>

namespace rightsize {

namespace {

// The value after "key<spaces>:" on the first line of `path` that starts with key.
std::string proc_field(const char * path, const std::string & key) {
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind(key, 0) != 0) continue;
        const auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        const auto start = line.find_first_not_of(" \t", colon + 1);
        return start == std::string::npos ? "" : line.substr(start);
    }
    return "";
}

}  // namespace

nlohmann::json hardware_info() {
    nlohmann::json h;
    const std::string cpu = proc_field("/proc/cpuinfo", "model name");
    h["cpu_model"] = cpu.empty() ? nlohmann::json(nullptr) : nlohmann::json(cpu);
    h["logical_cpus"] = std::thread::hardware_concurrency();
    const std::string mem = proc_field("/proc/meminfo", "MemTotal");  // "24571232 kB"
    h["memory_total_mb"] = mem.empty() ? nlohmann::json(nullptr) : nlohmann::json(std::stoull(mem) / 1024);
    utsname u{};
    if (uname(&u) == 0) {
        h["os"] = u.sysname;
        h["kernel"] = u.release;
        h["machine"] = u.machine;
    }
    return h;
}

}  // namespace rightsize
