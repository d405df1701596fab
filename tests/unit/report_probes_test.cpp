// The report's behaviour-probe sections: every family of the fixture's probe figures with its
// numbers and references, readings that follow the numbers (the personality screen, overlapping
// and separated standard errors), the human-likeness votes read from a real SQLite store with
// their Wilson intervals, and the HTML/Markdown renderings (escaped, data-value = the input).
#include "report/probe_fixture.h"
#include "report/report_probes.h"
#include "test_support.h"

#include <rightsize/report.h>
#include <rightsize/results_store.h>
#include "probes/vote.h"

#include <gtest/gtest.h>

#include <cmath>
#include <regex>

using namespace rightsize;
using namespace rightsize::testing;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::string kAlpha = "alpha-1b-q4", kBeta = "beta-500m-q4", kGamma = "gamma-200m-q8";

json analyse_probes_of(const std::vector<json> & models, json votes = json::array()) {
    ReportInput in{models, "mem", ""};
    in.votes = std::move(votes);
    return analyse(in);
}

const json & family_of(const json & a, const std::string & id) {
    for (const auto & f : a["probes"]["families"])
        if (f["id"] == id) return f;
    throw std::runtime_error("no family " + id);
}

const json & row_of(const json & family, const std::string & task, const std::string & metric) {
    for (const auto & t : family["tables"])
        for (const auto & r : t["rows"])
            if (r["task"] == task && r["metric"] == metric) return r;
    throw std::runtime_error("no row " + task + " " + metric);
}

const json & cell_of(const json & row, const std::string & model) {
    for (const auto & c : row["cells"])
        if (c["model"] == model) return c;
    throw std::runtime_error("no cell " + model);
}

// Whether some reading of the family contains every one of the fragments.
bool reads(const json & family, const std::vector<std::string> & fragments) {
    for (const auto & r : family["readings"]) {
        const std::string s = r;
        bool all = true;
        for (const auto & f : fragments) all = all && s.find(f) != std::string::npos;
        if (all) return true;
    }
    return false;
}

std::string readings_of(const json & family) { return family["readings"].dump(2); }

// A store holding the fixture run (task results for every model) and, when asked, votes on
// humanlike: people 8 : 2 for alpha over beta (one tie among them), and a judge that votes every
// document in both orders and agrees with itself on half.
fs::path make_store_with_votes(const std::string & name, bool with_votes) {
    const auto dir = fresh_subdir(name);
    const auto db = dir / "rightsize.sqlite";
    const auto inputs = fixture_results();
    const std::string run_id = inputs[0]["run_id"];
    {
        ResultsStore store(db.string());
        RunInfo run{run_id, "0123456789abcdef", json{{"tasks", inputs[0]["configs"]}, {"limit", 100.0}, {"num_fewshot", nullptr}, {"fewshot_seed", 1234},
                                                      {"apply_chat_template", false}}, "abc1234", "0.4.0", json::object()};
        store.begin_run(run);
        for (const auto & r : inputs) {
            const auto key = fs::path(r["model"]["path"].get<std::string>()).stem().string();
            for (const std::string task : {"arc_easy", "gsm8k"})
                store.put_task_result(run_id, key, task, r["model"], r["results"][task], r["efficiency"][task]);
        }
        store.finish_run(run_id);
    }
    write_run_dir(dir, inputs);
    if (!with_votes) return db;
    // People: alpha wins 7, beta wins 2, one tie → rate (7 + 0.5) / 10 = 0.75; shown in both positions.
    for (long long d = 0; d < 10; ++d) {
        const bool alpha_left = d % 2 == 0;
        const std::string left = alpha_left ? kAlpha : kBeta, right = alpha_left ? kBeta : kAlpha;
        VoteChoice c = VoteChoice::Tie;
        if (d < 7) c = alpha_left ? VoteChoice::Left : VoteChoice::Right;
        else if (d < 9) c = alpha_left ? VoteChoice::Right : VoteChoice::Left;
        EXPECT_TRUE(record_vote(db.string(), run_id, "humanlike", d, left, right, c, d < 5 ? "ann" : "bob"));
    }
    // A judge that names alpha in both orders on documents 0 and 1 and picks Answer 1 on 2 and 3:
    // its orders agree on half the documents.
    for (long long d = 0; d < 4; ++d) {
        EXPECT_TRUE(record_vote(db.string(), run_id, "humanlike", d, kAlpha, kBeta, VoteChoice::Left, "judge:gemma"));
        EXPECT_TRUE(record_vote(db.string(), run_id, "humanlike", d, kBeta, kAlpha, d < 2 ? VoteChoice::Right : VoteChoice::Left,
                                "judge:gemma"));
    }
    // A judge that always picks Answer 1, on ten documents in both orders.
    for (long long d = 0; d < 10; ++d) {
        EXPECT_TRUE(record_vote(db.string(), run_id, "humanlike", d, kAlpha, kBeta, VoteChoice::Left, "judge:lefty"));
        EXPECT_TRUE(record_vote(db.string(), run_id, "humanlike", d, kBeta, kAlpha, VoteChoice::Left, "judge:lefty"));
    }
    return db;
}

const json & pair_of(const json & family, const std::string & voters) {
    for (const auto & t : family["votes"])
        for (const auto & p : t["pairs"])
            if (p["voters"] == voters) return p;
    throw std::runtime_error("no pair for " + voters);
}

}  // namespace

TEST(ReportProbes, EveryFamilyWithItsFiguresAndReferences) {
    const auto models = probe_fixture_results();
    const auto a = analyse_probes_of(models);
    ASSERT_TRUE(a.contains("probes"));
    std::vector<std::string> ids;
    for (const auto & f : a["probes"]["families"]) ids.push_back(f["id"]);
    EXPECT_EQ(ids, (std::vector<std::string>{"charcomp", "personality", "deception", "bias"}));  // no votes, no humanlike task

    // Every results figure in every table is the input's number, with its stderr and documents.
    size_t cells = 0;
    for (const auto & f : a["probes"]["families"]) {
        EXPECT_FALSE(f["paper"].get<std::string>().empty()) << f["id"];
        for (const auto & t : f["tables"])
            for (const auto & r : t["rows"]) {
                if (r["source"] != "results") continue;
                const std::string task = r["task"], metric = r["metric"];
                for (size_t m = 0; m < 2; ++m) {
                    const auto & c = cell_of(r, m == 0 ? kAlpha : kBeta);
                    const json & all = models[m].at("results");
                    const json res = all.contains(task) ? all.at(task) : json::object();
                    if (metric.find(',') == std::string::npos) continue;  // screen paths: checked below
                    // value(): a const json's operator[] on a missing key is undefined behaviour.
                    EXPECT_EQ(c["value"], res.value(metric, json())) << task << " " << metric;
                    const auto comma = metric.find(',');
                    const json se = res.value(metric.substr(0, comma) + "_stderr" + metric.substr(comma), json());
                    if (se.is_number()) {
                        EXPECT_EQ(c["stderr"], se) << task << " " << metric;
                    } else {
                        EXPECT_TRUE(c["stderr"].is_null()) << task << " " << metric;  // "N/A"
                    }
                    EXPECT_EQ(c["n"], 100) << task;
                    ++cells;
                }
                EXPECT_TRUE(cell_of(r, kGamma)["value"].is_null());  // gamma ran no probes
            }
    }
    EXPECT_EQ(cells, 2u * 57);  // 57 figures with a metric key: 4 charcomp, 3 CUTE, 19 personality, 16 deception, 15 BBQ

    const auto & cc = family_of(a, "charcomp");
    const auto & f1 = row_of(cc, "charcomp_retrieval_char", "set_f1,none");
    EXPECT_EQ(f1["reference"]["lo"], 0.97);
    EXPECT_EQ(f1["reference"]["hi"], 1.0);
    EXPECT_EQ(row_of(cc, "cute_contains_char", "acc,none")["reference"]["value"], 0.5);
    EXPECT_TRUE(row_of(cc, "cute_spell", "exact_match,none")["reference"].is_null());

    const auto & p = family_of(a, "personality");
    EXPECT_EQ(row_of(p, "personality", "cosine,none")["reference"]["humans"], 0.76);
    EXPECT_EQ(row_of(p, "personality", "cosine,none")["reference"]["llm_average"], 0.24);
    EXPECT_EQ(row_of(p, "personality", "pcp,none")["reference"]["humans"], 0.847);
    EXPECT_EQ(row_of(p, "personality", "pcp,none")["reference"]["llm_average"], 0.568);
    EXPECT_EQ(cell_of(row_of(p, "personality", "screen.action.parse_rate"), kAlpha)["value"], 0.95);
    EXPECT_TRUE(cell_of(row_of(p, "personality", "cosine,none"), kBeta)["value"].is_null());  // undefined, still a row
    EXPECT_EQ(p["references"][0]["cosine"], 0.76);
    EXPECT_EQ(p["references"][1]["pcp"], 0.568);

    const auto & b = family_of(a, "bias");
    EXPECT_EQ(row_of(b, "bbq", "bias_score_ambig,none")["reference"]["value"], 0.0);
    EXPECT_EQ(row_of(b, "bbq", "bias_score_ambig,none")["reference"]["lo"], -1.0);
    EXPECT_EQ(row_of(b, "bbq", "bias_score_ambig,none")["reference"]["hi"], 1.0);
    EXPECT_DOUBLE_EQ(row_of(b, "bbq_religion", "acc,none")["reference"]["value"].get<double>(), 1.0 / 3);
    const auto & d = family_of(a, "deception");
    EXPECT_EQ(row_of(d, "deception_deceive_user", "matches_behavior,none")["reference"]["value"], 0.5);
    EXPECT_EQ(row_of(d, "ai_risk_corrigible", "matches_behavior,none")["better"], "higher");
    EXPECT_EQ(row_of(d, "deception_deceive_user", "matches_behavior,none")["better"], "lower");
}

TEST(ReportProbes, DerivedFiguresMatchHandValues) {
    const auto a = analyse_probes_of(probe_fixture_results());
    const auto & cc = family_of(a, "charcomp");
    const auto & gap = cell_of(row_of(cc, "charcomp", "gap"), kAlpha);
    EXPECT_NEAR(cell_of(row_of(cc, "charcomp", "char_mean"), kAlpha)["value"].get<double>(), 0.25, 1e-12);
    EXPECT_NEAR(cell_of(row_of(cc, "charcomp", "token_mean"), kAlpha)["value"].get<double>(), 0.70, 1e-12);
    EXPECT_NEAR(gap["value"].get<double>(), -0.45, 1e-12);
    const double se_char = std::sqrt(0.05 * 0.05 + 0.04 * 0.04) / 2, se_token = std::sqrt(0.05 * 0.05 + 0.05 * 0.05) / 2;
    EXPECT_NEAR(gap["stderr"].get<double>(), std::hypot(se_char, se_token), 1e-12);
    EXPECT_EQ(gap["pairs"], 2);
    EXPECT_NEAR(cell_of(row_of(cc, "charcomp", "gap"), kBeta)["value"].get<double>(), 0.0, 1e-12);
    EXPECT_NEAR(cell_of(row_of(cc, "cute", "words_minus_random"), kAlpha)["value"].get<double>(), 0.60, 1e-12);
    EXPECT_NEAR(cell_of(row_of(cc, "cute", "words_minus_random"), kAlpha)["stderr"].get<double>(), std::hypot(0.03, 0.05), 1e-12);
}

TEST(ReportProbes, ReadingsFollowTheNumbers) {
    auto models = probe_fixture_results();
    const auto a = analyse_probes_of(models);
    const auto & cc = family_of(a, "charcomp");
    EXPECT_TRUE(reads(cc, {kAlpha, "letters 0.25 vs words 0.70", "-0.45 ± 0.05", "letters are harder than words"})) << readings_of(cc);
    EXPECT_TRUE(reads(cc, {kBeta, "no difference between letters and words beyond noise"})) << readings_of(cc);
    EXPECT_TRUE(reads(cc, {kAlpha, "0.90 on real words vs 0.30 on random letter strings", "memorised spellings"})) << readings_of(cc);
    EXPECT_TRUE(reads(cc, {kAlpha, "within noise of chance (0.5) on 1 of its 1 two-choice CUTE task: there it is guessing"})) << readings_of(cc);
    EXPECT_TRUE(reads(cc, {kBeta, "within noise of chance (0.5) on 0 of its 1"})) << readings_of(cc);
    EXPECT_TRUE(reads(cc, {"F1 at finding words by their letters is 0.30 ± 0.05", "humans ≈ 0.97–1.0", "far below people"})) << readings_of(cc);

    // The personality screen decides whether the comparison is read at all.
    const auto & p = family_of(a, "personality");
    EXPECT_EQ(p["status"], "ok");
    EXPECT_TRUE(reads(p, {kAlpha, "passes the screen", "cosine 0.50", "closer to the paper's LLM average", "70 %"})) << readings_of(p);
    EXPECT_TRUE(reads(p, {kBeta, "flagged unreliable by the screen", "logical consistency 0.40 is below 0.7",
                          "not read as a personality"}))
        << readings_of(p);
    EXPECT_FALSE(reads(p, {kBeta, "passes the screen"}));
    models[0]["results"]["personality"] = personality_results(true, json(), 0.5);
    const auto flagged = analyse_probes_of(models);
    EXPECT_EQ(family_of(flagged, "personality")["status"], "unreliable");
    EXPECT_NE(render_html(flagged).find("id=\"probe-personality-unreliable\""), std::string::npos);
    models = probe_fixture_results();
    models[0]["results"]["personality"]["cosine,none"] = 0.80;
    EXPECT_TRUE(reads(family_of(analyse_probes_of(models), "personality"), {kAlpha, "cosine 0.80", "at or above the paper's humans"}));

    // Deception: the example sentences, and significance between the models.
    const auto & d = family_of(a, "deception");
    EXPECT_TRUE(reads(d, {kAlpha + " changed a correct answer in 20 % (± 13) of challenges"})) << readings_of(d);
    EXPECT_TRUE(reads(d, {kAlpha, "+62 points (± 12) against unprompted", "defers to the user"}) ||
                reads(d, {kAlpha, "+63 points (± 13) against unprompted", "defers to the user"}))
        << readings_of(d);
    EXPECT_TRUE(reads(d, {kBeta, "no deference beyond noise"})) << readings_of(d);
    EXPECT_TRUE(reads(d, {"Sycophancy: the two models differ beyond noise (95 %) on changed a correct answer when challenged (" + kBeta +
                          " 60 % ± 10 vs " + kAlpha + " 20 % ± 13)"}))
        << readings_of(d);
    EXPECT_TRUE(reads(d, {kAlpha, "the hint pulls it to the wrong answer"})) << readings_of(d);
    EXPECT_TRUE(reads(d, {kBeta, "the hint makes no difference beyond noise"})) << readings_of(d);
    EXPECT_TRUE(reads(d, {kAlpha, "no preference beyond noise (0.5) on deceive the user (50 % ± 11)"})) << readings_of(d);
    EXPECT_TRUE(reads(d, {kBeta, "prefers the answer matching the behaviour on deceive the user (70 % ± 5)"})) << readings_of(d);
    EXPECT_TRUE(reads(d, {"unfaithful reasoning"})) << readings_of(d);

    // BBQ: overlapping standard errors, then separated ones.
    const auto & b = family_of(a, "bias");
    EXPECT_TRUE(reads(b, {"BBQ bias scores: on overall: bias score, ambiguous and overall: bias score, disambiguated, the two models' "
                          "figures overlap within their standard errors."}))
        << readings_of(b);
    EXPECT_TRUE(reads(b, {kAlpha + " (overall)", "+0.10 ± 0.05", "no bias beyond noise"})) << readings_of(b);
    EXPECT_TRUE(reads(b, {kAlpha + "'s category bias scores beyond noise", "disability status ambiguous +0.40 ± 0.10",
                          "towards the stereotype"}))
        << readings_of(b);
    models[0]["results"]["bbq"]["bias_score_ambig,none"] = 0.10;
    models[0]["results"]["bbq"]["bias_score_ambig_stderr,none"] = 0.02;
    models[1]["results"]["bbq"]["bias_score_ambig,none"] = 0.50;
    models[1]["results"]["bbq"]["bias_score_ambig_stderr,none"] = 0.02;
    const auto separated = analyse_probes_of(models);
    const auto & sep = family_of(separated, "bias");
    EXPECT_TRUE(reads(sep, {"BBQ bias scores: the two models differ beyond noise (95 %) on overall: bias score, ambiguous (" + kBeta +
                            " 0.50 ± 0.02 vs " + kAlpha + " 0.10 ± 0.02)"}))
        << readings_of(sep);
    EXPECT_TRUE(reads(sep, {kBeta + " (overall)", "+0.50 ± 0.02", "towards the stereotype"})) << readings_of(sep);
    EXPECT_FALSE(reads(sep, {"on overall: bias score, ambiguous,"})) << readings_of(sep);
    EXPECT_TRUE(reads(sep, {"on overall: bias score, disambiguated, the two models' figures overlap within their standard errors"}))
        << readings_of(sep);
}

TEST(ReportProbes, FewDocumentsAndNoUsableAnswersAreSaid) {
    auto models = probe_fixture_results();
    models[0]["n-samples"]["sycophancy"]["effective"] = 16;
    for (const char * t : {"charcomp_retrieval_char", "charcomp_retrieval_token", "charcomp_count_char", "charcomp_count_token", "cute_spell",
                           "cute_spell_rand", "cute_contains_char"}) {
        for (auto & [k, v] : models[1]["results"][t].items())
            if (v.is_number()) v = 0.0;
    }
    const auto a = analyse_probes_of(models);
    EXPECT_TRUE(reads(family_of(a, "deception"), {"Few documents", "as few as 16 documents"}));
    EXPECT_FALSE(reads(family_of(a, "bias"), {"Few documents"}));
    const auto & cc = family_of(a, "charcomp");
    EXPECT_TRUE(reads(cc, {kBeta + " scores 0 on every character-composition task", "say nothing"})) << readings_of(cc);
    EXPECT_FALSE(reads(cc, {kBeta, "letters and words"}));  // not over-read
    EXPECT_EQ(cc["status"], "ok");                         // alpha's figures are still read
}

TEST(ReportProbes, NoProbeTasksNoProbeSections) {
    const auto a = analyse_probes_of(fixture_results());
    EXPECT_FALSE(a.contains("probes"));
    const auto html = render_html(a), md = render_markdown(a);
    EXPECT_EQ(html.find("probe"), std::string::npos);
    EXPECT_EQ(html.find("table.probe"), std::string::npos);
    EXPECT_EQ(md.find("Behaviour:"), std::string::npos);
    // The analysis function alone says the same.
    EXPECT_TRUE(analyse_probes(ReportInput{fixture_results(), "mem", ""}, {kAlpha, kBeta, kGamma})["families"].empty());
}

TEST(ReportProbes, WinRatesFromTheStoreCarryWilsonIntervals) {
    const auto db = make_store_with_votes("probe-votes", true);
    const auto in = load_report_input(db.string());
    ASSERT_EQ(in.votes.size(), 1u);
    EXPECT_EQ(in.votes[0]["task"], "humanlike");
    EXPECT_EQ(in.votes[0]["run_id"], "20261129T000000Z-fixture1");
    // The run folder (results.json files beside the store) reads the same votes.
    const auto from_dir = load_report_input(db.parent_path().string());
    EXPECT_EQ(from_dir.votes, in.votes);

    const auto a = analyse(in);
    const auto & h = family_of(a, "humanlike");
    const auto & people = pair_of(h, "human");
    EXPECT_EQ(people["model_a"], kAlpha);
    EXPECT_EQ(people["model_b"], kBeta);
    EXPECT_EQ(people["n_votes"], 10);
    EXPECT_EQ(people["a_wins"], 7);
    EXPECT_EQ(people["b_wins"], 2);
    EXPECT_EQ(people["ties"], 1);
    EXPECT_EQ(people["index_a"], 0);
    EXPECT_DOUBLE_EQ(people["rate"].get<double>(), 0.75);
    // Wilson by hand, z = 1.959964, p = 0.75, n = 10.
    const double z = 1.959964, pr = 0.75, n = 10, den = 1 + z * z / n;
    const double centre = (pr + z * z / (2 * n)) / den, half = z / den * std::sqrt(pr * (1 - pr) / n + z * z / (4 * n * n));
    EXPECT_NEAR(people["lo"].get<double>(), centre - half, 1e-12);
    EXPECT_NEAR(people["hi"].get<double>(), centre + half, 1e-12);
    EXPECT_NEAR(people["lo"].get<double>(), 0.4422, 1e-4);
    EXPECT_NEAR(people["hi"].get<double>(), 0.9191, 1e-4);
    EXPECT_TRUE(people["order_consistency"].is_null());
    EXPECT_TRUE(reads(h, {"People preferred " + kAlpha + "'s answers over " + kBeta + "'s in 75 % of 10 votes", "1 tie;", "44–92 %",
                          "the interval contains 50 %"}))
        << readings_of(h);
    // gemma: alpha 6 (both orders on documents 0 and 1, first position on 2 and 3), beta 2.
    const auto & gemma = pair_of(h, "judge:gemma");
    EXPECT_EQ(gemma["n_votes"], 8);
    EXPECT_EQ(gemma["a_wins"], 6);
    EXPECT_DOUBLE_EQ(gemma["left_share"].get<double>(), 0.75);
    EXPECT_DOUBLE_EQ(gemma["order_consistency"].get<double>(), 0.5);
    EXPECT_TRUE(reads(h, {"The judge gemma", "two orders agreed on 50 % of pairs: strong position bias, its verdict is weak"}))
        << readings_of(h);
    EXPECT_FALSE(reads(h, {"The judge gemma", "favoured the answer shown"})) << readings_of(h);  // 6 of 8: within noise
    // lefty: 10 : 10 by model, 20 of 20 for Answer 1 (Wilson lower bound above 0.5), never consistent.
    const auto & lefty = pair_of(h, "judge:lefty");
    EXPECT_DOUBLE_EQ(lefty["rate"].get<double>(), 0.5);
    EXPECT_DOUBLE_EQ(lefty["left_share"].get<double>(), 1.0);
    double llo = 0, lhi = 0;
    wilson_interval(1.0, 20, z, llo, lhi);
    EXPECT_NEAR(lefty["left_lo"].get<double>(), llo, 1e-12);
    EXPECT_GT(llo, 0.5);
    EXPECT_TRUE(reads(h, {"The judge lefty", "favoured the answer shown first (100 % of decisive votes went to Answer 1)",
                          "agreed on 0 % of pairs: strong position bias"}))
        << readings_of(h);
    EXPECT_TRUE(reads(h, {"Few votes (as few as 8 in a group)"})) << readings_of(h);

    // The HTML table and chart carry the tallies' numbers.
    const auto html = render_html(a);
    EXPECT_GE(check_data_values(html, fixture_results(), nullptr, &a, &in.votes), 3u * 2 * 11 + 2 * 7);
    EXPECT_NE(html.find("id=\"chart-winrate-humanlike\""), std::string::npos);
    EXPECT_NE(html.find("class=\"whisker\""), std::string::npos);
    EXPECT_NE(render_markdown(a).find("| " + kAlpha + " | " + kBeta + " | human | 75.0 % [44.2 %, 91.9 %] | 10 | 7 | 2 | 1 |"),
              std::string::npos)
        << render_markdown(a);
}

TEST(ReportProbes, StoreWithoutVotesHasNone) {
    const auto db = make_store_with_votes("probe-no-votes", false);
    const auto in = load_report_input(db.string());
    EXPECT_TRUE(in.votes.is_array());
    EXPECT_TRUE(in.votes.empty());
    EXPECT_TRUE(load_report_input(db.parent_path().string()).votes.empty());
    EXPECT_FALSE(analyse(in).contains("probes"));
    // Answers without votes: the family says that no votes were cast.
    auto models = fixture_results();
    models[0]["results"]["humanlike"] = {{"alias", "humanlike"}, {"response_words,none", 42.0}, {"response_words_stderr,none", 3.0}};
    const auto a = analyse_probes_of(models);
    const auto & h = family_of(a, "humanlike");
    EXPECT_EQ(h["status"], "insufficient");
    EXPECT_TRUE(reads(h, {"no votes have been cast yet", "rightsize vote"})) << readings_of(h);
    EXPECT_EQ(cell_of(row_of(h, "humanlike", "response_words,none"), kAlpha)["value"], 42.0);
}

TEST(ReportProbes, HtmlAndMarkdownCarryTheNumbersEscaped) {
    auto models = probe_fixture_results();
    models[0]["results"]["cute_<b>&x"] = {{"acc,none", 0.25}, {"acc_stderr,none", 0.1}};
    const auto a = analyse_probes_of(models);
    const auto html = render_html(a);
    EXPECT_EQ(html.find("cute_<b>"), std::string::npos);
    EXPECT_NE(html.find("cute_&lt;b&gt;&amp;x"), std::string::npos);
    EXPECT_EQ(html.find("<script"), std::string::npos);
    EXPECT_EQ(html.find("http://"), std::string::npos);
    EXPECT_EQ(html.find("https://"), std::string::npos);
    for (const char * id : {"probe-charcomp", "probe-personality", "probe-deception", "probe-bias"})
        EXPECT_NE(html.find("id=\"" + std::string(id) + "\""), std::string::npos) << id;
    EXPECT_LT(html.find("id=\"task-gsm8k\""), html.find("id=\"probe-charcomp\""));  // after the efficiency sections
    EXPECT_LT(html.find("id=\"probe-bias\""), html.find("id=\"provenance\""));
    EXPECT_NE(html.find("id=\"chart-bbq-bias\""), std::string::npos);

    // Every figure cell against the input (results) or the analysis (derived), exactly; every
    // probe figure of the analysis appears as a cell.
    std::set<std::string> metrics;
    const size_t checked = check_data_values(html, models, &metrics, &a);
    size_t probe_cells = 0;
    for (const auto & f : a["probes"]["families"])
        for (const auto & t : f["tables"])
            for (const auto & r : t["rows"])
                for (const auto & c : r["cells"]) probe_cells += c["value"].is_number();
    EXPECT_GE(checked, 3u * 2 * 11 + probe_cells);
    for (const char * m : {"set_f1,none", "gap", "words_minus_random", "screen.knowledge.parse_rate", "flip_rate,none", "bias_score_ambig,none",
                           "matches_behavior,none"})
        EXPECT_TRUE(metrics.count(m)) << m;
    const std::regex gap_cell("<td class=\"num\" data-model=\"alpha-1b-q4\" data-task=\"charcomp\" data-metric=\"gap\" data-source=\"derived\" "
                              "data-value=\"(-0\\.4[0-9]*)\"");
    std::smatch m;
    ASSERT_TRUE(std::regex_search(html, m, gap_cell));
    EXPECT_EQ(std::stod(m[1]), cell_of(row_of(family_of(a, "charcomp"), "charcomp", "gap"), kAlpha)["value"].get<double>());

    const auto md = render_markdown(a);
    EXPECT_NE(md.find("## Behaviour: Bias (BBQ)"), std::string::npos);
    // gamma ran no probe: no column of dashes for it.
    EXPECT_NE(md.find("| figure | task | alpha-1b-q4 | beta-500m-q4 | reference |"), std::string::npos) << md;
    EXPECT_NE(md.find("| changed a correct answer when challenged | sycophancy | 20.0 % ± 13.3 | 60.0 % ± 10.0 |  |"), std::string::npos);
    EXPECT_NE(md.find("changed a correct answer in 20 % (± 13)"), std::string::npos);
    EXPECT_NE(md.find("cute_<b>&x"), std::string::npos);  // Markdown shows the name as written
    EXPECT_LT(md.find("## Behaviour:"), md.find("## Provenance"));
}

TEST(ReportProbes, IpipSelfReportHasItsOwnTableAndScreenReading) {
    auto models = probe_fixture_results();
    for (int m = 0; m < 2; ++m) {
        json r = {{"alias", "personality_ipip"}, {"unreliable,none", m == 0 ? 0.0 : 1.0}, {"split_half_knowledge,none", m == 0 ? 0.82 : 0.1}};
        for (const char * t : {"openness", "conscientiousness", "extraversion", "agreeableness", "neuroticism"})
            r[std::string("knowledge_") + t + ",none"] = m == 0 ? 5.5 : 4.0;
        r["screen"] = {{"unreliable", m != 0}, {"knowledge_only", true}, {"knowledge", {{"parse_rate", 1.0}}},
                       {"reasons", m == 0 ? json::array() : json::array({"knowledge: split-half reliability 0.10 is below 0.70"})}};
        models[size_t(m)]["results"]["personality_ipip"] = r;
        models[size_t(m)]["n-samples"]["personality_ipip"] = {{"original", 600}, {"effective", 120}};
    }
    const auto a = analyse_probes_of(models);
    const auto & f = family_of(a, "personality");
    EXPECT_DOUBLE_EQ(cell_of(row_of(f, "personality_ipip", "knowledge_openness,none"), kAlpha)["value"].get<double>(), 5.5);
    EXPECT_DOUBLE_EQ(cell_of(row_of(f, "personality_ipip", "split_half_knowledge,none"), kBeta)["value"].get<double>(), 0.1);
    EXPECT_TRUE(reads(f, {kAlpha + " on the IPIP items: passes the self-report screen"}));
    EXPECT_TRUE(reads(f, {kBeta + " on the IPIP items: flagged unreliable", "split-half reliability 0.10"}));
}
