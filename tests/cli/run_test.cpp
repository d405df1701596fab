// `rightsize run` as a user runs it, on the tiny generated model: the files it writes (results.json
// in lm-eval's layout, samples JSONL, the SQLite store), resuming after a real kill, and its errors.
#include "run_test_support.h"

#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <cmath>
#include <filesystem>
#include <fstream>

using namespace rightsize;
using namespace rightsize::testing;
using nlohmann::json;
namespace fs = std::filesystem;

using namespace rightsize::testing::run_cli;

TEST(RunCli, WritesResultsJsonSamplesAndDatabase) {
    const auto tasks = make_tasks();
    const auto out = temp_dir() / "run-out";
    fs::remove_all(out);
    const auto r = run_command(run_cmd(tasks, out, "--tasks mc_colours,gen_colours,ll_colours,ppl_colours"));
    ASSERT_EQ(r.status, 0) << r.err;
    // The summary table names both tasks and their metrics.
    EXPECT_NE(r.out.find("mc_colours"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("exact_match (first-word)"), std::string::npos) << r.out;

    const std::string key = fs::path(tiny_model_path()).stem().string();
    const json j = read_json(out / key / "results.json");
    for (const char * k : {"results", "group_subtasks", "configs", "versions", "n-shot", "higher_is_better", "n-samples",
                           "config", "model", "efficiency", "git_hash", "llama_cpp_version", "hardware", "run_id",
                           "config_hash", "date", "rightsize_version"}) {
        EXPECT_TRUE(j.contains(k)) << "results.json lacks " << k;
    }
    const auto & mc = j["results"]["mc_colours"];
    for (const char * m : {"acc", "acc_norm", "acc_norm_tokens"}) {
        const double v = mc[std::string(m) + ",none"].get<double>();
        EXPECT_GE(v, 0.0);
        EXPECT_LE(v, 1.0);
        EXPECT_TRUE(mc[std::string(m) + "_stderr,none"].is_number());
    }
    EXPECT_TRUE(j["results"]["gen_colours"].contains("exact_match,first-word"));
    // loglikelihood: perplexity of the target and whether it is the greedy continuation.
    EXPECT_GT(j["results"]["ll_colours"]["perplexity,none"].get<double>(), 1.0);
    EXPECT_TRUE(j["results"]["ll_colours"]["acc,none"].is_number());
    // Rolling: byte perplexity is 2 to the bits per byte (the same log-likelihoods and bytes).
    const auto & ppl = j["results"]["ppl_colours"];
    EXPECT_GT(ppl["word_perplexity,none"].get<double>(), ppl["byte_perplexity,none"].get<double>());
    EXPECT_NEAR(std::log2(ppl["byte_perplexity,none"].get<double>()), ppl["bits_per_byte,none"].get<double>(), 1e-9);
    EXPECT_TRUE(ppl["bits_per_byte_stderr,none"].is_number());
    EXPECT_EQ(j["versions"]["mc_colours"].get<double>(), 2.0);
    EXPECT_EQ(j["n-shot"]["gen_colours"].get<int>(), 2);
    EXPECT_EQ(j["n-samples"]["mc_colours"]["original"].get<int>(), 6);
    EXPECT_EQ(j["n-samples"]["mc_colours"]["effective"].get<int>(), 6);
    EXPECT_EQ(j["configs"]["mc_colours"]["doc_to_text"].get<std::string>(), "Q: {{question}}\nA:");
    EXPECT_TRUE(j["higher_is_better"]["mc_colours"]["acc"].get<bool>());
    EXPECT_GT(j["model"]["n_params"].get<double>(), 0);

    const auto & e_mc = j["efficiency"]["mc_colours"];
    EXPECT_EQ(e_mc["granularity"], "samples");
    EXPECT_GT(e_mc["samples_per_s"].get<double>(), 0.0);
    EXPECT_NEAR(e_mc["ms_per_sample"].get<double>() * e_mc["samples_per_s"].get<double>(), 1000.0, 1e-6);
    EXPECT_TRUE(e_mc["tokens_per_s"].is_null());
    EXPECT_GT(e_mc["peak_rss_mb"].get<double>(), 1.0);
    EXPECT_GT(e_mc["model_mb"].get<double>(), 0.0);
    const auto & e_gen = j["efficiency"]["gen_colours"];
    EXPECT_EQ(e_gen["granularity"], "tokens");
    EXPECT_GT(e_gen["tokens_per_s"].get<double>(), 0.0);
    EXPECT_GT(e_gen["ms_per_token"].get<double>(), 0.0);
    EXPECT_LE(e_gen["ttft_ms"]["p50"].get<double>(), e_gen["ttft_ms"]["p99"].get<double>());

    // Per-sample records: one per document with the prompt, scores and metric values.
    const auto samples = read_jsonl(out / key / "samples_mc_colours.jsonl");
    ASSERT_EQ(samples.size(), 6u);
    for (size_t i = 0; i < samples.size(); ++i) {
        EXPECT_EQ(samples[i]["doc_id"].get<size_t>(), i);
        EXPECT_EQ(samples[i]["resps"].size(), 3u);
        EXPECT_EQ(samples[i]["target"].get<int>(), int(i % 3));
        EXPECT_TRUE(samples[i]["prompt"].get<std::string>().ends_with("?\nA:"));
    }
    // acc is the mean of the per-document values.
    double sum = 0;
    for (const auto & s : samples) sum += s["metrics"]["none"]["acc"].get<double>();
    EXPECT_NEAR(mc["acc,none"].get<double>(), sum / 6.0, 1e-12);
    const auto gen = read_jsonl(out / key / "samples_gen_colours.jsonl");
    ASSERT_EQ(gen.size(), 6u);
    // Two examples precede each question, never the question itself.
    const std::string p0 = gen[0]["prompt"];
    EXPECT_EQ(std::count(p0.begin(), p0.end(), 'Q'), 3) << p0;
    EXPECT_EQ(p0.find("number 0?"), p0.rfind("number 0?"));
    EXPECT_TRUE(gen[0]["filtered_resps"].contains("first-word"));

    const auto db = out / "rightsize.sqlite";
    EXPECT_EQ(sql_count(db, "SELECT COUNT(*) FROM runs WHERE status='complete'"), 1);
    EXPECT_EQ(sql_count(db, "SELECT COUNT(*) FROM task_results"), 4);
    EXPECT_EQ(sql_count(db, "SELECT COUNT(*) FROM samples WHERE task='mc_colours'"), 6);
    EXPECT_EQ(sql_count(db, "SELECT COUNT(*) FROM metrics WHERE task='mc_colours' AND filter='none'"), 3);

    // A second run of the same command is a new run (the first finished) in the same store.
    const auto again = run_command(run_cmd(tasks, out, "--tasks mc_colours"));
    ASSERT_EQ(again.status, 0) << again.err;
    EXPECT_EQ(sql_count(db, "SELECT COUNT(*) FROM runs"), 2);
}

TEST(RunCli, ResumesAfterTheProcessIsKilled) {
    const auto tasks = make_tasks();
    const auto whole = temp_dir() / "run-whole", broken = temp_dir() / "run-broken";
    fs::remove_all(whole);
    fs::remove_all(broken);
    const std::string opts = "--tasks mc_colours --batch-docs 2";
    ASSERT_EQ(run_command(run_cmd(tasks, whole, opts)).status, 0);

    // SIGKILL after the first checkpoint (2 of 6 documents committed).
    const auto killed = run_command("RIGHTSIZE_KILL_AFTER_CHUNKS=1 " + run_cmd(tasks, broken, opts));
    EXPECT_NE(killed.status, 0);
    const auto db = broken / "rightsize.sqlite";
    EXPECT_EQ(sql_count(db, "SELECT COUNT(*) FROM samples"), 2);
    EXPECT_EQ(sql_count(db, "SELECT COUNT(*) FROM runs WHERE status='running'"), 1);
    const std::string key = fs::path(tiny_model_path()).stem().string();
    EXPECT_FALSE(fs::exists(broken / key / "samples_mc_colours.jsonl"));  // nothing half-written

    const auto resumed = run_command(run_cmd(tasks, broken, opts));
    ASSERT_EQ(resumed.status, 0) << resumed.err;
    EXPECT_NE(resumed.err.find("resuming an unfinished run"), std::string::npos) << resumed.err;
    EXPECT_NE(resumed.err.find("2 of 6 documents already scored"), std::string::npos) << resumed.err;
    EXPECT_EQ(sql_count(db, "SELECT COUNT(*) FROM runs"), 1);
    EXPECT_EQ(sql_count(db, "SELECT COUNT(*) FROM runs WHERE status='complete'"), 1);

    // The resumed run's scores equal the uninterrupted run's.
    const json a = read_json(whole / key / "results.json"), b = read_json(broken / key / "results.json");
    for (const char * m : {"acc,none", "acc_norm,none", "acc_norm_tokens,none"}) {
        EXPECT_DOUBLE_EQ(a["results"]["mc_colours"][m].get<double>(), b["results"]["mc_colours"][m].get<double>()) << m;
    }
    EXPECT_EQ(read_jsonl(broken / key / "samples_mc_colours.jsonl").size(), 6u);

    // --fresh starts over as a new run.
    ASSERT_EQ(run_command(run_cmd(tasks, broken, opts + " --fresh")).status, 0);
    EXPECT_EQ(sql_count(db, "SELECT COUNT(*) FROM runs"), 2);
}

TEST(RunCli, SentimentOnAUserCsv) {
    const auto out = temp_dir() / "run-sentiment";
    fs::remove_all(out);
    const std::string csv = std::string(RIGHTSIZE_SOURCE_DIR) + "/tests/data/sentiment_example.csv";
    const auto r = run_command(cli() + " run -m " + tiny_model_path() + " --tasks sentiment --data-file sentiment=" + csv +
                               " -o " + out.string() + " -t 2 -c 1024");
    ASSERT_EQ(r.status, 0) << r.err;
    const json j = read_json(out / fs::path(tiny_model_path()).stem() / "results.json");
    const auto & res = j["results"]["sentiment"];
    EXPECT_TRUE(res["acc,none"].is_number());
    EXPECT_TRUE(res["f1,none"].is_number());
    EXPECT_EQ(j["n-samples"]["sentiment"]["effective"].get<int>(), 16);

    // Few-shot examples come from the user's file too (the evaluated split), never the question itself.
    const auto shots = run_command(cli() + " run -m " + tiny_model_path() + " --tasks sentiment --data-file sentiment=" + csv +
                                   " --num-fewshot 2 --limit 4 -o " + out.string() + " -t 2 -c 1024");
    ASSERT_EQ(shots.status, 0) << shots.err;
    const json k = read_json(out / fs::path(tiny_model_path()).stem() / "results.json");
    EXPECT_EQ(k["n-shot"]["sentiment"].get<int>(), 2);
    const auto samples = read_jsonl(out / fs::path(tiny_model_path()).stem() / "samples_sentiment.jsonl");
    ASSERT_EQ(samples.size(), 4u);
    const std::string p = samples[0]["prompt"];
    size_t reviews = 0;
    for (size_t at = p.find("Review:"); at != std::string::npos; at = p.find("Review:", at + 1)) ++reviews;
    EXPECT_EQ(reviews, 3u) << p;  // two examples, then the question
}

TEST(RunCli, ClearErrors) {
    const auto tasks = make_tasks();
    const auto out = temp_dir() / "run-errors";
    auto r = run_command(run_cmd(tasks, out, "--tasks mc_colurs"));
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("unknown task 'mc_colurs'"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("mc_colours"), std::string::npos) << r.err;  // the suggestion

    write(tasks / "bad" / "fn.yaml", "task: fn_task\ndataset_path: json\ntest_split: test\n"
                                     "process_docs: !function utils.process_docs\ndoc_to_text: q\ndoc_to_target: a\n");
    r = run_command(run_cmd(tasks, out, "--tasks " + (tasks / "bad" / "fn.yaml").string()));
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("fn.yaml:4"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("!function"), std::string::npos) << r.err;

    r = run_command(cli() + " run -m " + tiny_model_path() + " --tasks arc_easy --data-dir " + (temp_dir() / "nowhere").string() +
                    " --offline -o " + out.string());
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("--data-dir"), std::string::npos) << r.err;

    r = run_command(run_cmd(tasks, out, "--tasks mc_colours --data-file nonsense"));
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("TASK=FILE"), std::string::npos) << r.err;

    r = run_command(cli() + " run --tasks arc_easy");
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("-m MODEL"), std::string::npos) << r.err;
}

TEST(RunCli, PerTaskLimitOverridesTheRunLimit) {
    const auto tasks = make_tasks();
    const auto out = temp_dir() / "run-task-limit";
    fs::remove_all(out);
    auto r = run_command(run_cmd(tasks, out, "--tasks mc_colours,ll_colours --limit 2 --limit ll_colours=3 --energy off"));
    ASSERT_EQ(r.status, 0) << r.err;
    const json j = read_json(out / fs::path(tiny_model_path()).stem() / "results.json");
    EXPECT_EQ(j["n-samples"]["mc_colours"]["effective"].get<int>(), 2);
    EXPECT_EQ(j["n-samples"]["ll_colours"]["effective"].get<int>(), 3);
    EXPECT_EQ(j["config"]["task_limits"]["ll_colours"].get<double>(), 3.0);

    r = run_command(run_cmd(tasks, out, "--tasks mc_colours --limit ll_colorus=3"));
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("'ll_colorus' is not one of this run's tasks (mc_colours)"), std::string::npos) << r.err;
    r = run_command(run_cmd(tasks, out, "--tasks mc_colours --limit =3"));
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("TASK=N"), std::string::npos) << r.err;
}

TEST(RunCli, SigtermSavesTheChunkInFlightSaysHowToResumeAndExits143) {
    const auto tasks = make_tasks();
    const auto out = temp_dir() / "run-sigterm";
    fs::remove_all(out);
    const std::string opts = "--tasks mc_colours --batch-docs 2";
    // A real SIGTERM, delivered to the running process after its first checkpoint.
    const auto stopped = run_command("RIGHTSIZE_KILL_AFTER_CHUNKS=1:15 " + run_cmd(tasks, out, opts));
    EXPECT_EQ(stopped.status, 143) << stopped.err;
    EXPECT_NE(stopped.err.find("stopped by signal 15 after saving 1 chunk(s)"), std::string::npos) << stopped.err;
    EXPECT_NE(stopped.err.find("run the same command again to resume"), std::string::npos) << stopped.err;
    EXPECT_EQ(sql_count(out / "rightsize.sqlite", "SELECT COUNT(*) FROM samples"), 2);
    const auto resumed = run_command(run_cmd(tasks, out, opts));
    ASSERT_EQ(resumed.status, 0) << resumed.err;
    EXPECT_NE(resumed.err.find("2 of 6 documents already scored"), std::string::npos) << resumed.err;
    // SIGINT (Ctrl-C) ends with 130.
    fs::remove_all(out);
    EXPECT_EQ(run_command("RIGHTSIZE_KILL_AFTER_CHUNKS=1:2 " + run_cmd(tasks, out, opts)).status, 130);
}

TEST(RunCli, RefusesLimitZeroAMissingValueAndAnOutputThatIsAFile) {
    const auto tasks = make_tasks();
    const auto out = temp_dir() / "run-refusals";
    fs::remove_all(out);
    const auto zero = run_command(run_cmd(tasks, out, "--tasks mc_colours --limit 0"));
    EXPECT_EQ(zero.status, 2);
    EXPECT_NE(zero.err.find("'--limit' 0 would evaluate no document"), std::string::npos) << zero.err;
    const auto task_zero = run_command(run_cmd(tasks, out, "--tasks mc_colours --limit mc_colours=0"));
    EXPECT_EQ(task_zero.status, 2) << task_zero.err;
    const auto missing = run_command(cli() + " run -m --tasks mc_colours");
    EXPECT_EQ(missing.status, 2);
    EXPECT_NE(missing.err.find("option '-m' needs a value (FILE|URL) but is followed by the option '--tasks'"), std::string::npos) << missing.err;
    EXPECT_FALSE(fs::exists(out));

    const fs::path file = temp_dir() / "run-output-file";
    write(file, "not a folder");
    const auto as_file = run_command(run_cmd(tasks, file, "--tasks mc_colours"));
    EXPECT_EQ(as_file.status, 2);
    EXPECT_NE(as_file.err.find("names a file, not a folder"), std::string::npos) << as_file.err;
    EXPECT_EQ(read_text(file), "not a folder") << "the file is left as it was";
    const auto unwritable = run_command(run_cmd(tasks, "/proc/rightsize-results", "--tasks mc_colours"));
    EXPECT_EQ(unwritable.status, 2);
    EXPECT_NE(unwritable.err.find("cannot create the results folder"), std::string::npos) << unwritable.err;
    EXPECT_EQ(unwritable.err.find("internal error"), std::string::npos) << unwritable.err;
}

TEST(RunCli, ReportRefusesADamagedStoreByName) {
    const fs::path bad = temp_dir() / "damaged.sqlite";
    write(bad, std::string(4096, '\x5a'));
    const auto r = run_command(cli() + " report -i " + bad.string() + " --html " + (temp_dir() / "damaged.html").string());
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("damaged.sqlite: not an SQLite database"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("JSON"), std::string::npos) << "not read as JSON: " << r.err;
    EXPECT_FALSE(fs::exists(temp_dir() / "damaged.html"));
}
