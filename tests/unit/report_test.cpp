// rightsize report: loading (run directory, results.json, SQLite store), the analysis (PER,
// Pareto, recommendation, energy provenance) and the HTML/Markdown renderers.
#include "report/report_fixture.h"
#include "test_support.h"

#include <rightsize/per.h>
#include <rightsize/report.h>
#include <rightsize/results_store.h>

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <set>

using namespace rightsize;
using namespace rightsize::testing;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const json & task_of(const json & analysis, const std::string & task) {
    for (const auto & t : analysis["tasks"])
        if (t["task"] == task) return t;
    throw std::runtime_error("no task " + task);
}

const json & row_of(const json & task, const std::string & model) {
    for (const auto & r : task["rows"])
        if (r["model"] == model) return r;
    throw std::runtime_error("no model " + model);
}

fs::path fixture_dir(const std::string & name, bool with_energy = true) {
    const auto dir = fresh_subdir(name);
    write_run_dir(dir, fixture_results(with_energy));
    return dir;
}

}  // namespace

TEST(Report, PerMatchesComputePerAndHandValues) {
    const auto a = analyse(load_report_input(fixture_dir("per").string()));
    const auto rel = expected_per(PerVariant::Relative), ea = expected_per(PerVariant::EnergyAware);
    for (const std::string task : {"arc_easy", "gsm8k"}) {
        const auto & t = task_of(a, task);
        EXPECT_EQ(t["per_variant"], "relative");
        ASSERT_EQ(t["rows"].size(), 3u);
        for (const auto & r : t["rows"]) {
            const std::string m = r["model"];
            EXPECT_DOUBLE_EQ(r["per"]["per"].get<double>(), rel.at({task, m})) << task << " " << m;
            EXPECT_DOUBLE_EQ(r["per_energy"]["per"].get<double>(), ea.at({task, m})) << task << " " << m;
        }
    }
    // Hand values (see report_fixture.h): beta is halfway on every dimension.
    const auto & arc = task_of(a, "arc_easy");
    EXPECT_NEAR(row_of(arc, "beta-500m-q4")["per"]["per"].get<double>(), 0.5, 1e-12);
    EXPECT_NEAR(row_of(arc, "beta-500m-q4")["per_energy"]["per"].get<double>(), std::pow(0.0625 * 2.0 / 3.0, 0.2), 1e-12);
    EXPECT_EQ(row_of(arc, "alpha-1b-q4")["per"]["per"].get<double>(), 0.0);  // worst throughput
    const auto & gsm = task_of(a, "gsm8k");
    EXPECT_NEAR(row_of(gsm, "beta-500m-q4")["per"]["per"].get<double>(), 0.5, 1e-12);
    // Generation tasks use the token granularity.
    EXPECT_EQ(gsm["granularity"], "tokens");
    EXPECT_EQ(row_of(gsm, "gamma-200m-q8")["thr"].get<double>(), 30.0);
    EXPECT_EQ(row_of(gsm, "gamma-200m-q8")["lat_ms"].get<double>(), 20.0);
    EXPECT_EQ(row_of(gsm, "gamma-200m-q8")["energy"]["j_per_unit"].get<double>(), 1.0);
    // gsm8k has no "headline": its first metric and filter are used.
    EXPECT_EQ(gsm["headline"]["key"], "exact_match,strict-match");
}

TEST(Report, EnergySourceParetoAndRecommendation) {
    const auto a = analyse(load_report_input(fixture_dir("energy").string()));
    EXPECT_TRUE(a["energy"]["estimated"].get<bool>());
    EXPECT_EQ(a["provenance"]["energy_meter"]["source"], "estimated:tdp");
    const auto & arc = task_of(a, "arc_easy");
    for (const auto & r : arc["rows"]) {
        EXPECT_EQ(r["energy"]["source"], "estimated:tdp");
        EXPECT_TRUE(r["energy"]["estimated"].get<bool>());
        EXPECT_EQ(r["energy"]["unit"], "J/sample");
    }
    EXPECT_EQ(row_of(arc, "alpha-1b-q4")["co2e"]["g_per_1000_queries"].get<double>(),
              fixture_results()[0]["efficiency"]["arc_easy"]["co2e"]["g_per_1000_queries"].get<double>());
    // alpha is the most accurate and uses the least energy on arc_easy: it alone is on that front.
    EXPECT_EQ(arc["pareto"]["quality_energy"], json::array({"alpha-1b-q4"}));
    // Quality falls as latency and memory fall: every model is a trade-off there.
    EXPECT_EQ(arc["pareto"]["quality_latency"].size(), 3u);
    EXPECT_EQ(arc["pareto"]["quality_memory"].size(), 3u);
    // stderr 0.01: the 0.1 gaps are significant, and none is within 2 points.
    const auto & rec = arc["recommendation"];
    EXPECT_EQ(rec["best_model"], "alpha-1b-q4");
    EXPECT_EQ(rec["smallest_within"], "alpha-1b-q4");
    EXPECT_TRUE(rec["separable"].get<bool>());
    EXPECT_NE(rec["text"].get<std::string>().find("alpha-1b-q4"), std::string::npos);
    // A wider margin takes beta in: it is the smaller model within reach.
    ReportOptions wide;
    wide.delta = 0.15;
    const auto b = analyse(load_report_input(fixture_dir("energy-wide").string()), wide);
    EXPECT_EQ(task_of(b, "arc_easy")["recommendation"]["smallest_within"], "beta-500m-q4");

    const auto text = render_recommendation_text(a);
    EXPECT_NE(text.find("ESTIMATED"), std::string::npos);
    EXPECT_NE(text.find("\nOn arc_easy, alpha-1b-q4"), std::string::npos) << text;
    const auto html = render_html(a);
    EXPECT_NE(html.find("id=\"energy-estimated\""), std::string::npos);
    EXPECT_NE(html.find("Recommendation"), std::string::npos);
    EXPECT_LT(html.find("Recommendation"), html.find("<table"));  // the recommendation comes first
}

TEST(Report, HtmlIsSelfContainedAndItsNumbersAreTheResults) {
    const auto inputs = fixture_results();
    const auto a = analyse(load_report_input(fixture_dir("html").string()));
    const auto html = render_html(a);
    EXPECT_EQ(html.find("http://"), std::string::npos);
    EXPECT_EQ(html.find("https://"), std::string::npos);
    EXPECT_EQ(html.find("<script"), std::string::npos);
    EXPECT_EQ(html.find("<link"), std::string::npos);

    std::set<std::string> metrics;
    const size_t checked = check_data_values(html, inputs, &metrics);
    // 3 models × 2 tasks × (quality, THR, LAT, MEM, model, 2 energy, 2 CO2e, 2 PER) + other metrics.
    EXPECT_GE(checked, 3u * 2 * 11);
    for (const char * m : {"acc,none", "samples_per_s", "ms_per_sample", "tokens_per_s", "ms_per_token", "peak_rss_mb", "model_mb",
                           "energy.j_per_sample", "energy.j_per_token", "energy.total_j", "co2e.g_per_1000_queries", "per",
                           "per_energy", "exact_match,strict-match", "acc_norm,none"}) {
        EXPECT_TRUE(metrics.count(m)) << m;
    }
    // Charts: real SVG elements with sizes.
    EXPECT_NE(html.find("<svg class=\"chart\" width=\"520\""), std::string::npos);
    EXPECT_NE(html.find("class=\"pareto-front\""), std::string::npos);
    EXPECT_NE(html.find("chart-ttft"), std::string::npos);
    EXPECT_NE(html.find("chart-energy-scatter"), std::string::npos);
}

TEST(Report, TextFromTheUserIsEscaped) {
    auto inputs = fixture_results();
    inputs[1]["model"]["path"] = "models/b<i>&\"x\".gguf";
    const auto dir = fresh_subdir("escape");
    for (size_t i = 0; i < inputs.size(); ++i) write_file_atomic((dir / std::to_string(i) / "results.json").string(), inputs[i].dump());
    ReportOptions o;
    o.title = "Models <script>alert(1)</script> from https://example.org";
    const auto a = analyse(load_report_input(dir.string()), o);
    auto html = render_html(a);
    EXPECT_EQ(html.find("<script>"), std::string::npos);
    EXPECT_EQ(html.find("b<i>"), std::string::npos);
    EXPECT_NE(html.find("b&lt;i&gt;&amp;&quot;x&quot;"), std::string::npos);
    // The only URL is the one the user wrote into the title.
    for (size_t p; (p = html.find("https://example.org")) != std::string::npos;) html.erase(p, 19);
    EXPECT_EQ(html.find("http://"), std::string::npos);
    EXPECT_EQ(html.find("https://"), std::string::npos);
    // Markdown escapes the cell separator.
    inputs[1]["model"]["path"] = "models/a|b.gguf";
    const auto md = render_markdown(analyse(ReportInput{inputs, "mem", ""}));
    EXPECT_NE(md.find("a\\|b"), std::string::npos);
}

TEST(Report, OlderResultsWithoutEnergyStillReport) {
    const auto a = analyse(load_report_input(fixture_dir("no-energy", false).string()));
    EXPECT_FALSE(a["energy"]["any"].get<bool>());
    const auto & arc = task_of(a, "arc_easy");
    EXPECT_FALSE(arc["energy_for_all"].get<bool>());
    EXPECT_TRUE(arc["pareto"]["quality_energy"].is_null());
    const auto rel = expected_per(PerVariant::Relative);
    for (const auto & r : arc["rows"]) {
        EXPECT_TRUE(r["energy"].is_null());
        EXPECT_FALSE(r.contains("per_energy"));
        EXPECT_DOUBLE_EQ(r["per"]["per"].get<double>(), rel.at({"arc_easy", r["model"]}));
    }
    const auto html = render_html(a);
    EXPECT_NE(html.find("not measured"), std::string::npos);
    EXPECT_NE(html.find("id=\"energy-missing\""), std::string::npos);
    const auto md = render_markdown(a);
    EXPECT_NE(md.find("not measured"), std::string::npos);
    EXPECT_NE(md.find("PER (relative)"), std::string::npos);
}

TEST(Report, SingleResultsJsonAndMarkdown) {
    const auto dir = fixture_dir("single");
    const auto in = load_report_input((dir / "gamma-200m-q8" / "results.json").string());
    ASSERT_EQ(in.models.size(), 1u);
    EXPECT_EQ(in.run_id, "20261129T000000Z-fixture1");
    ReportOptions relative;
    relative.per_variant = "relative";
    EXPECT_EQ(row_of(task_of(analyse(in, relative), "arc_easy"), "gamma-200m-q8")["per"]["per"].get<double>(), 1.0);  // alone: PER 1
    // By default one model is shown against fixed bounds: its own accuracy and memory against the
    // machine's RAM (or twice its own), throughput and latency at their best (1).
    const auto a = analyse(in);
    const json & gamma = task_of(a, "arc_easy");
    EXPECT_EQ(gamma["per_variant"], "fixed-bounds");
    const json & row = row_of(gamma, "gamma-200m-q8");
    EXPECT_DOUBLE_EQ(row["per"]["thr_n"].get<double>(), 1.0);
    EXPECT_DOUBLE_EQ(row["per"]["lat_n"].get<double>(), 1.0);
    EXPECT_NEAR(row["per"]["per"].get<double>(),
                std::pow(row["per"]["acc_n"].get<double>() * row["per"]["mem_n"].get<double>(), 0.25), 1e-12);
    EXPECT_NE(gamma["notes"].dump().find("PER shown: fixed-bounds"), std::string::npos);
    const auto md = render_markdown(analyse(load_report_input(dir.string())));
    EXPECT_NE(md.find("## Recommendation"), std::string::npos);
    EXPECT_NE(md.find("| model | acc,none ± se |"), std::string::npos);
    EXPECT_NE(md.find("| beta-500m-q4 | 0.500 ± 0.010 | 4.00 | 300 | 600 |"), std::string::npos);
    EXPECT_NE(md.find("estimated"), std::string::npos);
}

TEST(Report, StoreRebuildsTheSameAnalysis) {
    const auto dir = fresh_subdir("store");
    const auto db = (dir / "rightsize.sqlite").string();
    const auto inputs = fixture_results();
    {
        ResultsStore store(db);
        // An older complete run, and the fixture run.
        RunInfo old{"20261128T000000Z-older000", "feedfeedfeedfeed", json{{"tasks", json::object()}}, "0000000", "0.4.0", json::object()};
        store.begin_run(old);
        store.finish_run(old.run_id);
        RunInfo run{"20261129T000000Z-fixture1", "0123456789abcdef",
                    json{{"tasks", inputs[0]["configs"]}, {"limit", 100.0}, {"num_fewshot", nullptr}, {"fewshot_seed", 1234}},
                    "abc1234", "0.4.0 (commit 80fb11a)", inputs[0]["hardware"]};
        store.begin_run(run);
        for (const auto & r : inputs) {
            const auto key = fs::path(r["model"]["path"].get<std::string>()).stem().string();
            for (const std::string task : {"arc_easy", "gsm8k"}) {
                store.put_task_result(run.run_id, key, task, r["model"], r["results"][task], r["efficiency"][task]);
            }
        }
        store.finish_run(run.run_id);
    }
    // The latest complete run is the fixture run; the older one can be picked by id.
    const auto from_db = analyse(load_report_input(db));
    const auto from_dir = analyse(load_report_input(fixture_dir("store-dir").string()));
    EXPECT_EQ(from_db["provenance"]["run_ids"], json::array({"20261129T000000Z-fixture1"}));
    EXPECT_EQ(from_db["provenance"]["git_hashes"], json::array({"abc1234"}));
    ASSERT_EQ(from_db["tasks"].size(), from_dir["tasks"].size());
    for (size_t i = 0; i < from_dir["tasks"].size(); ++i) {
        const auto & a = from_db["tasks"][i], & b = from_dir["tasks"][i];
        EXPECT_EQ(a["task"], b["task"]);
        EXPECT_EQ(a["headline"], b["headline"]);
        EXPECT_EQ(a["rows"], b["rows"]) << a["task"];
        EXPECT_EQ(a["pareto"], b["pareto"]);
        EXPECT_EQ(a["recommendation"], b["recommendation"]);
    }
    EXPECT_TRUE(from_db["energy"]["estimated"].get<bool>());
    // A run directory with --run-id reads its store (results.json holds only each model's newest run).
    const auto run_dir = fixture_dir("store-run-dir");
    fs::copy_file(db, run_dir / "rightsize.sqlite");
    const auto by_id = load_report_input(run_dir.string(), "20261129T000000Z-fixture1");
    EXPECT_EQ(by_id.origin, (run_dir / "rightsize.sqlite").string());
    EXPECT_EQ(by_id.models.size(), 3u);
    // Unknown run: the error lists the runs there are.
    const auto msg = error_message([&] { load_report_input(db, "nope"); });
    EXPECT_NE(msg.find("no run 'nope'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("20261129T000000Z-fixture1"), std::string::npos) << msg;
    EXPECT_NE(msg.find("20261128T000000Z-older000"), std::string::npos) << msg;
    // A run with no results.
    EXPECT_NE(error_message([&] { load_report_input(db, "20261128T000000Z-older000"); }).find("no finished"), std::string::npos);
}

TEST(Report, BadInputIsNamed) {
    const auto missing = (temp_dir() / "no-such-run").string();
    auto msg = error_message([&] { load_report_input(missing); });
    EXPECT_NE(msg.find(missing), std::string::npos) << msg;
    EXPECT_NE(msg.find("does not exist"), std::string::npos) << msg;

    const auto empty = fresh_subdir("empty-run");
    fs::create_directories(empty / "model-without-results");
    msg = error_message([&] { load_report_input(empty.string()); });
    EXPECT_NE(msg.find("no results.json"), std::string::npos) << msg;

    const auto bad = fresh_subdir("bad-run");
    write_run_dir(bad, fixture_results());
    const auto broken = bad / "beta-500m-q4" / "results.json";
    std::ofstream(broken) << "{\"results\": {\"arc_easy\": ";
    msg = error_message([&] { load_report_input(bad.string()); });
    EXPECT_NE(msg.find(broken.string()), std::string::npos) << msg;
    EXPECT_NE(msg.find("not valid JSON"), std::string::npos) << msg;

    std::ofstream(broken) << "{\"results\": {\"arc_easy\": {\"acc,none\": 1e400}}}";  // beyond a double (fuzz/fuzz_jsonl's finding)
    msg = error_message([&] { load_report_input(broken.string()); });
    EXPECT_NE(msg.find(broken.string() + ": holds a number too large for a double"), std::string::npos) << msg;

    std::ofstream(broken) << "[1, 2, 3]";
    msg = error_message([&] { load_report_input(broken.string()); });
    EXPECT_NE(msg.find("no \"results\" object"), std::string::npos) << msg;

    // --run-id that no results.json of the folder (and no store) has: the runs there are named.
    const auto other = fixture_dir("other-run");
    msg = error_message([&] { load_report_input(other.string(), "20990101T000000Z-missing0"); });
    EXPECT_NE(msg.find("20261129T000000Z-fixture1"), std::string::npos) << msg;

    EXPECT_NE(error_message([] { analyse(ReportInput{}); }).find("no models"), std::string::npos);
    ReportOptions o;
    o.per_variant = "fixed-bounds";
    EXPECT_NE(error_message([&] { analyse(ReportInput{fixture_results(), "mem", ""}, o); }).find("relative or energy-aware"),
              std::string::npos);
}

TEST(Report, BehaviourMeasuresGetNoRecommendation) {
    // Answer length (humanlike) and a personality profile are not qualities to maximise: the
    // analysis says so instead of naming "the most accurate" model.
    auto inputs = fixture_results();
    for (auto & r : inputs) {
        r["results"]["humanlike"] = {{"alias", "humanlike"}, {"response_words,none", 100.0}, {"response_words_stderr,none", 2.0}};
        r["efficiency"]["humanlike"] = r["efficiency"]["gsm8k"];
        r["results"]["mpi120"] = {{"alias", "mpi120"}, {"openness,none", 3.2}, {"openness_stderr,none", 0.1}};
        r["efficiency"]["mpi120"] = r["efficiency"]["arc_easy"];
        r["configs"]["mpi120"] = {{"task", "mpi120"}, {"process_results", "mpi"}};
    }
    ReportInput in{inputs, "mem", ""};
    const auto a = analyse(in);
    for (const char * task : {"humanlike", "mpi120"}) {
        const auto & t = task_of(a, task);
        EXPECT_FALSE(t.contains("recommendation")) << task;
        EXPECT_NE(t["no_recommendation"].get<std::string>().find("not"), std::string::npos) << task;
    }
    EXPECT_NE(task_of(a, "humanlike")["no_recommendation"].get<std::string>().find("rightsize vote"), std::string::npos);
    EXPECT_TRUE(task_of(a, "arc_easy").contains("recommendation"));  // quality tasks keep theirs
    const auto text = render_recommendation_text(a);
    EXPECT_NE(text.find("mpi120: no recommendation: its figures describe a personality"), std::string::npos) << text;
    EXPECT_NE(render_markdown(a).find("**humanlike**: no recommendation"), std::string::npos);
    EXPECT_NE(render_html(a).find("no recommendation: its only metric, response_words"), std::string::npos);
}

// Found by fuzz_results in the campaign: a task_runs entry that is not an object (or a run_id that
// is not text) threw nlohmann's type_error from the provenance; such entries are now ignored.
TEST(Report, MalformedTaskRunsAreIgnored) {
    auto inputs = fixture_results();
    inputs[0]["task_runs"] = {{"arc_easy", nullptr}, {"gsm8k", {{"run_id", 5}}}};
    inputs[1]["run_id"] = 7;
    inputs[1]["task_runs"] = {{"arc_easy", {{"run_id", "r-1"}}}};
    ReportInput in{inputs, "mem", ""};
    const auto a = analyse(in);
    EXPECT_EQ(a["provenance"]["run_ids"], (nlohmann::json{inputs[0]["run_id"], "r-1"})) << "the readable ids only";
}

// Found by fuzz_results: members of the wrong type (efficiency a number, granularity or n_devices
// not numbers or text as expected) threw nlohmann's type_error; the report now reads them as absent.
TEST(Report, EfficiencyMembersOfTheWrongTypeAreAbsent) {
    auto inputs = fixture_results();
    inputs[0]["efficiency"]["arc_easy"]["granularity"] = 12;
    inputs[0]["efficiency"]["arc_easy"]["n_devices"] = "two";
    inputs[1]["efficiency"] = 5;
    ReportInput in{inputs, "mem", ""};
    const auto a = analyse(in);
    const auto & t = task_of(a, "arc_easy");
    bool noted = false;
    for (const auto & n : t["notes"]) noted = noted || n.get<std::string>().find("has no results for arc_easy") != std::string::npos;
    EXPECT_TRUE(noted) << t["notes"].dump();
    EXPECT_NO_THROW((void)render_recommendation_text(a));
}

TEST(Report, TwoModelsGetFixedBoundsPerThatIsNotZeroForBoth) {
    auto docs = fixture_results();
    docs.pop_back();  // alpha and beta
    ReportInput in;
    in.models = docs;
    const auto a = analyse(in);
    const json & arc = task_of(a, "arc_easy");
    EXPECT_EQ(arc["per_variant"], "fixed-bounds");
    const json & alpha = row_of(arc, "alpha-1b-q4")["per"];
    const json & beta = row_of(arc, "beta-500m-q4")["per"];
    EXPECT_GT(alpha["per"].get<double>(), 0);
    EXPECT_GT(beta["per"].get<double>(), 0);
    EXPECT_EQ(alpha["normalisation"], "fixed-bounds");
    // Throughput against the best (1 for the best, thr/best for the other); latency best-to-twice-the-worst.
    const double thr_a = row_of(arc, "alpha-1b-q4")["thr"].get<double>(), thr_b = row_of(arc, "beta-500m-q4")["thr"].get<double>();
    EXPECT_DOUBLE_EQ(std::max(alpha["thr_n"].get<double>(), beta["thr_n"].get<double>()), 1.0);
    EXPECT_NEAR(std::min(alpha["thr_n"].get<double>(), beta["thr_n"].get<double>()), std::min(thr_a, thr_b) / std::max(thr_a, thr_b), 1e-12);
    EXPECT_GE(std::min(alpha["lat_n"].get<double>(), beta["lat_n"].get<double>()), 0.5);
    EXPECT_NE(arc["notes"].dump().find("PER shown: fixed-bounds, because with 2 model(s)"), std::string::npos) << arc["notes"].dump();
    // Cao et al.'s relative variant stays available and exact: the worse on any dimension gets 0.
    ReportOptions relative;
    relative.per_variant = "relative";
    const json relative_analysis = analyse(in, relative);
    const json & rel = task_of(relative_analysis, "arc_easy");
    EXPECT_EQ(rel["per_variant"], "relative");
    EXPECT_EQ(row_of(rel, "alpha-1b-q4")["per"]["per"].get<double>(), 0.0);
    EXPECT_EQ(row_of(rel, "beta-500m-q4")["per"]["per"].get<double>(), 0.0);
}

TEST(Report, EfficiencyIsComparedOnlyWithinOneHardwareClass) {
    // Three models merged from shards: alpha and beta measured on machine A, gamma on machine B.
    auto docs = fixture_results();
    for (size_t i = 0; i < docs.size(); ++i) {
        for (auto & [task, eff] : docs[i]["efficiency"].items()) eff["hardware_class"] = i < 2 ? "machine A" : "machine B";
    }
    ReportInput in;
    in.models = docs;
    const auto a = analyse(in);
    const auto & arc = task_of(a, "arc_easy");
    EXPECT_EQ(arc["hardware_classes"], 2);
    EXPECT_TRUE(row_of(arc, "alpha-1b-q4").contains("per"));
    EXPECT_TRUE(row_of(arc, "beta-500m-q4").contains("per"));
    EXPECT_FALSE(row_of(arc, "gamma-200m-q8").contains("per")) << "never compared across machine classes";
    EXPECT_EQ(row_of(arc, "gamma-200m-q8")["per_excluded"], "measured on another hardware class");
    EXPECT_NE(arc["notes"].dump().find("compare those measured on machine A only. Left out: gamma-200m-q8 (machine B)"), std::string::npos)
        << arc["notes"].dump();
    EXPECT_NE(a["banners"].dump().find("mixed-hardware"), std::string::npos);
    EXPECT_NE(render_html(a).find("id=\"mixed-hardware\""), std::string::npos);

    // One model × task measured on two classes: left out of PER, with its reason.
    docs[0]["efficiency"]["arc_easy"]["mixed_hardware"] = true;
    docs[0]["efficiency"]["arc_easy"]["samples_per_s"] = nullptr;
    for (auto & d : docs) d["efficiency"]["arc_easy"]["hardware_class"] = "machine A";
    in.models = docs;
    const auto b = analyse(in);
    const auto & arc_b = task_of(b, "arc_easy");
    EXPECT_FALSE(row_of(arc_b, "alpha-1b-q4").contains("per"));
    EXPECT_NE(arc_b["notes"].dump().find("alpha-1b-q4's efficiency on arc_easy was measured on several hardware classes"), std::string::npos);
    // Without classes (a run on one machine) nothing changes: no banner.
    in.models = fixture_results();
    EXPECT_TRUE(analyse(in)["banners"].empty());
}

TEST(Report, PerGetsAnIntervalAndRanksFromTheDocuments) {
    // alpha and beta on arc_easy with 40 documents each: alpha right on 30, beta on 29; the same
    // time per document. Their PER differs by a noise-sized quality gap: not separable.
    auto docs = fixture_results();
    docs.pop_back();
    ReportInput in;
    in.models = docs;
    in.documents.resize(2);
    const auto figures = [](int right, double ms) {
        DocumentFigures f;
        for (int i = 0; i < 40; ++i) {
            f.ids.push_back(i);
            f.quality.push_back(i < right ? 1.0 : 0.0);
            f.cost_ms.push_back(ms);
            f.energy_j.push_back(1.0);
            f.generated.push_back(0);
        }
        return f;
    };
    in.documents[0]["arc_easy"] = figures(30, 100);
    in.documents[1]["arc_easy"] = figures(29, 100);
    const auto a = analyse(in);
    const json & arc = task_of(a, "arc_easy");
    ASSERT_TRUE(arc.contains("per_uncertainty")) << arc.dump();
    const json & u = arc["per_uncertainty"];
    EXPECT_EQ(u["documents"], 40);
    for (const std::string m : {"alpha-1b-q4", "beta-500m-q4"}) {
        const json & ci = row_of(arc, m)["per"]["ci95"];
        ASSERT_EQ(ci.size(), 2u) << m;
        EXPECT_LE(ci[0].get<double>(), ci[1].get<double>());
        EXPECT_GE(ci[0].get<double>(), 0.0);
    }
    EXPECT_FALSE(u["separable"].get<bool>()) << u.dump();
    EXPECT_NE(arc["notes"].dump().find("PER cannot rank the models at 95 %"), std::string::npos);
    // per.csv carries the same interval beside each PER.
    const std::string csv = render_per_csv(a);
    EXPECT_NE(csv.find(",per_ci95_lo,per_ci95_hi\n"), std::string::npos) << csv;
    const json & ci_a = row_of(arc, "alpha-1b-q4")["per"]["ci95"];
    char expected[64];
    snprintf(expected, sizeof expected, ",%.6f,%.6f\n", ci_a[0].get<double>(), ci_a[1].get<double>());
    EXPECT_NE(csv.find(expected), std::string::npos) << csv;
    // A clear gap (40 right against 10) ranks the same way on every draw.
    in.documents[1]["arc_easy"] = figures(10, 100);
    const auto b = analyse(in);
    const json & ub = task_of(b, "arc_easy")["per_uncertainty"];
    EXPECT_TRUE(ub["separable"].get<bool>()) << ub.dump();
    ASSERT_EQ(ub["rank"].size(), 1u);
    EXPECT_DOUBLE_EQ(ub["rank"][0]["share"].get<double>(), 1.0);
    // Without documents there is no interval, and nothing pretends otherwise.
    in.documents.clear();
    EXPECT_FALSE(task_of(analyse(in), "arc_easy").contains("per_uncertainty"));
}
