// Report test input made by the tests themselves: three models' results.json in the layout
// `rightsize run` writes (docs/results.md), with round numbers so PER can be worked out by hand.
//
//             arc_easy (scoring, per sample)             gsm8k (generation, per token)
//   model     acc   samples/s ms/sample RSS  J/sample    exact_match tok/s ms/tok RSS  J/token   file MiB
//   alpha     0.60  2         400       900  10          0.30        10    100    1000 5         900
//   beta      0.50  4         300       600  20          0.20        20    60     700  3         500
//   gamma     0.40  6         200       300  40          0.10        30    20     400  1         200
//
// On arc_easy beta sits halfway on every PER dimension: relative PER 0.5; with energy (beta 2/3 of
// the way from worst to best) energy-aware PER = (0.5⁴ · 2/3)^(1/5).
#pragma once

#include "core/atomic_file.h"
#include <rightsize/per.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

namespace rightsize::testing {

struct FixtureModel {
    std::string key;
    double model_mb;
    double acc, acc_se, acc_norm, sps, ms_per_sample, rss_arc, j_per_sample;
    double em, tps, ms_per_token, rss_gsm, j_per_token;
};

inline std::vector<FixtureModel> fixture_models() {
    return {{"alpha-1b-q4", 900, 0.60, 0.01, 0.62, 2, 400, 900, 10, 0.30, 10, 100, 1000, 5},
            {"beta-500m-q4", 500, 0.50, 0.01, 0.55, 4, 300, 600, 20, 0.20, 20, 60, 700, 3},
            {"gamma-200m-q8", 200, 0.40, 0.01, 0.41, 6, 200, 300, 40, 0.10, 30, 20, 400, 1}};
}

inline nlohmann::json fixture_energy(double seconds, double total_j, double per_sample, nlohmann::json per_token) {
    return {{"seconds", seconds},
            {"cpu_j", total_j * 0.9},
            {"ram_j", total_j * 0.1},
            {"gpu_j", 0},
            {"total_j", total_j},
            {"kwh", total_j / 3.6e6},
            {"source", "estimated:tdp"},
            {"parts", {{{"name", "cpu"}, {"joules", total_j * 0.9}, {"source", "estimated:tdp"}},
                       {{"name", "ram"}, {"joules", total_j * 0.1}, {"source", "estimated:tdp"}}}},
            {"cpu_load", 0.95},
            {"j_per_sample", per_sample},
            {"j_per_token", per_token}};
}

inline nlohmann::json fixture_co2e(double total_j, double n, double correct) {
    const double kwh = total_j / 3.6e6, g = kwh * 475;
    return {{"energy_kwh", kwh},       {"co2e_g", g},           {"g_per_1000_queries", g / n * 1000},
            {"g_per_correct", g / correct}, {"g_per_1m_tokens", g / (n * 50) * 1e6}, {"intensity_g_per_kwh", 475},
            {"intensity_origin", "world average (default)"}, {"intensity_source", "IEA world average"}, {"pue", 1.0}};
}

// One results.json per model; with_energy false gives the older layout (no energy, co2e,
// headline, energy_meter or carbon).
inline std::vector<nlohmann::json> fixture_results(bool with_energy = true) {
    std::vector<nlohmann::json> out;
    for (const auto & m : fixture_models()) {
        const double n_arc = 100, n_gsm = 20, gen_tokens = 2000;
        nlohmann::json arc_eff = {{"granularity", "samples"}, {"model_mb", m.model_mb},     {"ms_per_sample", m.ms_per_sample},
                                  {"ms_per_token", nullptr},  {"n_original", 2376},         {"n_samples", n_arc},
                                  {"n_shot", 0},              {"peak_rss_mb", m.rss_arc},   {"peak_rss_scope", "model × task"},
                                  {"processed_tokens_per_s", m.sps * 45}, {"samples_per_s", m.sps}, {"source", "measured"},
                                  {"tokens_per_s", nullptr},  {"wall_s", n_arc / m.sps}};
        nlohmann::json gsm_eff = {{"granularity", "tokens"},        {"model_mb", m.model_mb},   {"ms_per_sample", m.ms_per_token * 100},
                                  {"ms_per_token", m.ms_per_token}, {"n_original", 1319},       {"n_samples", n_gsm},
                                  {"n_shot", 5},                    {"peak_rss_mb", m.rss_gsm}, {"peak_rss_scope", "model × task"},
                                  {"samples_per_s", m.tps / 100},   {"tokens_per_s", m.tps},    {"generated_tokens", gen_tokens},
                                  {"source", "measured"},           {"wall_s", gen_tokens / m.tps},
                                  {"ttft_ms", {{"p50", 10 * m.ms_per_token}, {"p90", 15 * m.ms_per_token}, {"p99", 19 * m.ms_per_token},
                                               {"mean", 11 * m.ms_per_token}}},
                                  {"tpot_ms", {{"p50", m.ms_per_token}, {"p90", 1.5 * m.ms_per_token}, {"p99", 2 * m.ms_per_token},
                                               {"mean", 1.1 * m.ms_per_token}}}};
        if (with_energy) {
            arc_eff["n_devices"] = 1;
            arc_eff["energy"] = fixture_energy(n_arc / m.sps, m.j_per_sample * n_arc, m.j_per_sample, nullptr);
            arc_eff["co2e"] = fixture_co2e(m.j_per_sample * n_arc, n_arc, m.acc * n_arc);
            gsm_eff["n_devices"] = 1;
            gsm_eff["energy"] = fixture_energy(gen_tokens / m.tps, m.j_per_token * gen_tokens, m.j_per_token * gen_tokens / n_gsm, m.j_per_token);
            gsm_eff["co2e"] = fixture_co2e(m.j_per_token * gen_tokens, n_gsm, m.em * n_gsm);
        }
        nlohmann::json r = {
            {"results",
             {{"arc_easy", {{"alias", "arc_easy"}, {"acc,none", m.acc}, {"acc_stderr,none", m.acc_se}, {"acc_norm,none", m.acc_norm},
                            {"acc_norm_stderr,none", 0.049}}},
              {"gsm8k", {{"alias", "gsm8k"}, {"exact_match,strict-match", m.em}, {"exact_match_stderr,strict-match", 0.05},
                         {"exact_match,flexible-extract", m.em + 0.05}, {"exact_match_stderr,flexible-extract", 0.06}}}}},
            {"group_subtasks", nlohmann::json::object()},
            {"configs",
             {{"arc_easy", {{"task", "arc_easy"}, {"metric_list", {{{"metric", "acc"}}, {{"metric", "acc_norm"}}}}}},
              {"gsm8k", {{"task", "gsm8k"},
                         {"metric_list", {{{"metric", "exact_match"}, {"higher_is_better", true}}}},
                         {"filter_list", {{{"name", "strict-match"}}, {{"name", "flexible-extract"}}}}}}}},
            {"versions", {{"arc_easy", 1.0}, {"gsm8k", 3.0}}},
            {"n-shot", {{"arc_easy", 0}, {"gsm8k", 5}}},
            {"higher_is_better", {{"arc_easy", {{"acc", true}, {"acc_norm", true}}}, {"gsm8k", {{"exact_match", true}}}}},
            {"n-samples", {{"arc_easy", {{"original", 2376}, {"effective", 100}}}, {"gsm8k", {{"original", 1319}, {"effective", 20}}}}},
            {"config", {{"model", "rightsize-llama.cpp"}, {"model_args", "model=models/" + m.key + ".gguf"}, {"limit", 100.0},
                        {"num_fewshot", nullptr}, {"fewshot_seed", 1234}, {"apply_chat_template", false},
                        {"llama", {{"threads", 2}, {"ctx_size", 8192}}}}},
            {"model", {{"path", "models/" + m.key + ".gguf"}, {"name", m.key}, {"architecture", "llama"}, {"quantization", "Q4_0"},
                       {"n_params", m.model_mb * 1.8e6}, {"file_bytes", m.model_mb * 1048576}, {"model_mb", m.model_mb}}},
            {"efficiency", {{"arc_easy", arc_eff}, {"gsm8k", gsm_eff}}},
            {"git_hash", "abc1234"},
            {"rightsize_version", "0.1.0 (git abc1234)"},
            {"llama_cpp_version", "0.4.0 (commit 80fb11a)"},
            {"hardware", {{"cpu_model", "Test CPU"}, {"logical_cpus", 2}, {"memory_total_mb", 8000}, {"os", "Linux"}}},
            {"run_id", "20261129T000000Z-fixture1"},
            {"config_hash", "0123456789abcdef"},
            {"date", "2026-11-29T00:10:00Z"}};
        if (with_energy) {
            r["headline"] = {{"arc_easy", {{"metric", "acc"}, {"filter", "none"}}}};  // gsm8k: found from its configs
            r["energy_meter"] = {{"mode", "auto"}, {"source", "estimated:tdp"},
                                 {"notes", {"RAPL: /sys/class/powercap not present", "energy is ESTIMATED from the CPU's TDP"}}};
            r["carbon"] = {{"g_per_kwh", 475}, {"origin", "world average (default)"}, {"source", "IEA"}, {"pue", 1.0}};
        }
        out.push_back(r);
    }
    return out;
}

// DIR/<model>/results.json, as `rightsize run -o DIR` lays them out.
inline void write_run_dir(const std::filesystem::path & dir, const std::vector<nlohmann::json> & models) {
    for (const auto & r : models) {
        std::string stem = std::filesystem::path(r["model"]["path"].get<std::string>()).stem().string();
        write_file_atomic((dir / stem / "results.json").string(), r.dump(2));
    }
}

// PER computed from the fixture's table, independently of the analysis.
inline std::map<std::pair<std::string, std::string>, double> expected_per(PerVariant variant) {
    std::vector<PerInput> in;
    for (const auto & m : fixture_models()) {
        in.push_back({"arc_easy", m.key, m.acc, m.sps, m.ms_per_sample, m.rss_arc, m.j_per_sample, 1, "samples"});
        in.push_back({"gsm8k", m.key, m.em, m.tps, m.ms_per_token, m.rss_gsm, m.j_per_token, 1, "tokens"});
    }
    PerOptions o;
    o.variant = variant;
    std::map<std::pair<std::string, std::string>, double> out;
    for (const auto & r : compute_per(in, o)) out[{r.task, r.model}] = r.per;
    return out;
}

inline std::string unescape(std::string s) {
    for (const auto & [from, to] : {std::pair{"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&#39;", "'"}, {"&amp;", "&"}}) {
        for (size_t p; (p = s.find(from)) != std::string::npos;) s.replace(p, std::string(from).size(), to);
    }
    return s;
}

// The value of attribute `name` in one HTML start tag.
inline std::string attr(const std::string & tag, const std::string & name) {
    std::smatch m;
    if (!std::regex_search(tag, m, std::regex(" " + name + "=\"([^\"]*)\""))) return "";
    return unescape(m[1]);
}


// The cell of analysis.probes whose row has this task and metric, for this model (null if none).
inline nlohmann::json probe_cell(const nlohmann::json & analysis, const std::string & task, const std::string & metric,
                                 const std::string & model) {
    if (!analysis.contains("probes")) return nullptr;
    for (const auto & f : analysis["probes"]["families"])
        for (const auto & t : f["tables"])
            for (const auto & r : t["rows"]) {
                if (r["task"] != task || r["metric"] != metric) continue;
                for (const auto & c : r["cells"])
                    if (c["model"] == model) return c;
            }
    return nullptr;
}

// Every <td data-value="…"> of a report (as written, or as Chromium serialises its DOM) against the
// input: results.json values for results/model/efficiency cells (a results metric without a comma
// is a dotted path: "screen.knowledge.parse_rate"), compute_per for PER cells, the analysis's probe
// figures for cells the analysis derived, and the vote tallies (ReportInput::votes) for vote cells.
// The comparison is exact, as data-value carries full precision. Returns the cells checked.
inline size_t check_data_values(const std::string & html, const std::vector<nlohmann::json> & inputs,
                                std::set<std::string> * metrics = nullptr, const nlohmann::json * analysis = nullptr,
                                const nlohmann::json * votes = nullptr) {
    std::map<std::string, nlohmann::json> by_model;
    for (const auto & r : inputs) by_model[std::filesystem::path(r["model"]["path"].get<std::string>()).stem().string()] = r;
    const auto rel = expected_per(PerVariant::Relative), ea = expected_per(PerVariant::EnergyAware);
    const std::regex cell("<td[^>]*data-value=\"[^\"]*\"[^>]*>");
    size_t checked = 0;
    for (auto it = std::sregex_iterator(html.begin(), html.end(), cell); it != std::sregex_iterator(); ++it) {
        const std::string tag = it->str();
        const std::string model = attr(tag, "data-model"), task = attr(tag, "data-task"), metric = attr(tag, "data-metric"),
                          source = attr(tag, "data-source");
        const double shown = std::stod(attr(tag, "data-value"));
        double want = 0;
        if (source == "results" && metric.find(',') == std::string::npos && metric.find('.') != std::string::npos) {
            const nlohmann::json * j = &by_model.at(model)["results"][task];
            for (size_t start = 0, dot = 0; dot != std::string::npos; start = dot + 1) {
                dot = metric.find('.', start);
                j = &j->at(metric.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
            }
            want = j->get<double>();
        } else if (source == "results") {
            want = by_model.at(model)["results"][task][metric].get<double>();
        } else if (source == "model") {
            want = by_model.at(model)["model"][metric].get<double>();
        } else if (source == "efficiency") {
            const auto dot = metric.find('.');
            const nlohmann::json & eff = by_model.at(model)["efficiency"][task];
            want = dot == std::string::npos ? eff[metric].get<double>() : eff[metric.substr(0, dot)][metric.substr(dot + 1)].get<double>();
        } else if (source == "derived") {
            EXPECT_TRUE(analysis) << "a derived cell needs the analysis to be checked: " << tag;
            if (!analysis) continue;
            const auto c = probe_cell(*analysis, task, metric, model);
            EXPECT_TRUE(c.is_object()) << tag;
            if (!c.is_object()) continue;
            want = c["value"].get<double>();
        } else if (source == "votes") {
            EXPECT_TRUE(votes) << "a vote cell needs the tallies to be checked: " << tag;
            if (!votes) continue;
            nlohmann::json pair;
            for (const auto & t : *votes)
                if (t["task"] == task && t["run_id"] == attr(tag, "data-run"))
                    for (const auto & p : t["pairs"])
                        if (p["model_a"] == attr(tag, "data-model-a") && p["model_b"] == attr(tag, "data-model-b") &&
                            p["voters"] == attr(tag, "data-voters"))
                            pair = p;
            EXPECT_TRUE(pair.is_object()) << tag;
            if (!pair.is_object()) continue;
            if (metric == "win_rate_a.rate") {
                want = pair["win_rate_a"]["rate"].get<double>();
                EXPECT_EQ(std::stod(attr(tag, "data-lo")), pair["win_rate_a"]["ci95"][0].get<double>()) << tag;
                EXPECT_EQ(std::stod(attr(tag, "data-hi")), pair["win_rate_a"]["ci95"][1].get<double>()) << tag;
            } else {
                want = pair[metric].get<double>();
            }
        } else {
            EXPECT_EQ(source, "computed") << tag;
            want = (metric == "per" ? rel : ea).at({task, model});
        }
        const std::string se = attr(tag, "data-stderr");
        if (!se.empty() && source == "results" && metric.find(',') != std::string::npos) {
            const auto comma = metric.find(',');
            EXPECT_EQ(std::stod(se), by_model.at(model)["results"][task][metric.substr(0, comma) + "_stderr" + metric.substr(comma)].get<double>())
                << tag;
        }
        EXPECT_EQ(shown, want) << tag;
        if (metrics) metrics->insert(metric);
        ++checked;
    }
    return checked;
}

}  // namespace rightsize::testing
