// A stand-in for libnvidia-ml.so with the few NVML entry points rightsize loads, so the NVML code
// path runs in tests on machines without an NVIDIA GPU. Its devices are described by the file named
// in the environment variable FAKE_NVML_STATE, re-read on every call so a test can change them
// mid-window; one line per device:
//     <total energy mJ> <power mW> <supports the energy counter: 0|1>
// A missing state file makes nvmlInit_v2 fail as it does when no driver is loaded.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

namespace {

struct Device {
    unsigned long long energy_mj = 0;
    unsigned power_mw = 0;
    bool supports_energy = false;
};

constexpr int kSuccess = 0;
constexpr int kInvalidArgument = 2;
constexpr int kNotSupported = 3;
constexpr int kDriverNotLoaded = 9;

bool read_state(std::vector<Device> & out) {
    const char * path = std::getenv("FAKE_NVML_STATE");
    if (!path) return false;
    std::ifstream in(path);
    if (!in) return false;
    Device d;
    int supports = 0;
    while (in >> d.energy_mj >> d.power_mw >> supports) {
        d.supports_energy = supports != 0;
        out.push_back(d);
    }
    return true;
}

// Handles are the device index + 1, so a null handle is never valid.
bool device(void * handle, Device & out) {
    std::vector<Device> all;
    const auto i = reinterpret_cast<uintptr_t>(handle);
    if (!read_state(all) || i == 0 || i > all.size()) return false;
    out = all[i - 1];
    return true;
}

}  // namespace

extern "C" {

int nvmlInit_v2() {
    std::vector<Device> all;
    return read_state(all) ? kSuccess : kDriverNotLoaded;
}

int nvmlShutdown() { return kSuccess; }

const char * nvmlErrorString(int code) {
    switch (code) {
        case kSuccess: return "Success";
        case kInvalidArgument: return "Invalid Argument";
        case kNotSupported: return "Not Supported";
        case kDriverNotLoaded: return "Driver Not Loaded";
        default: return "Unknown Error";
    }
}

int nvmlDeviceGetCount_v2(unsigned * count) {
    std::vector<Device> all;
    if (!read_state(all)) return kDriverNotLoaded;
    *count = unsigned(all.size());
    return kSuccess;
}

int nvmlDeviceGetHandleByIndex_v2(unsigned index, void ** handle) {
    std::vector<Device> all;
    if (!read_state(all) || index >= all.size()) return kInvalidArgument;
    *handle = reinterpret_cast<void *>(uintptr_t(index) + 1);
    return kSuccess;
}

int nvmlDeviceGetName(void * handle, char * name, unsigned length) {
    Device d;
    if (!device(handle, d)) return kInvalidArgument;
    std::snprintf(name, length, "Fake GPU %u", unsigned(reinterpret_cast<uintptr_t>(handle) - 1));
    return kSuccess;
}

int nvmlDeviceGetTotalEnergyConsumption(void * handle, unsigned long long * energy_mj) {
    Device d;
    if (!device(handle, d)) return kInvalidArgument;
    if (!d.supports_energy) return kNotSupported;
    *energy_mj = d.energy_mj;
    return kSuccess;
}

int nvmlDeviceGetPowerUsage(void * handle, unsigned * power_mw) {
    Device d;
    if (!device(handle, d)) return kInvalidArgument;
    *power_mw = d.power_mw;
    return kSuccess;
}

}  // extern "C"
