// What the character-composition generator (charcomp.cpp) and its checker and scorer
// (charcomp_score.cpp) share: the family table and small word helpers.
#pragma once

#include <nlohmann/json.hpp>

#include <algorithm>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

namespace rightsize::charcomp_detail {

using Words = std::vector<std::string>;
using nlohmann::json;

struct Family {
    const char * name;
    Words char_subtasks, token_subtasks;
};

// Canonical order: generation, aggregation and reports all follow it.
inline const std::vector<Family> & family_table() {
    static const std::vector<Family> table = {
        {"retrieval", {"retrieve_contains", "retrieve_position", "retrieve_count"},
         {"retrieve_contains", "retrieve_position", "retrieve_count"}},
        {"insert", {"insert_position"}, {"insert_position"}},
        {"delete", {"delete_all", "delete_position"}, {"delete_all", "delete_position"}},
        {"replace", {"replace_all", "replace_position"}, {"replace_all", "replace_position"}},
        {"reorder", {"anagram", "reverse"}, {"anagram", "reverse"}},
        // Vowels and consonants have no word-level analogue; counting all words mirrors them.
        {"count", {"count_char", "count_vowels", "count_consonants"}, {"count_word", "count_words"}},
    };
    return table;
}
inline const Words kLevels = {"char", "token"};

inline std::string answer_type_of(const std::string & subtask) {
    if (subtask.rfind("retrieve_", 0) == 0) return "set";
    if (subtask == "anagram") return "anagram";
    if (subtask.rfind("count_", 0) == 0) return "count";
    return "string";
}

inline bool all_digits(const std::string & s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return c >= '0' && c <= '9'; });
}

inline bool is_az_word(const std::string & w) {
    return !w.empty() && std::all_of(w.begin(), w.end(), [](char c) { return c >= 'a' && c <= 'z'; });
}

inline bool contains(const Words & v, const std::string & x) { return std::find(v.begin(), v.end(), x) != v.end(); }

inline std::string join(const Words & v, const std::string & sep) {
    std::string out;
    for (size_t i = 0; i < v.size(); ++i) out += (i ? sep : "") + v[i];
    return out;
}

inline Words split_ws(const std::string & s) {
    std::istringstream in(s);
    return Words(std::istream_iterator<std::string>(in), std::istream_iterator<std::string>());
}

inline std::string ordinal(size_t k) {
    const size_t t = k % 100, u = k % 10;
    const char * suffix = (t >= 11 && t <= 13) ? "th" : u == 1 ? "st" : u == 2 ? "nd" : u == 3 ? "rd" : "th";
    return std::to_string(k) + suffix;
}


}  // namespace rightsize::charcomp_detail
