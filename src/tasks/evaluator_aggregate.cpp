// A task's scores and efficiency from its samples (lm-eval's aggregation, corpus metrics with a
// seeded bootstrap), and a group's score over its members (evaluator.h).
#include <rightsize/error.h>
#include <rightsize/evaluator.h>
#include <rightsize/extensions.h>
#include <rightsize/stats.h>

#include <algorithm>
#include <map>
#include <cmath>
#include <numeric>

namespace rightsize {

namespace {

double stat_perplexity(std::span<const double> ll, std::span<const double>) { return perplexity(ll); }
double stat_weighted(std::span<const double> ll, std::span<const double> w) { return weighted_perplexity(ll, w); }
double stat_bpb(std::span<const double> ll, std::span<const double> b) { return bits_per_byte(ll, b); }
double stat_f1(std::span<const double> gold, std::span<const double> pred) {
    std::vector<std::string> g, p;
    for (double x : gold) g.push_back(std::to_string(int(x)));
    for (double x : pred) p.push_back(std::to_string(int(x)));
    return corpus_f1(g, p, "1");
}

}  // namespace

nlohmann::json TaskEvaluator::aggregate(std::span<const SampleRecord> samples) const { return aggregate_task_samples(task_, samples); }

nlohmann::json TaskEvaluator::efficiency(std::span<const SampleRecord> samples) const { return task_sample_efficiency(task_, samples); }

nlohmann::json aggregate_task_samples(const TaskConfig & task, std::span<const SampleRecord> samples) {
    nlohmann::json out = {{"alias", task.task}};
    if (!task.process_results.empty()) {
        if (const ResultProcessor * processor = find_result_processor(task.process_results); processor && processor->aggregate) {
            return processor->aggregate(task, samples, std::move(out));
        }
    }
    std::vector<std::string> filter_names;
    for (const auto & f : task.filters) filter_names.push_back(f.name);
    if (filter_names.empty()) filter_names.push_back("none");
    for (const auto & filter : filter_names) {
        for (const auto & spec : task.metrics) {
            std::vector<double> a, b;
            std::vector<std::string> ga, pa;  // f1 on generated strings
            bool string_pairs = false;
            for (const auto & s : samples) {
                if (!s.contains("metrics") || !s["metrics"].contains(filter)) continue;
                const auto & m = s["metrics"][filter];
                if (!m.contains(spec.name)) continue;
                const auto & v = m[spec.name];
                if (v.is_array()) {
                    if (v[0].is_string()) {
                        string_pairs = true;
                        ga.push_back(v[0].get<std::string>());
                        pa.push_back(v[1].get<std::string>());
                    } else {
                        a.push_back(v[0].get<double>());
                        b.push_back(v[1].get<double>());
                    }
                } else {
                    a.push_back(v.get<double>());
                }
            }
            if (a.empty() && ga.empty()) continue;
            const std::string key = spec.name + "," + filter, se_key = spec.name + "_stderr," + filter;
            double value = 0, se = 0;
            const std::string & agg = spec.aggregation;
            if (spec.name == "f1" && string_pairs) {
                // Generated labels: the positive class is the first gold label seen, sorted.
                std::vector<std::string> labels = ga;
                std::sort(labels.begin(), labels.end());
                value = corpus_f1(ga, pa, labels.back());
                se = std::nan("");
            } else if (spec.name == "f1") {
                value = stat_f1(a, b);
                se = bootstrap_stderr(a, b, stat_f1);
            } else if (agg == "perplexity") {
                value = perplexity(a);
                se = bootstrap_stderr(a, a, stat_perplexity);
            } else if (agg == "weighted_perplexity") {
                value = weighted_perplexity(a, b);
                se = bootstrap_stderr(a, b, stat_weighted);
            } else if (const Aggregation * registered = find_aggregation(agg)) {
                std::tie(value, se) = (*registered)(a, b);
            } else if (agg == "bits_per_byte") {
                value = bits_per_byte(a, b);
                se = bootstrap_stderr(a, b, stat_bpb);
            } else {
                value = mean(a);
                se = mean_stderr(a);
            }
            out[key] = value;
            out[se_key] = std::isfinite(se) ? nlohmann::json(se) : nlohmann::json("N/A");
        }
    }
    return out;
}

namespace {

nlohmann::json interval_json(const RatioInterval & r) {
    return {{"se", r.stderr_}, {"ci95", {r.lo, r.hi}}};
}

// Each efficiency figure's bootstrap interval over the task's documents (stats.h, bootstrap_ratio).
// Intervals of the mean TTFT and TPOT: each request's figure, its batch the bootstrap's unit.
void add_timing_intervals(nlohmann::json & u, std::span<const SampleRecord> samples, const std::vector<long long> & unit) {
    std::vector<double> ttft, tpot;
    std::vector<long long> ttft_unit, tpot_unit;
    for (size_t i = 0; i < samples.size(); ++i) {
        const auto timing = samples[i].find("timing");
        if (timing == samples[i].end() || !timing->is_array()) continue;
        for (const auto & t : *timing) {
            ttft.push_back(t.value("ttft_ms", 0.0));
            ttft_unit.push_back(unit[i]);
            if (t.value("generated_tokens", 0) > 1) {
                tpot.push_back(t.value("tpot_ms", 0.0));
                tpot_unit.push_back(unit[i]);
            }
        }
    }
    const auto mean_of = [](const std::vector<double> & v, const std::vector<long long> & units) {
        const std::vector<double> ones(v.size(), 1.0);
        return interval_json(bootstrap_ratio_by_unit(v, ones, units, 1.0));
    };
    if (!ttft.empty()) u["ttft_ms_mean"] = mean_of(ttft, ttft_unit);
    if (!tpot.empty()) u["tpot_ms_mean"] = mean_of(tpot, tpot_unit);
}

nlohmann::json efficiency_uncertainty(std::span<const SampleRecord> samples, bool generates) {
    std::vector<double> cost, one(samples.size(), 1.0), processed, generated;
    std::vector<long long> unit;
    for (const auto & s : samples) {
        cost.push_back(s.value("cost_ms", 0.0));
        processed.push_back(s.value("n_tokens", 0.0));
        generated.push_back(s.value("generated_tokens", 0.0));
        // Documents measured in one batch share its time: the batch is the unit (each document alone
        // when the sample does not say).
        const auto c = s.find("chunk");
        unit.push_back(c != s.end() && c->is_number_integer() ? c->get<long long>() : -1 - (long long)(unit.size()));
    }
    const auto iv = [&](std::span<const double> a, std::span<const double> b, double scale) {
        return interval_json(bootstrap_ratio_by_unit(a, b, unit, scale));
    };
    const RatioInterval units = bootstrap_ratio_by_unit(one, cost, unit, 1000.0);
    nlohmann::json u = {{"method", "bootstrap over the task's measured batches (the documents scored or generated together): 1000 "
                                   "resamples with replacement (seed 1234), each figure recomputed as a ratio of sums; se = the "
                                   "resamples' standard deviation, ci95 = their 2.5th-97.5th percentiles. It covers the spread "
                                   "between batches, not a disturbed machine (see interference); one batch gives no interval"},
                        {"units", units.n},
                        {"samples_per_s", interval_json(units)},
                        {"ms_per_sample", iv(cost, one, 1.0)},
                        {"processed_tokens_per_s", iv(processed, cost, 1000.0)}};
    if (generates) {
        u["tokens_per_s"] = iv(generated, cost, 1000.0);
        u["ms_per_token"] = iv(cost, generated, 1.0);
        add_timing_intervals(u, samples, unit);
    }
    return u;
}

}  // namespace

nlohmann::json task_sample_efficiency(const TaskConfig & task, std::span<const SampleRecord> samples) {
    double wall_ms = 0, tokens = 0, gen_tokens = 0;
    size_t truncated = 0;
    std::map<std::string, size_t> routes;
    std::vector<double> ttft, tpot;
    struct {
        double prompt_ms = 0, prompt_tokens = 0, predicted_ms = 0, predicted_tokens = 0;
        size_t requests = 0;
    } server;
    for (const auto & s : samples) {
        truncated += s.value("truncated", false) ? 1 : 0;
        if (const auto r = s.find("route"); r != s.end() && r->is_string()) ++routes[r->get<std::string>()];
        wall_ms += s.value("cost_ms", 0.0);
        tokens += s.value("n_tokens", 0.0);
        gen_tokens += s.value("generated_tokens", 0.0);
        if (s.contains("timing")) {
            for (const auto & t : s["timing"]) {
                ttft.push_back(t["ttft_ms"].get<double>());
                if (t["generated_tokens"].get<int>() > 1) tpot.push_back(t["tpot_ms"].get<double>());
                if (const auto sv = t.find("server"); sv != t.end() && sv->is_object()) {
                    server.prompt_ms += sv->value("prompt_ms", 0.0);
                    server.prompt_tokens += sv->value("prompt_tokens", 0.0);
                    server.predicted_ms += sv->value("predicted_ms", 0.0);
                    server.predicted_tokens += sv->value("predicted_tokens", 0.0);
                    ++server.requests;
                }
            }
        }
    }
    const double n = double(samples.size());
    nlohmann::json e = {{"granularity", task.output_type == OutputType::GenerateUntil ? "tokens" : "samples"},
                        {"n_samples", samples.size()},
                        {"wall_s", wall_ms / 1000.0},
                        {"samples_per_s", wall_ms > 0 ? n / (wall_ms / 1000.0) : 0.0},
                        {"ms_per_sample", n > 0 ? wall_ms / n : 0.0},
                        {"processed_tokens_per_s", wall_ms > 0 ? tokens / (wall_ms / 1000.0) : 0.0},
                        {"truncated_prompts", truncated},
                        {"source", "measured"}};
    if (!routes.empty()) e["loglikelihood_route"] = routes;  // documents per route, e.g. {"next-token": 100}
    if (task.output_type == OutputType::GenerateUntil) {
        e["generated_tokens"] = gen_tokens;
        e["tokens_per_s"] = wall_ms > 0 ? gen_tokens / (wall_ms / 1000.0) : 0.0;
        e["ms_per_token"] = gen_tokens > 0 ? wall_ms / gen_tokens : 0.0;
        auto pct = [](const std::vector<double> & v) {
            if (v.empty()) return nlohmann::json(nullptr);
            return nlohmann::json{{"p50", percentile(v, 50)}, {"p90", percentile(v, 90)}, {"p99", percentile(v, 99)}, {"mean", mean(v)}};
        };
        e["ttft_ms"] = pct(ttft);
        e["tpot_ms"] = pct(tpot);
        if (server.requests > 0) {  // a served model's server's own account beside the client's figures
            e["server_timings"] = {
                {"requests", server.requests},
                {"prompt_ms_per_token", server.prompt_tokens > 0 ? server.prompt_ms / server.prompt_tokens : 0.0},
                {"predicted_ms_per_token", server.predicted_tokens > 0 ? server.predicted_ms / server.predicted_tokens : 0.0},
                {"predicted_tokens_per_s", server.predicted_ms > 0 ? server.predicted_tokens / (server.predicted_ms / 1000) : 0.0},
                {"source", "the server's own timings (llama-server), per token over the task's requests"}};
        }
    } else {
        e["tokens_per_s"] = nullptr;
        e["ms_per_token"] = nullptr;
    }
    e["uncertainty"] = efficiency_uncertainty(samples, task.output_type == OutputType::GenerateUntil);
    return e;
}

nlohmann::json aggregate_group(const std::vector<std::pair<nlohmann::json, size_t>> & members) {
    nlohmann::json out = nlohmann::json::object();
    std::map<std::string, std::pair<double, double>> sum;  // key → (Σ n·v, Σ n)
    std::map<std::string, double> var;                      // stderr key → Σ n²·se²
    for (const auto & [res, n] : members) {
        for (const auto & [k, v] : res.items()) {
            if (!v.is_number()) continue;
            if (k.find("_stderr,") != std::string::npos) {
                var[k] += double(n) * double(n) * v.get<double>() * v.get<double>();
            } else {
                sum[k].first += double(n) * v.get<double>();
                sum[k].second += double(n);
            }
        }
    }
    for (const auto & [k, s] : sum) {
        out[k] = s.first / s.second;
        const auto comma = k.find(',');
        const std::string se_key = k.substr(0, comma) + "_stderr" + k.substr(comma);
        if (var.count(se_key)) out[se_key] = std::sqrt(var[se_key]) / s.second;
    }
    return out;
}

}  // namespace rightsize
