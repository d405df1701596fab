// Model judges over the scripted store: the endpoint judge against a scripted loopback server
// (faults a real server cannot be made to show: retries, malformed replies, rejected logprobs)
// and against a real llama-server serving SmolLM2.
#include "test_support.h"
#include "vote_store.h"
#include "llama_server.h"

#include "probes/judge.h"
#include "probes/vote.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <mutex>
#include <thread>

using namespace rightsize;
using namespace rightsize::testing;
namespace fs = std::filesystem;
using nlohmann::json;

// ---- the endpoint judge against scripted faults --------------------------------------------------

namespace {

// A loopback chat-completions server whose every reply the test scripts; it keeps each request.
class ScriptedEndpoint {
public:
    using Handler = std::function<void(const httplib::Request &, httplib::Response &, int call)>;
    explicit ScriptedEndpoint(Handler h) : handler_(std::move(h)) {
        server_.Post("/v1/chat/completions", [this](const httplib::Request & rq, httplib::Response & rs) {
            int call;
            {
                std::lock_guard lock(mutex_);
                call = int(requests_.size());
                requests_.push_back({json::parse(rq.body), rq.get_header_value("Authorization")});
            }
            handler_(rq, rs, call);
        });
        port_ = server_.bind_to_any_port("127.0.0.1");
        thread_ = std::thread([this] { server_.listen_after_bind(); });
        while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ~ScriptedEndpoint() {
        server_.stop();
        thread_.join();
    }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }
    struct Seen {
        json body;
        std::string authorization;
    };
    std::vector<Seen> requests() {
        std::lock_guard lock(mutex_);
        return requests_;
    }

private:
    Handler handler_;
    httplib::Server server_;
    int port_ = 0;
    std::thread thread_;
    std::mutex mutex_;
    std::vector<Seen> requests_;
};

std::string chat_reply(const std::string & content, const json & logprobs = nullptr) {
    json choice = {{"index", 0}, {"message", {{"role", "assistant"}, {"content", content}}}, {"finish_reason", "stop"}};
    if (!logprobs.is_null()) choice["logprobs"] = {{"content", logprobs}};
    return json{{"object", "chat.completion"}, {"choices", {choice}}}.dump();
}

EndpointJudgeOptions endpoint_options(const std::string & url) {
    EndpointJudgeOptions o;
    o.base_url = url;
    o.model = "judge-model";
    o.retries = 2;
    o.backoff_s = 0.01;
    o.timeout_s = 10;
    return o;
}

const JudgePrompt kPrompt{"Do you like rain?", "Yes, it smells great.", "Rain is precipitation."};

JudgeDecision ask_one(Judge & judge, const JudgePrompt & p = kPrompt) { return judge.decide(std::span(&p, 1)).at(0); }

}  // namespace

TEST(EndpointJudge, RequestIsAnOpenAIChatCompletion) {
    ScriptedEndpoint server([](const httplib::Request &, httplib::Response & rs, int) { rs.set_content(chat_reply("2"), "application/json"); });
    auto o = endpoint_options(server.url() + "/");  // a trailing slash is fine
    o.api_key = "sekrit";
    o.seed = 99;
    auto judge = make_endpoint_judge(o);
    EXPECT_EQ(judge->name(), "judge-model");
    const auto d = ask_one(*judge);
    EXPECT_EQ(d.choice, VoteChoice::Right);
    EXPECT_TRUE(d.parsed);
    EXPECT_EQ(d.raw, "2");
    EXPECT_FALSE(d.margin);  // no logprobs in the reply
    const auto seen = server.requests();
    ASSERT_EQ(seen.size(), 1u);
    const auto & b = seen[0].body;
    EXPECT_EQ(seen[0].authorization, "Bearer sekrit");
    EXPECT_EQ(b["model"], "judge-model");
    EXPECT_EQ(b["temperature"], 0);
    EXPECT_EQ(b["seed"], 99);
    EXPECT_LE(b["max_tokens"].get<int>(), 16);
    EXPECT_EQ(b["logprobs"], true);
    EXPECT_EQ(b["top_logprobs"], 5);
    const auto messages = judge_messages(kPrompt);
    ASSERT_EQ(b["messages"].size(), messages.size());
    for (size_t i = 0; i < messages.size(); ++i) {
        EXPECT_EQ(b["messages"][i]["role"], messages[i].role);
        EXPECT_EQ(b["messages"][i]["content"], messages[i].content);
    }
    EXPECT_EQ(b["messages"].back()["content"], judge_instruction(kPrompt));

    // The full /chat/completions URL, as copied from a server log, names the same endpoint; the
    // judge's name can differ from the model's.
    o.base_url = server.url() + "/chat/completions";
    o.name = "my-judge";
    o.api_key.clear();
    auto again = make_endpoint_judge(o);
    EXPECT_EQ(again->name(), "my-judge");
    EXPECT_EQ(ask_one(*again).choice, VoteChoice::Right);
    EXPECT_EQ(server.requests().back().authorization, "");
}

TEST(EndpointJudge, MarginFromLogprobsOfTheDecidingToken) {
    std::string content;
    json logprobs;
    ScriptedEndpoint server([&](const httplib::Request &, httplib::Response & rs, int) {
        rs.set_content(chat_reply(content, logprobs), "application/json");
    });
    auto judge = make_endpoint_judge(endpoint_options(server.url()));
    const auto alt = [](const std::string & t, double lp) { return json{{"token", t}, {"logprob", lp}}; };

    content = "2";
    logprobs = {{{"token", "2"}, {"logprob", -0.2}, {"top_logprobs", {alt("2", -0.2), alt(" 1", -3.0), alt("1", -1.9)}}}};
    auto d = ask_one(*judge);
    EXPECT_EQ(d.choice, VoteChoice::Right);
    ASSERT_TRUE(d.margin);
    EXPECT_NEAR(*d.margin, -1.9 - -0.2, 1e-12);  // log P(1) − log P(2), the best spelling of "1"

    content = "Answer 1";
    logprobs = {{{"token", "Answer"}, {"logprob", -0.5}, {"top_logprobs", {alt("Answer", -0.5)}}},
                {{"token", " 1"}, {"logprob", -0.1}, {"top_logprobs", {alt(" 1", -0.1), alt(" 2", -2.5)}}}};
    d = ask_one(*judge);
    EXPECT_EQ(d.choice, VoteChoice::Left);
    ASSERT_TRUE(d.margin);
    EXPECT_NEAR(*d.margin, 2.4, 1e-12);

    // The other digit not among the alternatives, or tokens that do not spell the reply: unknown.
    content = "1";
    logprobs = {{{"token", "1"}, {"logprob", -0.01}, {"top_logprobs", {alt("1", -0.01), alt("One", -5.0)}}}};
    EXPECT_FALSE(ask_one(*judge).margin);
    logprobs = {{{"token", "7"}, {"logprob", -0.01}, {"top_logprobs", {alt("2", -4.0)}}}};
    EXPECT_FALSE(ask_one(*judge).margin);
    EXPECT_EQ(ask_one(*judge).choice, VoteChoice::Left);
}

TEST(EndpointJudge, RetriesServerErrorsAndRateLimits) {
    ScriptedEndpoint server([](const httplib::Request &, httplib::Response & rs, int call) {
        if (call % 3 == 0) {
            rs.status = 500;
            rs.set_content("overloaded", "text/plain");
        } else if (call % 3 == 1) {
            rs.status = 429;
            rs.set_header("Retry-After", "0");
            rs.set_content("{\"error\": \"slow down\"}", "application/json");
        } else {
            rs.set_content(chat_reply("1"), "application/json");
        }
    });
    auto judge = make_endpoint_judge(endpoint_options(server.url()));
    EXPECT_EQ(ask_one(*judge).choice, VoteChoice::Left);
    EXPECT_EQ(server.requests().size(), 3u);

    auto o = endpoint_options(server.url());
    o.retries = 1;  // 500, then 429: out of attempts
    auto impatient = make_endpoint_judge(o);
    const auto msg = error_message([&] { ask_one(*impatient); });
    EXPECT_NE(msg.find(server.url() + "/chat/completions"), std::string::npos) << msg;
    EXPECT_NE(msg.find("HTTP 429"), std::string::npos) << msg;
    EXPECT_NE(msg.find("2 attempt"), std::string::npos) << msg;
}

TEST(EndpointJudge, ServerWithoutLogprobsIsAskedWithoutThem) {
    ScriptedEndpoint server([](const httplib::Request & rq, httplib::Response & rs, int) {
        if (json::parse(rq.body).contains("logprobs")) {
            rs.status = 400;
            rs.set_content("{\"error\": \"logprobs is not supported\"}", "application/json");
        } else {
            rs.set_content(chat_reply("2"), "application/json");
        }
    });
    auto judge = make_endpoint_judge(endpoint_options(server.url()));
    EXPECT_EQ(ask_one(*judge).choice, VoteChoice::Right);
    EXPECT_EQ(ask_one(*judge).choice, VoteChoice::Right);
    const auto seen = server.requests();
    ASSERT_EQ(seen.size(), 3u);  // with, without, and from then on without
    EXPECT_TRUE(seen[0].body.contains("logprobs"));
    EXPECT_FALSE(seen[1].body.contains("logprobs"));
    EXPECT_FALSE(seen[2].body.contains("top_logprobs"));
}

TEST(EndpointJudge, MalformedRepliesAreErrorsNamingTheUrlAndField) {
    std::string body;
    int status = 200;
    ScriptedEndpoint server([&](const httplib::Request &, httplib::Response & rs, int) {
        rs.status = status;
        rs.set_content(body, "application/json");
    });
    auto judge = make_endpoint_judge(endpoint_options(server.url()));
    const std::string url = server.url() + "/chat/completions";

    body = "<html>It works!</html>";
    auto msg = error_message([&] { ask_one(*judge); });
    EXPECT_NE(msg.find(url), std::string::npos) << msg;
    EXPECT_NE(msg.find("not JSON"), std::string::npos) << msg;
    EXPECT_NE(msg.find("/v1"), std::string::npos) << msg;  // how to fix: the API base

    for (const char * b : {R"({"choices": [{"message": {"role": "assistant"}}]})", R"({"choices": []})",
                           R"({"choices": [{"message": {"content": null}}]})", R"({"object": "list"})"}) {
        body = b;
        msg = error_message([&] { ask_one(*judge); });
        EXPECT_NE(msg.find(url), std::string::npos) << msg;
        EXPECT_NE(msg.find("choices[0].message.content"), std::string::npos) << msg;
    }

    status = 401;
    body = R"({"error": "invalid api key"})";
    msg = error_message([&] { ask_one(*judge); });
    EXPECT_NE(msg.find("HTTP 401"), std::string::npos) << msg;
    EXPECT_NE(msg.find("API key"), std::string::npos) << msg;
    EXPECT_NE(msg.find("invalid api key"), std::string::npos) << msg;  // the server's own words
    status = 404;
    msg = error_message([&] { ask_one(*judge); });
    EXPECT_NE(msg.find("HTTP 404"), std::string::npos) << msg;
    EXPECT_EQ(server.requests().size(), 7u);  // none of these is retried
}

TEST(EndpointJudge, ReplyWithoutADigitIsAnUnparsedTie) {
    ScriptedEndpoint server([](const httplib::Request &, httplib::Response & rs, int) {
        rs.set_content(chat_reply("Both answers sound equally human to me."), "application/json");
    });
    auto judge = make_endpoint_judge(endpoint_options(server.url()));
    const auto d = ask_one(*judge);
    EXPECT_EQ(d.choice, VoteChoice::Tie);
    EXPECT_FALSE(d.parsed);
    EXPECT_EQ(d.raw, "Both answers sound equally human to me.");

    const auto db = make_store("judge-unparsed");
    const auto s = run_judge(*judge, judge_run_options(db));
    EXPECT_EQ(s.n_decisions, 6u);
    EXPECT_EQ(s.n_unparsed, 6u);
    EXPECT_EQ(s.voter, "judge:judge-model");
    for (const auto & row : vote_rows(db)) EXPECT_EQ(row[3], "tie");
}

TEST(EndpointJudge, ParallelRequestsKeepTheOrder) {
    ScriptedEndpoint server([](const httplib::Request & rq, httplib::Response & rs, int) {
        const std::string text = json::parse(rq.body)["messages"].back()["content"];
        const bool odd = text.find("question 1") != std::string::npos || text.find("question 3") != std::string::npos ||
                         text.find("question 5") != std::string::npos || text.find("question 7") != std::string::npos;
        std::this_thread::sleep_for(std::chrono::milliseconds(odd ? 30 : 1));  // replies arrive out of order
        rs.set_content(chat_reply(odd ? "1" : "2"), "application/json");
    });
    auto o = endpoint_options(server.url());
    o.parallel = 4;
    auto judge = make_endpoint_judge(o);
    std::vector<JudgePrompt> prompts;
    for (int i = 0; i < 8; ++i) prompts.push_back({"question " + std::to_string(i), "a", "b"});
    const auto d = judge->decide(prompts);
    ASSERT_EQ(d.size(), 8u);
    for (int i = 0; i < 8; ++i) EXPECT_EQ(d[size_t(i)].choice, i % 2 ? VoteChoice::Left : VoteChoice::Right) << i;
}

TEST(EndpointJudge, ConnectionRefusedAndBadUrls) {
    const int port = free_port();
    ASSERT_GT(port, 0);
    auto o = endpoint_options("http://127.0.0.1:" + std::to_string(port) + "/v1");
    o.retries = 1;
    auto judge = make_endpoint_judge(o);
    const auto msg = error_message([&] { ask_one(*judge); });
    EXPECT_NE(msg.find("http://127.0.0.1:" + std::to_string(port) + "/v1/chat/completions"), std::string::npos) << msg;
    EXPECT_NE(msg.find("2 attempt"), std::string::npos) << msg;
    EXPECT_NE(msg.find("server is running"), std::string::npos) << msg;

    for (const char * bad : {"127.0.0.1:8080/v1", "ftp://host/v1", "http://"}) {
        EXPECT_NE(error_message([&] { make_endpoint_judge(endpoint_options(bad)); }).find("judge endpoint"), std::string::npos) << bad;
    }
    auto no_model = endpoint_options("http://127.0.0.1:8080/v1");
    no_model.model.clear();
    EXPECT_NE(error_message([&] { make_endpoint_judge(no_model); }).find("model name"), std::string::npos);
}

// ---- the endpoint judge against a real llama-server --------------------------------------------

#ifdef RIGHTSIZE_LLAMA_SERVER
TEST(EndpointJudge, RealLlamaServerWithSmolLM2) {
    ASSERT_TRUE(fs::exists(smollm2_path())) << "run scripts/fetch-models.sh first";
    ASSERT_TRUE(fs::exists(RIGHTSIZE_LLAMA_SERVER)) << RIGHTSIZE_LLAMA_SERVER;
    const auto dir = fresh_subdir("judge-llama-server");
    const int port = free_port();
    ASSERT_GT(port, 0);
    LlamaServer server(RIGHTSIZE_LLAMA_SERVER, smollm2_path(), port, dir / "llama-server.log");
    ASSERT_TRUE(server.wait_ready(std::chrono::seconds(120))) << server.log_text();

    auto o = endpoint_options("http://127.0.0.1:" + std::to_string(port) + "/v1");
    o.model = "smollm2-135m-instruct";
    o.timeout_s = 120;
    auto judge = make_endpoint_judge(o);
    const auto prompts = judge_store_prompts();
    const auto d = judge->decide(prompts);
    ASSERT_EQ(d.size(), prompts.size());
    for (size_t i = 0; i < d.size(); ++i) {
        EXPECT_TRUE(d[i].parsed) << "reply " << i << ": '" << d[i].raw << "'";
        // llama-server returns logprobs; where both digits are among the top 5 the margin's sign
        // agrees with the (greedy) choice.
        if (d[i].margin) {
            EXPECT_EQ(d[i].choice, *d[i].margin >= 0 ? VoteChoice::Left : VoteChoice::Right) << *d[i].margin;
        }
        std::cout << "llama-server SmolLM2, prompt " << i << ": '" << d[i].raw << "' margin "
                  << (d[i].margin ? std::to_string(*d[i].margin) : "unknown") << "\n";
    }
    // Temperature 0 and a fixed seed: the same replies again.
    const auto again = judge->decide(std::span(prompts).first(2));
    EXPECT_EQ(again[0].raw, d[0].raw);
    EXPECT_EQ(again[1].raw, d[1].raw);

    const auto db = make_store("judge-llama-server-store");
    const auto s = run_judge(*judge, judge_run_options(db));
    EXPECT_EQ(s.voter, "judge:smollm2-135m-instruct");
    EXPECT_EQ(s.n_decisions, 6u);
    EXPECT_EQ(s.n_unparsed, 0u);
    const auto rows = vote_rows(db);
    ASSERT_EQ(rows.size(), 6u);
    for (size_t i = 0; i < rows.size(); ++i) {
        EXPECT_EQ(rows[i][4], "judge:smollm2-135m-instruct");
        EXPECT_EQ(rows[i][3], vote_choice_name(d[i].choice)) << i;
    }
    const auto g = tally_group(db, "judge:smollm2-135m-instruct");
    ASSERT_TRUE(g.is_object());
    std::cout << "llama-server SmolLM2 as judge on 3 pairs: " << g.dump() << "\n";
}
#endif

// ---- the CLI with an endpoint judge -------------------------------------------------------------

TEST(JudgeCli, EndpointJudgeWithAnApiKeyFromTheEnvironment) {
    ScriptedEndpoint server([](const httplib::Request & rq, httplib::Response & rs, int) {
        // Prefers whichever answer does not sound like an assistant: the same model in both orders.
        const std::string text = json::parse(rq.body)["messages"].back()["content"];
        const size_t second = text.find("Answer 2:");
        const bool robotic_first = text.find("language model") < second || text.find("strategies") < second ||
                                   text.find("Aisle seats offer") < second;
        rs.set_content(chat_reply(robotic_first ? "Answer 2" : "1"), "application/json");
    });
    const auto db = make_store("judge-cli-endpoint");
    const std::string cmd = "RIGHTSIZE_TEST_JUDGE_KEY=sekrit " + std::string(RIGHTSIZE_CLI) + " vote --input " +
                            db.parent_path().string() + " --judge-endpoint " + server.url() +
                            " --judge-model judge-7b --judge-api-key-env RIGHTSIZE_TEST_JUDGE_KEY --judge-parallel 2 --seed 5";
    const auto r = run_command(cmd);
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("judge:judge-7b: 3 pairs; 6 decisions made now, 0 stored before."), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(kA + "'s answer was judged more human-like in 100.0 % of votes"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("Order consistency: 100.0 %"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("Answer 1 won 50.0 %"), std::string::npos) << r.out;
    const auto seen = server.requests();
    ASSERT_EQ(seen.size(), 6u);
    for (const auto & s : seen) {
        EXPECT_EQ(s.authorization, "Bearer sekrit");
        EXPECT_EQ(s.body["model"], "judge-7b");
        EXPECT_EQ(s.body["seed"], 5);
    }
    const auto rows = vote_rows(db);
    ASSERT_EQ(rows.size(), 6u);
    for (const auto & row : rows) EXPECT_EQ(row[4], "judge:judge-7b");
}
