// Behaviour-probe figures made by the tests themselves, added to the report fixture's first two
// models (alpha, beta; gamma has none), in the layout `rightsize run` writes: "<metric>,none" and
// "<metric>_stderr,none" per task, the personality screen object, n-samples. Round figures, so
// the readings and derived numbers can be worked out by hand:
//
//   charcomp   alpha: letters 0.30 / 0.20 vs words 0.80 / 0.60 (retrieval F1 / count acc)
//              → letters 0.25, words 0.70, gap −0.45 ± √(0.032016² + 0.035355²)
//              beta: 0.50 ± 0.10 everywhere → gap 0
//   cute       alpha: spell 0.90, spell_rand 0.30, contains_char 0.52 ± 0.05 (chance 0.5)
//   personality alpha passes the screen (cosine 0.50, PCP 0.70); beta is flagged
//   sycophancy alpha flips 0.20 ± 0.1333, beta 0.60 ± 0.10 (significant at 95 %)
//   bbq overall bias (ambiguous) alpha +0.10 ± 0.05, beta +0.15 ± 0.05 (overlapping)
#pragma once

#include "report/report_fixture.h"

#include "probes/personality.h"

#include <nlohmann/json.hpp>

#include <string>
#include <tuple>
#include <vector>

namespace rightsize::testing {

struct ProbeFigure {
    const char * metric;
    double value, stderr_value;
};

inline nlohmann::json probe_task(const std::string & task, const std::vector<ProbeFigure> & figures) {
    nlohmann::json r = {{"alias", task}};
    for (const auto & f : figures) {
        r[std::string(f.metric) + ",none"] = f.value;
        r[std::string(f.metric) + "_stderr,none"] = f.stderr_value;
    }
    return r;
}

inline nlohmann::json personality_results(bool unreliable, nlohmann::json cosine, double pcp) {
    nlohmann::json r = {{"alias", "personality"}, {"cosine,none", cosine}, {"pcp,none", pcp}, {"spearman,none", 0.45},
                        {"vmd,none", 1.1}, {"logical_consistency_knowledge,none", unreliable ? 0.4 : 0.9},
                        {"logical_consistency_action,none", 0.8}, {"split_half_knowledge,none", 0.85}, {"split_half_action,none", 0.75},
                        {"unreliable,none", unreliable ? 1.0 : 0.0}};
    for (const char * m : {"cosine", "pcp", "spearman", "vmd", "logical_consistency_knowledge", "logical_consistency_action",
                           "split_half_knowledge", "split_half_action", "unreliable"})
        r[std::string(m) + "_stderr,none"] = "N/A";
    double v = 3.0;
    for (const char * t : {"openness", "conscientiousness", "extraversion", "agreeableness", "neuroticism"}) {
        r["knowledge_" + std::string(t) + ",none"] = v;
        r["action_" + std::string(t) + ",none"] = v + 0.5;
        v += 0.5;
    }
    nlohmann::json reasons = nlohmann::json::array();
    if (unreliable) reasons.push_back("knowledge: logical consistency 0.40 is below 0.7");
    r["screen"] = {{"unreliable", unreliable}, {"reasons", reasons}, {"n_pairs", 60},
                   {"knowledge", {{"parse_rate", 1.0}, {"logical_consistency", unreliable ? 0.4 : 0.9}}},
                   {"action", {{"parse_rate", 0.95}, {"logical_consistency", 0.8}}}};
    r["reference"] = personality::personality_reference();
    return r;
}

// Probe results for model 0 (alpha) or 1 (beta).
inline nlohmann::json probe_results(int model) {
    const bool a = model == 0;
    nlohmann::json r;
    r["charcomp_retrieval_char"] = probe_task("charcomp_retrieval_char", {{"set_f1", a ? 0.30 : 0.5, a ? 0.05 : 0.1},
                                                                          {"set_precision", a ? 0.40 : 0.5, a ? 0.05 : 0.1}});
    r["charcomp_retrieval_token"] = probe_task("charcomp_retrieval_token", {{"set_f1", a ? 0.80 : 0.5, a ? 0.05 : 0.1}});
    r["charcomp_count_char"] = probe_task("charcomp_count_char", {{"acc", a ? 0.20 : 0.5, a ? 0.04 : 0.1}});
    r["charcomp_count_token"] = probe_task("charcomp_count_token", {{"acc", a ? 0.60 : 0.5, a ? 0.05 : 0.1}});
    r["cute_spell"] = probe_task("cute_spell", {{"exact_match", a ? 0.90 : 0.10, 0.03}});
    r["cute_spell_rand"] = probe_task("cute_spell_rand", {{"exact_match", a ? 0.30 : 0.10, a ? 0.05 : 0.03}});
    r["cute_contains_char"] = probe_task("cute_contains_char", {{"acc", a ? 0.52 : 0.90, a ? 0.05 : 0.03}});
    r["personality"] = personality_results(!a, a ? nlohmann::json(0.5) : nlohmann::json(), a ? 0.7 : 0.55);
    r["sycophancy"] = probe_task("sycophancy", {{"acc", 0.625, 0.125}, {"flip_rate", a ? 0.2 : 0.6, a ? 0.1333 : 0.1},
                                                {"acc_after_challenge", 0.5, 0.129}, {"follows_opinion", 0.8125, 0.1008},
                                                {"opinion_shift", a ? 0.625 : 0.05, a ? 0.125 : 0.1}});
    r["truthfulqa_mc1"] = probe_task("truthfulqa_mc1", {{"acc", a ? 0.25 : 0.30, 0.03}});
    r["unfaithful_hint"] = probe_task("unfaithful_hint", {{"acc", 0.6, 0.05}, {"acc_with_hint", 0.4, 0.05}, {"follows_hint", 0.3, 0.05},
                                                          {"hint_shift", a ? 0.2 : 0.0, 0.05}});
    r["unfaithful_hint_cot"] = probe_task("unfaithful_hint_cot", {{"acc", 0.5, 0.05}, {"follows_hint", 0.3, 0.05},
                                                                  {"mentions_hint", 0.0, 0.0}, {"unfaithful", 0.3, 0.05}});
    r["deception_deceive_user"] = probe_task("deception_deceive_user", {{"matches_behavior", a ? 0.5 : 0.7, a ? 0.11 : 0.05}});
    r["ai_risk_corrigible"] = probe_task("ai_risk_corrigible", {{"matches_behavior", 0.8, 0.04}});
    for (const char * t : {"bbq_religion", "bbq_disability_status", "bbq"}) {
        const std::string task = t;
        const double ambig = task == "bbq" ? (a ? 0.10 : 0.15) : task == "bbq_disability_status" ? 0.4 : 0.1;
        r[task] = probe_task(task, {{"acc", 0.45, 0.05}, {"acc_ambig", 0.3, 0.07}, {"acc_disambig", 0.6, 0.07},
                                    {"bias_score_ambig", ambig, task == "bbq_disability_status" ? 0.1 : 0.05},
                                    {"bias_score_disambig", 0.05, 0.05}});
    }
    return r;
}

// The report fixture with probe figures for alpha and beta (documents: 100 per probe task).
inline std::vector<nlohmann::json> probe_fixture_results() {
    auto models = fixture_results();
    for (int m = 0; m < 2; ++m) {
        const auto probes = probe_results(m);
        for (const auto & [task, res] : probes.items()) {
            models[m]["results"][task] = res;
            models[m]["n-samples"][task] = {{"original", 1000}, {"effective", 100}};
        }
    }
    return models;
}

}  // namespace rightsize::testing
