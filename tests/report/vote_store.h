// A results store with two models' answers to three conversational questions, for the tests of
// human voting (vote_test.cpp) and of model judges (judge_test.cpp), and a reader of its votes.
#pragma once

#include "test_support.h"

#include "probes/judge.h"
#include <rightsize/results_store.h>
#include "probes/vote.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <filesystem>
#include <string>
#include <vector>

namespace rightsize::testing {

inline const std::string kRun = "20250101T000000Z-votetest";
inline const std::string kA = "alpha-7b-chat";      // names that must never reach a voting page
inline const std::string kB = "beta-13b-instruct";

// What each model answered (raw, with emojis) and what the voter must see (stripped).
struct VoteAnswer {
    std::string raw, shown;
};
inline const std::vector<std::string> kQuestions = {"What's your go-to meal when you're too tired to cook?",
                                                    "Do you prefer window seats or aisle seats?",
                                                    "How do you cheer yourself up after a bad day?"};
inline const std::vector<VoteAnswer> kAnswersA = {{"Honestly? Toast 😀 with butter and a café au lait.", "Honestly? Toast with butter and a café au lait."},
                                                  {"Window, always 🇫🇷 — I like watching the clouds.", "Window, always — I like watching the clouds."},
                                                  {"I call my sister ❤️ and we laugh about nothing.", "I call my sister and we laugh about nothing."}};
inline const std::vector<VoteAnswer> kAnswersB = {{"👍🏽 As a language model, I don't eat, but pasta is popular.", "As a language model, I don't eat, but pasta is popular."},
                                                  {"Aisle seats offer easier access to the restroom.", "Aisle seats offer easier access to the restroom."},
                                                  {"Here are five strategies: 1. exercise 2. music 日本 ✨", "Here are five strategies: 1. exercise 2. music 日本"}};

inline nlohmann::json vote_sample(size_t i, const std::string & model, const std::string & answer) {
    // The rendered prompt carries a chat template naming the model's family: the page must show
    // the document's own question instead.
    return {{"doc_id", i},
            {"doc", {{"id", "humanlike-00" + std::to_string(i + 1)}, {"topic", "test"}, {"prompt", kQuestions[i]}}},
            {"prompt", "<|" + model + "|>user\n" + kQuestions[i] + "\n<|" + model + "|>assistant\n"},
            {"resps", {answer}},
            {"filtered_resps", {{"none", answer}}}};
}

// A store with both models' answers to the three questions, plus a fourth only A answered.
inline std::filesystem::path make_store(const std::string & name) {
    const auto dir = fresh_subdir(name);
    const auto path = dir / "rightsize.sqlite";
    ResultsStore store(path.string());
    RunInfo run;
    run.run_id = kRun;
    run.config_hash = "0123456789abcdef";
    run.config = {{"tasks", {"humanlike"}}};
    store.begin_run(run);
    std::vector<nlohmann::json> a, b;
    for (size_t i = 0; i < 3; ++i) {
        a.push_back(vote_sample(i, kA, kAnswersA[i].raw));
        b.push_back(vote_sample(i, kB, kAnswersB[i].raw));
    }
    auto extra = vote_sample(0, kA, "only one model answered this");
    extra["doc_id"] = 3;
    a.push_back(extra);
    store.add_samples(kRun, kA, "humanlike", a);
    store.add_samples(kRun, kB, "humanlike", b);
    return path;
}

// All rows of the votes table: doc_id, model_left, model_right, choice, voter.
inline std::vector<std::vector<std::string>> vote_rows(const std::filesystem::path & db_path) {
    sqlite3 * db = nullptr;
    EXPECT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
    sqlite3_stmt * s = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, "SELECT doc_id, model_left, model_right, choice, voter FROM votes ORDER BY vote_id", -1, &s, nullptr),
              SQLITE_OK);
    std::vector<std::vector<std::string>> rows;
    while (sqlite3_step(s) == SQLITE_ROW) {
        std::vector<std::string> row;
        for (int c = 0; c < 5; ++c) row.emplace_back(reinterpret_cast<const char *>(sqlite3_column_text(s, c)));
        rows.push_back(row);
    }
    sqlite3_finalize(s);
    sqlite3_close(db);
    return rows;
}

// run_judge's options for make_store's run, comparing A and B in batches of four.
inline JudgeRunOptions judge_run_options(const std::filesystem::path & db) {
    JudgeRunOptions o;
    o.db_path = db.string();
    o.run_id = kRun;
    o.model_a = kA;
    o.model_b = kB;
    o.batch = 4;
    return o;
}

// The tally entry of one voter group ("human" or "judge:<name>") for A and B; null if none.
inline nlohmann::json tally_group(const std::filesystem::path & db, const std::string & voters) {
    const auto tally = tally_votes(db.string(), kRun, "humanlike");  // kept alive for the loop
    for (const auto & g : tally["pairs"]) {
        if (g["voters"] == voters) return g;
    }
    return nullptr;
}

// The six prompts run_judge asks about make_store's three pairs, in its order: for each document
// A's answer first, then B's.
inline std::vector<JudgePrompt> judge_store_prompts() {
    std::vector<JudgePrompt> out;
    for (size_t i = 0; i < 3; ++i) {
        out.push_back({kQuestions[i], kAnswersA[i].shown, kAnswersB[i].shown});
        out.push_back({kQuestions[i], kAnswersB[i].shown, kAnswersA[i].shown});
    }
    return out;
}

}  // namespace rightsize::testing
