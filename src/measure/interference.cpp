// Interference on the machine during a measurement (interference.h).
#include <rightsize/error.h>
#include <rightsize/interference.h>

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <set>
#include <thread>
#include <vector>

namespace fs = std::filesystem;

namespace rightsize {

namespace {

double seconds_of(const timeval & t) { return double(t.tv_sec) + double(t.tv_usec) / 1e6; }

// /proc/stat's aggregate "cpu" line, in seconds: busy, steal, total.
void read_proc_stat(const std::string & root, MachineCounters & c) {
    std::ifstream in(root + "/proc/stat");
    std::string label;
    in >> label;
    if (label != "cpu") return;
    double v[10] = {};
    for (double & x : v) in >> x;
    const double tick = double(sysconf(_SC_CLK_TCK) > 0 ? sysconf(_SC_CLK_TCK) : 100);
    // user nice system idle iowait irq softirq steal guest guest_nice (guest time is inside user).
    c.busy_s = (v[0] + v[1] + v[2] + v[5] + v[6]) / tick;
    c.steal_s = v[7] / tick;
    c.total_s = (v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6] + v[7]) / tick;
}

// Mean clock and summed throttle events over the CPUs that expose them.
void read_cpu_sysfs(const std::string & root, MachineCounters & c) {
    const fs::path cpus = fs::path(root + "/sys/devices/system/cpu");
    std::error_code ec;
    double mhz = 0;
    int n_mhz = 0;
    uint64_t throttles = 0;
    bool any_throttle = false;
    for (const auto & e : fs::directory_iterator(cpus, ec)) {
        const std::string name = e.path().filename().string();
        if (name.size() < 4 || name.compare(0, 3, "cpu") != 0 || !std::isdigit(static_cast<unsigned char>(name[3]))) continue;
        if (std::ifstream f(e.path() / "cpufreq" / "scaling_cur_freq"); f) {
            double khz = 0;
            if (f >> khz) {
                mhz += khz / 1000.0;
                ++n_mhz;
            }
        }
        if (std::ifstream f(e.path() / "thermal_throttle" / "core_throttle_count"); f) {
            uint64_t n = 0;
            if (f >> n) {
                throttles += n;
                any_throttle = true;
            }
        }
    }
    if (n_mhz > 0) c.cpu_mhz = mhz / n_mhz;
    if (any_throttle) c.throttle_events = throttles;
}

std::string percent(double share) {
    char buf[32];
    snprintf(buf, sizeof buf, "%.0f%%", 100 * share);
    return buf;
}

}  // namespace

MachineCounters read_machine_counters(const std::string & root) {
    MachineCounters c;
    c.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
    read_proc_stat(root, c);
    rusage u{};
    if (getrusage(RUSAGE_SELF, &u) == 0) c.own_cpu_s = seconds_of(u.ru_utime) + seconds_of(u.ru_stime);
    if (std::ifstream f(root + "/proc/loadavg"); f) f >> c.load1;
    read_cpu_sysfs(root, c);
    c.logical_cpus = std::max(1u, std::thread::hardware_concurrency());
    return c;
}

nlohmann::json InterferenceWindow::to_json() const {
    nlohmann::json j = {{"seconds", seconds}, {"outside_cpu_share", outside_cpu_share}, {"steal_share", steal_share},
                        {"own_cpu_share", own_cpu_share}, {"judged", judged}, {"disturbed", disturbed}};
    j["load1_before"] = load1_before >= 0 ? nlohmann::json(load1_before) : nlohmann::json(nullptr);
    j["cpu_mhz"] = cpu_mhz ? nlohmann::json(*cpu_mhz) : nlohmann::json(nullptr);
    j["throttle_events"] = throttle_events ? nlohmann::json(*throttle_events) : nlohmann::json(nullptr);
    if (disturbed) j["reason"] = reason;
    return j;
}

InterferenceWindow interference_between(const MachineCounters & a, const MachineCounters & b, const InterferenceThresholds & t) {
    InterferenceWindow w;
    w.seconds = std::max(0.0, b.wall_s - a.wall_s);
    w.load1_before = a.load1;
    const double capacity = w.seconds * double(std::max(1, b.logical_cpus));
    const double own = std::max(0.0, b.own_cpu_s - a.own_cpu_s);
    const double busy = std::max(0.0, b.busy_s - a.busy_s);
    const double all = b.total_s - a.total_s;
    if (capacity > 0) {
        w.own_cpu_share = std::clamp(own / capacity, 0.0, 1.0);
        w.outside_cpu_share = std::clamp((busy - own) / capacity, 0.0, 1.0);
    }
    if (all > 0) w.steal_share = std::clamp((b.steal_s - a.steal_s) / all, 0.0, 1.0);
    if (a.cpu_mhz && b.cpu_mhz) w.cpu_mhz = (*a.cpu_mhz + *b.cpu_mhz) / 2;
    if (a.throttle_events && b.throttle_events) w.throttle_events = *b.throttle_events - std::min(*a.throttle_events, *b.throttle_events);
    w.judged = w.seconds >= t.min_seconds;
    if (!w.judged) return w;
    std::string why;
    if (w.outside_cpu_share > t.outside_cpu_share) why = "other processes used " + percent(w.outside_cpu_share) + " of the CPU";
    if (w.steal_share > t.steal_share) why += (why.empty() ? "" : "; ") + std::string("the hypervisor stole ") + percent(w.steal_share);
    if (w.throttle_events && *w.throttle_events > 0) {
        why += (why.empty() ? "" : "; ") + std::string("the CPU throttled ") + std::to_string(*w.throttle_events) + " time(s)";
    }
    w.disturbed = !why.empty();
    w.reason = why;
    return w;
}

InterferenceWindow wait_for_quiet(double max_wait_s, const std::function<void(const std::string &)> & say, double probe_s,
                                  const InterferenceThresholds & thresholds) {
    const auto start = std::chrono::steady_clock::now();
    const auto waited = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
    for (;;) {
        const MachineCounters a = read_machine_counters();
        std::this_thread::sleep_for(std::chrono::duration<double>(probe_s));
        const InterferenceWindow w = interference_between(a, read_machine_counters(), thresholds);
        if (!w.disturbed) return w;
        if (waited() + probe_s > max_wait_s) {
            char load[32];
            snprintf(load, sizeof load, "%.2f", w.load1_before);
            throw Error("--require-quiet: the machine is busy (" + w.reason + " over the last " + std::to_string(int(probe_s)) +
                        " s; load average " + load + ") after waiting " + std::to_string(int(waited())) +
                        " s. Stop the other work, give a longer wait (--require-quiet SECONDS), or run without "
                        "--require-quiet (the figures are then labelled disturbed)");
        }
        if (say) say("waiting for a quiet machine: " + w.reason);
    }
}

nlohmann::json summarise_interference(std::span<const nlohmann::json> samples) {
    std::vector<nlohmann::json> windows;
    std::set<long long> seen;
    size_t documents_disturbed = 0;
    for (const auto & s : samples) {
        const auto it = s.find("interference");
        if (it == s.end() || !it->is_object()) continue;
        if (it->value("disturbed", false)) ++documents_disturbed;
        const auto first = it->find("first_doc");
        const long long key = first != it->end() && first->is_number_integer() ? first->get<long long>() : -1 - (long long)(windows.size());
        if (seen.insert(key).second) windows.push_back(*it);
    }
    size_t n = 0, judged = 0, disturbed = 0;
    double max_outside = 0, sum_outside = 0, seconds = 0, max_steal = 0;
    std::string reason;
    for (const auto & w : windows) {
        if (!w.is_object()) continue;
        ++n;
        const double s = w.value("seconds", 0.0);
        seconds += s;
        if (!w.value("judged", false)) continue;
        ++judged;
        const double out = w.value("outside_cpu_share", 0.0);
        max_outside = std::max(max_outside, out);
        max_steal = std::max(max_steal, w.value("steal_share", 0.0));
        sum_outside += out * s;
        if (w.value("disturbed", false)) {
            ++disturbed;
            if (reason.empty()) reason = w.value("reason", "");
        }
    }
    nlohmann::json j = {{"windows", n}, {"judged_windows", judged}, {"disturbed_windows", disturbed},
                        {"max_outside_cpu_share", max_outside}, {"max_steal_share", max_steal},
                        {"mean_outside_cpu_share", seconds > 0 ? sum_outside / seconds : 0.0}, {"disturbed", disturbed > 0},
                        {"documents_in_disturbed_windows", documents_disturbed},
                        {"source", "measured:/proc/stat"}};
    if (disturbed > 0) j["reason"] = reason;
    return j;
}

}  // namespace rightsize
