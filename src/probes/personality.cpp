#include <rightsize/error.h>
#include "probes/personality.h"

#include "core/text.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <unordered_map>

namespace rightsize::personality {

namespace {

// The scale midpoint: "neither agree nor disagree" / "no preference". Centring on it (rather
// than on the sample mean) keeps the sign meaningful: above 4 agrees, below 4 disagrees.
constexpr double kMidpoint = 4.0;

std::ifstream open_for_reading(const std::string & path) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) throw Error("personality data file '" + path + "' does not exist");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("personality data file '" + path + "' cannot be opened for reading");
    return in;
}

// Every non-blank line of a JSON Lines file with its 1-based line number.
template <class F>
void for_each_json_line(const std::string & path, F && f) {
    std::ifstream in = open_for_reading(path);
    std::string line;
    for (int no = 1; std::getline(in, line); ++no) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (text::strip(line).empty()) continue;
        nlohmann::json j;
        try {
            j = nlohmann::json::parse(line);
        } catch (const nlohmann::json::exception & e) {
            throw Error(path + ":" + std::to_string(no) + ": invalid JSON (" + e.what() + ")");
        }
        if (!j.is_object()) throw Error(path + ":" + std::to_string(no) + ": each line must be a JSON object");
        f(j, path + ":" + std::to_string(no));
    }
}

std::string required_string(const nlohmann::json & j, const char * field, const std::string & where) {
    if (!j.contains(field) || !j[field].is_string() || j[field].get<std::string>().empty())
        throw Error(where + ": field '" + field + "' must be a non-empty string");
    return j[field].get<std::string>();
}

int required_key(const nlohmann::json & j, const std::string & where) {
    if (!j.contains("key") || !j["key"].is_number_integer() || (j["key"] != 1 && j["key"] != -1))
        throw Error(where + ": field 'key' must be 1 (agreeing means more of the trait) or -1 (reverse-keyed)");
    return j["key"].get<int>();
}

void check_sizes(std::span<const double> x, std::span<const double> y, const char * what) {
    if (x.size() != y.size())
        throw Error(std::string(what) + ": the two answer vectors differ in length (" + std::to_string(x.size()) +
                    " vs " + std::to_string(y.size()) + "); pair the answers by statement id first");
}

// Trait direction: a reverse-keyed answer x counts as 8 − x (the mirror on the 1..7 scale).
double keyed(double agree_value, int key) { return key > 0 ? agree_value : 8.0 - agree_value; }

bool is_word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// A number token in a response: [begin, end) and whether it has a fractional part.
struct NumberToken {
    size_t begin = 0, end = 0;
    bool decimal = false;
};

// Numbers not glued to letters ("5th", "Q1" are not answers).
std::vector<NumberToken> standalone_numbers(const std::string & s) {
    std::vector<NumberToken> out;
    for (size_t i = 0; i < s.size();) {
        if (!std::isdigit(static_cast<unsigned char>(s[i]))) { ++i; continue; }
        NumberToken t{i, i, false};
        while (t.end < s.size() && std::isdigit(static_cast<unsigned char>(s[t.end]))) ++t.end;
        if (t.end + 1 < s.size() && (s[t.end] == '.') && std::isdigit(static_cast<unsigned char>(s[t.end + 1]))) {
            t.decimal = true;
            ++t.end;
            while (t.end < s.size() && std::isdigit(static_cast<unsigned char>(s[t.end]))) ++t.end;
        }
        const bool glued = (t.begin > 0 && std::isalpha(static_cast<unsigned char>(s[t.begin - 1]))) ||
                           (t.end < s.size() && std::isalpha(static_cast<unsigned char>(s[t.end])));
        if (!glued) out.push_back(t);
        i = t.end;
    }
    return out;
}

// Text between two tokens joins them into a range when it is "-", "–", "—" or "to".
bool is_range_joiner(std::string between) {
    between = text::strip(text::lower(between));
    return between == "-" || between == "\xE2\x80\x93" || between == "\xE2\x80\x94" || between == "to";
}

// "1 = strongly disagree": a number defining a label, echoed from the prompt.
bool defines_label(const std::string & after) {
    const std::string a = text::strip(after);
    return a.starts_with("=");
}

bool ends_with_out_of(const std::string & before) {
    const std::string b = text::strip(text::lower(before));
    return b.ends_with("out of") || b.ends_with("/");
}

// Likert labels, longer before shorter so "strongly agree" is not read as "agree".
const std::pair<const char *, int> kLikertLabels[] = {
    {"neither agree nor disagree", 4}, {"strongly disagree", 1}, {"somewhat disagree", 3},
    {"slightly disagree", 3},          {"strongly agree", 7},    {"somewhat agree", 5},
    {"slightly agree", 5},             {"disagree", 2},          {"agree", 6},
    {"neutral", 4},
};

std::optional<int> leading_likert_label(const std::string & response) {
    std::string s = text::lower(response);
    size_t i = 0;
    while (i < s.size() && !is_word_char(s[i])) ++i;  // markdown bold, quotes, spaces
    s = s.substr(i);
    if (s.starts_with("i ")) s = s.substr(2);  // "I agree."
    for (const auto & [label, value] : kLikertLabels) {
        const std::string l = label;
        if (s.starts_with(l) && (s.size() == l.size() || !is_word_char(s[l.size()]))) return value;
    }
    return std::nullopt;
}

std::string quoted(const std::string & s) { return "\"" + s + "\""; }

std::string fixed(double v, int decimals) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

}  // namespace

// ---- traits and items ----------------------------------------------------------------------

const char * trait_name(Trait t) {
    switch (t) {
        case Trait::openness: return "openness";
        case Trait::conscientiousness: return "conscientiousness";
        case Trait::extraversion: return "extraversion";
        case Trait::agreeableness: return "agreeableness";
        case Trait::neuroticism: return "neuroticism";
    }
    return "?";
}

std::optional<Trait> parse_trait(const std::string & s) {
    for (Trait t : kTraits) {
        const std::string name = trait_name(t);
        if (s == name || (s.size() == 1 && std::toupper(static_cast<unsigned char>(name[0])) == s[0])) return t;
    }
    return std::nullopt;
}

std::vector<Statement> load_statements(const std::string & path) {
    std::vector<Statement> out;
    for_each_json_line(path, [&](const nlohmann::json & j, const std::string & where) {
        Statement s;
        s.id = required_string(j, "id", where);
        const std::string trait = required_string(j, "trait", where);
        const auto t = parse_trait(trait);
        if (!t || trait.size() == 1)
            throw Error(where + ": field 'trait' is '" + trait +
                        "'; use one of openness, conscientiousness, extraversion, agreeableness, neuroticism");
        s.trait = *t;
        s.key = required_key(j, where);
        s.statement = required_string(j, "statement", where);
        if (j.contains("opposite_of")) s.opposite_of = required_string(j, "opposite_of", where);
        out.push_back(std::move(s));
    });
    return out;
}

std::vector<Scenario> load_scenarios(const std::string & path) {
    std::vector<Scenario> out;
    for_each_json_line(path, [&](const nlohmann::json & j, const std::string & where) {
        Scenario s;
        s.id = required_string(j, "id", where);
        s.scenario = required_string(j, "scenario", where);
        s.action_a = required_string(j, "action_a", where);
        s.action_b = required_string(j, "action_b", where);
        s.direction = required_string(j, "direction", where);
        // Only one direction is written so the prompts need not branch; a file that wants
        // B to agree should swap its two actions instead.
        if (s.direction != "A=agree")
            throw Error(where + ": field 'direction' is '" + s.direction +
                        "'; write \"A=agree\" and put the action that agrees with the statement in action_a");
        out.push_back(std::move(s));
    });
    return out;
}

void validate_items(const Items & items, const std::string & where) {
    std::unordered_map<std::string, const Statement *> by_id;
    for (const Statement & s : items.statements)
        if (!by_id.emplace(s.id, &s).second) throw Error(where + ": statement id '" + s.id + "' appears twice");
    std::set<std::string> scenario_ids;
    for (const Scenario & sc : items.scenarios) {
        if (!scenario_ids.insert(sc.id).second) throw Error(where + ": scenario id '" + sc.id + "' appears twice");
        if (!by_id.count(sc.id)) throw Error(where + ": scenario '" + sc.id + "' has no statement with that id");
    }
    for (const Statement & s : items.statements) {
        if (!scenario_ids.count(s.id)) throw Error(where + ": statement '" + s.id + "' has no scenario; add one with the same id");
        if (s.opposite_of.empty()) continue;
        const auto it = by_id.find(s.opposite_of);
        if (it == by_id.end())
            throw Error(where + ": statement '" + s.id + "' names opposite_of '" + s.opposite_of + "', which does not exist");
        const Statement & o = *it->second;
        if (o.opposite_of != s.id)
            throw Error(where + ": opposite pairs must be symmetric: '" + s.id + "' names '" + o.id + "' but '" + o.id +
                        "' names '" + o.opposite_of + "'");
        if (o.trait != s.trait || o.key != -s.key)
            throw Error(where + ": opposite pair '" + s.id + "'/'" + o.id + "' must share a trait and have opposite keys");
    }
}

Items load_items(const std::string & statements_path, const std::string & scenarios_path) {
    Items items{load_statements(statements_path), load_scenarios(scenarios_path)};
    validate_items(items, statements_path + " + " + scenarios_path);
    // Scenarios in statement order, so index i of both vectors is the same item.
    std::unordered_map<std::string, Scenario> by_id;
    for (Scenario & sc : items.scenarios) by_id.emplace(sc.id, std::move(sc));
    items.scenarios.clear();
    for (const Statement & s : items.statements) items.scenarios.push_back(std::move(by_id.at(s.id)));
    return items;
}

Items load_items_dir(const std::string & dir) {
    return load_items(dir + "/statements.jsonl", dir + "/scenarios.jsonl");
}

// ---- prompts -------------------------------------------------------------------------------

std::string knowledge_prompt(const Statement & s, int variant) {
    const std::string st = quoted(s.statement);
    switch (variant) {
        case 0:  // statement first, scale ascending with every label
            return "Read the statement below and rate how much you agree that it describes you.\n\n"
                   "Statement: " + st + "\n\n"
                   "1 = strongly disagree\n2 = disagree\n3 = somewhat disagree\n4 = neither agree nor disagree\n"
                   "5 = somewhat agree\n6 = agree\n7 = strongly agree\n\n"
                   "Reply with a single number from 1 to 7.\nAnswer:";
        case 1:  // scale first and descending, so a model that always picks the first line is exposed
            return "Use this scale to say how well a statement fits you:\n"
                   "7 = strongly agree\n6 = agree\n5 = somewhat agree\n4 = neither agree nor disagree\n"
                   "3 = somewhat disagree\n2 = disagree\n1 = strongly disagree\n\n"
                   "Statement: " + st + "\n\nGive only the number.\nAnswer:";
        case 2:  // endpoints only
            return "On a scale from 1 (strongly disagree) to 7 (strongly agree), how much do you agree with this "
                   "statement about yourself?\n\n" + st + "\n\nRespond with one number only.\nAnswer:";
        case 3:  // question first, labels inline
            return "Does this statement describe you? " + st +
                   "\nChoose one: 1 strongly disagree, 2 disagree, 3 somewhat disagree, 4 neither agree nor disagree, "
                   "5 somewhat agree, 6 agree, 7 strongly agree.\nWrite just the number.\nAnswer:";
        case 4:  // prose, high end first, and a nudge toward describing the usual self
            return "Think about how you usually are, not how you would like to be, and consider this statement:\n"
                   + st + "\nAnswer 7 if you strongly agree, 6 if you agree, 5 if you somewhat agree, 4 if you "
                   "neither agree nor disagree, 3 if you somewhat disagree, 2 if you disagree and 1 if you strongly "
                   "disagree. Your reply must be a single number.\nAnswer:";
        default: break;
    }
    throw Error("knowledge prompt variant " + std::to_string(variant) + " does not exist; use 0.." +
                std::to_string(kKnowledgeVariants - 1));
}

std::string action_prompt(const Scenario & s, int variant, bool swap) {
    const std::string & a = swap ? s.action_b : s.action_a;
    const std::string & b = swap ? s.action_a : s.action_b;
    const std::string options = "A: " + a + "\nB: " + b + "\n";
    switch (variant) {
        case 0:
            return "Imagine yourself in this situation.\n\nSituation: " + s.scenario + "\n" + options +
                   "\nWhich would you do? Rate your choice:\n"
                   "1 = definitely A\n2 = probably A\n3 = slightly more likely A\n4 = equally likely\n"
                   "5 = slightly more likely B\n6 = probably B\n7 = definitely B\n\n"
                   "Reply with a single number from 1 to 7.\nAnswer:";
        case 1:
            return "Rate what you would do using this scale:\n"
                   "7 = definitely B\n6 = probably B\n5 = slightly more likely B\n4 = equally likely\n"
                   "3 = slightly more likely A\n2 = probably A\n1 = definitely A\n\n"
                   "Situation: " + s.scenario + "\n" + options + "\nGive only the number.\nAnswer:";
        case 2:
            return s.scenario + "\n" + options +
                   "\nOn a scale from 1 (I would definitely do A) to 7 (I would definitely do B), where 4 means "
                   "either is equally likely, what would you do? Respond with one number only.\nAnswer:";
        case 3:
            return "Which of these two actions would you take?\n" + options + "\nThe situation: " + s.scenario +
                   "\nChoose one: 1 definitely A, 2 probably A, 3 slightly more likely A, 4 equally likely, "
                   "5 slightly more likely B, 6 probably B, 7 definitely B.\nWrite just the number.\nAnswer:";
        case 4:
            return "Think about what you would really do, not what you think is best.\n" + s.scenario + "\n" + options +
                   "Answer 1 if you would certainly do A, 2 if A is likely, 3 if you lean towards A, 4 if you could "
                   "go either way, 5 if you lean towards B, 6 if B is likely and 7 if you would certainly do B. "
                   "Your reply must be a single number.\nAnswer:";
        default: break;
    }
    throw Error("action prompt variant " + std::to_string(variant) + " does not exist; use 0.." +
                std::to_string(kActionVariants - 1));
}

bool action_swap_for(int variant, int sample) { return ((variant + sample) % 2) != 0; }

// ---- parsing -------------------------------------------------------------------------------

std::optional<int> parse_likert(const std::string & response) {
    const std::vector<NumberToken> nums = standalone_numbers(response);
    std::vector<bool> skip(nums.size(), false);
    for (size_t i = 0; i + 1 < nums.size(); ++i)
        if (is_range_joiner(response.substr(nums[i].end, nums[i + 1].begin - nums[i].end)))
            skip[i] = skip[i + 1] = true;  // "1-7", "1 to 7": the scale, not the answer
    for (size_t i = 0; i < nums.size(); ++i) {
        if (skip[i] || ends_with_out_of(response.substr(0, nums[i].begin)) ||
            defines_label(response.substr(nums[i].end, 3)))
            continue;
        if (nums[i].decimal || nums[i].end - nums[i].begin > 1) return std::nullopt;
        const int v = response[nums[i].begin] - '0';
        if (v < 1 || v > 7) return std::nullopt;
        return v;
    }
    return leading_likert_label(response);
}

int action_to_agree_scale(int answer, bool swap) {
    if (answer < 1 || answer > 7)
        throw Error("action answer " + std::to_string(answer) + " is outside the scale 1..7");
    // Unswapped, option A is the agreeing action, so 1 (definitely A) is 7 on the agree scale.
    return swap ? answer : 8 - answer;
}

// ---- metrics -------------------------------------------------------------------------------

std::optional<double> cosine_similarity(std::span<const double> x, std::span<const double> y) {
    check_sizes(x, y, "cosine similarity");
    double xy = 0, xx = 0, yy = 0;
    for (size_t i = 0; i < x.size(); ++i) {
        xy += x[i] * y[i];
        xx += x[i] * x[i];
        yy += y[i] * y[i];
    }
    if (xx == 0 || yy == 0) return std::nullopt;
    return xy / std::sqrt(xx * yy);
}

std::optional<double> pearson_r(std::span<const double> x, std::span<const double> y) {
    check_sizes(x, y, "Pearson correlation");
    if (x.size() < 2) return std::nullopt;
    double mx = 0, my = 0;
    for (size_t i = 0; i < x.size(); ++i) {
        mx += x[i];
        my += y[i];
    }
    mx /= double(x.size());
    my /= double(y.size());
    std::vector<double> cx(x.size()), cy(y.size());
    for (size_t i = 0; i < x.size(); ++i) {
        cx[i] = x[i] - mx;
        cy[i] = y[i] - my;
    }
    return cosine_similarity(cx, cy);  // Pearson r is the cosine of the mean-centred vectors
}

std::vector<double> average_ranks(std::span<const double> x) {
    std::vector<size_t> order(x.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return x[a] < x[b]; });
    std::vector<double> ranks(x.size());
    for (size_t i = 0; i < order.size();) {
        size_t j = i;
        while (j + 1 < order.size() && x[order[j + 1]] == x[order[i]]) ++j;
        const double r = (double(i) + double(j)) / 2.0 + 1.0;  // mean of 1-based ranks i+1..j+1
        for (size_t k = i; k <= j; ++k) ranks[order[k]] = r;
        i = j + 1;
    }
    return ranks;
}

std::optional<double> spearman_rho(std::span<const double> x, std::span<const double> y) {
    check_sizes(x, y, "Spearman correlation");
    const std::vector<double> rx = average_ranks(x), ry = average_ranks(y);
    return pearson_r(rx, ry);  // with ties this, not 1 − 6Σd²/(n(n²−1)), is Spearman's ρ
}

double value_mean_difference(std::span<const double> x, std::span<const double> y) {
    check_sizes(x, y, "value mean difference");
    if (x.empty()) return 0;
    double s = 0;
    for (size_t i = 0; i < x.size(); ++i) s += std::fabs(x[i] - y[i]);
    return s / double(x.size());
}

double proportion_consistent_pairs(std::span<const double> x, std::span<const double> y, double tolerance) {
    check_sizes(x, y, "proportion of consistent pairs");
    if (x.empty()) return 0;
    size_t n = 0;
    // A hair of slack: means of repeated samples are not exact, and 5.2 vs 4.2 is one point.
    for (size_t i = 0; i < x.size(); ++i) n += std::fabs(x[i] - y[i]) <= tolerance + 1e-9;
    return double(n) / double(x.size());
}

double spearman_brown(double r) {
    if (!(r > -1.0 && r <= 1.0))
        throw Error("Spearman-Brown needs a half-test correlation in (-1, 1], got " + std::to_string(r));
    return 2.0 * r / (1.0 + r);
}

ConsistencyMetrics consistency_metrics(std::span<const double> knowledge, std::span<const double> action) {
    check_sizes(knowledge, action, "personality consistency");
    ConsistencyMetrics m;
    m.n = knowledge.size();
    std::vector<double> kc(knowledge.begin(), knowledge.end()), ac(action.begin(), action.end());
    for (double & v : kc) v -= kMidpoint;
    for (double & v : ac) v -= kMidpoint;
    m.cosine = cosine_similarity(kc, ac);
    m.spearman = spearman_rho(knowledge, action);
    m.vmd = value_mean_difference(knowledge, action);
    m.pcp = proportion_consistent_pairs(knowledge, action);
    return m;
}

// ---- reliability screen and the whole probe -------------------------------------------------

bool opposite_pair_consistent(double x, double y) { return std::fabs(x + y - 2.0 * kMidpoint) <= 1.0 + 1e-9; }

std::optional<double> logical_consistency(const std::vector<Statement> & statements,
                                          const std::map<std::string, double> & item_means) {
    size_t pairs = 0, consistent = 0;
    for (const Statement & s : statements) {
        if (s.opposite_of.empty() || s.id > s.opposite_of) continue;  // each pair once
        const auto x = item_means.find(s.id), y = item_means.find(s.opposite_of);
        if (x == item_means.end() || y == item_means.end()) continue;
        ++pairs;
        consistent += opposite_pair_consistent(x->second, y->second);
    }
    if (pairs == 0) return std::nullopt;
    return double(consistent) / double(pairs);
}

std::optional<double> split_half_r(const std::vector<Statement> & statements, std::span<const Answer> answers) {
    // Half (0 = odd position, 1 = even) and key of each item, by its position within its trait.
    std::unordered_map<std::string, std::pair<int, const Statement *>> half;
    std::map<Trait, int> position;
    for (const Statement & s : statements) half[s.id] = {position[s.trait]++ % 2, &s};
    // (run, trait) → per half: sum and count of trait-direction scores.
    std::map<std::pair<int, Trait>, std::array<std::pair<double, int>, 2>> cells;
    for (const Answer & a : answers) {
        if (!a.value) continue;
        const auto it = half.find(a.id);
        if (it == half.end()) continue;
        auto & cell = cells[{a.run, it->second.second->trait}][size_t(it->second.first)];
        cell.first += keyed(*a.value, it->second.second->key);
        ++cell.second;
    }
    std::vector<double> odd, even;
    for (const auto & [k, c] : cells) {
        if (c[0].second == 0 || c[1].second == 0) continue;
        odd.push_back(c[0].first / c[0].second);
        even.push_back(c[1].first / c[1].second);
    }
    if (odd.size() < 3) return std::nullopt;
    return pearson_r(odd, even);
}

namespace {

struct SideSummary {
    SideReliability reliability;
    std::map<std::string, double> means;  // per item, agree scale
    std::map<Trait, double> profile;
};

SideSummary summarise_side(const std::vector<Statement> & statements, std::span<const Answer> answers,
                           const char * side) {
    std::unordered_map<std::string, const Statement *> by_id;
    for (const Statement & s : statements) by_id[s.id] = &s;
    std::map<std::string, std::pair<double, int>> sums;
    size_t parsed = 0;
    for (const Answer & a : answers) {
        if (!by_id.count(a.id))
            throw Error(std::string(side) + " answer for unknown statement id '" + a.id +
                        "'; answers must use the ids of tasks/personality/statements.jsonl");
        if (!a.value) continue;
        if (*a.value < 1 || *a.value > 7)
            throw Error(std::string(side) + " answer " + std::to_string(*a.value) + " for '" + a.id +
                        "' is outside 1..7; pass parse_likert's result (and action_to_agree_scale for actions)");
        ++parsed;
        sums[a.id].first += *a.value;
        ++sums[a.id].second;
    }
    SideSummary out;
    out.reliability.parse_rate = answers.empty() ? 0.0 : double(parsed) / double(answers.size());
    std::map<Trait, std::pair<double, int>> trait_sums;
    for (const auto & [id, s] : sums) {
        const double m = s.first / s.second;
        out.means[id] = m;
        const Statement & st = *by_id.at(id);
        trait_sums[st.trait].first += keyed(m, st.key);
        ++trait_sums[st.trait].second;
    }
    for (const auto & [t, s] : trait_sums) out.profile[t] = s.first / s.second;
    out.reliability.logical_consistency = logical_consistency(statements, out.means);
    out.reliability.split_half_r = split_half_r(statements, answers);
    if (out.reliability.split_half_r && *out.reliability.split_half_r > -1.0)
        out.reliability.split_half = spearman_brown(*out.reliability.split_half_r);
    return out;
}

void screen_side(const SideReliability & r, const char * side, const ScreenThresholds & t,
                 std::vector<std::string> & reasons) {
    auto pct = [](double v) { return std::to_string(int(std::lround(v * 100))) + "%"; };
    if (r.parse_rate < t.min_parse_rate)
        reasons.push_back(std::string(side) + ": only " + pct(r.parse_rate) + " of responses gave a 1-7 answer (minimum " +
                          pct(t.min_parse_rate) + ")");
    if (r.logical_consistency && *r.logical_consistency < t.min_logical_consistency)
        reasons.push_back(std::string(side) + ": logical consistency " + pct(*r.logical_consistency) +
                          " of opposite pairs is below " + pct(t.min_logical_consistency));
    if (!r.split_half)
        reasons.push_back(std::string(side) + ": split-half reliability is undefined (answers do not vary across traits)");
    else if (*r.split_half < t.min_split_half)
        reasons.push_back(std::string(side) + ": split-half reliability " + fixed(*r.split_half, 2) +
                          " is below " + fixed(t.min_split_half, 2));
}

nlohmann::json opt(const std::optional<double> & v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); }

nlohmann::json side_json(const SideReliability & r, const std::map<Trait, double> & profile) {
    nlohmann::json p = nlohmann::json::object();
    for (const auto & [t, v] : profile) p[trait_name(t)] = v;
    return {{"parse_rate", r.parse_rate},
            {"logical_consistency", opt(r.logical_consistency)},
            {"split_half_r", opt(r.split_half_r)},
            {"split_half_spearman_brown", opt(r.split_half)},
            {"profile", p}};
}

}  // namespace

PersonalityResult score_personality(const std::vector<Statement> & statements, std::span<const Answer> knowledge,
                                    std::span<const Answer> action, const ScreenThresholds & thresholds) {
    const SideSummary k = summarise_side(statements, knowledge, "knowledge");
    const SideSummary a = summarise_side(statements, action, "action");
    std::vector<double> kv, av;
    for (const Statement & s : statements) {  // file order, items answered on both sides
        const auto ki = k.means.find(s.id), ai = a.means.find(s.id);
        if (ki == k.means.end() || ai == a.means.end()) continue;
        kv.push_back(ki->second);
        av.push_back(ai->second);
    }
    PersonalityResult r;
    r.metrics = consistency_metrics(kv, av);
    r.knowledge = k.reliability;
    r.action = a.reliability;
    r.knowledge_profile = k.profile;
    r.action_profile = a.profile;
    screen_side(r.knowledge, "knowledge", thresholds, r.reasons);
    // An inventory asked as self-report only (IPIP items have no action scenarios) has no action
    // side to screen, and no consistency to compute.
    r.knowledge_only = action.empty();
    if (!r.knowledge_only) screen_side(r.action, "action", thresholds, r.reasons);
    r.unreliable = !r.reasons.empty();
    return r;
}

nlohmann::json to_json(const PersonalityResult & r) {
    return {{"n_pairs", r.metrics.n},
            {"cosine", opt(r.metrics.cosine)},
            {"spearman", opt(r.metrics.spearman)},
            {"vmd", r.metrics.vmd},
            {"pcp", r.metrics.pcp},
            {"knowledge", side_json(r.knowledge, r.knowledge_profile)},
            {"action", side_json(r.action, r.action_profile)},
            {"unreliable", r.unreliable},
            {"knowledge_only", r.knowledge_only},
            {"reasons", r.reasons}};
}

nlohmann::json personality_reference() {
    return {{"source", "Ai et al. 2024, \"Is Self-knowledge and Action Consistent or Not: Investigating Large "
                       "Language Model's Personality\", ICML 2024, arXiv:2402.14679"},
            {"note", "the paper's own 180 item pairs and prompts; rightsize's items are its own, so compare "
                     "magnitudes, not exact values"},
            {"humans", {{"cosine", 0.76}, {"pcp", 0.847}}},
            {"llm_average", {{"cosine", 0.24}, {"pcp", 0.568}}}};
}

}  // namespace rightsize::personality
