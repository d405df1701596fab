// Character composition: the independent check of every generated gold answer, and the scoring
// of model answers (set precision/recall/F1, accuracy) with their aggregation.
#include "probes/charcomp.h"
#include <rightsize/error.h>
#include <rightsize/stats.h>

#include "charcomp_common.h"
#include "core/python_regex.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <unordered_set>


namespace rightsize {

using namespace charcomp_detail;

// ----------------------------------------------------------------------------------------------
// Gold check: every answer recomputed from the inputs with <algorithm> and regular expressions,
// never with the generator's loops, so a bug in one is caught by the other.

namespace {

char letter_input(const json & in, const char * key) {
    const std::string s = in.at(key).get<std::string>();
    if (s.size() != 1 || s[0] < 'a' || s[0] > 'z') throw Error(std::string("inputs.") + key + " is not one letter a-z");
    return s[0];
}

size_t position_input(const json & in, size_t len) {
    const size_t k = in.at("position").get<size_t>();
    if (k < 1 || k > len) throw Error("inputs.position " + std::to_string(k) + " is outside 1.." + std::to_string(len));
    return k;
}

size_t regex_count(const std::string & s, const std::string & pattern) {
    return PythonRegex(pattern).finditer(s).size();
}

bool regex_search(const std::string & s, const std::string & pattern) { return PythonRegex(pattern).search(s).has_value(); }

bool mentions(const std::string & question, const std::string & text) { return question.find(text) != std::string::npos; }

// The family checks: each returns the reason the instance is wrong, or "" with `gold` set to the
// answer recomputed from the inputs.

// Retrieval: the list's items that hold the letter or word as the subtask asks.
std::string check_retrieval(const json & in, const std::string & subtask, bool chars, const std::string & q, json & gold) {
    const Words items = in.at(chars ? "words" : "sentences");
    const std::string unit = chars ? std::string(1, letter_input(in, "char")) : in.at("word").get<std::string>();
    if (!mentions(q, "'" + unit + "'")) return "question does not name '" + unit + "'";
    const size_t k = subtask == "retrieve_position" ? in.at("position").get<size_t>() : 0;
    Words hits;
    for (size_t i = 0; i < items.size(); ++i) {
        const std::string & item = items[i];
        if (!mentions(q, chars ? item : std::to_string(i + 1) + ". " + item)) return "question does not list '" + item + "'";
        bool hit = false;
        if (chars) {
            const auto n = size_t(std::count(item.begin(), item.end(), unit[0]));
            if (subtask == "retrieve_contains") hit = n > 0;
            else if (subtask == "retrieve_position") hit = regex_search(item, "^.{" + std::to_string(k - 1) + "}" + unit);
            else hit = n == in.at("count").get<size_t>();
        } else {
            const Words toks = split_ws(item);
            if (subtask == "retrieve_contains") hit = regex_search(item, "(^| )" + unit + "( |$)");
            else if (subtask == "retrieve_position") hit = toks.size() >= k && toks[k - 1] == unit;
            else hit = size_t(std::count(toks.begin(), toks.end(), unit)) == in.at("count").get<size_t>();
        }
        if (hit) hits.push_back(chars ? item : std::to_string(i + 1));
    }
    if (hits.empty()) return "no item matches (the generator guarantees at least one)";
    gold = hits;
    return "";
}

// The other families at the character level: the word edited, reordered or counted in.
std::string check_char_edit(const json & in, const json & answer, const std::string & subtask, const std::string & q, json & gold) {
    const std::string w = in.at("word");
    if (!is_az_word(w)) return "inputs.word is not a lower-case a-z word";
    if (!mentions(q, "'" + w + "'")) return "question does not name the word";
    std::string g = w;
    if (subtask == "insert_position") {
        g.insert(position_input(in, w.size()), 1, letter_input(in, "char"));
    } else if (subtask == "delete_all") {
        g.erase(std::remove(g.begin(), g.end(), letter_input(in, "char")), g.end());
        if (g.size() == w.size() || g.empty()) return "the letter to delete is absent or makes up the whole word";
    } else if (subtask == "delete_position") {
        g.erase(position_input(in, w.size()) - 1, 1);
    } else if (subtask == "replace_all") {
        const char c = letter_input(in, "char"), d = letter_input(in, "new_char");
        if (c == d || std::count(w.begin(), w.end(), c) == 0) return "replace_all: letter absent or replaced by itself";
        std::replace(g.begin(), g.end(), c, d);
    } else if (subtask == "replace_position") {
        const size_t k = position_input(in, w.size());
        const char d = letter_input(in, "new_char");
        if (g[k - 1] == d) return "replace_position: letter replaced by itself";
        g[k - 1] = d;
    } else if (subtask == "reverse") {
        g.clear();
        std::reverse_copy(w.begin(), w.end(), std::back_inserter(g));
    } else if (subtask == "anagram") {
        g = answer.get<std::string>();
        if (g == w || !std::is_permutation(g.begin(), g.end(), w.begin(), w.end()))
            return "answer is not a different arrangement of the word's letters";
    } else if (subtask == "count_char") {
        gold = std::count(w.begin(), w.end(), letter_input(in, "char"));
    } else if (subtask == "count_vowels") {
        gold = regex_count(w, "[aeiou]");
    } else {
        gold = regex_count(w, "[b-df-hj-np-tv-z]");
    }
    if (gold.is_null()) gold = g;
    return "";
}

// The other families at the token level: the sentence's words edited, reordered or counted.
std::string check_word_edit(const json & in, const json & answer, const std::string & subtask, const std::string & q, json & gold) {
    const std::string sentence = in.at("sentence");
    const Words s = split_ws(sentence);
    if (s.size() < 2 || join(s, " ") != sentence) return "inputs.sentence is not 2+ single-spaced words";
    if (!mentions(q, "Sentence: " + sentence)) return "question does not quote the sentence";
    Words g = s;
    auto word_input = [&](const char * key) { return in.at(key).get<std::string>(); };
    if (subtask == "insert_position") {
        g.insert(g.begin() + std::ptrdiff_t(position_input(in, s.size())), word_input("word"));
    } else if (subtask == "delete_all") {
        g.erase(std::remove(g.begin(), g.end(), word_input("word")), g.end());
        if (g.size() == s.size() || g.empty()) return "the word to delete is absent or makes up the whole sentence";
    } else if (subtask == "delete_position") {
        g.erase(g.begin() + std::ptrdiff_t(position_input(in, s.size()) - 1));
    } else if (subtask == "replace_all") {
        const std::string x = word_input("word"), y = word_input("new_word");
        if (x == y || std::count(s.begin(), s.end(), x) == 0) return "replace_all: word absent or replaced by itself";
        std::replace(g.begin(), g.end(), x, y);
    } else if (subtask == "replace_position") {
        const size_t k = position_input(in, s.size());
        if (g[k - 1] == word_input("new_word")) return "replace_position: word replaced by itself";
        g[k - 1] = word_input("new_word");
    } else if (subtask == "reverse") {
        std::reverse(g.begin(), g.end());
    } else if (subtask == "anagram") {
        g = split_ws(answer.get<std::string>());
        if (g == s || !std::is_permutation(g.begin(), g.end(), s.begin(), s.end()))
            return "answer is not a different arrangement of the sentence's words";
    } else if (subtask == "count_word") {
        gold = std::count(s.begin(), s.end(), word_input("word"));
    } else {
        gold = regex_count(sentence, "[a-z]+");
    }
    if (gold.is_null()) gold = join(g, " ");
    return "";
}

// The reason the instance is wrong, or "" when it is right.
std::string check_instance(const json & doc) {
    const std::string family = doc.at("family"), subtask = doc.at("subtask"), level = doc.at("level");
    if (!contains(charcomp_subtasks(family, level), subtask))
        return "subtask '" + subtask + "' is not part of family '" + family + "' at level '" + level + "'";
    if (doc.at("answer_type") != answer_type_of(subtask)) return "answer_type does not match subtask " + subtask;
    if (doc.at("id").get<std::string>().empty()) return "empty id";
    const json & in = doc.at("inputs");
    const json & answer = doc.at("answer");
    const std::string q = doc.at("question");
    const bool has_pos = in.contains("position");
    if (has_pos && !mentions(q, ordinal(in.at("position").get<size_t>()) + " ")) return "question does not give the position";
    json gold;
    const std::string why = family == "retrieval" ? check_retrieval(in, subtask, level == "char", q, gold)
                            : level == "char"     ? check_char_edit(in, answer, subtask, q, gold)
                                                  : check_word_edit(in, answer, subtask, q, gold);
    if (!why.empty()) return why;
    if (answer != gold) return "answer " + answer.dump() + " differs from the recomputed " + gold.dump();
    return "";
}

}  // namespace

bool verify_charcomp_instance(const json & doc, std::string * why) {
    std::string reason;
    try {
        reason = check_instance(doc);
    } catch (const std::exception & e) {
        reason = std::string("malformed instance: ") + e.what();
    }
    if (reason.empty()) return true;
    if (why) {
        const bool named = doc.is_object() && doc.contains("id") && doc["id"].is_string();
        *why = (named ? doc["id"].get<std::string>() : std::string("instance")) + ": " + reason;
    }
    return false;
}

// ----------------------------------------------------------------------------------------------
// Scoring

namespace {

const char * kEdge = " \t\r\"'`.,;:!?*()[]{}<>";

std::string lower(std::string s) {
    for (char & c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::string trim_edges(const std::string & s) {
    const size_t b = s.find_first_not_of(kEdge);
    if (b == std::string::npos) return "";
    return s.substr(b, s.find_last_not_of(kEdge) - b + 1);
}

// The first line with content, lower-cased, without an "answer:" label and surrounding quotes or
// punctuation, inner whitespace collapsed. A bare "Answer:" line defers to the next line.
std::string answer_line(const std::string & response) {
    std::istringstream in(response);
    std::string line;
    while (std::getline(in, line)) {
        std::string s = trim_edges(lower(line));
        if (s.rfind("answer:", 0) == 0) s = trim_edges(s.substr(7));
        if (!s.empty()) return join(split_ws(s), " ");
    }
    return "";
}

// Words of a line split on whitespace and commas, each without surrounding punctuation.
Words line_words(const std::string & line) {
    std::string spaced = line;
    std::replace_if(spaced.begin(), spaced.end(), [](char c) { return c == ',' || c == ';' || c == '/'; }, ' ');
    Words out;
    for (const std::string & t : split_ws(spaced))
        if (const std::string w = trim_edges(t); !w.empty()) out.push_back(w);
    return out;
}

// The first integer of the response in reading order: digits, or a number word up to twenty
// ("There are three 'r's" → 3).
std::optional<long long> first_number(const std::string & response) {
    static const Words names = {"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
                                "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
                                "eighteen", "nineteen", "twenty"};
    std::string spaced = lower(response);
    std::replace_if(spaced.begin(), spaced.end(), [](char c) { return !std::isalnum(static_cast<unsigned char>(c)); }, ' ');
    for (const std::string & t : split_ws(spaced)) {
        if (t.size() <= 9 && all_digits(t)) return std::stoll(t);
        if (const auto it = std::find(names.begin(), names.end(), t); it != names.end()) return it - names.begin();
    }
    return std::nullopt;
}

json prf(const std::set<std::string> & gold, const std::set<std::string> & pred) {
    if (gold.empty() && pred.empty()) return {{"precision", 1.0}, {"recall", 1.0}, {"f1", 1.0}};
    size_t tp = 0;
    for (const std::string & p : pred) tp += gold.count(p);
    const double p = pred.empty() ? 0.0 : double(tp) / double(pred.size());
    const double r = gold.empty() ? 0.0 : double(tp) / double(gold.size());
    return {{"precision", p}, {"recall", r}, {"f1", p + r > 0 ? 2 * p * r / (p + r) : 0.0}};
}

}  // namespace

json score_charcomp(const json & doc, const std::string & response) {
    try {
        const std::string type = doc.at("answer_type"), level = doc.at("level");
        const json & in = doc.at("inputs");
        const json & gold = doc.at("answer");
        json out = {{"family", doc.at("family")}, {"level", level}, {"subtask", doc.at("subtask")}};
        const std::string line = answer_line(response);
        const bool token = level == "token";
        if (type == "set") {
            std::set<std::string> pred;
            if (token) {  // sentence numbers: every digit run is one
                static const PythonRegex digits("[0-9]+");
                for (const auto & m : digits.finditer(line)) pred.insert(std::to_string(std::stoull(m.str().substr(0, 9))));
            } else {
                // Connectives and "none" are not claims, unless the list itself holds them.
                const Words listed = in.at("words");
                for (const std::string & w : line_words(line))
                    if (contains(listed, w) || (w != "and" && w != "or" && w != "none")) pred.insert(w);
            }
            out["parsed"] = pred;
            out.update(prf(gold.get<std::set<std::string>>(), pred));
        } else if (type == "count") {
            const auto n = first_number(response);
            out["parsed"] = n ? json(*n) : json(nullptr);
            out["acc"] = n && *n == gold.get<long long>() ? 1.0 : 0.0;
        } else if (token) {  // sentences compare word by word, commas and end punctuation ignored
            const Words got = line_words(line);
            out["parsed"] = join(got, " ");
            const Words want = split_ws(type == "anagram" ? in.at("sentence").get<std::string>() : gold.get<std::string>());
            const bool ok = type == "anagram" ? got != want && std::is_permutation(got.begin(), got.end(), want.begin(), want.end())
                                              : got == want;
            out["acc"] = ok ? 1.0 : 0.0;
        } else {
            out["parsed"] = line;
            bool ok = line == gold.get<std::string>();
            if (type == "anagram") {
                const std::string w = in.at("word");
                ok = line != w && std::is_permutation(line.begin(), line.end(), w.begin(), w.end());
            }
            out["acc"] = ok ? 1.0 : 0.0;
        }
        return out;
    } catch (const json::exception & e) {
        throw Error("score_charcomp: instance " + doc.value("id", std::string("?")) + " is malformed (" + e.what() +
                    "); score instances made by generate_charcomp");
    }
}

json aggregate_charcomp(std::span<const json> scored) {
    struct Cell {
        std::vector<double> p, r, f1, acc;
    };
    const auto & fams = family_table();
    std::map<std::pair<size_t, size_t>, Cell> cells;  // (family index, level index): canonical order
    for (size_t i = 0; i < scored.size(); ++i) {
        const json & s = scored[i];
        const auto fam = std::find_if(fams.begin(), fams.end(), [&](const Family & f) { return s.value("family", "") == f.name; });
        const auto lvl = std::find(kLevels.begin(), kLevels.end(), s.value("level", ""));
        if (fam == fams.end() || lvl == kLevels.end() || !(s.contains("f1") || s.contains("acc")))
            throw Error("aggregate_charcomp: scored[" + std::to_string(i) + "] lacks a known family, level or metric; "
                        "pass the results of score_charcomp");
        Cell & c = cells[{size_t(fam - fams.begin()), size_t(lvl - kLevels.begin())}];
        if (s.contains("f1")) {
            c.p.push_back(s.at("precision"));
            c.r.push_back(s.at("recall"));
            c.f1.push_back(s.at("f1"));
        } else {
            c.acc.push_back(s.at("acc"));
        }
    }
    auto stderr_of = [](const std::vector<double> & v) { return stddev(v) / std::sqrt(double(v.size())); };
    json groups = json::array(), levels = json::object();
    std::map<size_t, std::vector<double>> level_main;
    for (const auto & [key, c] : cells) {
        json g = {{"family", fams[key.first].name}, {"level", kLevels[key.second]}, {"n", c.f1.size() + c.acc.size()}};
        if (!c.f1.empty()) {
            g["precision"] = mean(c.p);
            g["recall"] = mean(c.r);
            g["f1"] = mean(c.f1);
            g["f1_stderr"] = stderr_of(c.f1);
        }
        if (!c.acc.empty()) {
            g["acc"] = mean(c.acc);
            g["acc_stderr"] = stderr_of(c.acc);
        }
        level_main[key.second].push_back(c.f1.empty() ? mean(c.acc) : mean(c.f1));
        groups.push_back(g);
    }
    for (const auto & [l, v] : level_main) levels[kLevels[l]] = {{"score", mean(v)}, {"families", v.size()}};
    json out = {{"groups", groups}, {"levels", levels}};
    if (levels.contains("char") && levels.contains("token"))
        out["gap"] = levels["char"]["score"].get<double>() - levels["token"]["score"].get<double>();
    return out;
}

json charcomp_reference() {
    return {
        {"paper", "Shin & Kaneko 2024, Large Language Models Lack Understanding of Character Composition of Words, "
                  "arXiv 2405.11357"},
        {"human", {{"f1_min", 0.97}, {"f1_max", 1.0},
                   {"source", "rightsize GUIDE §3 (\"Paper's human F1 ≈ 0.97-1.0\"); not checked against the paper's tables"}}},
        {"models", json::array()},
        {"note", "The paper's abstract states that most LLMs examined fail to reliably carry out simple character-level "
                 "tasks that humans handle with perfection, in contrast with their token-level performance. Its per-model "
                 "tables could not be retrieved and verified when this module was written, so no model figures are given."},
    };
}

}  // namespace rightsize
