// PER's inputs: the user's CSV and the results.json files `rightsize run` writes.
#include "test_support.h"

#include <rightsize/per_input.h>

#include <nlohmann/json.hpp>

using namespace rightsize;
using namespace rightsize::testing;

namespace {

std::string write(const std::filesystem::path & dir, const std::string & name, const std::string & text) {
    const auto p = dir / name;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p.string();
}

// A results.json as `rightsize run` writes it (docs/results.md), trimmed to what PER reads.
nlohmann::json results_json(const std::string & model_path, double acc, double se, double samples_per_s) {
    return {{"results",
             {{"arc_easy", {{"alias", "arc_easy"}, {"acc,none", acc}, {"acc_stderr,none", se}, {"acc_norm,none", acc + 0.05},
                            {"acc_norm_stderr,none", se}}},
              {"gsm8k", {{"alias", "gsm8k"}, {"exact_match,strict-match", 0.1}, {"exact_match_stderr,strict-match", "N/A"}}},
              {"wikitext", {{"alias", "wikitext"}, {"word_perplexity,none", 30.5}}}}},
            {"higher_is_better", {{"arc_easy", {{"acc", true}, {"acc_norm", true}}}, {"wikitext", {{"word_perplexity", false}}}}},
            {"model", {{"path", model_path}, {"model_mb", 93.8}}},
            {"efficiency",
             {{"arc_easy",
               {{"granularity", "samples"}, {"n_samples", 40}, {"samples_per_s", samples_per_s}, {"ms_per_sample", 1000.0 / samples_per_s},
                {"tokens_per_s", nullptr}, {"ms_per_token", nullptr}, {"peak_rss_mb", 300.5}, {"model_mb", 93.8},
                {"energy", {{"j_per_sample", 0.25}}}}},
              {"gsm8k",
               {{"granularity", "tokens"}, {"n_samples", 10}, {"samples_per_s", 0.5}, {"ms_per_sample", 2000.0}, {"tokens_per_s", 42.0},
                {"ms_per_token", 23.8}, {"peak_rss_mb", 310.0}, {"model_mb", 93.8}, {"n_devices", 2}}},
              {"wikitext",
               {{"granularity", "samples"}, {"n_samples", 5}, {"samples_per_s", 1.0}, {"ms_per_sample", 1000.0}, {"peak_rss_mb", 320.0}}}}}};
}

}  // namespace

TEST(PerCsv, ReadsColumnsInAnyOrderWithOptionalOnes) {
    const auto dir = fresh_subdir("per-csv-good");
    std::vector<std::string> warnings;
    const auto path = write(dir, "per.csv",
                            "model,task,acc,thr,lat_ms,mem_mb,energy,n_devices,granularity,acc_stderr,size_mb,n,notes\r\n"
                            "gemma-3-270m,arc_easy,0.58,10.5,95.2,512,0.4,1,samples,0.05,241,40,first\r\n"
                            "\r\n"
                            "\"smollm2, 135m\",arc_easy,0.45,20,50,300,,2,,,93.8,40,\"a \"\"quoted\"\" note\"\r\n");
    const auto recs = read_per_csv(path, &warnings);
    ASSERT_EQ(recs.size(), 2u);
    const auto & a = recs[0].input;
    EXPECT_EQ(a.task, "arc_easy");
    EXPECT_EQ(a.model, "gemma-3-270m");
    EXPECT_DOUBLE_EQ(a.acc, 0.58);
    EXPECT_DOUBLE_EQ(a.thr, 10.5);
    EXPECT_DOUBLE_EQ(a.lat_ms, 95.2);
    EXPECT_DOUBLE_EQ(a.mem_mb, 512);
    ASSERT_TRUE(a.energy_j.has_value());
    EXPECT_DOUBLE_EQ(*a.energy_j, 0.4);
    EXPECT_TRUE(recs[0].has_stderr);
    EXPECT_DOUBLE_EQ(recs[0].candidate.acc_stderr, 0.05);
    EXPECT_DOUBLE_EQ(recs[0].candidate.size_mb, 241);
    EXPECT_EQ(recs[0].candidate.n, 40);
    EXPECT_EQ(recs[0].source, path + ":2");

    const auto & b = recs[1].input;
    EXPECT_EQ(b.model, "smollm2, 135m");  // quoted comma
    EXPECT_FALSE(b.energy_j.has_value());  // empty optional cell
    EXPECT_EQ(b.n_devices, 2);
    EXPECT_EQ(b.granularity, "samples");
    EXPECT_FALSE(recs[1].has_stderr);
    EXPECT_EQ(recs[1].source, path + ":4");  // the blank line still counts

    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find("'notes'"), std::string::npos) << warnings[0];
}

TEST(PerCsv, BadNumberNamesFileLineAndColumn) {
    const auto dir = fresh_subdir("per-csv-bad");
    const auto path = write(dir, "per.csv",
                            "task,model,acc,thr,lat_ms,mem_mb\n"
                            "t,a,0.5,10,100,200\n"
                            "t,b,0.4,12,90,250\n"
                            "t,c,0.6,fast,80,300\n");
    EXPECT_EQ(error_message([&] { read_per_csv(path); }),
              path + ":4: column 'thr': 'fast' is not a number; write a plain decimal such as 12.5");
    const auto neg = write(dir, "neg.csv", "task,model,acc,thr,lat_ms,mem_mb\nt,a,0.5,10,-1,200\n");
    EXPECT_NE(error_message([&] { read_per_csv(neg); }).find(neg + ":2: column 'lat_ms': -1 is negative"), std::string::npos);
    const auto empty_cell = write(dir, "empty-cell.csv", "task,model,acc,thr,lat_ms,mem_mb\nt,a,0.5,,1,200\n");
    EXPECT_NE(error_message([&] { read_per_csv(empty_cell); }).find(empty_cell + ":2: column 'thr' is empty"), std::string::npos);
    const auto short_row = write(dir, "short.csv", "task,model,acc,thr,lat_ms,mem_mb\nt,a,0.5,1,200\n");
    EXPECT_NE(error_message([&] { read_per_csv(short_row); }).find(short_row + ":2: 5 cells for the header's 6 columns"),
              std::string::npos);
    const auto devices = write(dir, "devices.csv", "task,model,acc,thr,lat_ms,mem_mb,n_devices\nt,a,0.5,1,1,200,1.5\n");
    EXPECT_NE(error_message([&] { read_per_csv(devices); }).find("column 'n_devices'"), std::string::npos);
    const auto gran = write(dir, "gran.csv", "task,model,acc,thr,lat_ms,mem_mb,granularity\nt,a,0.5,1,1,200,words\n");
    EXPECT_NE(error_message([&] { read_per_csv(gran); }).find("'words' is neither 'samples' nor 'tokens'"), std::string::npos);
}

TEST(PerCsv, MissingColumnsEmptyFileAndRepeatedModel) {
    const auto dir = fresh_subdir("per-csv-structure");
    const auto missing = write(dir, "missing.csv", "task,model,acc,latency\nt,a,0.5,3\n");
    const auto msg = error_message([&] { read_per_csv(missing); });
    EXPECT_NE(msg.find(missing + ":1: the header lacks thr, lat_ms, mem_mb"), std::string::npos) << msg;
    EXPECT_NE(msg.find("task, model, acc, thr, lat_ms, mem_mb"), std::string::npos) << msg;

    const auto empty = write(dir, "empty.csv", "");
    EXPECT_NE(error_message([&] { read_per_csv(empty); }).find(empty + " is empty"), std::string::npos);
    const auto header_only = write(dir, "header.csv", "task,model,acc,thr,lat_ms,mem_mb\n");
    EXPECT_NE(error_message([&] { read_per_csv(header_only); }).find("no rows"), std::string::npos);

    const auto twice = write(dir, "twice.csv",
                             "task,model,acc,thr,lat_ms,mem_mb\n"
                             "t,a,0.5,10,100,200\n"
                             "u,a,0.5,10,100,200\n"  // the same model on another task is fine
                             "t,a,0.6,11,90,200\n");
    EXPECT_EQ(error_message([&] { read_per_csv(twice); }),
              "model 'a' appears twice for task 't': " + twice + ":2 and " + twice + ":4; keep one row per model and task");
    EXPECT_NE(error_message([&] { read_per_csv((dir / "absent.csv").string()); }).find("cannot read"), std::string::npos);
}

// The CSV reader's UTF-8 check (found by fuzz/fuzz_tsv) and the JSON readers' number overflow
// (found by fuzz/fuzz_jsonl) reach per's inputs too: a Latin-1 model name and a number beyond a
// double are Errors naming the file, no longer nlohmann exceptions.
TEST(PerInputs, NonUtf8CsvAndOverflowingJsonNumbersAreNamed) {
    const auto dir = fresh_subdir("per-encoding");
    const auto latin1 = write(dir, "latin1.csv", "task,model,acc,thr,lat_ms,mem_mb\nt,mod\xE8le,0.5,10,100,200\n");
    const auto msg = error_message([&] { read_per_csv(latin1); });
    EXPECT_NE(msg.find(latin1 + ":2: invalid UTF-8 (byte 0xE8 at byte offset 38); save the file as UTF-8"), std::string::npos) << msg;
    const auto huge = write(dir, "run/results.json", "{\"results\": {\"t\": {\"acc,none\": 1e400}}, \"efficiency\": {}}");
    const auto json = error_message([&] { read_results_json(huge); });
    EXPECT_NE(json.find(huge + " holds a number too large for a double"), std::string::npos) << json;
}

// Found by fuzz/fuzz_per_csv (the exact input): a count of documents beyond int was converted to
// int (undefined behaviour, UBSan's report); counts in per.csv and results.json are checked first.
TEST(PerInputs, CountsBeyondIntAreNamed) {
    const auto dir = fresh_subdir("per-counts");
    const auto csv = write(dir, "per.csv",
                           "task,model,acc,acc_stderr,n,thr,lat_ms,mem_mb,size_mb,energy\n"
                           "arc_easy,gemma-3-270m,0.58,0.025,111111111111111111111111111111111111111111111111111111111111400,9.5,105,520,241,1.2\n"
                           "arc_easy,smollm2-135m,0.45,0.025,400,.1,48,260,93.8,0.5\n"
                           "arc_easy,Iqwen-0.5b,0.60,0.025,400,6,160,900,400,2.1\n");
    const auto msg = error_message([&] { read_per_csv(csv); });
    EXPECT_NE(msg.find(csv + ":2: column 'n': '111111111111111111111111111111111111111111111111111111111111400' is not a whole number of documents (0 to 2147483647)"),
              std::string::npos) << msg;
    const auto json = write(dir, "m/results.json",
                            "{\"results\": {\"t\": {\"acc,none\": 0.5}}, \"efficiency\": {\"t\": {\"samples_per_s\": 1, "
                            "\"ms_per_sample\": 1, \"peak_rss_mb\": 1, \"n_samples\": 1e40}}}");
    const auto j = error_message([&] { read_results_json(json); });
    EXPECT_NE(j.find(json + ": efficiency.t.n_samples is not a whole number of documents"), std::string::npos) << j;
}

// Found by fuzz_results: a metric key without ",FILTER" (as another tool might write it) made the
// stderr lookup throw std::out_of_range; it now reads METRIC_stderr.
TEST(PerInputs, AMetricKeyWithoutAFilterIsRead) {
    const auto dir = fresh_subdir("per-no-filter");
    const auto json = write(dir, "m/results.json",
                            "{\"results\": {\"t\": {\"accuracy\": 0.5, \"accuracy_stderr\": 0.1}}, \"efficiency\": {\"t\": "
                            "{\"samples_per_s\": 1, \"ms_per_sample\": 1, \"peak_rss_mb\": 1, \"n_samples\": 4}}}");
    const auto recs = read_results_json(json);
    ASSERT_EQ(recs.size(), 1u);
    EXPECT_DOUBLE_EQ(recs[0].input.acc, 0.5);
    EXPECT_TRUE(recs[0].has_stderr);
    EXPECT_DOUBLE_EQ(recs[0].candidate.acc_stderr, 0.1);
}

// Found by fuzz_results after the campaign's fixes: an efficiency entry that is a number (and a
// granularity that is not text) threw nlohmann's type_error 306; both now give an Error or a default.
TEST(PerInputs, EfficiencyEntriesOfTheWrongTypeAreNamed) {
    const auto dir = fresh_subdir("per-eff-type");
    const auto number = write(dir, "a/results.json", "{\"results\": {\"t\": {\"acc,none\": 0.5}}, \"efficiency\": {\"t\": 3}}");
    const auto msg = error_message([&] { read_results_json(number); });
    EXPECT_NE(msg.find(number + ": efficiency.t is not an object"), std::string::npos) << msg;
    const auto odd = write(dir, "b/results.json",
                           "{\"results\": {\"t\": {\"acc,none\": 0.5}}, \"efficiency\": {\"t\": {\"granularity\": 7, "
                           "\"samples_per_s\": 2, \"ms_per_sample\": 1, \"peak_rss_mb\": 1, \"n_samples\": 4}}}");
    const auto recs = read_results_json(odd);
    ASSERT_EQ(recs.size(), 1u);
    EXPECT_EQ(recs[0].input.granularity, "samples");
    EXPECT_DOUBLE_EQ(recs[0].input.thr, 2.0);
}

TEST(PerResultsJson, ReadsHeadlineMetricEfficiencyAndStderr) {
    const auto dir = fresh_subdir("per-results");
    auto j = results_json("/models/smollm2-135m.gguf", 0.45, 0.05, 20.0);
    j["headline"] = {{"arc_easy", {{"metric", "acc_norm"}, {"filter", "none"}}}};
    const auto path = write(dir, "smollm2-135m/results.json", j.dump(2));
    std::vector<std::string> warnings;
    const auto recs = read_results_json(path, {}, &warnings);
    ASSERT_EQ(recs.size(), 2u);  // wikitext's perplexity cannot be PER's quality: skipped, said so
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find("metric 'word_perplexity' of task 'wikitext' is lower-is-better"), std::string::npos) << warnings[0];
    const auto & arc = recs[0];
    EXPECT_EQ(arc.input.task, "arc_easy");
    EXPECT_EQ(arc.input.model, "smollm2-135m");
    EXPECT_DOUBLE_EQ(arc.input.acc, 0.50);  // the headline: acc_norm
    EXPECT_DOUBLE_EQ(arc.input.thr, 20.0);
    EXPECT_DOUBLE_EQ(arc.input.lat_ms, 50.0);
    EXPECT_DOUBLE_EQ(arc.input.mem_mb, 300.5);
    EXPECT_EQ(arc.input.granularity, "samples");
    ASSERT_TRUE(arc.input.energy_j.has_value());
    EXPECT_DOUBLE_EQ(*arc.input.energy_j, 0.25);
    EXPECT_TRUE(arc.has_stderr);
    EXPECT_DOUBLE_EQ(arc.candidate.acc_stderr, 0.05);
    EXPECT_DOUBLE_EQ(arc.candidate.size_mb, 93.8);
    EXPECT_EQ(arc.candidate.n, 40);

    const auto & gsm = recs[1];
    EXPECT_EQ(gsm.input.granularity, "tokens");
    EXPECT_DOUBLE_EQ(gsm.input.thr, 42.0);  // tokens/s, not samples/s
    EXPECT_DOUBLE_EQ(gsm.input.lat_ms, 23.8);
    EXPECT_EQ(gsm.input.n_devices, 2);
    EXPECT_FALSE(gsm.input.energy_j.has_value());
    EXPECT_FALSE(gsm.has_stderr);  // "N/A"

    // Without a headline the first numeric metric in key order (acc before acc_norm).
    j.erase("headline");
    write(dir, "smollm2-135m/results.json", j.dump());
    EXPECT_DOUBLE_EQ(read_results_json(path)[0].input.acc, 0.45);
    // --metric for one task, by name or by name and filter; the other tasks keep their default.
    EXPECT_DOUBLE_EQ(read_results_json(path, {"arc_easy=acc_norm"})[0].input.acc, 0.50);
    EXPECT_DOUBLE_EQ(read_results_json(path, {"arc_easy=acc_norm,none"})[0].input.acc, 0.50);
    EXPECT_DOUBLE_EQ(read_results_json(path, {"arc_easy=acc_norm"})[1].input.acc, 0.1);
    // A plain metric applies to every task, so gsm8k (exact_match only) is an error naming the fix.
    auto msg = error_message([&] { read_results_json(path, {"acc_norm"}); });
    EXPECT_NE(msg.find("task 'gsm8k' has no metric 'acc_norm' (it has exact_match,strict-match); choose one with --metric gsm8k="),
              std::string::npos)
        << msg;
    // A task-scoped metric wins over a plain one.
    j["results"].erase("wikitext");
    j["efficiency"].erase("wikitext");
    write(dir, "smollm2-135m/results.json", j.dump());
    const auto scoped = read_results_json(path, {"acc_norm", "gsm8k=exact_match"});
    EXPECT_DOUBLE_EQ(scoped.at(0).input.acc, 0.50);
    EXPECT_DOUBLE_EQ(scoped.at(1).input.acc, 0.1);
}

TEST(PerResultsJson, RefusesLowerIsBetterAndIncompleteFiles) {
    const auto dir = fresh_subdir("per-results-bad");
    const auto path = write(dir, "m/results.json", results_json("/x/m.gguf", 0.4, 0.05, 10).dump());
    const auto msg = error_message([&] { read_results_json(path, {"wikitext=word_perplexity"}); });
    EXPECT_NE(msg.find("'word_perplexity' of task 'wikitext' is lower-is-better"), std::string::npos) << msg;

    auto j = results_json("/x/m.gguf", 0.4, 0.05, 10);
    j["efficiency"]["arc_easy"].erase("peak_rss_mb");
    write(dir, "m/results.json", j.dump());
    EXPECT_NE(error_message([&] { read_results_json(path); }).find("efficiency.arc_easy.peak_rss_mb is missing"), std::string::npos);
    write(dir, "m/results.json", "{\"results\": {}}");
    EXPECT_NE(error_message([&] { read_results_json(path); }).find("no 'results' and 'efficiency'"), std::string::npos);
    write(dir, "m/results.json", "{not json");
    EXPECT_NE(error_message([&] { read_results_json(path); }).find("is not valid JSON"), std::string::npos);
}

TEST(PerInputs, FolderOfRunOutputsAndDetectionByContent) {
    const auto dir = fresh_subdir("per-folder");
    for (auto [name, acc] : {std::pair{"b-model", 0.5}, std::pair{"a-model", 0.6}}) {
        auto j = results_json(std::string("/models/") + name + ".gguf", acc, 0.05, 10);
        j["results"].erase("wikitext");
        j["efficiency"].erase("wikitext");
        j["efficiency"].erase("gsm8k");
        write(dir, std::string(name) + "/results.json", j.dump());
    }
    const auto recs = read_per_inputs(dir.string());
    ASSERT_EQ(recs.size(), 2u);
    EXPECT_EQ(recs[0].input.model, "a-model");  // sorted, whatever the directory order
    EXPECT_EQ(recs[1].input.model, "b-model");

    // No extension: '{' means JSON, anything else CSV.
    std::filesystem::copy_file(dir / "a-model/results.json", dir / "a-copy");
    EXPECT_EQ(read_per_inputs((dir / "a-copy").string()).at(0).input.model, "a-model");
    write(dir, "plain", "task,model,acc,thr,lat_ms,mem_mb\nt,x,0.5,1,1,1\n");
    EXPECT_EQ(read_per_inputs((dir / "plain").string()).at(0).input.model, "x");

    // The same model from two inputs.
    auto both = recs;
    both.push_back(read_per_inputs((dir / "a-copy").string()).at(0));
    const auto msg = error_message([&] { check_unique_models(both); });
    EXPECT_NE(msg.find("model 'a-model' appears twice for task 'arc_easy'"), std::string::npos) << msg;

    const auto empty = fresh_subdir("per-folder-empty");
    EXPECT_NE(error_message([&] { read_per_inputs(empty.string()); }).find("holds no <model>/results.json"), std::string::npos);
}

TEST(PerInputs, VariantBoundsAndWeights) {
    EXPECT_EQ(parse_per_variant("energy-aware"), PerVariant::EnergyAware);
    EXPECT_NE(error_message([] { parse_per_variant("fast"); }).find("relative, fixed-bounds, weighted or energy-aware"), std::string::npos);

    const auto b = parse_per_bounds("thr=0:50, lat=10:2000\n# memory in MB\nmem=0:4096,energy=0:10");
    EXPECT_DOUBLE_EQ(b.acc_min, 0);  // defaults kept
    EXPECT_DOUBLE_EQ(b.acc_max, 1);
    EXPECT_DOUBLE_EQ(b.thr_max, 50);
    EXPECT_DOUBLE_EQ(b.lat_min, 10);
    EXPECT_DOUBLE_EQ(b.lat_max, 2000);
    EXPECT_DOUBLE_EQ(b.mem_max, 4096);
    EXPECT_DOUBLE_EQ(b.energy_max, 10);
    EXPECT_NE(error_message([] { parse_per_bounds("thr=50:0"); }).find("MAX > MIN"), std::string::npos);
    EXPECT_NE(error_message([] { parse_per_bounds("speed=0:1"); }).find("unknown dimension 'speed'"), std::string::npos);
    EXPECT_NE(error_message([] { parse_per_bounds("thr"); }).find("NAME=VALUE"), std::string::npos);

    PerOptions o;
    parse_per_weights("acc=2,energy=0", o);
    EXPECT_DOUBLE_EQ(o.w_acc, 2);
    EXPECT_DOUBLE_EQ(o.w_thr, 1);
    EXPECT_DOUBLE_EQ(o.w_energy, 0);
    EXPECT_NE(error_message([&] { parse_per_weights("mem=-1", o); }).find("≥ 0"), std::string::npos);
}
