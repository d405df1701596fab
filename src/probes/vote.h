// Human-likeness voting (Çalık & Akkuş 2025): a voter sees one conversational question and two
// models' answers side by side, anonymous ("Answer 1", "Answer 2"), emojis stripped and the order
// drawn at random per pair, and picks the more human-like one or "can't tell". Votes go into the
// results store beside the answers; win rates carry Wilson score intervals. docs/vote.md.
#pragma once

#include "core/utf8.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rightsize {

// ---- UTF-8 and emoji stripping ----------------------------------------------------------------

// Decoding: next_code_point and append_utf8 (core/utf8.h).

// Emoji and pictographs: U+1F000–1FAFF (pictographs, emoticons, transport, supplemental symbols,
// enclosed alphanumerics/ideographs such as 🆗, regional-indicator flags, skin-tone modifiers),
// U+2600–27BF (miscellaneous symbols, dingbats), the stray emoji of other blocks (⌚ ⏩ ⭐ ⭕ ⬛),
// U+FE0E/FE0F variation selectors, U+200D joiner, U+20E3 keycap and U+E0020–E007F tag characters
// (subdivision flags). Arrows, ©, ®, ™ and all letters, digits and punctuation are text.
bool is_emoji_code_point(char32_t cp);

// The text without emoji: kept code points are copied byte for byte; malformed bytes become
// U+FFFD. Where a removed emoji leaves two spaces the second goes, and the result is trimmed of
// surrounding whitespace, so the spacing does not give away that something was removed.
std::string strip_emoji(std::string_view text);

// ---- pairs -----------------------------------------------------------------------------------

// One question with both models' answers, in the order the voter sees them.
struct VotePair {
    long long doc_id = 0;
    std::string prompt;                   // the question (the document's "prompt" field)
    std::string left_model, right_model;  // "Answer 1" is left, "Answer 2" right
    std::string left_text, right_text;    // the first response of each model, emoji-stripped
};

// True when seed's draw for this document puts model_a on the left. The draw depends only on
// (seed, doc_id), not on which other pairs exist, so a resumed session shows every pair as before.
bool vote_model_a_left(uint64_t seed, long long doc_id);

// Models with samples of `task` in `run_id`, sorted.
std::vector<std::string> vote_models(const std::string & db_path, const std::string & run_id, const std::string & task);

// The newest run (by start time) with samples of `task`; throws when there is none.
std::string latest_vote_run(const std::string & db_path, const std::string & task);

// Every document of `task` both models answered, in doc_id order, oriented by vote_model_a_left.
// Throws rightsize::Error when a model has no samples there (naming the models it has) or when
// the task is not a generation task (its responses are not text).
std::vector<VotePair> load_vote_pairs(const std::string & db_path, const std::string & run_id, const std::string & task,
                                      const std::string & model_a, const std::string & model_b, uint64_t seed);

// ---- votes -----------------------------------------------------------------------------------

enum class VoteChoice { Left, Right, Tie };
const char * vote_choice_name(VoteChoice c);  // "left" | "right" | "tie"
VoteChoice parse_vote_choice(const std::string & s);

// Writes a vote (one transaction; table `votes` created if missing). Returns false and writes
// nothing when this voter already voted on this document with the same two models in the same
// positions (a form submitted twice); a judge that votes in both orders stores two rows. margin:
// a model judge's log P("1") - log P("2") when it has one (people: none). Stores written before
// the margin column existed get it added.
bool record_vote(const std::string & db_path, const std::string & run_id, const std::string & task, long long doc_id,
                 const std::string & model_left, const std::string & model_right, VoteChoice choice, const std::string & voter,
                 std::optional<double> margin = std::nullopt);

// Documents this voter already voted on for this pair of models, in either position (resume).
std::set<long long> voted_docs(const std::string & db_path, const std::string & run_id, const std::string & task,
                               const std::string & voter, const std::string & model_a, const std::string & model_b);

// The arrangements this voter already voted on for this pair of models, as (doc_id, model_left):
// a model judge votes each document in both orders and resumes order by order.
std::set<std::pair<long long, std::string>> voted_orders(const std::string & db_path, const std::string & run_id,
                                                         const std::string & task, const std::string & voter,
                                                         const std::string & model_a, const std::string & model_b);

// ---- win rates -------------------------------------------------------------------------------

// A win rate with its 95 % Wilson score interval (z = 1.959964). Ties count half a win and half
// a loss: "can't tell" says the answers were equally human-like, which should pull the rate to
// 1/2 rather than vanish from n. With n = 0 the rate is the formula's limit 1/2 and the interval
// [0, 1]: nothing is known; to_json writes the rate as null then.
struct WinRate {
    long long wins = 0, losses = 0, ties = 0;
    long long n = 0;    // wins + losses + ties
    double rate = 0.5;  // (wins + ties / 2) / n
    double lo = 0, hi = 1;
};
WinRate win_rate(long long wins, long long losses, long long ties);
// The Wilson interval of a proportion p observed over n trials (n may be fractional).
void wilson_interval(double p, double n, double z, double & lo, double & hi);
nlohmann::json to_json(const WinRate & w);

// Tallies every vote of (run, task): one entry per unordered model pair (model_a < model_b) and
// voter group — "human" (every voter not named "judge:…") and each "judge:<model>" separately, so
// a judge never dilutes or inflates the people's figures:
//   {"run_id", "task", "pairs": [{"model_a", "model_b", "voters", "n_voters", "n_votes", "n_docs",
//     "a_wins", "b_wins", "ties", "win_rate_a": {...WinRate}, "left_share", "order_consistency"}]}
// left_share: the share of decisive votes that went to Answer 1 (position bias; null without
// any). order_consistency: over documents a voter judged in both orders, the share where both
// votes name the same model (or both tie) — a judge's position bias; null when there are none.
// A judge with margins in both orders on some documents gets a second entry, voters
// "judge:<model> (position-corrected)": per document the mean of its two margins signed toward
// model_a decides (> 0 a win for model_a, < 0 for model_b, 0 a tie), with "mean_preference_a";
// its left_share and order_consistency are null (the correction removes the position).
nlohmann::json tally_votes(const std::string & db_path, const std::string & run_id, const std::string & task);

// ---- the voting page -------------------------------------------------------------------------

// The page for pair k (1-based) of n. It names no model: neither in text, attributes nor
// comments; the form carries only the document id and the session token.
std::string render_vote_page(const VotePair & pair, size_t k, size_t n, const std::string & token);
// The end page: thanks, this voter's votes and the tally of all human votes per model pair.
std::string render_thanks_page(const nlohmann::json & tally, const std::string & voter, size_t n_pairs);

struct VoteServerOptions {
    std::string db_path, run_id, task = "humanlike", voter = "anonymous";
    std::string model_a, model_b;
    uint64_t seed = 1234;
    int port = 0;         // 0: the system picks a free port
    bool once = false;    // stop after the end page has been shown once all pairs are voted
};

// The local voting server: binds 127.0.0.1 only. GET / shows the next unvoted pair (or the end
// page), POST /vote records a choice and redirects to /, POST /quit stops the server. Every POST
// must carry the session token the pages embed, so another site open in the voter's browser
// cannot cast or stop anything.
class VoteServer {
public:
    // Loads the pairs and the voter's earlier votes; throws rightsize::Error on bad input.
    explicit VoteServer(VoteServerOptions options);
    ~VoteServer();
    VoteServer(const VoteServer &) = delete;
    VoteServer & operator=(const VoteServer &) = delete;

    int port() const;                 // bound in the constructor
    std::string url() const;          // http://127.0.0.1:PORT/
    const std::string & token() const;
    size_t n_pairs() const;
    size_t n_voted() const;           // including those from earlier sessions
    void run();                       // serves until stop(), POST /quit, or (once) the end
    void stop();                      // thread-safe; run() returns soon after
    bool running() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace rightsize
