// A run's identity and its folder (issue: results that can never be mixed up), on the tiny
// generated model: a changed data file or an added adapter starts a new run beside the old one
// instead of resuming it; another task run into the same folder keeps what was there; a second
// run on a busy folder stops at once, naming the first; a stop request saves the chunk in flight;
// a run that fails before its first document leaves nothing behind; cut prompts are counted.
#include "cli/run_test_support.h"

#include "core/folder_lock.h"
#include "run/run_identity.h"

#include <rightsize/error.h>
#include <rightsize/run.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>

using namespace rightsize;
using namespace rightsize::testing;
using namespace rightsize::testing::run_cli;

namespace {

RunOptions tiny_run(const fs::path & tasks, const fs::path & out, std::vector<std::string> task_names = {"mc_colours"}) {
    return tiny_run_options(tasks, out, std::move(task_names));
}


// Six colour questions, each naming `tag` so the test can tell which file a sample came from.
std::string colour_docs(const std::string & tag) {
    std::string docs;
    const char * words[] = {"red", "blue", "green", "black", "white", "pink"};
    for (int i = 0; i < 6; ++i) {
        docs += json{{"question", tag + " colour " + std::to_string(i) + "?"},
                     {"choices", {words[i], words[(i + 1) % 6], words[(i + 2) % 6]}},
                     {"answer", i % 3}}
                    .dump() +
                "\n";
    }
    return docs;
}

std::string key_of_tiny() { return fs::path(tiny_model_path()).stem().string(); }

}  // namespace

TEST(RunIdentity, AChangedDataFileStartsANewRunBesideTheUnfinishedOne) {
    const auto tasks = make_tasks();
    const auto out = fresh_subdir("identity-data");
    const fs::path data = out / "edit.jsonl";
    write(data, colour_docs("first"));
    RunOptions o = tiny_run(tasks, out);
    o.eval.data_file_overrides["mc_colours"] = data.string();
    Recorder first;
    first.throw_after = 1;
    RunSession interrupted(o, first.events());
    EXPECT_THROW(interrupted.run(), std::runtime_error);

    // The same bytes written again (a new modification time) are the same data: it resumes.
    write(data, colour_docs("first"));
    EXPECT_EQ(RunSession(o).config_hash(), interrupted.config_hash());

    write(data, colour_docs("second"));
    Recorder second;
    RunSession again(o, second.events());
    EXPECT_NE(again.config_hash(), interrupted.config_hash());
    const RunOutcome r = again.run();
    EXPECT_FALSE(r.resumed);
    EXPECT_TRUE(second.said("has another configuration")) << "the user is told why it did not resume";
    EXPECT_TRUE(second.said("data/mc_colours/eval/0/sha256")) << "and what differs";
    const auto samples = read_jsonl(out / key_of_tiny() / "samples_mc_colours.jsonl");
    ASSERT_EQ(samples.size(), 6u);
    for (const auto & s : samples) {
        EXPECT_EQ(s["doc"]["question"].get<std::string>().rfind("second", 0), 0u) << s["doc"].dump();
    }
    // The unfinished run is kept, untouched, beside the new one.
    EXPECT_EQ(sql_count(out / "rightsize.sqlite", "SELECT COUNT(*) FROM runs"), 2);
    EXPECT_EQ(sql_count(out / "rightsize.sqlite", "SELECT COUNT(*) FROM samples WHERE run_id='" + r.run_id + "'"), 6);
}

TEST(RunIdentity, AnAdapterIsPartOfTheModelsIdentityEverywhere) {
    const auto tasks = make_tasks();
    const auto out = fresh_subdir("identity-lora");
    RunOptions base = tiny_run(tasks, out);
    Recorder first;
    first.throw_after = 1;
    EXPECT_THROW(RunSession(base, first.events()).run(), std::runtime_error);

    RunOptions adapted = base;
    adapted.llama.loras = {{tiny_lora_path(), 4.0f}};
    Recorder second;
    RunSession session(adapted, second.events());
    const RunOutcome r = session.run();
    EXPECT_FALSE(r.resumed) << "the base model's run is never resumed with an adapter";
    const std::string key = key_of_tiny() + "+" + fs::path(tiny_lora_path()).stem().string() + "@4";
    EXPECT_EQ(run_model_key(tiny_model_path(), adapted.llama.loras), key);
    const json doc = read_json(out / key / "results.json");
    EXPECT_EQ(doc["model"]["key"], key);
    ASSERT_EQ(doc["model"]["adapters"].size(), 1u);
    EXPECT_EQ(doc["model"]["adapters"][0]["scale"].get<double>(), 4.0);
    EXPECT_EQ(doc["model"]["adapters"][0]["sha256"].get<std::string>().size(), 64u);
    EXPECT_EQ(doc["model"]["sha256"].get<std::string>().size(), 64u);
    EXPECT_NE(doc["config"]["model_args"].get<std::string>().find("lora=" + fs::absolute(tiny_lora_path()).string()), std::string::npos)
        << doc["config"]["model_args"];
    EXPECT_EQ(read_jsonl(out / key / "samples_mc_colours.jsonl").size(), 6u);
    // Store and report keep the two apart: two documents of the base model, six of the adapted one.
    EXPECT_EQ(sql_count(out / "rightsize.sqlite", "SELECT COUNT(*) FROM samples WHERE model='" + key_of_tiny() + "'"), 2);
    EXPECT_EQ(sql_count(out / "rightsize.sqlite", "SELECT COUNT(*) FROM samples WHERE model='" + key + "'"), 6);
    EXPECT_NE(read_text(out / "report.md").find(key), std::string::npos);
}

TEST(RunIdentity, DifferencesNameEachChangedField) {
    const json a = {{"models", {{{"sha256", "aaa"}, {"adapters", json::array()}}}}, {"limit", 5}};
    json b = a;
    b["models"][0]["adapters"].push_back({{"path", "x.gguf"}, {"scale", 2}});
    b["limit"] = 7;
    const auto d = config_differences(a, b);
    ASSERT_EQ(d.size(), 2u);
    EXPECT_EQ(d[0], "limit: 5 → 7");
    EXPECT_EQ(d[1].rfind("models/0/adapters: (absent) → {", 0), 0u) << d[1];
    EXPECT_TRUE(config_differences(a, a).empty());
}

TEST(RunFolder, AnotherTaskInTheSameFolderKeepsTheEarlierResults) {
    const auto tasks = make_tasks();
    const auto out = fresh_subdir("folder-collection");
    const RunOutcome mc = RunSession(tiny_run(tasks, out, {"mc_colours"})).run();
    const RunOutcome ll = RunSession(tiny_run(tasks, out, {"ll_colours"})).run();
    ASSERT_NE(mc.run_id, ll.run_id);
    json doc = read_json(out / key_of_tiny() / "results.json");
    EXPECT_TRUE(doc["results"].contains("mc_colours")) << "the first run's task is still there";
    EXPECT_TRUE(doc["results"].contains("ll_colours"));
    EXPECT_EQ(doc["task_runs"]["mc_colours"]["run_id"], mc.run_id);
    EXPECT_EQ(doc["task_runs"]["ll_colours"]["run_id"], ll.run_id);
    const std::string csv = read_text(out / "emissions.csv");
    EXPECT_NE(csv.find(mc.run_id), std::string::npos);
    EXPECT_NE(csv.find(ll.run_id), std::string::npos);
    EXPECT_EQ(read_json(out / "report.json")["tasks"].size(), 2u);

    // The same task again with other options: its newest result replaces the older one, the
    // other task stays.
    RunOptions three = tiny_run(tasks, out, {"mc_colours"});
    three.eval.limit = 3;
    const RunOutcome again = RunSession(three).run();
    doc = read_json(out / key_of_tiny() / "results.json");
    EXPECT_EQ(doc["n-samples"]["mc_colours"]["effective"].get<int>(), 3);
    EXPECT_EQ(doc["task_runs"]["mc_colours"]["run_id"], again.run_id);
    EXPECT_TRUE(doc["results"].contains("ll_colours"));
    // The run's own outcome holds only what it ran.
    EXPECT_FALSE(again.results[0]["results"].contains("ll_colours"));
}

TEST(RunFolder, ASecondRunOnABusyFolderStopsAtOnceNamingTheFirst) {
    const auto tasks = make_tasks();
    const auto out = fresh_subdir("folder-lock");
    auto holder = std::make_unique<FolderLock>((out / ".rightsize.lock").string(), "the test's own run");
    const std::string msg = error_message([&] { RunSession(tiny_run(tasks, out)).run(); });
    EXPECT_NE(msg.find("another run is using this folder"), std::string::npos) << msg;
    EXPECT_NE(msg.find("pid " + std::to_string(::getpid())), std::string::npos) << msg;
    EXPECT_NE(msg.find("the test's own run"), std::string::npos) << msg;
    EXPECT_FALSE(fs::exists(out / "rightsize.sqlite")) << "nothing is written by the refused run";

    // --wait: the run queues behind the holder and runs once it lets go.
    RunOptions waiting = tiny_run(tasks, out);
    waiting.wait_for_lock = true;
    Recorder rec;
    std::thread release([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        holder.reset();
    });
    const RunOutcome r = RunSession(waiting, rec.events()).run();
    release.join();
    EXPECT_TRUE(rec.said("waiting for the run that holds this folder"));
    EXPECT_EQ(r.results[0]["n-samples"]["mc_colours"]["effective"].get<int>(), 6);
}

TEST(RunSession, AStopRequestSavesTheChunkInFlightAndTheRunResumes) {
    const auto tasks = make_tasks();
    const auto out = fresh_subdir("session-stop");
    std::atomic<int> stop{0};
    RunOptions o = tiny_run(tasks, out);
    o.stop = &stop;
    Recorder first;
    first.on_checkpoint = [&](long n) {
        if (n == 1) stop = 15;  // as SIGTERM's handler would
    };
    try {
        RunSession(o, first.events()).run();
        FAIL() << "the run did not stop";
    } catch (const RunInterrupted & e) {
        EXPECT_EQ(e.signal, 15);
        EXPECT_NE(std::string(e.what()).find("after saving 1 chunk"), std::string::npos) << e.what();
    }
    EXPECT_EQ(sql_count(out / "rightsize.sqlite", "SELECT COUNT(*) FROM samples"), 2);
    stop = 0;
    Recorder second;
    const RunOutcome r = RunSession(o, second.events()).run();
    EXPECT_TRUE(r.resumed);
    EXPECT_TRUE(second.said("resuming, 2 of 6 documents already scored"));
}

TEST(RunSession, ARunThatFailsBeforeItsFirstDocumentLeavesNoRunBehind) {
    const auto tasks = make_tasks();
    const auto out = fresh_subdir("session-stub");
    const fs::path data = out / "nochoices.jsonl";
    write(data, "{\"question\": \"q?\", \"answer\": 0}\n");
    RunOptions o = tiny_run(tasks, out);
    o.eval.data_file_overrides["mc_colours"] = data.string();
    const std::string msg = error_message([&] { RunSession(o).run(); });
    EXPECT_NE(msg.find(data.string() + ": document 1 (task mc_colours)"), std::string::npos) << msg;
    EXPECT_NE(msg.find("'choices' is undefined"), std::string::npos) << msg;
    EXPECT_EQ(sql_count(out / "rightsize.sqlite", "SELECT COUNT(*) FROM runs"), 0);
}

TEST(RunSession, CountsAndWarnsAboutPromptsCutToFitTheWindow) {
    const auto tasks = make_tasks();
    const auto out = fresh_subdir("session-truncated");
    RunOptions o = tiny_run(tasks, out);
    o.llama.n_ctx = 12;  // "Q: Which colour is number 0?\nA:" and its answer do not fit
    o.llama.n_parallel = 1;
    Recorder rec;
    const RunOutcome r = RunSession(o, rec.events()).run();
    EXPECT_EQ(r.results[0]["efficiency"]["mc_colours"]["truncated_prompts"].get<int>(), 6);
    EXPECT_TRUE(rec.said("6 of 6 prompts did not fit the context window (-c 12)"));
    for (const auto & s : read_jsonl(out / key_of_tiny() / "samples_mc_colours.jsonl")) EXPECT_TRUE(s["truncated"].get<bool>());

    const auto roomy = fresh_subdir("session-not-truncated");
    const RunOutcome fits = RunSession(tiny_run(tasks, roomy)).run();
    EXPECT_EQ(fits.results[0]["efficiency"]["mc_colours"]["truncated_prompts"].get<int>(), 0);
}

TEST(RunSession, WarnsAndRecordsMoreThreadsThanTheMachineHas) {
    const auto tasks = make_tasks();
    const auto out = fresh_subdir("session-threads");
    RunOptions o = tiny_run(tasks, out);
    const unsigned hw = std::thread::hardware_concurrency();
    o.llama.n_threads = int(hw) + 1;
    Recorder rec;
    const RunOutcome r = RunSession(o, rec.events()).run();
    EXPECT_TRUE(rec.said("asks for more threads than this machine has"));
    const json & eff = r.results[0]["efficiency"]["mc_colours"];
    EXPECT_TRUE(eff.value("oversubscribed", false));
    EXPECT_EQ(eff["threads"].get<int>(), int(hw) + 1);
    EXPECT_EQ(eff["hardware_threads"].get<unsigned>(), hw);
}

// How chat prompts are rendered is part of a chat-mode run's identity (the GGUF's Jinja template
// replaced llama.cpp's built-in ChatML for SmolLM2), and nothing changes for runs without chat mode.
TEST(RunIdentity, ChatModeRunsNameHowTheirPromptsAreRendered) {
    const auto tasks = run_cli::make_tasks();
    RunOptions o = run_cli::tiny_run_options(tasks, fresh_subdir("chat-identity") / "out", {"gen_colours"});
    EXPECT_FALSE(RunSession(o).config().contains("chat_rendering"));
    o.eval.apply_chat_template = true;
    const RunSession chat(o);
    EXPECT_EQ(chat.config()["chat_rendering"], "the GGUF's Jinja template, llama.cpp's built-in where it cannot run");
}

// --exact changes how scores round, so it is part of the identity; interleaving changes no score,
// so it is not (a run interleaved, stopped and resumed with --no-interleave continues).
TEST(RunIdentity, ExactIsPartOfTheIdentityInterleavingIsNot) {
    const auto tasks = make_tasks();
    const auto out = fresh_subdir("identity-exact");
    RunOptions o = tiny_run(tasks, out);
    const std::string plain = RunSession(o).config_hash();
    o.llama.exact = true;
    RunSession exact(o);
    EXPECT_NE(exact.config_hash(), plain);
    EXPECT_EQ(exact.config()["llama"]["exact"], true);
    o.llama.exact = false;
    o.interleave = false;
    EXPECT_EQ(RunSession(o).config_hash(), plain);
}
