// `rightsize merge` refuses what would be a different experiment, says what a partial merge lacks,
// writes the same files however often and in whatever order, and never averages across hardware.
#include "scaleout_support.h"

#include <gtest/gtest.h>

#include <sqlite3.h>

namespace rightsize::testing::scaleout {
namespace {

fs::path shard_dir(const fs::path & out, int i) { return out / ("shard-" + std::to_string(i) + "-of-3"); }

// Every row of the store's tables, in order, as text.
std::string store_rows(const fs::path & db) {
    sqlite3 * h = nullptr;
    EXPECT_EQ(sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    std::string all;
    for (const char * table : {"runs", "task_results", "metrics", "samples"}) {
        sqlite3_stmt * s = nullptr;
        const std::string sql = std::string("SELECT * FROM ") + table + " ORDER BY rowid";
        EXPECT_EQ(sqlite3_prepare_v2(h, sql.c_str(), -1, &s, nullptr), SQLITE_OK) << sqlite3_errmsg(h);
        while (sqlite3_step(s) == SQLITE_ROW) {
            for (int c = 0; c < sqlite3_column_count(s); ++c) {
                const auto * t = sqlite3_column_text(s, c);
                all += (t ? reinterpret_cast<const char *>(t) : "NULL") + std::string("|");
            }
            all += "\n";
        }
        sqlite3_finalize(s);
    }
    sqlite3_close(h);
    return all;
}

void sql(const fs::path & db, const std::string & statement) {
    sqlite3 * h = nullptr;
    ASSERT_EQ(sqlite3_open(db.c_str(), &h), SQLITE_OK);
    char * err = nullptr;
    EXPECT_EQ(sqlite3_exec(h, statement.c_str(), nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
    sqlite3_free(err);
    sqlite3_close(h);
}

bool has_merge_leftovers(const fs::path & parent) {
    for (const auto & e : fs::directory_iterator(parent)) {
        if (e.path().filename().string().find(".merging-") != std::string::npos) return true;
    }
    return false;
}

TEST(ScaleOut, MergingAgainOrInAnotherOrderWritesTheSameFiles) {
    const fs::path out = slurm_shards().out;
    const fs::path a = fresh_subdir("merge-order") / "merged";
    const auto first = merge(quote(a.string()) + " " + quote(shard_dir(out, 2).string()) + " " +
                             quote((shard_dir(out, 0) / "rightsize.sqlite").string()) + " " + quote(shard_dir(out, 1).string()));
    ASSERT_EQ(first.status, 0) << first.err;
    const fs::path copy = a.parent_path() / "first";
    fs::copy(a, copy, fs::copy_options::recursive);
    const auto again = merge(quote(a.string()) + " " + quote(out.string()));
    ASSERT_EQ(again.status, 0) << again.err;
    size_t files = 0;
    for (const auto & e : fs::recursive_directory_iterator(copy)) {
        if (!e.is_regular_file() || e.path().extension() == ".sqlite") continue;
        const fs::path other = a / fs::relative(e.path(), copy);
        EXPECT_EQ(run_cli::read_text(e.path()), run_cli::read_text(other)) << other;
        ++files;
    }
    EXPECT_GE(files, 2u * 4u + 6u);  // results.json and three samples files per model, and the folder's files
    EXPECT_EQ(store_rows(copy / "rightsize.sqlite"), store_rows(a / "rightsize.sqlite"));
    EXPECT_FALSE(has_merge_leftovers(a.parent_path()));
}

TEST(ScaleOut, MergeRefusesMissingOrDuplicatedShardsAndSaysWhatAPartialMergeLacks) {
    const fs::path out = slurm_shards().out;
    const fs::path dir = fresh_subdir("merge-refusals");
    const auto missing = merge(quote((dir / "m").string()) + " " + quote(shard_dir(out, 0).string()) + " " + quote(shard_dir(out, 1).string()));
    EXPECT_EQ(missing.status, 1);
    EXPECT_NE(missing.err.find("shard(s) 2/3 of the run are missing"), std::string::npos) << missing.err;
    EXPECT_NE(missing.err.find("--allow-partial"), std::string::npos) << missing.err;
    EXPECT_FALSE(fs::exists(dir / "m")) << "nothing is written when a merge is refused";
    EXPECT_FALSE(has_merge_leftovers(dir));

    fs::copy(shard_dir(out, 1), dir / "copy-of-1", fs::copy_options::recursive);
    const auto twice = merge(quote((dir / "m").string()) + " " + quote(out.string()) + " " + quote((dir / "copy-of-1").string()));
    EXPECT_EQ(twice.status, 1);
    EXPECT_NE(twice.err.find("shard 1/3 is given twice"), std::string::npos) << twice.err;

    fs::create_directories(dir / "busy");
    run_cli::write(dir / "busy" / "notes.txt", "mine");
    const auto busy = merge(quote((dir / "busy").string()) + " " + quote(out.string()));
    EXPECT_EQ(busy.status, 1);
    EXPECT_NE(busy.err.find("is not empty and holds no earlier merge"), std::string::npos) << busy.err;
    EXPECT_TRUE(fs::exists(dir / "busy" / "notes.txt"));

    const auto partial = merge("--allow-partial " + quote((dir / "p").string()) + " " + quote(shard_dir(out, 0).string()) + " " +
                               quote(shard_dir(out, 2).string()));
    ASSERT_EQ(partial.status, 0) << partial.err;
    EXPECT_NE(partial.out.find("PARTIAL: missing shards [1]"), std::string::npos) << partial.out;
    const json manifest = read_json(dir / "p" / "merge.json");
    EXPECT_TRUE(manifest["partial"].get<bool>());
    EXPECT_EQ(manifest["missing"], json::array({1}));
    const json shard1 = read_json(shard_dir(out, 1) / "shard.json")["shard"]["chunks"];
    for (const auto & m : models()) {
        const std::string key = model_key(m);
        const json doc = read_json(dir / "p" / key / "results.json");
        EXPECT_TRUE(doc["rightsize_merge"]["partial"].get<bool>());
        for (const std::string task : {"arc_easy", "boolq", "cute_spell"}) {
            // Shard 1's chunks of this model × task (2 documents each) are what is missing.
            const size_t lost = shard1.contains(key) && shard1[key].contains(task) ? 2 * shard1[key][task].size() : 0;
            EXPECT_EQ(manifest["missing_documents"].value(key, json::object()).value(task, size_t(0)), lost) << key << " " << task;
            if (lost < 6) EXPECT_EQ(doc["n-samples"][task]["effective"].get<size_t>(), 6 - lost) << key << " " << task;
        }
    }
    EXPECT_NE(run_cli::read_text(dir / "p" / "report.html").find("id=\"partial-merge\""), std::string::npos);
    EXPECT_NE(run_cli::read_text(dir / "p" / "report.md").find("Merged from incomplete shards"), std::string::npos);
    EXPECT_NE(run_cli::read_text(dir / "p" / "emissions.csv").find("rightsize (PARTIAL merge: see merge.json)"), std::string::npos);
}

TEST(ScaleOut, MergeRefusesAShardOfAnotherConfigurationNamingTheDifference) {
    const fs::path out = slurm_shards().out;
    const fs::path other = fresh_subdir("other-config");
    // Array task 1 (shard 0) with another few-shot seed: another experiment.
    const auto r = run_command(slurm_command(1, other, " --seed 7"));
    ASSERT_EQ(r.status, 0) << r.err;
    const auto refused = merge(quote((other / "m").string()) + " " + quote(shard_dir(other, 0).string()) + " " +
                               quote(shard_dir(out, 1).string()) + " " + quote(shard_dir(out, 2).string()));
    EXPECT_EQ(refused.status, 1);
    EXPECT_NE(refused.err.find("shards of different run configurations"), std::string::npos) << refused.err;
    EXPECT_NE(refused.err.find("fewshot_seed: 7 → 1234"), std::string::npos) << refused.err;
}

TEST(ScaleOut, AnUnfinishedShardIsNamedAndItsOwnCommandResumesIt) {
    const fs::path out = slurm_shards().out;
    const fs::path redo = fresh_subdir("unfinished");
    const auto killed = run_command("RIGHTSIZE_KILL_AFTER_CHUNKS=1 " + slurm_command(2, redo));
    ASSERT_NE(killed.status, 0);
    const std::string inputs = quote(shard_dir(out, 0).string()) + " " + quote(shard_dir(redo, 1).string()) + " " + quote(shard_dir(out, 2).string());
    const auto refused = merge(quote((redo / "m").string()) + " " + inputs);
    EXPECT_EQ(refused.status, 1);
    EXPECT_NE(refused.err.find("shard 1/3 (" + (shard_dir(redo, 1) / "rightsize.sqlite").string() + ") is unfinished"), std::string::npos)
        << refused.err;
    EXPECT_NE(refused.err.find("run that shard's command again"), std::string::npos) << refused.err;
    const auto partial = merge("--allow-partial " + quote((redo / "p").string()) + " " + inputs);
    ASSERT_EQ(partial.status, 0) << partial.err;
    EXPECT_EQ(read_json(redo / "p" / "merge.json")["unfinished"], json::array({1}));

    const auto resumed = run_command(slurm_command(2, redo));
    ASSERT_EQ(resumed.status, 0) << resumed.err;
    EXPECT_NE(resumed.err.find("resuming, 2 of"), std::string::npos) << resumed.err;
    const auto merged = merge(quote((redo / "m").string()) + " " + inputs);
    ASSERT_EQ(merged.status, 0) << merged.err;
    for (const auto & m : models()) {
        const std::string key = model_key(m);
        EXPECT_EQ(read_json(redo / "m" / key / "results.json")["results"], read_json(unsharded_run() / key / "results.json")["results"]);
    }
}

TEST(ScaleOut, EfficiencyFromTwoKindsOfMachineIsShownPerClassAndNeverAveraged) {
    const fs::path out = slurm_shards().out;
    const fs::path dir = fresh_subdir("mixed");
    for (int i = 0; i < 3; ++i) fs::copy(shard_dir(out, i), shard_dir(dir, i), fs::copy_options::recursive);
    // Two machines cannot be had here: shard 2 is made to say it ran on another CPU.
    sql(shard_dir(dir, 2) / "rightsize.sqlite", "UPDATE runs SET hardware_json = json_set(hardware_json, '$.cpu_model', 'Other CPU 9000')");
    const auto merged = merge(quote((dir / "m").string()) + " " + quote(dir.string()));
    ASSERT_EQ(merged.status, 0) << merged.err;
    size_t mixed = 0;
    for (const auto & m : models()) {
        const json doc = read_json(dir / "m" / model_key(m) / "results.json");
        for (const auto & [task, eff] : doc["efficiency"].items()) {
            std::set<std::string> classes;
            for (const auto & s : eff["shards"]) classes.insert(s["hardware_class"].get<std::string>());
            if (classes.size() == 1) {
                EXPECT_EQ(eff["hardware_class"], *classes.begin());
                EXPECT_TRUE(eff["samples_per_s"].is_number());
                continue;
            }
            ++mixed;
            EXPECT_TRUE(eff["mixed_hardware"].get<bool>());
            EXPECT_TRUE(eff["samples_per_s"].is_null()) << "never one figure across machine classes";
            EXPECT_TRUE(eff["peak_rss_mb"].is_null());
            ASSERT_EQ(eff["by_hardware_class"].size(), 2u);
            size_t documents = 0;
            double joules = 0;
            for (const auto & c : eff["by_hardware_class"]) {
                EXPECT_GT(c["samples_per_s"].get<double>(), 0);
                documents += c["n_samples"].get<size_t>();
                joules += c["energy"]["total_j"].get<double>();
            }
            EXPECT_EQ(documents, 6u);
            EXPECT_NEAR(eff["energy"]["total_j"].get<double>(), joules, 1e-9 * joules) << "energy is summed over every class";
        }
    }
    EXPECT_GT(mixed, 0u) << "shard 2 shares some model × task with another shard";
    const json report = read_json(dir / "m" / "report.json");
    EXPECT_NE(report["banners"].dump().find("mixed-hardware"), std::string::npos);
    EXPECT_NE(run_cli::read_text(dir / "m" / "report.html").find("id=\"mixed-hardware\""), std::string::npos);
}

}  // namespace
}  // namespace rightsize::testing::scaleout
