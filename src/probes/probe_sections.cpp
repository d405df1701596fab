// The probes' report sections: character composition (Shin & Kaneko's tasks and CUTE) and
// personality consistency (Ai et al.) here; deception, bias and human-likeness in
// probe_sections_behaviour.cpp; their registration, in the report's order, at the end. The
// report's helpers for families are src/report/report_probes_common.h; rendering is the report's.
#include "probe_sections.h"

#include "report/report_probes_common.h"

#include <rightsize/report_sections.h>

#include "probes/charcomp.h"
#include "probes/personality.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <set>

using nlohmann::json;

namespace rightsize::report_probes {

namespace {

// The row of table t computing `metric` (a derived row), or null.
const json & find_row(const json & t, const std::string & metric) {
    static const json none;
    for (const auto & r : t["rows"])
        if (r["metric"] == metric) return r;
    return none;
}

bool model_has(const json & rows, size_t i) {
    for (const auto & r : rows)
        if (r["source"] == "results" && cell_value(r, i)) return true;
    return false;
}

// Running sums for a mean over k figures: the values and their squared standard errors (the
// mean's standard error, figures taken as independent, is √Σse² / k).
struct Mean {
    double value = 0, se = 0;
    size_t k = 0;
};

// ---- character composition ----------------------------------------------------------------

const std::pair<const char *, const char *> kCharcompFamilies[] = {{"retrieval", "retrieval"}, {"insert", "insertion"},
                                                                   {"delete", "deletion"},     {"replace", "replacement"},
                                                                   {"reorder", "reordering"},  {"count", "counting"}};

// CUTE's tasks (tasks/cute/cute.yaml) grouped by kind: spelling, containment, similarity, edits,
// each before its random-string control. The two-choice tasks (yes/no, or one of two words; their
// YAMLs' doc_to_choice) have a chance level of 0.5.
const char * const kCuteTasks[] = {"cute_spell",       "cute_spell_rand",      "cute_spell_inverse", "cute_spell_inverse_rand",
                                   "cute_contains_char", "cute_contains_char_rand", "cute_contains_word", "cute_orth",
                                   "cute_sem",          "cute_ins_char",        "cute_ins_char_rand", "cute_ins_word",
                                   "cute_del_char",     "cute_del_char_rand",   "cute_del_word",      "cute_sub_char",
                                   "cute_sub_char_rand", "cute_sub_word",       "cute_swap_char",     "cute_swap_char_rand",
                                   "cute_swap_word"};
const std::set<std::string> kCuteTwoChoice = {"cute_contains_char", "cute_contains_char_rand", "cute_contains_word", "cute_orth",
                                              "cute_sem"};

// Two paired rows' mean per model over the pairs both have: {first mean, second mean, difference}.
json paired_means(const Ctx & c, const std::vector<std::pair<json, json>> & pairs, const std::string & task,
                  const std::array<std::string, 3> & metrics, const std::array<std::string, 3> & labels) {
    json a = json::array(), b = json::array(), d = json::array();
    for (size_t i = 0; i < c.input.models.size(); ++i) {
        Mean ma, mb;
        for (const auto & [ra, rb] : pairs) {
            const auto va = cell_value(ra, i), vb = cell_value(rb, i);
            if (!va || !vb) continue;
            ma.value += *va;
            mb.value += *vb;
            ma.se += std::pow(cell_stderr(ra, i).value_or(0), 2);
            mb.se += std::pow(cell_stderr(rb, i).value_or(0), 2);
            ++ma.k;
        }
        if (ma.k == 0) {
            for (json * j : {&a, &b, &d}) j->push_back(cell(c, i, std::nullopt, std::nullopt, std::nullopt));
            continue;
        }
        const double k = double(ma.k), sa = std::sqrt(ma.se) / k, sb = std::sqrt(mb.se) / k;
        a.push_back(cell(c, i, ma.value / k, sa, std::nullopt));
        b.push_back(cell(c, i, mb.value / k, sb, std::nullopt));
        d.push_back(cell(c, i, (ma.value - mb.value) / k, std::sqrt(sa * sa + sb * sb), std::nullopt));
        for (json * j : {&a, &b, &d}) j->back()["pairs"] = ma.k;
    }
    return json::array({derived_row(task, metrics[0], labels[0], "number", a), derived_row(task, metrics[1], labels[1], "number", b),
                        derived_row(task, metrics[2], labels[2], "number", d)});
}

// Shin & Kaneko's six families at both levels, and the mean gap between letters and words.
json charcomp_table(const Ctx & c, const std::vector<std::string> & cc, const std::string & human_text, double f1_lo, double f1_hi) {
    json rows = json::array();
    std::vector<std::pair<json, json>> pairs;
    std::set<std::string> seen;
    for (const auto & [fam, name] : kCharcompFamilies) {
        json level_rows[2];
        for (int l = 0; l < 2; ++l) {
            const std::string level = l == 0 ? "char" : "token", task = "charcomp_" + std::string(fam) + "_" + level;
            seen.insert(task);
            if (!has_task(c, task)) continue;
            std::string key = metric_key(c, task, std::string(fam) == "retrieval" ? "set_f1" : "acc");
            if (key.empty()) key = headline_key(c, task);
            const bool f1 = key.rfind("set_f1,", 0) == 0;
            level_rows[l] = row(c, task, key, std::string(name) + (l == 0 ? " — letters in words" : " — words in sentences"), "higher",
                                "number", f1 ? reference(human_text, std::nullopt, f1_lo, f1_hi) : json());
            rows.push_back(level_rows[l]);
        }
        if (!level_rows[0].is_null() && !level_rows[1].is_null()) pairs.emplace_back(level_rows[0], level_rows[1]);
    }
    for (const auto & t : cc)
        if (!seen.count(t)) rows.push_back(row(c, t, headline_key(c, t), t, "higher", "number"));
    if (!pairs.empty()) {
        for (auto & r : paired_means(c, pairs, "charcomp", {"char_mean", "token_mean", "gap"},
                                     {"letters (char level), mean over the families run at both levels",
                                      "words (token level), same families", "gap, letters − words"}))
            rows.push_back(std::move(r));
    }
    return table("charcomp", "Letters in words and their word-in-sentence twins (Shin & Kaneko)",
                                "F1 over answer sets for retrieval, accuracy otherwise; ± one standard error. The gap is negative "
                                "when letters are harder than words, the paper's finding.",
                                rows);
}

// CUTE's tasks, and the difference between real words and random letter strings.
json cute_table(const Ctx & c, const std::vector<std::string> & cute) {
    json rows = json::array();
    std::set<std::string> seen;
    for (const char * t : kCuteTasks) {
        seen.insert(t);
        if (!has_task(c, t)) continue;
        const std::string task = t;
        const bool rand = task.ends_with("_rand");
        rows.push_back(row(c, task, headline_key(c, task), task.substr(5, rand ? task.size() - 10 : std::string::npos) + (rand ? " (random strings)" : ""),
                           "higher", "number", kCuteTwoChoice.count(task) ? reference("chance 0.5 (two choices)", 0.5) : json()));
    }
    for (const auto & t : cute)
        if (!seen.count(t)) rows.push_back(row(c, t, headline_key(c, t), t.substr(5), "higher", "number"));
    std::vector<std::pair<json, json>> pairs;
    for (const auto & r : rows) {
        for (const auto & q : rows)
            if (q["task"] == r["task"].get<std::string>() + "_rand") pairs.emplace_back(r, q);
    }
    if (!pairs.empty()) {
        for (auto & r : paired_means(c, pairs, "cute", {"words_mean", "random_mean", "words_minus_random"},
                                     {"real words, mean over tasks run on both", "random letter strings, same tasks",
                                      "difference, words − random strings"}))
            rows.push_back(std::move(r));
    }
    return table("cute", "CUTE: spelling, containment, similarity and edits (Edman et al.)",
                                "Exact match for spelling and edits, accuracy for the two-choice questions; ± one standard error. "
                                "The *_rand tasks use random letter strings, the control for memorised spellings.",
                                rows);
}

// Per model: no usable answers, the letters-vs-words gap, F1 against people, CUTE's words vs random
// strings, spelling at 0, two-choice questions at chance. Counts the models read and those at 0.
void charcomp_readings(const Ctx & c, json & f, const std::string & human_text, double f1_lo, size_t & zero_models, size_t & models) {
    const json all = family_rows(f);
    for (size_t i = 0; i < c.input.models.size(); ++i) {
        if (!model_has(all, i)) continue;
        ++models;
        const std::string & m = c.keys[i];
        if (all_zero(all, i)) {
            ++zero_models;
            f["readings"].push_back(m + " scores 0 on every character-composition task: it gave no usable answers, so these figures say "
                                        "nothing about letters versus words.");
            continue;
        }
        for (const auto & t : f["tables"]) {
            for (const auto & r : t["rows"]) {
                const auto v = cell_value(r, i);
                const auto se = cell_stderr(r, i);
                if (!v) continue;
                if (r["metric"] == "gap") {
                    const auto & cl = r["cells"][i];
                    const auto cm = cell_value(find_row(t, "char_mean"), i), tm = cell_value(find_row(t, "token_mean"), i);
                    const int side = versus(*v, se, 0);
                    f["readings"].push_back(m + ": letters " + fixed(*cm) + " vs words " + fixed(*tm) + " on average over " +
                                            cl["pairs"].dump() + (cl["pairs"] == 1 ? " family (gap " : " families (gap ") + signed_pm(*v, se) + "): " +
                                            (side < 0   ? "letters are harder than words for it, the paper's finding."
                                             : side > 0 ? "letters come easier than words here, unlike the paper's finding."
                                                        : "no difference between letters and words beyond noise."));
                } else if (r["task"] == "charcomp_retrieval_char" && r["metric"].get<std::string>().rfind("set_f1,", 0) == 0) {
                    f["readings"].push_back(m + "'s F1 at finding words by their letters is " + fixed(*v) + (se ? " ± " + fixed(*se) : "") +
                                            ", against " + human_text + (*v + 1.959964 * se.value_or(0) < f1_lo ? ": far below people." : "."));
                } else if (r["metric"] == "words_minus_random") {
                    const auto wm = cell_value(find_row(t, "words_mean"), i), rm = cell_value(find_row(t, "random_mean"), i);
                    const int side = versus(*v, se, 0);
                    f["readings"].push_back(m + " on CUTE: " + fixed(*wm) + " on real words vs " + fixed(*rm) + " on random letter strings (" +
                                            r["cells"][i]["pairs"].dump() + (r["cells"][i]["pairs"] == 1 ? " paired task, difference " : " paired tasks, difference ") + signed_pm(*v, se) + "): " +
                                            (side > 0 ? "it leans on memorised spellings of known words."
                                                      : "no difference beyond noise; its letter handling does not depend on knowing the word."));
                }
            }
        }
        size_t generated = 0, generated_zero = 0;
        for (const auto & t : f["tables"])
            for (const auto & r : t["rows"]) {
                const std::string task = r["task"];
                if (task.rfind("cute_", 0) != 0 || kCuteTwoChoice.count(task) || !cell_value(r, i)) continue;
                ++generated;
                generated_zero += *cell_value(r, i) == 0;
            }
        if (generated > 1 && generated_zero == generated) {
            f["readings"].push_back(m + " gets no CUTE spelling or editing question right (exact match 0 on " + std::to_string(generated) +
                                    " tasks).");
        }
        size_t two = 0, at_chance = 0;
        for (const auto & t : f["tables"])
            for (const auto & r : t["rows"]) {
                if (!kCuteTwoChoice.count(r["task"].get<std::string>()) || !cell_value(r, i)) continue;
                ++two;
                at_chance += versus(*cell_value(r, i), cell_stderr(r, i), 0.5) == 0;
            }
        if (two > 0) {
            f["readings"].push_back(m + " is within noise of chance (0.5) on " + std::to_string(at_chance) + " of its " + std::to_string(two) +
                                    (two == 1 ? " two-choice CUTE task" : " two-choice CUTE tasks") +
                                    (at_chance == two ? (two == 1 ? ": there it is guessing." : ": on these it is guessing.") : "."));
        }
    }
}

json charcomp_family(const Ctx & c) {
    const auto cc = tasks_with_prefix(c, "charcomp_");
    const auto cute = tasks_with_prefix(c, "cute_");
    if (cc.empty() && cute.empty()) return nullptr;
    const json ref = charcomp_reference();
    const double f1_lo = ref["human"].value("f1_min", 0.97), f1_hi = ref["human"].value("f1_max", 1.0);
    const std::string human_text = "humans ≈ " + fixed(f1_lo) + "–" + fixed(f1_hi, 1);
    json f = family("charcomp", "Character composition",
                    ref.value("paper", std::string("Shin & Kaneko 2024, arXiv 2405.11357")) + (cute.empty() ? "" : "; CUTE: Edman et al. 2024"));
    f["references"].push_back({{"label", "humans, F1"}, {"text", human_text}, {"lo", f1_lo}, {"hi", f1_hi},
                               {"source", ref["human"].value("source", "")}});
    f["notes"].push_back(ref.value("note", ""));

    if (!cc.empty()) f["tables"].push_back(charcomp_table(c, cc, human_text, f1_lo, f1_hi));
    if (!cute.empty()) f["tables"].push_back(cute_table(c, cute));
    size_t zero_models = 0, models = 0;
    charcomp_readings(c, f, human_text, f1_lo, zero_models, models);
    if (models > 0 && zero_models == models) f["status"] = "insufficient";
    for (const auto & t : f["tables"]) {
        const auto s = compare_models(c, t["rows"], t["id"] == "cute" ? "CUTE" : "character composition");
        if (!s.empty()) f["readings"].push_back(s);
    }
    return f;
}

// ---- personality ---------------------------------------------------------------------------

struct PersonalityRefs {
    double hc, hp, lc, lp;  // humans' and the LLM average's cosine and PCP (Ai et al.)
    personality::ScreenThresholds th;
};

// The consistency table of the personality task: the screen, cosine, Spearman, VMD, PCP, profiles.
void consistency_table(const Ctx & c, json & f, const PersonalityRefs & r) {
    const double hc = r.hc, hp = r.hp, lc = r.lc, lp = r.lp;
    const auto & th = r.th;

    const std::string p = "personality";
    auto k = [&](const std::string & m) { return metric_key(c, p, m); };
    json pair_ref = {{"text", "humans " + fixed(hc) + " · LLM average " + fixed(lc)}, {"humans", hc}, {"llm_average", lc}};
    json pcp_ref = {{"text", "humans " + fixed(hp * 100, 1) + " % · LLM average " + fixed(lp * 100, 1) + " %"}, {"humans", hp},
                    {"llm_average", lp}};
    f["tables"].push_back(table("personality", "Saying vs doing",
                                "Per statement, the self-knowledge answer against the action answer (both 1–7, 7 = agrees). Cosine of "
                                "the midpoint-centred answers (0 = no relation), Spearman ρ, value mean difference (0 best, 6 worst), "
                                "proportion of consistent pairs (|difference| ≤ 1).",
                                json::array({row(c, p, k("cosine"), "cosine", "higher", "number", pair_ref),
                                             row(c, p, k("pcp"), "PCP, consistent pairs", "higher", "percent", pcp_ref),
                                             row(c, p, k("spearman"), "Spearman ρ", "higher", "number"),
                                             row(c, p, k("vmd"), "value mean difference", "lower", "number",
                                                 reference("0 = identical, 6 = opposite"))})));
    auto thr = [](double t) { return reference("passes at ≥ " + fixed(t), t); };
    f["tables"].push_back(table(
        "personality_screen", "Reliability screen",
        "Before the comparison is read: answers parsed, logical consistency of opposite statements, and split-half reliability "
        "(Spearman–Brown), each for self-knowledge and action; unreliable = 1 when any check fails.",
        json::array({row(c, p, "screen.knowledge.parse_rate", "parse rate, self-knowledge", "higher", "percent", thr(th.min_parse_rate)),
                     row(c, p, "screen.action.parse_rate", "parse rate, action", "higher", "percent", thr(th.min_parse_rate)),
                     row(c, p, k("logical_consistency_knowledge"), "logical consistency, self-knowledge", "higher", "percent",
                         thr(th.min_logical_consistency)),
                     row(c, p, k("logical_consistency_action"), "logical consistency, action", "higher", "percent",
                         thr(th.min_logical_consistency)),
                     row(c, p, k("split_half_knowledge"), "split-half reliability, self-knowledge", "higher", "number", thr(th.min_split_half)),
                     row(c, p, k("split_half_action"), "split-half reliability, action", "higher", "number", thr(th.min_split_half)),
                     row(c, p, k("unreliable"), "unreliable (1 = flagged)", "lower", "number", reference("0 = passes the screen", 0.0))})));
    json profile = json::array();
    for (const auto t : personality::kTraits) {
        const std::string name = personality::trait_name(t);
        profile.push_back(row(c, p, k("knowledge_" + name), name + ", says (self-knowledge)", "", "number", reference("4 = neutral", 4.0)));
        profile.push_back(row(c, p, k("action_" + name), name + ", does (action)", "", "number", reference("4 = neutral", 4.0)));
    }
    f["tables"].push_back(table("personality_profile", "Big Five profile, each side",
                                "Mean answer per trait in trait direction (reverse-keyed items as 8 − x), 1–7.", profile));
    for (size_t i = 0; i < c.input.models.size(); ++i) {
        const json & res = task_results(c, i, p);
        if (res.empty()) continue;
        if (res.contains("sampling") && res["sampling"].is_object()) {
            const json & s = res["sampling"];
            f["notes"].push_back(c.keys[i] + "'s answers: " + s.value("method", std::string("?")) + ", " +
                                 s.value("samples_per_prompt", json(1)).dump() + " per prompt.");
        }
    }
}

// The MPI profiles and the IPIP self-report table.
void inventory_tables(const Ctx & c, json & f, const PersonalityRefs & r, bool has_ipip, const std::vector<std::string> & mpi) {
    const auto & th = r.th;
    for (const auto & t : mpi) {
        json rows = json::array();
        for (const auto tr : personality::kTraits) {
            const std::string name = personality::trait_name(tr);
            rows.push_back(row(c, t, metric_key(c, t, name), name, "", "number", reference("3 = midpoint", 3.0)));
        }
        f["tables"].push_back(table(t, "MPI Big Five profile (" + t + ")",
                                    "IPIP-NEO items answered A (very accurate) … E (very inaccurate); mean keyed score per trait, 1–5; "
                                    "± one standard error over the trait's items.",
                                    rows));
    }

    if (has_ipip) {
        // The IPIP items as self-knowledge statements: a self-report only, screened on its own.
        const std::string p = "personality_ipip";
        auto k = [&](const std::string & m) { return metric_key(c, p, m); };
        json rows = json::array({row(c, p, "screen.knowledge.parse_rate", "parse rate", "higher", "percent",
                                     reference("passes at ≥ " + fixed(th.min_parse_rate), th.min_parse_rate)),
                                 row(c, p, k("split_half_knowledge"), "split-half reliability", "higher", "number",
                                     reference("passes at ≥ " + fixed(th.min_split_half), th.min_split_half)),
                                 row(c, p, k("unreliable"), "unreliable (1 = flagged)", "lower", "number", reference("0 = passes the screen", 0.0))});
        for (const auto t : personality::kTraits) {
            const std::string name = personality::trait_name(t);
            rows.push_back(row(c, p, k("knowledge_" + name), name, "", "number", reference("4 = neutral", 4.0)));
        }
        f["tables"].push_back(table(p, "IPIP-NEO-120 as self-report (personality_ipip)",
                                    "The 120 IPIP items as first-person statements on the 7-point scale; no action side, so only the "
                                    "self-report is screened. Trait means in trait direction, 1–7.",
                                    rows));
        for (size_t i = 0; i < c.input.models.size(); ++i) {
            const json & res = task_results(c, i, p);
            if (res.empty()) continue;
            const json screen = res.value("screen", json::object());
            const bool unreliable = screen.is_object() && screen.value("unreliable", false);
            std::string reasons;
            if (screen.contains("reasons") && screen["reasons"].is_array())
                for (const auto & r : screen["reasons"])
                    if (r.is_string()) reasons += (reasons.empty() ? "" : "; ") + r.get<std::string>();
            f["readings"].push_back(c.keys[i] + " on the IPIP items: " +
                                    (unreliable ? "flagged unreliable (" + reasons + "): its trait means are not read as a profile."
                                                : std::string("passes the self-report screen; its trait means are in the table.")));
        }
    }

}

// Per model: the screen, consistency against the references, the MPI profile. Counts the models with
// the personality task and those the screen flags.
void personality_readings(const Ctx & c, json & f, const PersonalityRefs & r, const std::vector<std::string> & mpi, size_t & flagged,
                          size_t & with_p) {
    const double hc = r.hc, hp = r.hp, lc = r.lc, lp = r.lp;
    for (size_t i = 0; i < c.input.models.size(); ++i) {
        const std::string & m = c.keys[i];
        const json & res = task_results(c, i, "personality");
        if (!res.empty()) {
            ++with_p;
            const json screen = res.value("screen", json::object());
            const auto flag = value(c, i, "personality", metric_key(c, "personality", "unreliable"));
            const bool unreliable = screen.is_object() && screen.contains("unreliable") && screen["unreliable"].is_boolean()
                                        ? screen["unreliable"].get<bool>()
                                        : flag.value_or(0) != 0;
            const auto cos = value(c, i, "personality", metric_key(c, "personality", "cosine"));
            const auto pcp = value(c, i, "personality", metric_key(c, "personality", "pcp"));
            if (unreliable) {
                ++flagged;
                std::string reasons;
                if (screen.contains("reasons") && screen["reasons"].is_array())
                    for (const auto & r : screen["reasons"])
                        if (r.is_string()) reasons += (reasons.empty() ? "" : "; ") + r.get<std::string>();
                f["readings"].push_back(m + ": flagged unreliable by the screen" + (reasons.empty() ? "" : " (" + reasons + ")") +
                                        ": the consistency figures below are not read as a personality.");
            } else if (!cos) {
                f["readings"].push_back(m + ": the cosine is undefined (one side answered 4, neutral, throughout)" +
                                        (pcp ? "; its self-reports and actions agree on " + pct(*pcp) + " of statements (PCP)." : "."));
            } else {
                auto place = [](double v, double human, double llm) {
                    if (v >= human) return std::string("at or above the paper's humans");
                    if (v <= llm) return std::string("at or below the paper's LLM average");
                    return std::string(human - v < v - llm ? "closer to the paper's humans" : "closer to the paper's LLM average");
                };
                f["readings"].push_back(m + ": passes the screen; what it says and what it does agree with cosine " + fixed(*cos) + " (" +
                                        place(*cos, hc, lc) + ": humans " + fixed(hc) + ", LLMs " + fixed(lc) + ")" +
                                        (pcp ? " and on " + pct(*pcp) + " of statements (PCP; " + place(*pcp, hp, lp) + ": humans " +
                                                   fixed(hp * 100, 1) + " %, LLMs " + fixed(lp * 100, 1) + " %)."
                                             : "."));
            }
        }
        for (const auto & t : mpi) {
            std::optional<std::pair<std::string, double>> top, bottom;
            for (const auto tr : personality::kTraits) {
                const std::string name = personality::trait_name(tr);
                const auto v = value(c, i, t, metric_key(c, t, name));
                if (!v) continue;
                if (!top || *v > top->second) top = {{name, *v}};
                if (!bottom || *v < bottom->second) bottom = {{name, *v}};
            }
            if (top) {
                f["readings"].push_back(m + "'s MPI profile (1–5, 3 = midpoint): highest " + top->first + " (" + fixed(top->second) +
                                        "), lowest " + bottom->first + " (" + fixed(bottom->second) + ").");
            }
        }
    }
}

json personality_family(const Ctx & c) {
    const bool has_p = has_task(c, "personality");
    const bool has_ipip = has_task(c, "personality_ipip");
    std::vector<std::string> mpi;
    for (const auto & t : tasks_with_prefix(c, "mpi"))
        if (!metric_key(c, t, "openness").empty()) mpi.push_back(t);
    if (!has_p && !has_ipip && mpi.empty()) return nullptr;
    const json ref = personality::personality_reference();
    json f = family("personality", "Personality: self-knowledge vs action", ref.value("source", "Ai et al. 2024, arXiv:2402.14679"));
    const double hc = ref["humans"]["cosine"], hp = ref["humans"]["pcp"], lc = ref["llm_average"]["cosine"], lp = ref["llm_average"]["pcp"];
    f["references"] = {{{"label", "humans"}, {"text", "cosine " + fixed(hc) + ", PCP " + fixed(hp * 100, 1) + " %"}, {"cosine", hc}, {"pcp", hp},
                        {"source", ref.value("source", "")}},
                       {{"label", "LLM average"}, {"text", "cosine " + fixed(lc) + ", PCP " + fixed(lp * 100, 1) + " %"}, {"cosine", lc}, {"pcp", lp},
                        {"source", ref.value("source", "")}}};
    f["notes"].push_back("Reference figures: " + ref.value("note", std::string()) + ".");
    const PersonalityRefs refs{hc, hp, lc, lp, {}};
    if (has_p) consistency_table(c, f, refs);
    inventory_tables(c, f, refs, has_ipip, mpi);
    size_t flagged = 0, with_p = 0;
    personality_readings(c, f, refs, mpi, flagged, with_p);
    if (with_p > 0 && flagged == with_p && mpi.empty()) f["status"] = "unreliable";
    if (with_p > 1 && flagged == 0) {
        const auto s = compare_models(c, f["tables"][0]["rows"], "self-knowledge vs action");
        if (!s.empty()) f["readings"].push_back(s);
    }
    return f;
}

}  // namespace

}  // namespace rightsize::report_probes

namespace rightsize::probes {

void register_probe_sections() {
    using namespace report_probes;
    auto section = [](const char * id, json (*analyse)(const Ctx &)) {
        ReportSection s;
        s.id = id;
        s.analyse = [analyse](const ReportInput & input, const std::vector<std::string> & keys) { return analyse(Ctx{input, keys}); };
        return s;
    };
    register_report_section(section("charcomp", charcomp_family));
    register_report_section(section("personality", personality_family));
    register_report_section(section("deception", deception_family));
    ReportSection bias = section("bias", bias_family);
    bias.html_after_tables = bias_chart_html;
    register_report_section(std::move(bias));
    ReportSection human = section("humanlike", humanlike_family);
    human.html_after_tables = votes_html;
    register_report_section(std::move(human));
}

}  // namespace rightsize::probes
