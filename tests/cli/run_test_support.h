// Shared by the `rightsize run` CLI tests: a folder of small tasks over the tiny model, and readers
// for what run writes.
#pragma once

#include "test_support.h"

#include <rightsize/run.h>

#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <stdexcept>
#include <tuple>

namespace rightsize::testing::run_cli {

using nlohmann::json;
namespace fs = std::filesystem;

inline std::string cli() { return std::string(RIGHTSIZE_CLI); }

inline void write(const fs::path & p, const std::string & text) {
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
}

inline std::string read_text(const fs::path & p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

inline json read_json(const fs::path & p) {
    std::ifstream in(p);
    return json::parse(in);
}

inline std::vector<json> read_jsonl(const fs::path & p) {
    std::vector<json> out;
    std::ifstream in(p);
    for (std::string line; std::getline(in, line);) out.push_back(json::parse(line));
    return out;
}

inline long long sql_count(const fs::path & db, const std::string & sql) {
    sqlite3 * h = nullptr;
    EXPECT_EQ(sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt * s = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(h, sql.c_str(), -1, &s, nullptr), SQLITE_OK) << sqlite3_errmsg(h);
    long long n = -1;
    if (sqlite3_step(s) == SQLITE_ROW) n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(h);
    return n;
}

// A task folder: a multiple-choice task and a generation task over 6 small documents.
inline fs::path make_tasks() {
    const fs::path dir = temp_dir() / "run-tasks";
    std::string docs;
    const char * words[] = {"red", "blue", "green", "black", "white", "pink"};
    for (int i = 0; i < 6; ++i) {
        docs += json{{"question", std::string("Which colour is number ") + std::to_string(i) + "?"},
                     {"choices", {words[i], words[(i + 1) % 6], words[(i + 2) % 6]}},
                     {"answer", i % 3},
                     {"reply", words[i]}}
                    .dump() +
                "\n";
    }
    write(dir / "data" / "colours.jsonl", docs);
    write(dir / "mc_colours.yaml", R"(task: mc_colours
dataset_path: json
dataset_kwargs:
  data_files:
    test: data/colours.jsonl
test_split: test
output_type: multiple_choice
doc_to_text: "Q: {{question}}\nA:"
doc_to_choice: "{{choices}}"
doc_to_target: answer
metric_list:
  - metric: acc
  - metric: acc_norm
  - metric: acc_norm_tokens
metadata:
  version: 2.0
)");
    write(dir / "gen_colours.yaml", R"yaml(task: gen_colours
dataset_path: json
dataset_kwargs:
  data_files:
    test: data/colours.jsonl
test_split: test
output_type: generate_until
doc_to_text: "Q: {{question}}\nA:"
doc_to_target: "{{reply}}"
num_fewshot: 2
generation_kwargs:
  until: ["\n"]
  max_gen_toks: 8
filter_list:
  - name: first-word
    filter:
      - function: regex
        regex_pattern: "([a-z]+)"
      - function: take_first
metric_list:
  - metric: exact_match
    ignore_case: true
)yaml");
    write(dir / "ll_colours.yaml", "task: ll_colours\ndataset_path: json\ndataset_kwargs:\n  data_files:\n    test: data/colours.jsonl\n"
                                   "test_split: test\noutput_type: loglikelihood\ndoc_to_text: \"Q: {{question}}\\nA:\"\n"
                                   "doc_to_target: \"{{reply}}\"\n");
    write(dir / "ppl_colours.yaml", "task: ppl_colours\ndataset_path: json\ndataset_kwargs:\n  data_files:\n    test: data/colours.jsonl\n"
                                    "test_split: test\noutput_type: loglikelihood_rolling\ndoc_to_text: \"\"\n"
                                    "doc_to_target: \"{{question}}\"\n");
    return dir;
}

// A RunSession's options over the tiny model and the tasks of make_tasks(): 6 documents per task in
// chunks of 2 (three checkpoints per task), energy estimated.
inline RunOptions tiny_run_options(const fs::path & tasks, const fs::path & out, std::vector<std::string> task_names) {
    RunOptions o;
    o.models = {tiny_model_path()};
    o.tasks = std::move(task_names);
    o.include_paths = {tasks.string()};
    o.output_dir = out.string();
    o.llama.n_threads = 2;
    o.llama.n_ctx = 1024;
    o.eval.chunk_docs = 2;
    o.energy.mode = "estimate";
    return o;
}

// A RunSession's events, recorded; throw_after interrupts the run from inside, as a crash would.
struct Recorder {
    std::vector<std::string> messages;
    std::vector<std::tuple<std::string, std::string, size_t, size_t>> started;
    std::vector<size_t> progress;
    std::vector<std::string> finished;
    long checkpoints = 0;
    long throw_after = -1;  // an interruption from inside the run, after this many checkpoints
    std::function<void(long)> on_checkpoint;  // called first at each checkpoint

    RunEvents events() {
        RunEvents ev;
        ev.message = [this](const std::string & m) { messages.push_back(m); };
        ev.task_started = [this](const std::string & m, const std::string & t, size_t done, size_t total) {
            started.emplace_back(m, t, done, total);
        };
        ev.progress = [this](size_t n) { progress.push_back(n); };
        ev.task_finished = [this](const std::string &, const std::string & t) { finished.push_back(t); };
        ev.checkpoint = [this](long n) {
            checkpoints = n;
            if (on_checkpoint) on_checkpoint(n);
            if (throw_after >= 0 && n >= throw_after) throw std::runtime_error("interrupted by the test");
        };
        return ev;
    }
    bool said(const std::string & part) const {
        for (const auto & m : messages)
            if (m.find(part) != std::string::npos) return true;
        return false;
    }
};

inline std::string run_cmd(const fs::path & tasks, const fs::path & out, const std::string & extra = "") {
    return cli() + " run -m " + tiny_model_path() + " --include-path " + tasks.string() + " -o " + out.string() +
           " -t 2 -c 1024 " + extra;
}


}  // namespace rightsize::testing::run_cli
