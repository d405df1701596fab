// Human-likeness voting: emoji stripping on hand-made UTF-8, Wilson intervals against hand
// computation, the seeded order, votes and tallies in a real SQLite store, the server over HTTP,
// and a real headless Chromium clicking through a whole session over the DevTools protocol.
#include "test_support.h"
#include "vote_store.h"

#include <rightsize/results_store.h>
#include "probes/vote.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <sqlite3.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <thread>

using namespace rightsize;
using namespace rightsize::testing;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// The first seed whose draw puts A on the left for some of the three documents and on the right
// for others, so a test that follows A's answer must click both buttons.
uint64_t mixed_seed() {
    for (uint64_t seed = 1;; ++seed) {
        int left = 0;
        for (long long d = 0; d < 3; ++d) left += vote_model_a_left(seed, d);
        if (left == 1 || left == 2) return seed;
    }
}

VoteServerOptions server_options(const fs::path & db, const std::string & voter, uint64_t seed) {
    VoteServerOptions o;
    o.db_path = db.string();
    o.run_id = kRun;
    o.voter = voter;
    o.model_a = kA;
    o.model_b = kB;
    o.seed = seed;
    return o;
}

// A VoteServer serving from a thread for the length of a test.
class ServingThread {
public:
    explicit ServingThread(VoteServer & s) : server_(s), thread_([&s] { s.run(); }) {
        while (!server_.running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ~ServingThread() {
        server_.stop();
        thread_.join();
    }

private:
    VoteServer & server_;
    std::thread thread_;
};

}  // namespace

// ---- UTF-8 and emoji ---------------------------------------------------------------------------

TEST(Utf8, DecodesOneToFourBytesAndRejectsMalformedSequences) {
    const std::string s = "a\xC3\xA9\xE6\x97\xA5\xF0\x9F\x98\x80";  // a é 日 😀
    size_t pos = 0;
    EXPECT_EQ(next_code_point(s, pos), U'a');
    EXPECT_EQ(pos, 1u);
    EXPECT_EQ(next_code_point(s, pos), U'\u00E9');
    EXPECT_EQ(pos, 3u);
    EXPECT_EQ(next_code_point(s, pos), U'\u65E5');
    EXPECT_EQ(pos, 6u);
    EXPECT_EQ(next_code_point(s, pos), U'\U0001F600');
    EXPECT_EQ(pos, 10u);
    // Each malformed case yields U+FFFD and moves on by exactly one byte.
    for (const std::string bad : {"\x80", "\xC0\x80", "\xED\xA0\x80", "\xE6\x97", "\xF4\x90\x80\x80", "\xFF", "\xC3("}) {
        size_t p = 0;
        EXPECT_EQ(next_code_point(bad, p), U'\uFFFD') << ::testing::PrintToString(bad);
        EXPECT_EQ(p, 1u);
    }
    std::string out;
    for (char32_t cp : {U'a', U'\u00E9', U'\u65E5', U'\U0001F600', U'\U0010FFFF'}) append_utf8(out, cp);
    EXPECT_EQ(out, "a\xC3\xA9\xE6\x97\xA5\xF0\x9F\x98\x80\xF4\x8F\xBF\xBF");
}

TEST(Emoji, StripsPictographsFlagsModifiersAndJoinersKeepsText) {
    EXPECT_EQ(strip_emoji("Café, 日本, it’s naïve — ok"), "Café, 日本, it’s naïve — ok");
    EXPECT_EQ(strip_emoji("so 😀 good"), "so good");                       // no double space left
    EXPECT_EQ(strip_emoji("nice 👍🏽"), "nice");                            // thumbs up + skin tone
    EXPECT_EQ(strip_emoji("Paris 🇫🇷 is lovely"), "Paris is lovely");      // regional-indicator flag
    EXPECT_EQ(strip_emoji("I ❤️ tea"), "I tea");                            // U+2764 + U+FE0F
    EXPECT_EQ(strip_emoji("family: 👨‍👩‍👧 here"), "family: here");            // ZWJ sequence
    EXPECT_EQ(strip_emoji("🏴󠁧󠁢󠁳󠁣󠁴󠁿 Scotland"), "Scotland");                         // tag sequence flag
    EXPECT_EQ(strip_emoji("wow!😀\nnext ⭐ line ☀"), "wow!\nnext line");   // trailing space before \n trimmed
    EXPECT_EQ(strip_emoji("😀😀😀"), "");
    // Text symbols that are not emoji stay: arrows, ©, ®, ™, maths, currency.
    EXPECT_EQ(strip_emoji("a → b © ® ™ ≤ € ½"), "a → b © ® ™ ≤ € ½");
    // A malformed byte becomes U+FFFD rather than passing through (the page must be valid UTF-8).
    EXPECT_EQ(strip_emoji("x\xFFy"), "x\xEF\xBF\xBDy");
    EXPECT_TRUE(is_emoji_code_point(0x1F600));
    EXPECT_TRUE(is_emoji_code_point(0x1F3FD));
    EXPECT_TRUE(is_emoji_code_point(0x1F1EB));
    EXPECT_FALSE(is_emoji_code_point(0x2192));
    EXPECT_FALSE(is_emoji_code_point(0x00E9));
}

// ---- win rates ---------------------------------------------------------------------------------

TEST(WinRate, WilsonIntervalMatchesHandComputation) {
    // 8 of 10, z = 1.959964: centre (0.8 + z²/20)/(1 + z²/10) = 0.71674, half-width 0.22658.
    auto w = win_rate(8, 2, 0);
    EXPECT_NEAR(w.rate, 0.8, 1e-12);
    EXPECT_NEAR(w.lo, 0.4902, 5e-4);
    EXPECT_NEAR(w.hi, 0.9433, 5e-4);
    // All wins: the lower bound is n/(n + z²) = 3/6.841459, the upper bound 1.
    w = win_rate(3, 0, 0);
    EXPECT_NEAR(w.lo, 3 / (3 + 1.959964 * 1.959964), 1e-9);
    EXPECT_DOUBLE_EQ(w.hi, 1.0);
    // No wins in 5: the upper bound is z²/(n + z²).
    w = win_rate(0, 5, 0);
    EXPECT_NEAR(w.lo, 0.0, 1e-12);
    EXPECT_NEAR(w.hi, 1.959964 * 1.959964 / (5 + 1.959964 * 1.959964), 1e-9);
    // Ties count half: 8 wins, 4 ties of 12 is a rate of 10/12, with the interval of 10/12 at n = 12.
    w = win_rate(8, 0, 4);
    EXPECT_NEAR(w.rate, 10.0 / 12, 1e-12);
    EXPECT_NEAR(w.lo, 0.5520, 5e-4);
    EXPECT_NEAR(w.hi, 0.9530, 5e-4);
    // Nothing voted: the formula's limit, rate 1/2 and the whole [0, 1]; JSON says null.
    w = win_rate(0, 0, 0);
    EXPECT_EQ(w.n, 0);
    EXPECT_DOUBLE_EQ(w.rate, 0.5);
    EXPECT_DOUBLE_EQ(w.lo, 0.0);
    EXPECT_DOUBLE_EQ(w.hi, 1.0);
    EXPECT_TRUE(to_json(w)["rate"].is_null());
    EXPECT_EQ(to_json(w)["ci95"], json::array({0.0, 1.0}));
}

// ---- order -------------------------------------------------------------------------------------

TEST(VoteOrder, SeededDrawIsDeterministicAndBalanced) {
    int left = 0, differ = 0;
    for (long long d = 0; d < 2000; ++d) {
        const bool x = vote_model_a_left(42, d);
        EXPECT_EQ(x, vote_model_a_left(42, d));
        left += x;
        differ += x != vote_model_a_left(43, d);
    }
    // Binomial(2000, 1/2): sd 22.4, so ±100 is beyond 4 sd.
    EXPECT_GT(left, 900);
    EXPECT_LT(left, 1100);
    // Another seed is another draw, not the same one shifted.
    EXPECT_GT(differ, 900);
    EXPECT_LT(differ, 1100);
    // No long runs of one side in document order (neighbouring ids get unrelated draws).
    int longest = 0, run = 0;
    for (long long d = 1; d < 2000; ++d) {
        run = vote_model_a_left(42, d) == vote_model_a_left(42, d - 1) ? run + 1 : 0;
        longest = std::max(longest, run);
    }
    EXPECT_LT(longest, 20);
}

// ---- pairs from the store ----------------------------------------------------------------------

TEST(VotePairs, BothModelsAnswersStrippedAndOrientedBySeed) {
    const auto db = make_store("vote-pairs");
    EXPECT_EQ(vote_models(db.string(), kRun, "humanlike"), (std::vector<std::string>{kA, kB}));
    EXPECT_EQ(latest_vote_run(db.string(), "humanlike"), kRun);
    for (uint64_t seed : {1u, 2u, 7u}) {
        const auto pairs = load_vote_pairs(db.string(), kRun, "humanlike", kA, kB, seed);
        ASSERT_EQ(pairs.size(), 3u);  // document 3 has only A's answer
        for (size_t i = 0; i < 3; ++i) {
            const auto & p = pairs[i];
            EXPECT_EQ(p.doc_id, (long long)i);
            EXPECT_EQ(p.prompt, kQuestions[i]);
            const bool a_left = vote_model_a_left(seed, p.doc_id);
            EXPECT_EQ(p.left_model, a_left ? kA : kB);
            EXPECT_EQ(p.right_model, a_left ? kB : kA);
            EXPECT_EQ(p.left_text, a_left ? kAnswersA[i].shown : kAnswersB[i].shown);
            EXPECT_EQ(p.right_text, a_left ? kAnswersB[i].shown : kAnswersA[i].shown);
        }
    }
}

TEST(VotePairs, ClearErrors) {
    const auto db = make_store("vote-errors");
    auto msg = error_message([&] { load_vote_pairs(db.string(), kRun, "humanlike", kA, "gamma", 1); });
    EXPECT_NE(msg.find("no answers of model 'gamma'"), std::string::npos) << msg;
    EXPECT_NE(msg.find(kA + ", " + kB), std::string::npos) << msg;  // names what is there
    msg = error_message([&] { load_vote_pairs(db.string(), kRun, "humanlike", kA, kA, 1); });
    EXPECT_NE(msg.find("two different models"), std::string::npos) << msg;
    msg = error_message([&] { latest_vote_run(db.string(), "gsm8k"); });
    EXPECT_NE(msg.find("no run has answers for task 'gsm8k'"), std::string::npos) << msg;
    msg = error_message([&] { vote_models((db.parent_path() / "missing.sqlite").string(), kRun, "humanlike"); });
    EXPECT_NE(msg.find("cannot open the results database"), std::string::npos) << msg;
    EXPECT_FALSE(fs::exists(db.parent_path() / "missing.sqlite"));  // never created by mistake
    // A scoring task's responses are log-likelihoods, not text.
    {
        ResultsStore store(db.string());
        const std::vector<json> mc = {json{{"doc_id", 0}, {"doc", {{"question", "q"}}}, {"resps", {{-1.5, true}, {-2.0, false}}}}};
        store.add_samples(kRun, kA, "arc_easy", mc);
        store.add_samples(kRun, kB, "arc_easy", mc);
    }
    msg = error_message([&] { load_vote_pairs(db.string(), kRun, "arc_easy", kA, kB, 1); });
    EXPECT_NE(msg.find("generation tasks"), std::string::npos) << msg;
}

// ---- votes and tallies -------------------------------------------------------------------------

TEST(Votes, RecordOnceResumeAndTallyHumansAndJudgesApart) {
    const auto db = make_store("vote-tally").string();
    // Two people: ann prefers A twice and can't tell once; bob prefers B once.
    EXPECT_TRUE(record_vote(db, kRun, "humanlike", 0, kA, kB, VoteChoice::Left, "ann"));
    EXPECT_FALSE(record_vote(db, kRun, "humanlike", 0, kA, kB, VoteChoice::Right, "ann"));  // resubmitted: first vote stays
    EXPECT_TRUE(record_vote(db, kRun, "humanlike", 1, kB, kA, VoteChoice::Right, "ann"));
    EXPECT_TRUE(record_vote(db, kRun, "humanlike", 2, kA, kB, VoteChoice::Tie, "ann"));
    EXPECT_TRUE(record_vote(db, kRun, "humanlike", 0, kB, kA, VoteChoice::Left, "bob"));
    EXPECT_EQ(voted_docs(db, kRun, "humanlike", "ann", kB, kA), (std::set<long long>{0, 1, 2}));
    EXPECT_EQ(voted_docs(db, kRun, "humanlike", "bob", kA, kB), (std::set<long long>{0}));
    EXPECT_TRUE(voted_docs(db, kRun, "humanlike", "cat", kA, kB).empty());
    // A judge votes each document in both orders: doc 0 picks A both times; doc 1 picks whatever
    // is on the left (position bias), so the two orders disagree.
    const std::string judge = "judge:" + kA;
    EXPECT_TRUE(record_vote(db, kRun, "humanlike", 0, kA, kB, VoteChoice::Left, judge));
    EXPECT_TRUE(record_vote(db, kRun, "humanlike", 0, kB, kA, VoteChoice::Right, judge));
    EXPECT_TRUE(record_vote(db, kRun, "humanlike", 1, kA, kB, VoteChoice::Left, judge));
    EXPECT_TRUE(record_vote(db, kRun, "humanlike", 1, kB, kA, VoteChoice::Left, judge));
    EXPECT_EQ(vote_rows(db).size(), 8u);

    const auto t = tally_votes(db, kRun, "humanlike");
    ASSERT_EQ(t["pairs"].size(), 2u);
    const auto & h = t["pairs"][1]["voters"] == "human" ? t["pairs"][1] : t["pairs"][0];
    const auto & j = t["pairs"][1]["voters"] == "human" ? t["pairs"][0] : t["pairs"][1];
    EXPECT_EQ(h["model_a"], kA);
    EXPECT_EQ(h["model_b"], kB);
    EXPECT_EQ(h["n_voters"], 2);
    EXPECT_EQ(h["n_votes"], 4);
    EXPECT_EQ(h["n_docs"], 3);
    EXPECT_EQ(h["a_wins"], 2);
    EXPECT_EQ(h["b_wins"], 1);
    EXPECT_EQ(h["ties"], 1);
    EXPECT_NEAR(h["win_rate_a"]["rate"].get<double>(), 2.5 / 4, 1e-12);
    const auto w = win_rate(2, 1, 1);
    EXPECT_NEAR(h["win_rate_a"]["ci95"][0].get<double>(), w.lo, 1e-12);
    // Decisive human votes: ann left (doc 0), ann right (doc 1), bob left (doc 0): 2 of 3 left.
    EXPECT_NEAR(h["left_share"].get<double>(), 2.0 / 3, 1e-12);
    EXPECT_TRUE(h["order_consistency"].is_null());  // no person saw a document in both orders

    EXPECT_EQ(j["voters"], judge);
    EXPECT_EQ(j["n_votes"], 4);
    EXPECT_EQ(j["a_wins"], 3);  // doc 0 twice, doc 1 once (A on the left)
    EXPECT_EQ(j["b_wins"], 1);
    EXPECT_NEAR(j["order_consistency"].get<double>(), 0.5, 1e-12);  // doc 0 consistent, doc 1 not
    EXPECT_NEAR(j["left_share"].get<double>(), 0.75, 1e-12);
}

// ---- the server over HTTP ----------------------------------------------------------------------

TEST(VoteServer, PagesNameNoModelAndPostsNeedTheToken) {
    const auto db = make_store("vote-http");
    VoteServer server(server_options(db, "ann", 1));
    ASSERT_GT(server.port(), 0);
    EXPECT_EQ(server.url(), "http://127.0.0.1:" + std::to_string(server.port()) + "/");
    ServingThread serving(server);
    httplib::Client client("127.0.0.1", server.port());

    for (size_t k = 1; k <= 3; ++k) {
        const auto page = client.Get("/");
        ASSERT_TRUE(page);
        ASSERT_EQ(page->status, 200);
        const std::string & html = page->body;
        EXPECT_NE(html.find("Pair " + std::to_string(k) + " of 3"), std::string::npos);
        for (const std::string & name : {kA, kB, std::string("alpha"), std::string("beta")}) {
            EXPECT_EQ(html.find(name), std::string::npos) << name << " appears in:\n" << html;
        }
        EXPECT_EQ(html.find("😀"), std::string::npos);
        EXPECT_NE(html.find("Answer 1 is more human-like"), std::string::npos);
        EXPECT_NE(html.find("value=\"tie\">Can't tell"), std::string::npos);
        EXPECT_EQ(page->get_header_value("Cache-Control"), "no-store");
        if (k == 1) {
            // Without the token nothing is recorded; a bad choice is refused.
            const auto forged = client.Post("/vote", "doc=0&choice=left", "application/x-www-form-urlencoded");
            ASSERT_TRUE(forged);
            EXPECT_EQ(forged->status, 403);
            const auto bad = client.Post("/vote", "doc=0&choice=both&token=" + server.token(), "application/x-www-form-urlencoded");
            ASSERT_TRUE(bad);
            EXPECT_EQ(bad->status, 400);
            EXPECT_EQ(server.n_voted(), 0u);
        }
        const auto pairs = load_vote_pairs(db.string(), kRun, "humanlike", kA, kB, 1);
        const auto vote = client.Post("/vote", "doc=" + std::to_string(pairs[k - 1].doc_id) + "&choice=tie&token=" + server.token(),
                                      "application/x-www-form-urlencoded");
        ASSERT_TRUE(vote);
        EXPECT_EQ(vote->status, 303);
        EXPECT_EQ(vote->get_header_value("Location"), "/");
        if (k == 2) break;  // stop half-way: the next server resumes
    }
    EXPECT_EQ(server.n_voted(), 2u);

    // Same voter, new session: starts at pair 3. Another voter starts at 1.
    VoteServer resumed(server_options(db, "ann", 1));
    EXPECT_EQ(resumed.n_voted(), 2u);
    VoteServer other(server_options(db, "bob", 1));
    EXPECT_EQ(other.n_voted(), 0u);
    const auto r = client.Post("/quit", "token=" + server.token(), "application/x-www-form-urlencoded");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    for (int i = 0; i < 500 && server.running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    EXPECT_FALSE(server.running());
}

// ---- real headless Chromium over the DevTools protocol -----------------------------------------

namespace {

const char * kChromium = "/usr/bin/chromium";

// Chromium with --remote-debugging-pipe reads protocol commands on fd 3 and writes replies and
// events on fd 4, each message JSON terminated by a NUL byte.
class DevTools {
public:
    explicit DevTools(const fs::path & profile) {
        int in[2], out[2];  // in: we write, Chromium reads; out: Chromium writes, we read
        if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
        const std::string user_data = "--user-data-dir=" + profile.string();
        const std::string log = (profile / "chromium.log").string();
        std::vector<std::string> args = {kChromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                                         "--remote-debugging-pipe", user_data, "about:blank"};
        std::vector<char *> argv;
        for (auto & a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        pid_ = fork();
        if (pid_ == 0) {
            // Only async-signal-safe calls until exec. Move the pipe ends above 4 first so that
            // placing them on 3 and 4 cannot overwrite one with the other.
            const int r = fcntl(in[0], F_DUPFD, 10), w = fcntl(out[1], F_DUPFD, 10);
            dup2(r, 3);
            dup2(w, 4);
            const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            dup2(fd, 1);
            dup2(fd, 2);
            execv(kChromium, argv.data());
            _exit(127);
        }
        close(in[0]);
        close(out[1]);
        to_ = in[1];
        from_ = out[0];
    }
    ~DevTools() {
        if (pid_ <= 0) return;
        try {
            call("Browser.close");
        } catch (const std::exception &) {
        }
        close(to_);
        close(from_);
        for (int i = 0; i < 100; ++i) {
            if (waitpid(pid_, nullptr, WNOHANG) == pid_) return;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
    }

    // Sends one command and returns its reply's result; throws on a protocol error or timeout.
    json call(const std::string & method, const json & params = json::object(), const std::string & session = "") {
        const int id = ++next_id_;
        json msg = {{"id", id}, {"method", method}, {"params", params}};
        if (!session.empty()) msg["sessionId"] = session;
        const std::string text = msg.dump() + '\0';
        for (size_t done = 0; done < text.size();) {
            const ssize_t n = write(to_, text.data() + done, text.size() - done);
            if (n <= 0) throw std::runtime_error("writing to Chromium failed");
            done += size_t(n);
        }
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        for (;;) {
            const auto nul = buffer_.find('\0');
            if (nul != std::string::npos) {
                const json reply = json::parse(buffer_.substr(0, nul));
                buffer_.erase(0, nul + 1);
                if (reply.value("id", -1) != id) continue;  // an event or another reply
                if (reply.contains("error")) throw std::runtime_error(method + ": " + reply["error"].dump());
                return reply.value("result", json::object());
            }
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) throw std::runtime_error(method + ": no reply from Chromium within 60 s");
            pollfd p{from_, POLLIN, 0};
            if (poll(&p, 1, int(left.count())) <= 0) continue;
            char buf[65536];
            const ssize_t n = read(from_, buf, sizeof buf);
            if (n <= 0) throw std::runtime_error(method + ": Chromium closed the pipe");
            buffer_.append(buf, size_t(n));
        }
    }

    // A page: a new target with its own flattened session.
    std::string open_page() {
        const auto target = call("Target.createTarget", {{"url", "about:blank"}});
        return call("Target.attachToTarget", {{"targetId", target["targetId"]}, {"flatten", true}})["sessionId"];
    }

    // The value of a JavaScript expression in the page (null while a navigation replaces it).
    json eval(const std::string & session, const std::string & expression) {
        const auto r = call("Runtime.evaluate", {{"expression", expression}, {"returnByValue", true}}, session);
        if (r.contains("exceptionDetails")) return nullptr;
        return r["result"].value("value", json());
    }

    // Polls until the loaded page's progress line reads `want`; returns the last line seen.
    std::string wait_for_progress(const std::string & session, const std::string & want) {
        const std::string expr = "document.readyState === 'complete' && document.getElementById('progress') "
                                 "? document.getElementById('progress').textContent : ''";
        std::string seen;
        for (int i = 0; i < 600; ++i) {
            json v;
            try {
                v = eval(session, expr);
            } catch (const std::runtime_error &) {
                v = nullptr;  // the context went away mid-navigation
            }
            seen = v.is_string() ? v.get<std::string>() : "";
            if (seen == want) return seen;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        return seen;
    }

private:
    pid_t pid_ = -1;
    int to_ = -1, from_ = -1, next_id_ = 0;
    std::string buffer_;
};

}  // namespace

TEST(VoteChromium, ClickThroughEveryPairAndTheVotesMapToTheModels) {
    if (!fs::exists(kChromium)) GTEST_SKIP() << kChromium << " is not installed (Debian: apt-get install chromium)";
    const auto db = make_store("vote-chromium");
    const uint64_t seed = mixed_seed();
    VoteServer server(server_options(db, "chromium-voter", seed));
    ServingThread serving(server);

    DevTools chrome(fresh_subdir("vote-chromium-profile"));
    const auto session = chrome.open_page();
    chrome.call("Page.navigate", {{"url", server.url()}}, session);

    int clicked_left = 0, clicked_right = 0;
    for (size_t k = 1; k <= 3; ++k) {
        const std::string progress = "Pair " + std::to_string(k) + " of 3";
        ASSERT_EQ(chrome.wait_for_progress(session, progress), progress);
        // What the browser shows: no model name anywhere in the document, emojis gone.
        const auto html = chrome.eval(session, "document.documentElement.outerHTML").get<std::string>();
        EXPECT_EQ(html.find(kA), std::string::npos);
        EXPECT_EQ(html.find(kB), std::string::npos);
        const auto one = chrome.eval(session, "document.getElementById('answer-1-text').textContent").get<std::string>();
        const auto two = chrome.eval(session, "document.getElementById('answer-2-text').textContent").get<std::string>();
        const auto question = chrome.eval(session, "document.getElementById('prompt').textContent").get<std::string>();
        const auto i = size_t(std::find(kQuestions.begin(), kQuestions.end(), question) - kQuestions.begin());
        ASSERT_LT(i, 3u) << question;
        // Always vote for model A's answer, wherever the draw put it.
        std::string button;
        if (one == kAnswersA[i].shown && two == kAnswersB[i].shown) button = "left", ++clicked_left;
        else if (two == kAnswersA[i].shown && one == kAnswersB[i].shown) button = "right", ++clicked_right;
        ASSERT_FALSE(button.empty()) << "answers shown: [" << one << "] [" << two << "]";
        chrome.eval(session, "document.querySelector('button[value=" + button + "]').click()");
    }
    ASSERT_EQ(chrome.wait_for_progress(session, "Done: 3 of 3"), "Done: 3 of 3");
    const auto tally_text = chrome.eval(session, "document.getElementById('tally').textContent").get<std::string>();
    EXPECT_NE(tally_text.find(kA), std::string::npos);  // names are revealed only at the end
    EXPECT_NE(tally_text.find("1.000"), std::string::npos) << tally_text;
    EXPECT_GE(clicked_left, 1);  // the seed mixes the orders, so both buttons were used
    EXPECT_GE(clicked_right, 1);

    const auto rows = vote_rows(db);
    ASSERT_EQ(rows.size(), 3u);
    std::set<std::string> docs;
    for (const auto & r : rows) {
        docs.insert(r[0]);
        EXPECT_EQ(r[4], "chromium-voter");
        const std::string & winner = r[3] == "left" ? r[1] : r[2];
        EXPECT_EQ(winner, kA) << "doc " << r[0] << ": " << r[3] << " of " << r[1] << " | " << r[2];
        EXPECT_EQ(r[1] == kA, vote_model_a_left(seed, std::stoll(r[0])));  // positions as drawn
    }
    EXPECT_EQ(docs, (std::set<std::string>{"0", "1", "2"}));

    const auto t = tally_votes(db.string(), kRun, "humanlike");
    ASSERT_EQ(t["pairs"].size(), 1u);
    const auto & p = t["pairs"][0];
    EXPECT_EQ(p["model_a"], kA);
    EXPECT_EQ(p["a_wins"], 3);
    EXPECT_EQ(p["b_wins"], 0);
    EXPECT_EQ(p["ties"], 0);
    EXPECT_DOUBLE_EQ(p["win_rate_a"]["rate"].get<double>(), 1.0);
    EXPECT_NEAR(p["win_rate_a"]["ci95"][0].get<double>(), 3 / (3 + 1.959964 * 1.959964), 1e-9);
}
