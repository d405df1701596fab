// The serving load test (load_test.h): arrivals, the requests in flight, and vLLM's figures.
#include <rightsize/error.h>
#include <rightsize/load_test.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <random>
#include <semaphore>
#include <thread>

namespace rightsize {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

std::optional<double> slo_value(const std::string & part, const std::string & key, const std::string & text) {
    try {
        size_t used = 0;
        const double v = std::stod(text, &used);
        if (used == text.size() && v > 0 && std::isfinite(v)) return v;
    } catch (const std::exception &) {
    }
    throw Error("--slo: '" + part + "': " + key + " must be a positive number of milliseconds, e.g. " + key + "=500");
}

// The requests waiting for a free slot, in arrival order.
struct Queue {
    std::mutex m;
    std::condition_variable cv;
    std::deque<size_t> waiting;
    bool closed = false;

    void push(size_t i) {
        {
            std::lock_guard lock(m);
            waiting.push_back(i);
        }
        cv.notify_one();
    }
    void close() {
        {
            std::lock_guard lock(m);
            closed = true;
        }
        cv.notify_all();
    }
    size_t size() {
        std::lock_guard lock(m);
        return waiting.size();
    }
    std::optional<size_t> pop() {
        std::unique_lock lock(m);
        cv.wait(lock, [&] { return closed || !waiting.empty(); });
        if (waiting.empty()) return std::nullopt;
        const size_t i = waiting.front();
        waiting.pop_front();
        return i;
    }
};

RequestRecord send_one(EndpointBackend & backend, const LoadPrompt & p, const LoadTestOptions & o, Clock::time_point start) {
    RequestRecord r;
    r.sent_s = seconds_since(start);
    GenerateRequest rq;
    rq.prompt = p.text;
    rq.max_tokens = p.max_tokens;
    rq.ignore_eos = o.ignore_eos;
    try {
        const GenerateResult g = std::move(backend.generate(std::span<const GenerateRequest>(&rq, 1))[0]);
        r.ok = true;
        r.ttft_ms = g.ttft_ms;
        r.e2el_ms = g.e2e_ms;
        for (size_t k = 1; k < g.token_times_ms.size(); ++k) r.itl_ms.push_back(g.token_times_ms[k] - g.token_times_ms[k - 1]);
        r.input_tokens = g.n_prompt_tokens;
        r.output_tokens = g.n_generated_tokens;
        r.server_prompt_ms = g.server_prompt_ms;
        r.server_predicted_ms = g.server_predicted_ms;
        r.server_predicted_tokens = g.server_predicted_tokens;
    } catch (const Error & e) {
        r.error = e.what();
    }
    return r;
}

// Text for the random prompts' token pool: plain English prose, so the pool holds ordinary words.
constexpr const char * kPoolText =
    "The committee met on a grey morning to decide where the new library would stand. Some wanted the old market "
    "square, close to the station and the schools; others argued for the riverside, where land was cheaper and the "
    "light through tall windows would be kind to readers. After three hours of careful argument, a retired engineer "
    "pointed out that the river had flooded twice in ten years, and the vote was quickly settled in favour of the "
    "square. Builders began in spring, and by the following winter children were reading beside warm radiators, "
    "while their parents borrowed recipes, travel guides, histories of distant wars and novels about ordinary lives.";

int scaled_length(int base, double range_ratio, std::mt19937_64 & rng) {
    if (range_ratio <= 0) return base;
    std::uniform_real_distribution<double> u(1 - range_ratio, 1 + range_ratio);
    return std::max(1, int(std::lround(double(base) * u(rng))));
}

}  // namespace

std::vector<LoadPrompt> random_prompts(EndpointBackend & backend, size_t n, int input_len, int output_len, double range_ratio,
                                       uint64_t seed) {
    if (input_len < 1 || output_len < 1) throw Error("--input-len and --output-len must be at least 1");
    if (range_ratio < 0 || range_ratio >= 1) throw Error("--range-ratio must be from 0 up to (not including) 1");
    std::vector<int32_t> pool = backend.tokenize(kPoolText, false, false);
    std::sort(pool.begin(), pool.end());
    pool.erase(std::unique(pool.begin(), pool.end()), pool.end());
    if (pool.empty()) throw Error(backend.facts().path + ": the server's tokenizer gave no tokens for English text");
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<size_t> pick(0, pool.size() - 1);
    std::vector<LoadPrompt> out(n);
    for (auto & p : out) {
        std::vector<int32_t> ids(size_t(scaled_length(input_len, range_ratio, rng)));
        for (auto & id : ids) id = pool[pick(rng)];
        p.text = backend.detokenize(ids);
        p.max_tokens = scaled_length(output_len, range_ratio, rng);
    }
    return out;
}

std::vector<LoadPrompt> task_prompts(Backend & backend, const TaskConfig & task, const EvalOptions & eval, size_t n, int max_tokens) {
    EvalOptions e = eval;
    e.limit = double(n);
    const TaskEvaluator ev(backend, task, e);
    std::vector<LoadPrompt> out;
    for (size_t i = 0; i < ev.n_docs(); ++i) out.push_back({ev.prompt(i), max_tokens});
    if (out.empty()) throw Error("task '" + task.task + "' has no documents to make prompts from");
    return out;
}

Slo parse_slo(const std::string & text) {
    Slo slo;
    size_t at = 0;
    while (at <= text.size()) {
        const size_t comma = std::min(text.find(',', at), text.size());
        const std::string part = text.substr(at, comma - at);
        const size_t eq = part.find('=');
        const std::string key = part.substr(0, eq);
        if (eq == std::string::npos || (key != "ttft" && key != "tpot" && key != "e2el")) {
            throw Error("--slo: '" + part + "' is not KEY=MS with KEY one of ttft, tpot, e2el (e.g. --slo ttft=500,tpot=50)");
        }
        const auto v = slo_value(part, key, part.substr(eq + 1));
        (key == "ttft" ? slo.ttft_ms : key == "tpot" ? slo.tpot_ms : slo.e2el_ms) = v;
        at = comma + 1;
    }
    return slo;
}

namespace {

// The arrival process, one time after another (seconds from the start), so a long --duration run
// holds no schedule in memory.
class Arrivals {
public:
    Arrivals(double rate, double burstiness, uint64_t seed) : rate_(rate), rng_(seed) {
        if (!(rate > 0)) throw Error("--request-rate must be above 0 (inf sends every request at once)");
        if (!(burstiness > 0) || !std::isfinite(burstiness)) throw Error("--burstiness must be a positive number (1 = Poisson)");
        // Gamma of shape k and scale θ has mean kθ: θ = 1 / (rate · k) keeps the mean gap at 1/rate.
        if (!std::isinf(rate)) gap_ = std::gamma_distribution<double>(burstiness, 1.0 / (rate * burstiness));
    }
    double next() {
        if (std::isinf(rate_)) return 0;
        now_ += gap_(rng_);
        return now_;
    }

private:
    double rate_, now_ = 0;
    std::mt19937_64 rng_;
    std::gamma_distribution<double> gap_;
};

}  // namespace

std::vector<double> arrival_times(size_t n, double rate, double burstiness, uint64_t seed) {
    Arrivals a(rate, burstiness, seed);
    std::vector<double> t(n);
    for (auto & x : t) x = a.next();
    return t;
}

LatencyStats latency_stats(std::span<const double> values) {
    LatencyStats s;
    s.n = values.size();
    if (values.empty()) return s;
    s.mean = mean(values);
    s.median = percentile(values, 50);
    s.p90 = percentile(values, 90);
    s.p95 = percentile(values, 95);
    s.p99 = percentile(values, 99);
    s.min = *std::min_element(values.begin(), values.end());
    s.max = *std::max_element(values.begin(), values.end());
    double sq = 0;
    for (const double v : values) sq += (v - s.mean) * (v - s.mean);
    s.std = std::sqrt(sq / double(values.size()));
    return s;
}

LoadResult summarize_load(std::vector<RequestRecord> requests, double duration_s, const LoadTestOptions & o) {
    LoadResult r;
    r.options = o;
    r.num_prompts = requests.size();
    r.duration_s = duration_s;
    std::vector<double> ttft, tpot, itl, e2el, server_prompt, server_tpot;
    double last_sent = 0;
    for (const auto & q : requests) {
        last_sent = std::max(last_sent, q.sent_s);
        if (!q.ok) {
            ++r.failed;
            if (r.errors.size() < 5 && std::find(r.errors.begin(), r.errors.end(), q.error) == r.errors.end()) r.errors.push_back(q.error);
            continue;
        }
        ++r.completed;
        r.total_input_tokens += q.input_tokens;
        r.total_output_tokens += q.output_tokens;
        ttft.push_back(q.ttft_ms);
        e2el.push_back(q.e2el_ms);
        itl.insert(itl.end(), q.itl_ms.begin(), q.itl_ms.end());
        if (q.server_prompt_ms >= 0) server_prompt.push_back(q.server_prompt_ms);
        if (q.server_predicted_ms >= 0 && q.server_predicted_tokens > 0) server_tpot.push_back(q.server_predicted_ms / q.server_predicted_tokens);
        const double request_tpot = q.output_tokens > 1 ? (q.e2el_ms - q.ttft_ms) / double(q.output_tokens - 1) : 0.0;
        if (q.output_tokens > 1) tpot.push_back(request_tpot);
        const bool good = (!o.slo.ttft_ms || q.ttft_ms <= *o.slo.ttft_ms) && (!o.slo.tpot_ms || request_tpot <= *o.slo.tpot_ms) &&
                          (!o.slo.e2el_ms || q.e2el_ms <= *o.slo.e2el_ms);
        if (good) ++r.good;
    }
    if (duration_s > 0) {
        r.request_throughput = double(r.completed) / duration_s;
        r.output_throughput = double(r.total_output_tokens) / duration_s;
        r.total_token_throughput = double(r.total_input_tokens + r.total_output_tokens) / duration_s;
        r.request_goodput = double(r.good) / duration_s;
    }
    if (requests.size() > 1 && last_sent > 0) r.achieved_rate = double(requests.size() - 1) / last_sent;
    r.ttft = latency_stats(ttft);
    r.tpot = latency_stats(tpot);
    r.itl = latency_stats(itl);
    r.e2el = latency_stats(e2el);
    r.server_prompt_ms = latency_stats(server_prompt);
    r.server_tpot = latency_stats(server_tpot);
    r.requests = std::move(requests);
    return r;
}

LoadResult run_load(EndpointBackend & backend, std::span<const LoadPrompt> prompts, const LoadTestOptions & o, const LoadProgress & progress) {
    if (prompts.empty()) throw Error("load: there are no prompts to send");
    const size_t n = o.num_requests ? o.num_requests : prompts.size();
    Arrivals arrivals(o.request_rate, o.burstiness, o.seed);
    const size_t width = std::min<size_t>(o.max_concurrency > 0 ? size_t(o.max_concurrency) : n, std::min<size_t>(n, 1024));
    // A record per request sent (a deque: the workers' references stay valid as it grows).
    std::deque<RequestRecord> records;
    std::vector<RequestRecord *> slots_of;  // request index → its record, appended by the dispatcher only
    std::mutex records_mutex, done_mutex;
    Queue queue;
    size_t done = 0, sent = 0;
    std::atomic<size_t> busy{0};
    const auto start = Clock::now();
    std::counting_semaphore<> free_slots{std::ptrdiff_t(width)};  // a request is sent only when a slot is free
    std::vector<std::thread> workers;  // started as needed, up to width
    const auto worker = [&] {
        while (const auto i = queue.pop()) {
            ++busy;
            RequestRecord * rec = nullptr;
            {
                std::lock_guard lock(records_mutex);
                rec = slots_of[*i];
            }
            *rec = send_one(backend, prompts[*i % prompts.size()], o, start);
            --busy;
            free_slots.release();
            std::lock_guard lock(done_mutex);
            if (progress) progress(++done, n);
        }
    };
    for (; sent < n; ++sent) {
        std::this_thread::sleep_until(start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(arrivals.next())));
        free_slots.acquire();
        if (o.duration_s > 0 && seconds_since(start) >= o.duration_s) break;
        {
            std::lock_guard lock(records_mutex);
            slots_of.push_back(&records.emplace_back());
        }
        if (workers.size() < width && busy.load() + queue.size() >= workers.size()) workers.emplace_back(worker);
        queue.push(sent);
    }
    queue.close();
    for (auto & t : workers) t.join();
    const double duration = seconds_since(start);
    return summarize_load(std::vector<RequestRecord>(std::make_move_iterator(records.begin()), std::make_move_iterator(records.end())),
                          duration, o);
}

}  // namespace rightsize
