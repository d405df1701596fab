// Model judges of human-likeness: the instruction and the reading of replies; run_judge's both
// orders, storage and resume with scripted judges; the in-process judge on the tiny generated
// model and on SmolLM2; the CLI's judge mode and its usage errors. The endpoint judge is tested in
// judge_endpoint_test.cpp.
#include "test_support.h"
#include "vote_store.h"

#include "probes/judge.h"
#include "probes/vote.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iostream>

#include <sqlite3.h>

using namespace rightsize;
using namespace rightsize::testing;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// A judge whose choice is a function of the prompt, recording every prompt it is shown.
class ScriptedJudge final : public Judge {
public:
    ScriptedJudge(std::string name, std::function<JudgeDecision(const JudgePrompt &)> f) : name_(std::move(name)), f_(std::move(f)) {}
    const std::string & name() const override { return name_; }
    std::vector<JudgeDecision> decide(std::span<const JudgePrompt> prompts) override {
        std::vector<JudgeDecision> out;
        for (const auto & p : prompts) {
            seen.push_back(p);
            out.push_back(f_(p));
        }
        return out;
    }
    std::vector<JudgePrompt> seen;

private:
    std::string name_;
    std::function<JudgeDecision(const JudgePrompt &)> f_;
};

JudgeDecision pick(VoteChoice c) {
    JudgeDecision d;
    d.choice = c;
    return d;
}

}  // namespace

// ---- instruction and replies -------------------------------------------------------------------

TEST(JudgeInstruction, BothAnswersInOrderAndNoModelNames) {
    const JudgePrompt p{"Do you like rain?", "Yes, it smells great.", "Rain is precipitation."};
    const auto text = judge_instruction(p);
    const auto q = text.find(p.question), a1 = text.find(p.answer_1), a2 = text.find(p.answer_2);
    ASSERT_NE(q, std::string::npos);
    ASSERT_NE(a1, std::string::npos);
    ASSERT_NE(a2, std::string::npos);
    EXPECT_LT(q, a1);
    EXPECT_LT(a1, a2);
    EXPECT_LT(text.find("Answer 1"), a1);
    EXPECT_LT(a1, text.find("Answer 2"));
    EXPECT_NE(text.find("1 or 2"), std::string::npos);
    EXPECT_NE(judge_instruction({"q", "", "b"}).find("(no answer)"), std::string::npos);

    // Two worked examples, one answered "1" and one "2", then the prompt's instruction.
    const auto messages = judge_messages(p);
    ASSERT_EQ(messages.size(), 5u);
    for (size_t i = 0; i < 5; ++i) EXPECT_EQ(messages[i].role, i % 2 ? "assistant" : "user") << i;
    EXPECT_EQ(messages[1].content, "1");
    EXPECT_EQ(messages[3].content, "2");
    EXPECT_EQ(messages[4].content, text);
    EXPECT_EQ(judge_messages({"other", "x", "y"})[0].content, messages[0].content);  // the same examples for every prompt

    // What run_judge shows a judge: the voter's emoji-stripped answers, never a model's name.
    const auto db = make_store("judge-instruction");
    ScriptedJudge judge("scripted", [](const JudgePrompt &) { return pick(VoteChoice::Left); });
    run_judge(judge, judge_run_options(db));
    ASSERT_EQ(judge.seen.size(), 6u);
    const auto want = judge_store_prompts();
    for (size_t i = 0; i < 6; ++i) {
        EXPECT_EQ(judge.seen[i].question, want[i].question);
        EXPECT_EQ(judge.seen[i].answer_1, want[i].answer_1);
        EXPECT_EQ(judge.seen[i].answer_2, want[i].answer_2);
        for (const auto & m : judge_messages(judge.seen[i])) {
            for (const auto & name : {kA, kB, std::string("alpha"), std::string("beta")}) EXPECT_EQ(m.content.find(name), std::string::npos) << name;
        }
    }
}

TEST(JudgeReply, FirstDigitDecides) {
    EXPECT_EQ(parse_judge_reply("1").choice, VoteChoice::Left);
    EXPECT_EQ(parse_judge_reply("2").choice, VoteChoice::Right);
    EXPECT_EQ(parse_judge_reply(" Answer 2.").choice, VoteChoice::Right);
    EXPECT_EQ(parse_judge_reply("**1** reads more naturally than 2").choice, VoteChoice::Left);
    for (const char * r : {"", "Neither.", "Both sound human", "3"}) {
        const auto d = parse_judge_reply(r);
        EXPECT_EQ(d.choice, VoteChoice::Tie) << r;
        EXPECT_FALSE(d.parsed) << r;
        EXPECT_EQ(d.raw, r);
    }
    EXPECT_TRUE(parse_judge_reply("2").parsed);
    EXPECT_FALSE(parse_judge_reply("2").margin);
}

// ---- run_judge ---------------------------------------------------------------------------------

TEST(RunJudge, BothOrdersStoredResumedAndTallied) {
    const auto db = make_store("judge-run");
    // Prefers the answer without "language model" or "strategies": the same model in both orders.
    const auto by_content = [](const JudgePrompt & p) {
        const auto robotic = [](const std::string & s) { return s.find("language model") != std::string::npos || s.find("strategies") != std::string::npos; };
        return pick(robotic(p.answer_1) ? VoteChoice::Right : robotic(p.answer_2) ? VoteChoice::Left : VoteChoice::Tie);
    };
    ScriptedJudge judge("content", by_content);
    std::vector<std::pair<size_t, size_t>> progress;
    auto o = judge_run_options(db);
    o.progress = [&](size_t done, size_t total) { progress.emplace_back(done, total); };
    const auto s = run_judge(judge, o);
    EXPECT_EQ(s.voter, "judge:content");
    EXPECT_EQ(s.n_pairs, 3u);
    EXPECT_EQ(s.n_decisions, 6u);
    EXPECT_EQ(s.n_already, 0u);
    EXPECT_EQ(s.n_unparsed, 0u);
    EXPECT_EQ(progress, (std::vector<std::pair<size_t, size_t>>{{0, 6}, {4, 6}, {6, 6}}));

    const auto rows = vote_rows(db);
    ASSERT_EQ(rows.size(), 6u);
    for (size_t i = 0; i < 3; ++i) {
        const auto & first = rows[2 * i], & second = rows[2 * i + 1];
        EXPECT_EQ(first[0], std::to_string(i));
        EXPECT_EQ(second[0], std::to_string(i));
        EXPECT_EQ(first[1], kA);  // A's answer first ...
        EXPECT_EQ(first[2], kB);
        EXPECT_EQ(second[1], kB);  // ... then swapped
        EXPECT_EQ(second[2], kA);
        EXPECT_EQ(first[4], "judge:content");
        EXPECT_EQ(second[4], "judge:content");
    }
    // Doc 1 has no robotic answer: ties both ways; docs 0 and 2 go to A in both orders.
    EXPECT_EQ(rows[0][3], "left");
    EXPECT_EQ(rows[1][3], "right");
    EXPECT_EQ(rows[2][3], "tie");

    // A second run asks nothing: every order is stored.
    const auto again = run_judge(judge, o);
    EXPECT_EQ(again.n_decisions, 0u);
    EXPECT_EQ(again.n_already, 6u);
    EXPECT_EQ(judge.seen.size(), 6u);
    EXPECT_EQ(vote_rows(db).size(), 6u);

    const auto g = tally_group(db, "judge:content");
    ASSERT_TRUE(g.is_object());
    EXPECT_EQ(g["n_votes"], 6);
    EXPECT_EQ(g["n_docs"], 3);
    EXPECT_EQ(g["a_wins"], 4);
    EXPECT_EQ(g["ties"], 2);
    EXPECT_DOUBLE_EQ(g["order_consistency"].get<double>(), 1.0);
    EXPECT_TRUE(tally_group(db, "human").is_null());  // a judge is never pooled with people
}

TEST(RunJudge, PositionBiasShowsAsInconsistencyAndResumeIsPerOrder) {
    const auto db = make_store("judge-bias");
    // Stored before: this judge's B-first vote on document 1 (as if a run had stopped there).
    ASSERT_TRUE(record_vote(db.string(), kRun, "humanlike", 1, kB, kA, VoteChoice::Left, "judge:first"));
    ScriptedJudge judge("first", [](const JudgePrompt & p) {
        JudgeDecision d = pick(VoteChoice::Left);
        d.parsed = p.question != kQuestions[2];  // pretend the reply to question 3 named neither
        if (!d.parsed) d.choice = VoteChoice::Tie;
        return d;
    });
    const auto s = run_judge(judge, judge_run_options(db));
    EXPECT_EQ(s.n_decisions, 5u);
    EXPECT_EQ(s.n_already, 1u);
    EXPECT_EQ(s.n_unparsed, 2u);
    EXPECT_EQ(vote_rows(db).size(), 6u);
    const auto g = tally_group(db, "judge:first");
    // Always "Answer 1": docs 0 and 1 flip with the order; doc 2 is tie/tie, consistent.
    EXPECT_NEAR(g["order_consistency"].get<double>(), 1.0 / 3.0, 1e-12);
    EXPECT_DOUBLE_EQ(g["left_share"].get<double>(), 1.0);
    EXPECT_DOUBLE_EQ(g["win_rate_a"]["rate"].get<double>(), 0.5);
}

TEST(RunJudge, MarginsCancelThePositionPull) {
    const auto db = make_store("judge-margins");
    // Always "1" (a position pull of +3 nats), but leaning 0.5 toward A's answer on docs 0 and 2
    // and 0.25 toward B's on doc 1: the votes cancel out, the margins keep the lean.
    ScriptedJudge judge("pulled", [](const JudgePrompt & p) {
        const size_t doc = size_t(std::find(kQuestions.begin(), kQuestions.end(), p.question) - kQuestions.begin());
        const double lean_a = doc == 1 ? -0.25 : 0.5;
        const bool a_first = p.answer_1 == kAnswersA[doc].shown;
        JudgeDecision d = pick(VoteChoice::Left);
        d.margin = 3.0 + (a_first ? lean_a : -lean_a);
        return d;
    });
    run_judge(judge, judge_run_options(db));
    const auto raw = tally_group(db, "judge:pulled");
    EXPECT_DOUBLE_EQ(raw["win_rate_a"]["rate"].get<double>(), 0.5);  // position only
    const auto corrected = tally_group(db, "judge:pulled (position-corrected)");
    ASSERT_TRUE(corrected.is_object());
    EXPECT_EQ(corrected["n_votes"], 3);
    EXPECT_EQ(corrected["a_wins"], 2);
    EXPECT_EQ(corrected["b_wins"], 1);
    EXPECT_EQ(corrected["ties"], 0);
    EXPECT_NEAR(corrected["mean_preference_a"].get<double>(), (0.5 - 0.25 + 0.5) / 3, 1e-12);
    EXPECT_NEAR(corrected["win_rate_a"]["rate"].get<double>(), 2.0 / 3.0, 1e-12);
    EXPECT_TRUE(corrected["left_share"].is_null());
    EXPECT_TRUE(corrected["order_consistency"].is_null());
    // People's votes carry no margin and get no corrected entry.
    ASSERT_TRUE(record_vote(db.string(), kRun, "humanlike", 0, kA, kB, VoteChoice::Left, "ann"));
    EXPECT_TRUE(tally_group(db, "human (position-corrected)").is_null());
    EXPECT_THROW(record_vote(db.string(), kRun, "humanlike", 1, kA, kB, VoteChoice::Left, "judge:x", std::nan("")), Error);
}

TEST(RunJudge, StoresFromBeforeTheMarginColumnGainIt) {
    const auto db = make_store("judge-old-schema");
    {
        sqlite3 * h = nullptr;
        ASSERT_EQ(sqlite3_open(db.c_str(), &h), SQLITE_OK);
        // A version-1 store, as rightsize wrote it before votes joined the schema, whose votes table
        // was created by an earlier `rightsize vote` without the margin column.
        const std::string sql =
            "DROP TABLE votes; ALTER TABLE runs DROP COLUMN provenance_json; ALTER TABLE task_results DROP COLUMN task_json; "
            "UPDATE meta SET value='1' WHERE key='schema_version'; "
            "CREATE TABLE votes (vote_id INTEGER PRIMARY KEY, run_id TEXT NOT NULL, task TEXT NOT NULL, doc_id INTEGER NOT NULL, "
            "model_left TEXT NOT NULL, model_right TEXT NOT NULL, choice TEXT NOT NULL, voter TEXT NOT NULL, created_at TEXT NOT NULL);"
            "INSERT INTO votes (run_id, task, doc_id, model_left, model_right, choice, voter, created_at) VALUES ('" + kRun +
            "', 'humanlike', 0, '" + kA + "', '" + kB + "', 'left', 'ann', '2025-01-01T00:00:00Z');";
        ASSERT_EQ(sqlite3_exec(h, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
        sqlite3_close(h);
    }
    ASSERT_TRUE(record_vote(db.string(), kRun, "humanlike", 0, kA, kB, VoteChoice::Right, "judge:j", 1.5));
    ASSERT_TRUE(record_vote(db.string(), kRun, "humanlike", 0, kB, kA, VoteChoice::Left, "judge:j", 0.5));
    EXPECT_EQ(tally_group(db, "human")["a_wins"], 1);  // the old vote is still counted
    const auto corrected = tally_group(db, "judge:j (position-corrected)");
    ASSERT_TRUE(corrected.is_object());
    EXPECT_NEAR(corrected["mean_preference_a"].get<double>(), (1.5 - 0.5) / 2, 1e-12);
}

TEST(RunJudge, ErrorsAreClearAndKeepWhatWasStored) {
    const auto db = make_store("judge-errors");
    ScriptedJudge ok("x", [](const JudgePrompt &) { return pick(VoteChoice::Left); });
    auto o = judge_run_options(db);
    o.model_b = "gamma";
    EXPECT_NE(error_message([&] { run_judge(ok, o); }).find("no answers of model 'gamma'"), std::string::npos);

    int calls = 0;
    ScriptedJudge failing("failing", [&](const JudgePrompt &) -> JudgeDecision {
        if (++calls > 4) throw Error("endpoint went away");
        return pick(VoteChoice::Right);
    });
    EXPECT_EQ(error_message([&] { run_judge(failing, judge_run_options(db)); }), "endpoint went away");
    EXPECT_EQ(vote_rows(db).size(), 4u);  // the first batch of four was stored
}

// ---- the in-process judge ----------------------------------------------------------------------

namespace {

// Decisions twice (deterministic), each margin equal to scoring "1" and "2" alone, its sign the
// choice; then a run over the store. Returns the judge group's tally.
// Prefill is the cost (about 700 tokens a prompt), so the real model is asked as little as the
// checks allow: the second look is at two prompts, in a batch of their own.
json check_backend_judge(Backend & backend, const std::string & name, const fs::path & db) {
    auto judge = make_backend_judge(backend, name);
    EXPECT_EQ(judge->name(), name);
    const auto prompts = judge_store_prompts();
    const auto d1 = judge->decide(prompts);
    const auto d2 = judge->decide(std::span(prompts).first(2));
    EXPECT_EQ(d1.size(), prompts.size());
    for (size_t i = 0; i < d1.size(); ++i) {
        EXPECT_TRUE(d1[i].parsed);
        if (!d1[i].margin) {
            ADD_FAILURE() << "no margin for prompt " << i;
            continue;
        }
        const double m = *d1[i].margin;
        EXPECT_EQ(d1[i].choice, m > 0 ? VoteChoice::Left : m < 0 ? VoteChoice::Right : VoteChoice::Tie) << m;
        EXPECT_EQ(d1[i].raw, m > 0 ? "1" : m < 0 ? "2" : "");
        std::cout << name << " judge, prompt " << i << ": margin log P(1) - log P(2) = " << m << "\n";
    }
    for (size_t i = 0; i < d2.size(); ++i) {
        EXPECT_EQ(d2[i].choice, d1[i].choice) << i;
        // Batched scores equal scoring alone within float tolerance (the backend's contract).
        EXPECT_NEAR(d2[i].margin.value_or(1e9), d1[i].margin.value_or(-1e9), 5e-3) << i;
    }

    const auto s = run_judge(*judge, judge_run_options(db));
    EXPECT_EQ(s.n_decisions, 6u);
    EXPECT_EQ(run_judge(*judge, judge_run_options(db)).n_decisions, 0u);
    const auto rows = vote_rows(db);
    EXPECT_EQ(rows.size(), 6u);
    for (size_t i = 0; i < rows.size(); ++i) {
        EXPECT_EQ(rows[i][4], "judge:" + name);
        // Stored in the order asked, so row i is prompt i's decision.
        EXPECT_EQ(rows[i][3], vote_choice_name(d1[i].choice)) << i;
    }
    const auto g = tally_group(db, "judge:" + name);
    EXPECT_TRUE(g.is_object());
    if (!g.is_object()) return g;
    EXPECT_GE(g["order_consistency"].get<double>(), 0.0);
    EXPECT_LE(g["order_consistency"].get<double>(), 1.0);
    return g;
}

}  // namespace

TEST(BackendJudge, TinyModel) {
    LlamaBackend backend(tiny_options(2048));
    check_backend_judge(backend, "tiny", make_store("judge-tiny"));
    // The margin is the difference of the two digits' log-likelihoods after the rendered conversation.
    auto judge = make_backend_judge(backend, "tiny");
    const auto prompt = judge_store_prompts()[3];
    const std::string ctx = backend.apply_chat_template(judge_messages(prompt), true);
    EXPECT_TRUE(ctx.ends_with("<|im_start|>assistant\n")) << ctx;
    const LoglikelihoodRequest one{ctx, "1"}, two{ctx, "2"};
    const double alone = backend.loglikelihood(std::span(&one, 1))[0].logprob - backend.loglikelihood(std::span(&two, 1))[0].logprob;
    EXPECT_NEAR(judge->decide(std::span(&prompt, 1))[0].margin.value_or(1e9), alone, 1e-4);
    // A prompt that cannot fit the window is an error, not a vote on its tail.
    LlamaBackend small(tiny_options(64));
    auto cramped = make_backend_judge(small, "tiny");
    EXPECT_NE(error_message([&] { cramped->decide(std::span(&prompt, 1)); }).find("raise the context size"), std::string::npos);
}

TEST(BackendJudge, SmolLM2) {
    ASSERT_TRUE(fs::exists(smollm2_path())) << "run scripts/fetch-models.sh first";
    auto o = model_options(smollm2_path(), 4096, 4);
    o.flash_attn = "off";
    LlamaBackend backend(o);
    const auto g = check_backend_judge(backend, "smollm2", make_store("judge-smollm2"));
    std::cout << "SmolLM2 as judge on 3 pairs: " << g.dump() << "\n";
}


// ---- the CLI -----------------------------------------------------------------------------------

namespace {

CommandResult vote_cli(const std::string & args) { return run_command(std::string(RIGHTSIZE_CLI) + " vote " + args); }

}  // namespace

TEST(JudgeCli, LocalJudgeVotesBothOrdersPrintsTheTallyAndResumes) {
    const auto db = make_store("judge-cli");
    const std::string input = db.parent_path().string();
    auto r = vote_cli("--input " + input + " --judge " + tiny_model_path() + " -t 2 -c 2048");
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("judge:tiny: 3 pairs; 6 decisions made now, 0 stored before."), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(kA + " vs " + kB + ", as judge:tiny: 6 votes on 3 documents."), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("95 % Wilson interval"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("Order consistency: "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("--tally"), std::string::npos) << r.out;
    EXPECT_NE(r.err.find("judge:tiny 6/6 decisions"), std::string::npos) << r.err;  // the progress line
    const auto rows = vote_rows(db);
    ASSERT_EQ(rows.size(), 6u);
    for (const auto & row : rows) EXPECT_EQ(row[4], "judge:tiny");

    r = vote_cli("--input " + input + " --judge " + tiny_model_path() + " -t 2 -c 2048");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("0 decisions made now, 6 stored before"), std::string::npos) << r.out;
    EXPECT_EQ(vote_rows(db).size(), 6u);

    // The votes are in --tally's JSON as their own group.
    r = vote_cli("--input " + input + " --tally");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("\"judge:tiny\""), std::string::npos) << r.out;
}

TEST(JudgeCli, UsageErrorsSayWhatGoesWithWhat) {
    const auto db = make_store("judge-cli-usage");
    const std::string in = "--input " + db.parent_path().string() + " ";
    const std::string tiny = tiny_model_path();
    const std::vector<std::pair<std::string, std::string>> cases = {
        {in + "--judge " + tiny + " --judge-endpoint http://127.0.0.1:1/v1 --judge-model m", "choose one judge"},
        {in + "--judge-endpoint http://127.0.0.1:1/v1", "needs --judge-model"},
        {in + "--judge-model m", "go with --judge-endpoint"},
        {in + "--judge " + tiny + " --judge-api-key-env HOME", "go with --judge-endpoint"},
        {in + "-t 2", "apply only to a local judge"},
        {in + "--judge-endpoint http://127.0.0.1:1/v1 --judge-model m -c 512", "apply only to a local judge"},
        {in + "--judge " + tiny + " --voter ann", "takes none of"},
        {in + "--judge " + tiny + " --tally", "takes none of"},
        {in + "--tally --voter ann", "--tally only reads"},
        {in + "--judge-endpoint http://127.0.0.1:1/v1 --judge-model m --judge-api-key-env RIGHTSIZE_SURELY_UNSET_VAR",
         "RIGHTSIZE_SURELY_UNSET_VAR, which is not set"},
        {in + "--judge-endpoint '' --judge-model m", "needs a URL"},
        {in + "--judge-parallel 0 --judge-endpoint http://127.0.0.1:1/v1 --judge-model m", "--judge-parallel"},
    };
    for (const auto & [args, want] : cases) {
        const auto r = vote_cli(args);
        EXPECT_EQ(r.status, 2) << args << "\n" << r.err;
        EXPECT_NE(r.err.find(want), std::string::npos) << args << "\n" << r.err;
    }
    // Not usage errors but failures: a missing judge model, an endpoint nobody serves.
    auto r = vote_cli(in + "--judge /nonexistent/judge.gguf");
    EXPECT_EQ(r.status, 1) << r.err;
    EXPECT_NE(r.err.find("/nonexistent/judge.gguf"), std::string::npos) << r.err;
    const auto help = vote_cli("--help");
    for (const char * opt : {"--judge MODEL.gguf", "--judge-endpoint URL", "--judge-model NAME", "--judge-api-key-env VAR",
                             "--judge-timeout S", "--judge-parallel N", "-t, --threads N"}) {
        EXPECT_NE(help.out.find(opt), std::string::npos) << opt;
    }
}
