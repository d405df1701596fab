// Interleaved models: the local models of a run loaded together, taking turns chunk by chunk.
#include "run_session_impl.h"

#include "measure/process_memory.h"

#include <rightsize/endpoint_backend.h>

#include <cstdio>
#include <exception>
#include <filesystem>
#include <thread>

namespace fs = std::filesystem;

namespace rightsize {

using nlohmann::json;

namespace {

std::string mib(uint64_t bytes) {
    char buf[32];
    snprintf(buf, sizeof buf, "%.0f MiB", double(bytes) / 1048576.0);
    return buf;
}

}  // namespace

std::vector<size_t> RunSession::Impl::models_to_interleave() {
    std::vector<size_t> local;
    uint64_t bytes = 0;
    for (size_t m = 0; m < o.models.size(); ++m) {
        if (is_endpoint(o.models[m])) continue;
        if (plan && !plan->chunks.count(info.config["models"][m]["key"].get<std::string>())) continue;  // not this shard's
        local.push_back(m);
        std::error_code ec;
        const uintmax_t size = fs::file_size(o.models[m], ec);  // (uintmax_t)-1 on error
        if (!ec) bytes += size;
    }
    if (local.size() < 2) return {};
    if (!o.interleave) {
        say("models run one after another (--no-interleave)");
        return {};
    }
    const uint64_t available = memory_available_bytes();
    if (available == 0 || 2 * bytes > available) {
        say("models run one after another: their files (" + mib(bytes) + ") take more than half the memory available (" +
            mib(available) + "), so they are not loaded together");
        return {};
    }
    say("interleaving " + std::to_string(local.size()) + " models chunk by chunk (their files, " + mib(bytes) +
        ", fit in half the memory available, " + mib(available) + "; --no-interleave runs them one after another)");
    return local;
}

std::shared_ptr<void> RunSession::Impl::forget_when_unloaded(const std::string & key) {
    if (!interleave || !interleave->participant.count(key)) return nullptr;
    return std::shared_ptr<void>(nullptr, [this, key](void *) { interleave->resident.erase(key); });
}

void RunSession::Impl::begin_turn(const std::string & key, const std::string & task) {
    if (!interleave || !interleave->participant.count(key)) return;
    int64_t others = 0;
    for (const auto & [k, bytes] : interleave->resident) {
        if (k != key) others += bytes;
    }
    interleave->others_resident = uint64_t(std::max<int64_t>(0, others));
    if (per_model_rss) reset_peak_rss();
    interleave->turn_start_rss = read_process_memory().rss_bytes;
    if (interleave->holder != key && !task.empty() && ev.turn) ev.turn(key, task);
    interleave->holder = key;
}

double RunSession::Impl::own_peak_mb() const {
    const uint64_t peak = read_process_memory().peak_rss_bytes;
    const uint64_t others = interleave ? interleave->others_resident.load() : 0;
    return double(peak > others ? peak - others : 0) / 1048576.0;
}

void RunSession::Impl::next_turn(const std::string & key, const std::string & task, double & own_peak) {
    if (!interleave || !interleave->participant.count(key)) return;
    own_peak = std::max(own_peak, own_peak_mb());
    interleave->resident[key] += int64_t(read_process_memory().rss_bytes) - int64_t(interleave->turn_start_rss);
    const size_t who = interleave->participant.at(key);
    interleave->turns.pass(who);
    interleave->turns.acquire(who);
    begin_turn(key, task);
}

// One thread per model; the turns let one run at a time. The first failure (or a stop) aborts the
// others' waits and is rethrown here once every thread has ended.
std::vector<json> RunSession::Impl::run_interleaved(ResultsStore & store, EnergyMeter & meter) {
    const size_t n = interleave->models.size();
    for (size_t i = 0; i < n; ++i) {
        interleave->participant[info.config["models"][interleave->models[i]]["key"].get<std::string>()] = i;
    }
    std::vector<json> docs(n);
    std::exception_ptr failure;
    std::mutex failure_mu;
    std::vector<std::thread> threads;
    for (size_t i = 0; i < n; ++i) {
        threads.emplace_back([&, i] {
            try {
                interleave->turns.acquire(i);
                docs[i] = run_model(interleave->models[i], store, meter);
            } catch (const TurnsAborted &) {
            } catch (...) {
                std::lock_guard lock(failure_mu);
                if (!failure) failure = std::current_exception();
                interleave->turns.abort();
            }
            interleave->turns.leave(i);
        });
    }
    for (auto & t : threads) t.join();
    if (failure) std::rethrow_exception(failure);
    return docs;
}

}  // namespace rightsize
