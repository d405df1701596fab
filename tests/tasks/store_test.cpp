#include "test_support.h"

#include "core/atomic_file.h"
#include <rightsize/error.h>
#include <rightsize/report.h>
#include <rightsize/results_store.h>

#include <sqlite3.h>

#include <stdexcept>

using namespace rightsize;
using namespace rightsize::testing;

namespace {

namespace fs = std::filesystem;

fs::path fresh_dir(const std::string & name) { return fresh_subdir("store-" + name); }

std::string read(const fs::path & p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

RunInfo run_info(const std::string & id, const std::string & hash) {
    RunInfo r;
    r.run_id = id;
    r.config_hash = hash;
    r.config = {{"models", {"tiny.gguf"}}, {"tasks", {"arc_easy"}}, {"limit", 10}};
    r.git_hash = "abc123";
    r.llama_cpp = "b1234";
    r.hardware = {{"cpu", "test"}};
    return r;
}

std::vector<nlohmann::json> some_samples() {
    return {{{"doc_id", 0}, {"target", "A"}, {"resps", {{"x", -1.5}}}, {"acc", 1}},
            {{"doc_id", 7}, {"target", "Ünïcode ✓"}, {"resps", {{"y\n\"quoted\"", -0.25}}}, {"acc", 0}}};
}

// Rows of `SELECT value, stderr FROM metrics WHERE …` through SQLite directly.
using MetricRow = std::pair<double, std::optional<double>>;  // value, stderr (NULL: none)
std::vector<MetricRow> metric_rows(const std::string & db, const std::string & metric, const std::string & filter) {
    sqlite3 * h = nullptr;
    if (sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
        sqlite3_close(h);
        throw std::runtime_error("cannot open " + db);
    }
    sqlite3_stmt * s = nullptr;
    sqlite3_prepare_v2(h, "SELECT value, stderr FROM metrics WHERE metric=? AND filter=?", -1, &s, nullptr);
    sqlite3_bind_text(s, 1, metric.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, filter.c_str(), -1, SQLITE_TRANSIENT);
    std::vector<MetricRow> rows;
    while (sqlite3_step(s) == SQLITE_ROW) {
        std::optional<double> se;
        if (sqlite3_column_type(s, 1) != SQLITE_NULL) se = sqlite3_column_double(s, 1);
        rows.push_back({sqlite3_column_double(s, 0), se});
    }
    sqlite3_finalize(s);
    sqlite3_close(h);
    return rows;
}

}  // namespace

// --- ResultsStore ------------------------------------------------------------------------------

TEST(ResultsStore, UnfinishedRunIsFoundUntilFinished) {
    const auto db = (fresh_dir("runs") / "results.sqlite").string();
    ResultsStore store(db);
    EXPECT_FALSE(store.unfinished_run("hash-1").has_value());
    store.begin_run(run_info("run-a", "hash-1"));
    ASSERT_TRUE(store.unfinished_run("hash-1").has_value());
    EXPECT_EQ(*store.unfinished_run("hash-1"), "run-a");
    EXPECT_FALSE(store.unfinished_run("hash-2").has_value());
    // begin_run again (a resumed command) keeps the one row.
    store.begin_run(run_info("run-a", "hash-1"));
    auto runs = store.runs();
    ASSERT_EQ(runs.size(), 1u);
    EXPECT_EQ(runs[0]["status"], "running");
    EXPECT_EQ(runs[0]["finished_at"], "");

    store.finish_run("run-a");
    EXPECT_EQ(store.unfinished_run("hash-1"), std::nullopt);
    runs = store.runs();
    ASSERT_EQ(runs.size(), 1u);
    EXPECT_EQ(runs[0]["run_id"], "run-a");
    EXPECT_EQ(runs[0]["config_hash"], "hash-1");
    EXPECT_EQ(runs[0]["status"], "complete");
    EXPECT_FALSE(runs[0]["finished_at"].get<std::string>().empty());
}

TEST(ResultsStore, SamplesAreKeyedByDocIdAndPersist) {
    const auto db = (fresh_dir("samples") / "results.sqlite").string();
    const auto samples = some_samples();
    {
        ResultsStore store(db);
        store.begin_run(run_info("run-s", "h"));
        EXPECT_TRUE(store.samples("run-s", "tiny", "arc_easy").empty());
        store.add_samples("run-s", "tiny", "arc_easy", samples);
        const auto got = store.samples("run-s", "tiny", "arc_easy");
        ASSERT_EQ(got.size(), 2u);
        ASSERT_TRUE(got.count(0) && got.count(7));
        EXPECT_EQ(got.at(0), samples[0]);
        EXPECT_EQ(got.at(7), samples[1]);
        // Another model or task sees none of them.
        EXPECT_TRUE(store.samples("run-s", "other", "arc_easy").empty());
        EXPECT_TRUE(store.samples("run-s", "tiny", "boolq").empty());
        // Adding a doc_id again replaces it.
        const std::vector<nlohmann::json> again = {{{"doc_id", 7}, {"acc", 1}}};
        store.add_samples("run-s", "tiny", "arc_easy", again);
        EXPECT_EQ(store.samples("run-s", "tiny", "arc_easy").at(7), again[0]);
    }
    // A second store object on the same file (the first one closed) sees the same data.
    ResultsStore reopened(db);
    const auto got = reopened.samples("run-s", "tiny", "arc_easy");
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got.at(0), samples[0]);
    EXPECT_EQ(got.at(7)["acc"], 1);
    EXPECT_EQ(reopened.unfinished_run("h"), std::optional<std::string>("run-s"));
}

TEST(ResultsStore, TwoOpenStoresShareTheFile) {
    const auto db = (fresh_dir("shared") / "results.sqlite").string();
    ResultsStore writer(db);
    ResultsStore reader(db);
    writer.begin_run(run_info("run-w", "hw"));
    writer.add_samples("run-w", "m", "t", some_samples());
    EXPECT_EQ(reader.unfinished_run("hw"), std::optional<std::string>("run-w"));
    EXPECT_EQ(reader.samples("run-w", "m", "t").size(), 2u);
}

TEST(ResultsStore, FailedBatchAddsNothing) {
    const auto db = (fresh_dir("rollback") / "results.sqlite").string();
    ResultsStore store(db);
    store.begin_run(run_info("run-r", "h"));
    // The second sample's doc_id is not a number.
    const std::vector<nlohmann::json> bad = {{{"doc_id", 1}, {"acc", 1}}, {{"doc_id", "two"}, {"acc", 0}}};
    EXPECT_ANY_THROW(store.add_samples("run-r", "m", "t", bad));
    // All or nothing: the first sample was rolled back with the second.
    EXPECT_TRUE(store.samples("run-r", "m", "t").empty());
    // The store is still usable afterwards.
    store.add_samples("run-r", "m", "t", some_samples());
    EXPECT_EQ(store.samples("run-r", "m", "t").size(), 2u);
}

TEST(ResultsStore, TaskResultAndMetricRows) {
    const auto db = (fresh_dir("results") / "results.sqlite").string();
    const nlohmann::json results = {{"alias", "arc_easy"},
                                    {"acc,none", 0.75},
                                    {"acc_stderr,none", 0.05},
                                    {"acc_norm,none", 0.5},
                                    {"acc_norm_stderr,none", "N/A"}};
    const nlohmann::json efficiency = {{"tokens_per_second", 123.5}, {"peak_rss_mb", 512}};
    const nlohmann::json facts = {{"name", "tiny"}, {"params", 1000}};
    {
        ResultsStore store(db);
        store.begin_run(run_info("run-t", "h"));
        EXPECT_FALSE(store.task_result("run-t", "tiny", "arc_easy").has_value());
        store.put_task_result("run-t", "tiny", "arc_easy", facts, results, efficiency);
        const auto r = store.task_result("run-t", "tiny", "arc_easy");
        ASSERT_TRUE(r.has_value());
        EXPECT_EQ((*r)["results"], results);
        EXPECT_EQ((*r)["efficiency"], efficiency);
        EXPECT_EQ((*r)["model"], facts);
        EXPECT_FALSE(store.task_result("run-t", "tiny", "boolq").has_value());
    }
    const auto acc = metric_rows(db, "acc", "none");
    ASSERT_EQ(acc.size(), 1u);
    EXPECT_DOUBLE_EQ(acc[0].first, 0.75);
    ASSERT_TRUE(acc[0].second.has_value());
    EXPECT_DOUBLE_EQ(*acc[0].second, 0.05);
    // A stderr that is not a number is stored as NULL.
    const auto norm = metric_rows(db, "acc_norm", "none");
    ASSERT_EQ(norm.size(), 1u);
    EXPECT_DOUBLE_EQ(norm[0].first, 0.5);
    EXPECT_FALSE(norm[0].second.has_value());
    // Stderr keys and keys without a filter get no rows of their own.
    EXPECT_TRUE(metric_rows(db, "acc_stderr", "none").empty());
    EXPECT_TRUE(metric_rows(db, "alias", "").empty());

    // Replacing the result replaces its metric rows.
    ResultsStore store(db);
    nlohmann::json better = results;
    better["acc,none"] = 0.9;
    store.put_task_result("run-t", "tiny", "arc_easy", facts, better, efficiency);
    const auto replaced = metric_rows(db, "acc", "none");
    ASSERT_EQ(replaced.size(), 1u);
    EXPECT_DOUBLE_EQ(replaced[0].first, 0.9);
    EXPECT_EQ((*store.task_result("run-t", "tiny", "arc_easy"))["results"]["acc,none"], 0.9);
}

TEST(ResultsStore, NotADatabaseNamesThePath) {
    const auto path = (fresh_dir("garbage") / "results.sqlite").string();
    {
        std::ofstream out(path, std::ios::binary);
        for (int i = 0; i < 4096; ++i) out.put(char((i * 131 + 7) % 251));
    }
    const std::string msg = error_message([&] { ResultsStore store(path); });
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
    EXPECT_NE(msg.find("not a database"), std::string::npos) << msg;
}

TEST(ResultsStore, FailedOpenLeavesNoFileOpen) {
    const auto path = (fresh_dir("garbage-fds") / "results.sqlite").string();
    std::ofstream(path, std::ios::binary) << std::string(4096, 'x');
    auto open_fds = [] {
        size_t n = 0;
        for ([[maybe_unused]] const auto & e : fs::directory_iterator("/proc/self/fd")) ++n;
        return n;
    };
    const size_t before = open_fds();
    for (int i = 0; i < 5; ++i) EXPECT_FALSE(error_message([&] { ResultsStore store(path); }).empty());
    EXPECT_EQ(open_fds(), before);
}

TEST(ResultsStore, UnopenablePathNamesIt) {
    const std::string path = (fresh_dir("missing") / "no" / "such" / "dir" / "results.sqlite").string();
    const std::string msg = error_message([&] { ResultsStore store(path); });
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
}

// --- write_file_atomic -------------------------------------------------------------------------

TEST(AtomicFile, CreatesParentsAndLeavesNoTemporary) {
    const fs::path dir = fresh_dir("atomic");
    const fs::path dest = dir / "a" / "b" / "results.json";
    write_file_atomic(dest.string(), std::string_view("{\"ok\": true}\n"));
    EXPECT_EQ(read(dest), "{\"ok\": true}\n");
    size_t files = 0;
    for (const auto & e : fs::recursive_directory_iterator(dir)) {
        if (!e.is_regular_file()) continue;
        ++files;
        EXPECT_EQ(e.path().string().find(".part"), std::string::npos) << e.path();
    }
    EXPECT_EQ(files, 1u);
    // Overwriting replaces the whole content.
    write_file_atomic(dest.string(), [](std::ostream & out) { out << "second"; });
    EXPECT_EQ(read(dest), "second");
}

TEST(AtomicFile, FailedFillKeepsTheOldContent) {
    const fs::path dir = fresh_dir("atomic-fail");
    const fs::path dest = dir / "results.json";
    write_file_atomic(dest.string(), std::string_view("old content"));
    EXPECT_THROW(write_file_atomic(dest.string(),
                                   [](std::ostream & out) {
                                       out << "half of the new";
                                       throw std::runtime_error("interrupted");
                                   }),
                 std::runtime_error);
    EXPECT_EQ(read(dest), "old content");
    std::vector<std::string> names;
    for (const auto & e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
    EXPECT_EQ(names, std::vector<std::string>{"results.json"});

    // A destination that never existed is not created by a failed write either.
    const fs::path fresh = dir / "new.json";
    EXPECT_ANY_THROW(write_file_atomic(fresh.string(), [](std::ostream &) { throw Error("no"); }));
    EXPECT_FALSE(fs::exists(fresh));
}

TEST(AtomicFile, UnwritableFolderIsAnError) {
    const fs::path dir = fresh_dir("atomic-blocked");
    // A regular file where a parent folder should be.
    std::ofstream(dir / "blocker") << "x";
    const auto path = (dir / "blocker" / "out.json").string();
    const std::string msg = error_message([&] { write_file_atomic(path, std::string_view("content")); });
    EXPECT_NE(msg.find("blocker"), std::string::npos) << msg;
}

// --- schema versions ---------------------------------------------------------------------------

namespace {

// tests/data/store_v1/rightsize.sqlite: written by rightsize before schema version 2 (commit
// 2f6fdb5; tests/data/store_v1/make-store.sh): two tiny models × pick_colour and say_colour, and
// a model judge's votes on say_colour.
fs::path copy_of_v1_store(const std::string & name) {
    const auto dir = fresh_dir(name);
    fs::copy_file(fs::path(RIGHTSIZE_SOURCE_DIR) / "tests/data/store_v1/rightsize.sqlite", dir / "rightsize.sqlite");
    return dir / "rightsize.sqlite";
}

long long sql_int(const fs::path & db, const std::string & sql) {
    sqlite3 * h = nullptr;
    sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr);
    sqlite3_stmt * s = nullptr;
    long long v = -1;
    if (sqlite3_prepare_v2(h, sql.c_str(), -1, &s, nullptr) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW) v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(h);
    return v;
}

}  // namespace

TEST(StoreSchema, AVersionOneStoreIsReadAsItIsAndMovedForwardWithEverythingKept) {
    const auto db = copy_of_v1_store("v1-forward");
    std::string run_id;
    size_t n_votes = 0;
    {
        ResultsStore ro(db.string(), ResultsStore::Access::ReadOnly);
        EXPECT_EQ(ro.schema_version(), 1) << "a read-only open never migrates";
        const auto runs = ro.list_runs();
        ASSERT_EQ(runs.size(), 1u);
        EXPECT_EQ(runs[0].status, "complete");
        EXPECT_TRUE(runs[0].info.provenance.empty());
        run_id = runs[0].info.run_id;
        const auto rows = ro.task_results(run_id);
        ASSERT_EQ(rows.size(), 4u);  // 2 models × 2 tasks
        EXPECT_TRUE(rows[0].task_facts.is_null());
        EXPECT_TRUE(rows[0].results.contains("acc,none"));
        n_votes = ro.votes(run_id, "say_colour").size();
        EXPECT_EQ(n_votes, 8u) << "the judge voted 4 documents in both orders";
        EXPECT_EQ(ro.sample_models(run_id, "say_colour"), (std::vector<std::string>{"tiny-a", "tiny-b"}));
    }
    EXPECT_EQ(sql_int(db, "SELECT value FROM meta WHERE key='schema_version'"), 1);

    ResultsStore rw(db.string(), ResultsStore::Access::Existing);
    EXPECT_EQ(rw.schema_version(), ResultsStore::kSchemaVersion);
    EXPECT_EQ(sql_int(db, "SELECT value FROM meta WHERE key='schema_version'"), ResultsStore::kSchemaVersion);
    EXPECT_EQ(sql_int(db, "SELECT COUNT(*) FROM pragma_table_info('task_results') WHERE name='task_json'"), 1);
    EXPECT_EQ(sql_int(db, "SELECT COUNT(*) FROM pragma_table_info('runs') WHERE name='provenance_json'"), 1);
    // Nothing lost: the same runs, results, samples and votes, each vote with its judge's margin.
    ASSERT_EQ(rw.list_runs().size(), 1u);
    EXPECT_EQ(rw.task_results(run_id).size(), 4u);
    EXPECT_EQ(rw.samples(run_id, "tiny-a", "say_colour").size(), 4u);
    const auto votes = rw.votes(run_id, "say_colour");
    ASSERT_EQ(votes.size(), n_votes);
    for (const auto & v : votes) EXPECT_TRUE(v.margin.has_value()) << v.doc_id;
    // And the store takes today's writes.
    StoredVote v = votes[0];
    v.voter = "ann";
    v.margin.reset();
    EXPECT_TRUE(rw.add_vote(v));
    EXPECT_FALSE(rw.add_vote(v)) << "the same vote twice counts once";
}

TEST(StoreSchema, AStoreFromANewerRightsizeOrNoStoreAtAllIsRefused) {
    const auto db = copy_of_v1_store("v-newer");
    {
        sqlite3 * h = nullptr;
        ASSERT_EQ(sqlite3_open(db.c_str(), &h), SQLITE_OK);
        ASSERT_EQ(sqlite3_exec(h, "UPDATE meta SET value='99' WHERE key='schema_version'", nullptr, nullptr, nullptr), SQLITE_OK);
        sqlite3_close(h);
    }
    for (auto access : {ResultsStore::Access::ReadOnly, ResultsStore::Access::Existing}) {
        const std::string msg = error_message([&] { ResultsStore s(db.string(), access); });
        EXPECT_NE(msg.find(db.string()), std::string::npos) << msg;
        EXPECT_NE(msg.find("schema version 99"), std::string::npos) << msg;
        EXPECT_NE(msg.find("upgrade rightsize"), std::string::npos) << msg;
    }
    const auto other = fresh_dir("v-other") / "other.sqlite";
    {
        sqlite3 * h = nullptr;
        ASSERT_EQ(sqlite3_open(other.c_str(), &h), SQLITE_OK);
        ASSERT_EQ(sqlite3_exec(h, "CREATE TABLE t (x)", nullptr, nullptr, nullptr), SQLITE_OK);
        sqlite3_close(h);
    }
    const std::string msg = error_message([&] { ResultsStore s(other.string(), ResultsStore::Access::ReadOnly); });
    EXPECT_NE(msg.find("not a rightsize results store"), std::string::npos) << msg;
    const std::string missing = error_message([&] { ResultsStore s((fresh_dir("v-missing") / "nope.sqlite").string(), ResultsStore::Access::Existing); });
    EXPECT_NE(missing.find("cannot open the results database"), std::string::npos) << missing;
}

TEST(StoreSchema, AReportIsMadeFromAVersionOneStoreWithoutChangingIt) {
    const auto db = copy_of_v1_store("v1-report");
    const ReportInput in = load_report_input(db.string());
    ASSERT_EQ(in.models.size(), 2u);
    for (const auto & m : in.models) {
        // results.json rebuilt from the rows: the task facts come from the stored YAML.
        EXPECT_EQ(m["headline"]["pick_colour"], (nlohmann::json{{"metric", "acc"}, {"filter", "none"}}));
        EXPECT_EQ(m["headline"]["say_colour"], (nlohmann::json{{"metric", "exact_match"}, {"filter", "none"}}));
        EXPECT_EQ(m["n-samples"]["pick_colour"]["effective"], 4);
        EXPECT_EQ(m["config"]["model"], "rightsize-llama.cpp");
    }
    ASSERT_EQ(in.votes.size(), 1u);
    EXPECT_EQ(in.votes[0]["task"], "say_colour");
    const auto analysis = analyse(in);
    EXPECT_EQ(analysis["tasks"].size(), 2u);
    EXPECT_EQ(sql_int(db, "SELECT value FROM meta WHERE key='schema_version'"), 1) << "reading is not writing";
}
