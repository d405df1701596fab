// Human-likeness voting: emoji stripping, the blinded pairs read from the results store, the
// votes table and the win rates. The page and the server are in vote_page.cpp.
#include <rightsize/error.h>
#include <rightsize/results_store.h>
#include "probes/vote.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <tuple>


namespace rightsize {

// ---- UTF-8 -------------------------------------------------------------------------------------


bool is_emoji_code_point(char32_t cp) {
    if (cp >= 0x1F000 && cp <= 0x1FAFF) return true;  // includes flags U+1F1E6–1F1FF, skin tones U+1F3FB–1F3FF
    if (cp >= 0x2600 && cp <= 0x27BF) return true;
    if (cp >= 0xE0020 && cp <= 0xE007F) return true;  // tags spelling subdivision flags (🏴 + gbeng)
    switch (cp) {
        case 0xFE0E: case 0xFE0F: case 0x200D: case 0x20E3:
        case 0x231A: case 0x231B: case 0x2328: case 0x23CF: case 0x2B50: case 0x2B55:
        case 0x2B1B: case 0x2B1C: case 0x2B05: case 0x2B06: case 0x2B07: case 0x3030: case 0x303D:
            return true;
        default:
            return (cp >= 0x23E9 && cp <= 0x23F3) || (cp >= 0x23F8 && cp <= 0x23FA);
    }
}

std::string strip_emoji(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    const auto hspace = [](char c) { return c == ' ' || c == '\t'; };
    size_t pos = 0;
    bool removed = false;  // the previous code point was an emoji
    while (pos < text.size()) {
        const size_t start = pos;
        const char32_t cp = next_code_point(text, pos);
        if (is_emoji_code_point(cp)) {
            removed = true;
            continue;
        }
        // "so 😀 good" must not become "so  good": the spacing would show where an emoji was.
        if (removed && hspace(text[start]) && (out.empty() || hspace(out.back()) || out.back() == '\n')) {
            removed = false;
            continue;
        }
        removed = false;
        if (cp == 0xFFFD && pos - start == 1) append_utf8(out, cp);  // a malformed byte
        else out.append(text.substr(start, pos - start));
    }
    // Trailing spaces before a line break, left where an emoji ended a line.
    std::string tidy;
    tidy.reserve(out.size());
    for (char c : out) {
        if (c == '\n') while (!tidy.empty() && hspace(tidy.back())) tidy.pop_back();
        tidy += c;
    }
    const auto ws = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
    size_t b = 0, e = tidy.size();
    while (b < e && ws(tidy[b])) ++b;
    while (e > b && ws(tidy[e - 1])) --e;
    return tidy.substr(b, e - b);
}

// ---- pairs -------------------------------------------------------------------------------------

bool vote_model_a_left(uint64_t seed, long long doc_id) {
    // One generator per pair, seeded from (seed, doc_id) through splitmix64's finaliser so that
    // neighbouring documents get unrelated seeds; the top bit of its first output is the draw.
    uint64_t x = seed ^ (uint64_t(doc_id) * 0x9E3779B97F4A7C15ULL);
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    x ^= x >> 31;
    std::mt19937_64 gen(x);
    return (gen() >> 63) == 0;
}

std::vector<std::string> vote_models(const std::string & db_path, const std::string & run_id, const std::string & task) {
    return ResultsStore(db_path, ResultsStore::Access::ReadOnly).sample_models(run_id, task);
}

std::string latest_vote_run(const std::string & db_path, const std::string & task) {
    const auto run = ResultsStore(db_path, ResultsStore::Access::ReadOnly).latest_run_with_samples(task);
    if (!run) {
        throw Error(db_path + ": no run has answers for task '" + task + "'; run 'rightsize run --tasks " + task +
                    "' with the models to compare first");
    }
    return *run;
}

namespace {

std::string join(const std::vector<std::string> & v) {
    std::string s;
    for (const auto & x : v) s += (s.empty() ? "" : ", ") + x;
    return s.empty() ? "none" : s;
}

// The question as the voter reads it: the document's own field, never the rendered prompt, which
// carries a model's chat template and so would name its family.
std::string question_of(const nlohmann::json & rec, const std::string & where) {
    const auto & doc = rec.value("doc", nlohmann::json::object());
    for (const char * key : {"prompt", "question", "text"}) {
        if (doc.is_object() && doc.contains(key) && doc[key].is_string()) return doc[key].get<std::string>();
    }
    throw Error(where + ": the document has no \"prompt\", \"question\" or \"text\" field to show the voter");
}

std::string answer_of(const nlohmann::json & rec, const std::string & where) {
    const auto it = rec.find("resps");
    if (it == rec.end() || !it->is_array() || it->empty() || !(*it)[0].is_string()) {
        throw Error(where + ": \"resps\" holds no text answer; voting compares generation tasks (output_type: generate_until)");
    }
    return (*it)[0].get<std::string>();
}

}  // namespace

std::vector<VotePair> load_vote_pairs(const std::string & db_path, const std::string & run_id, const std::string & task,
                                      const std::string & model_a, const std::string & model_b, uint64_t seed) {
    if (model_a == model_b) throw Error("voting compares two different models; both are '" + model_a + "'");
    const auto models = vote_models(db_path, run_id, task);
    for (const auto & m : {model_a, model_b}) {
        if (std::find(models.begin(), models.end(), m) == models.end()) {
            throw Error(db_path + ": run " + run_id + " has no answers of model '" + m + "' for task '" + task +
                        "'; models with answers: " + join(models));
        }
    }
    ResultsStore store(db_path, ResultsStore::Access::ReadOnly);
    const auto a = store.samples(run_id, model_a, task), b = store.samples(run_id, model_b, task);

    std::vector<VotePair> out;
    for (const auto & [doc_id, ra] : a) {
        const auto rb = b.find(doc_id);
        if (rb == b.end()) continue;
        const std::string where = db_path + ": run " + run_id + ", task " + task + ", document " + std::to_string(doc_id);
        VotePair p;
        p.doc_id = doc_id;
        p.prompt = question_of(ra, where);
        const std::string ta = strip_emoji(answer_of(ra, where + ", model " + model_a));
        const std::string tb = strip_emoji(answer_of(rb->second, where + ", model " + model_b));
        if (vote_model_a_left(seed, doc_id)) std::tie(p.left_model, p.left_text, p.right_model, p.right_text) = std::tie(model_a, ta, model_b, tb);
        else std::tie(p.left_model, p.left_text, p.right_model, p.right_text) = std::tie(model_b, tb, model_a, ta);
        out.push_back(std::move(p));
    }
    return out;
}

// ---- votes -------------------------------------------------------------------------------------

const char * vote_choice_name(VoteChoice c) {
    switch (c) {
        case VoteChoice::Left: return "left";
        case VoteChoice::Right: return "right";
        case VoteChoice::Tie: return "tie";
    }
    return "tie";
}

VoteChoice parse_vote_choice(const std::string & s) {
    if (s == "left") return VoteChoice::Left;
    if (s == "right") return VoteChoice::Right;
    if (s == "tie") return VoteChoice::Tie;
    throw Error("a vote is 'left', 'right' or 'tie', not '" + s + "'");
}

bool record_vote(const std::string & db_path, const std::string & run_id, const std::string & task, long long doc_id,
                 const std::string & model_left, const std::string & model_right, VoteChoice choice, const std::string & voter,
                 std::optional<double> margin) {
    if (margin && !std::isfinite(*margin)) throw Error("a judge's margin must be a finite number");
    if (model_left == model_right) throw Error("a vote compares two different models; both are '" + model_left + "'");
    StoredVote v;
    v.run_id = run_id;
    v.task = task;
    v.doc_id = doc_id;
    v.model_left = model_left;
    v.model_right = model_right;
    v.choice = vote_choice_name(choice);
    v.voter = voter;
    v.margin = margin;
    return ResultsStore(db_path, ResultsStore::Access::Existing).add_vote(v);
}

std::set<std::pair<long long, std::string>> voted_orders(const std::string & db_path, const std::string & run_id,
                                                         const std::string & task, const std::string & voter,
                                                         const std::string & model_a, const std::string & model_b) {
    std::set<std::pair<long long, std::string>> out;
    for (const auto & v : ResultsStore(db_path, ResultsStore::Access::ReadOnly).votes(run_id, task)) {
        const bool pair = (v.model_left == model_a && v.model_right == model_b) || (v.model_left == model_b && v.model_right == model_a);
        if (v.voter == voter && pair) out.emplace(v.doc_id, v.model_left);
    }
    return out;
}

std::set<long long> voted_docs(const std::string & db_path, const std::string & run_id, const std::string & task,
                               const std::string & voter, const std::string & model_a, const std::string & model_b) {
    std::set<long long> out;
    for (const auto & [doc, left] : voted_orders(db_path, run_id, task, voter, model_a, model_b)) out.insert(doc);
    return out;
}


// ---- win rates ---------------------------------------------------------------------------------

void wilson_interval(double p, double n, double z, double & lo, double & hi) {
    if (!(n > 0)) {
        lo = 0;
        hi = 1;
        return;
    }
    // Wilson 1927: the interval of true proportions whose normal test accepts p. Unlike p ± z·se
    // it stays inside [0, 1] and keeps its width at 0/n and n/n, where votes often sit.
    const double z2 = z * z;
    const double denom = 1 + z2 / n;
    const double centre = (p + z2 / (2 * n)) / denom;
    const double half = z / denom * std::sqrt(p * (1 - p) / n + z2 / (4 * n * n));
    lo = std::max(0.0, centre - half);
    hi = std::min(1.0, centre + half);
}

WinRate win_rate(long long wins, long long losses, long long ties) {
    WinRate w;
    w.wins = wins;
    w.losses = losses;
    w.ties = ties;
    w.n = wins + losses + ties;
    if (w.n > 0) w.rate = (double(wins) + double(ties) / 2) / double(w.n);
    wilson_interval(w.rate, double(w.n), 1.959964, w.lo, w.hi);
    return w;
}

nlohmann::json to_json(const WinRate & w) {
    return {{"wins", w.wins}, {"losses", w.losses}, {"ties", w.ties}, {"n", w.n},
            {"rate", w.n > 0 ? nlohmann::json(w.rate) : nlohmann::json()}, {"ci95", {w.lo, w.hi}},
            {"ties_as", "half a win"}};
}

nlohmann::json tally_votes(const std::string & db_path, const std::string & run_id, const std::string & task) {
    const auto votes = ResultsStore(db_path, ResultsStore::Access::ReadOnly).votes(run_id, task);
    struct Group {
        long long a_wins = 0, b_wins = 0, ties = 0, left = 0, decisive = 0;
        std::set<std::string> voters;
        std::set<long long> docs;
        // (voter, doc) → winner per orientation ("" for a tie), for order consistency.
        std::map<std::pair<std::string, long long>, std::map<bool, std::string>> by_order;
        // (voter, doc) → a judge's preference for model_a per orientation (its margin for Answer 1,
        // negated when model_a was Answer 2).
        std::map<std::pair<std::string, long long>, std::map<bool, double>> preference_a;
    };
    // Key: model_a < model_b, then the voter group.
    std::map<std::tuple<std::string, std::string, std::string>, Group> groups;
    for (const auto & v : votes) {
        const bool left_is_a = v.model_left < v.model_right;
        const std::string & a = left_is_a ? v.model_left : v.model_right;
        const std::string & b = left_is_a ? v.model_right : v.model_left;
        const std::string who = v.voter.rfind("judge:", 0) == 0 ? v.voter : "human";
        auto & g = groups[{a, b, who}];
        const std::string winner = v.choice == "left" ? v.model_left : v.choice == "right" ? v.model_right : "";
        if (winner.empty()) ++g.ties;
        else {
            ++(winner == a ? g.a_wins : g.b_wins);
            ++g.decisive;
            g.left += v.choice == "left";
        }
        g.voters.insert(v.voter);
        g.docs.insert(v.doc_id);
        g.by_order[{v.voter, v.doc_id}][left_is_a] = winner;
        if (v.margin) g.preference_a[{v.voter, v.doc_id}][left_is_a] = left_is_a ? *v.margin : -*v.margin;
    }
    nlohmann::json pairs = nlohmann::json::array();
    for (const auto & [key, g] : groups) {
        const auto & [a, b, who] = key;
        long long both = 0, same = 0;
        for (const auto & [vd, orders] : g.by_order) {
            if (orders.size() < 2) continue;
            ++both;
            same += orders.at(true) == orders.at(false);
        }
        pairs.push_back({{"model_a", a}, {"model_b", b}, {"voters", who}, {"n_voters", g.voters.size()},
                         {"n_votes", g.a_wins + g.b_wins + g.ties}, {"n_docs", g.docs.size()},
                         {"a_wins", g.a_wins}, {"b_wins", g.b_wins}, {"ties", g.ties},
                         {"win_rate_a", to_json(win_rate(g.a_wins, g.b_wins, g.ties))},
                         {"left_share", g.decisive > 0 ? nlohmann::json(double(g.left) / double(g.decisive)) : nlohmann::json()},
                         {"order_consistency", both > 0 ? nlohmann::json(double(same) / double(both)) : nlohmann::json()}});
        // A judge's margins in both orders: their mean is its preference with the position's
        // pull cancelled (the pull adds to one order's margin and subtracts from the other's), so
        // a judge that always says "1" can still show which answer it leaned to.
        long long ca = 0, cb = 0, ct = 0;
        double sum = 0;
        for (const auto & [vd, orders] : g.preference_a) {
            if (orders.size() < 2) continue;
            const double pref = (orders.at(true) + orders.at(false)) / 2;
            sum += pref;
            ++(pref > 0 ? ca : pref < 0 ? cb : ct);
        }
        const long long nc = ca + cb + ct;
        if (nc > 0) {
            pairs.push_back({{"model_a", a}, {"model_b", b}, {"voters", who + " (position-corrected)"}, {"n_voters", g.voters.size()},
                             {"n_votes", nc}, {"n_docs", nc}, {"a_wins", ca}, {"b_wins", cb}, {"ties", ct},
                             {"win_rate_a", to_json(win_rate(ca, cb, ct))}, {"left_share", nlohmann::json()},
                             {"order_consistency", nlohmann::json()}, {"mean_preference_a", sum / double(nc)},
                             {"method", "per document, the mean of the judge's log P(\"1\") - log P(\"2\") margins over both orders, "
                                        "signed toward model_a"}});
        }
    }
    return {{"run_id", run_id}, {"task", task}, {"pairs", pairs}};
}

}  // namespace rightsize
