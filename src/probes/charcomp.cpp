#include "probes/charcomp.h"
#include <rightsize/error.h>
#include <rightsize/stats.h>

#include "charcomp_common.h"

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

namespace {

using namespace charcomp_detail;

std::string times(size_t n) { return std::to_string(n) + (n == 1 ? " time" : " times"); }

// ----------------------------------------------------------------------------------------------
// Randomness: the suite must be identical on every platform, so no std:: distributions.

class Rng {
public:
    explicit Rng(uint64_t seed) : engine_(seed) {}
    // Uniform in [0, n): rejecting the lowest 2^64 mod n raw values leaves a multiple of n.
    size_t below(size_t n) {
        const uint64_t bound = n, threshold = (0 - bound) % bound;
        for (;;) {
            const uint64_t r = engine_();
            if (r >= threshold) return size_t(r % bound);
        }
    }

private:
    std::mt19937_64 engine_;
};

// One stream per (level, subtask): FNV-1a of the name, mixed with the seed by splitmix64.
uint64_t stream_seed(uint64_t seed, const std::string & name) {
    uint64_t h = 1469598103934665603ull;
    for (unsigned char c : name) h = (h ^ c) * 1099511628211ull;
    uint64_t z = seed ^ h;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

// ----------------------------------------------------------------------------------------------
// Generator. Sequences are std::string (letters of a word) or Words (words of a sentence), so one
// template writes each operation once for both levels; these loops are deliberately plain, and
// the checker below recomputes every answer with <algorithm> and regular expressions instead.

constexpr size_t kSentencePool = 6;   // distinct words a token-level sentence is drawn from
constexpr size_t kRetrievalPool = 8;  // same, for the sentences of a token-level retrieval
constexpr size_t kMinWords = 20;

struct Instance {
    std::string question;
    json inputs = json::object();
    json answer;
};

struct Gen {
    const Words & words;
    const CharcompOptions & o;
    Rng rng;

    const std::string & word() { return words[rng.below(words.size())]; }
    Words distinct_words(size_t k) {
        std::set<size_t> taken;
        Words out;
        while (out.size() < k) {
            const size_t i = rng.below(words.size());
            if (taken.insert(i).second) out.push_back(words[i]);
        }
        return out;
    }
    char letter_other_than(char c) {
        const char d = char('a' + rng.below(25));
        return d >= c ? char(d + 1) : d;
    }
    std::string word_not_in(const Words & avoid) {
        for (;;) {
            const std::string & w = word();
            if (std::find(avoid.begin(), avoid.end(), w) == avoid.end()) return w;
        }
    }
    // Words repeat within a sentence (drawn with replacement from a small pool) the way letters
    // repeat within a word, so "every occurrence" and "exactly n times" mean something.
    Words sentence(const Words & pool) {
        const size_t n = o.sentence_min + rng.below(o.sentence_max - o.sentence_min + 1);
        Words s;
        for (size_t i = 0; i < n; ++i) s.push_back(pool[rng.below(pool.size())]);
        return s;
    }
};

std::string render(const std::string & s) { return s; }
std::string render(const Words & s) { return join(s, " "); }
std::string unit_text(char c) { return std::string(1, c); }
std::string unit_text(const std::string & w) { return w; }

template <class Seq> bool two_kinds(const Seq & s) {
    for (size_t i = 1; i < s.size(); ++i)
        if (s[i] != s[0]) return true;
    return false;
}
template <class Seq, class Unit> size_t occurrences(const Seq & s, const Unit & u) {
    size_t n = 0;
    for (const auto & x : s) n += (x == u);
    return n;
}

// How a level words its questions and names its inputs: a letter of "the word 'stone'", or a
// word of "the sentence below" followed by the sentence.
struct Frame {
    std::string unit, whole, result, tail, whole_key, unit_key, new_key;
};
Frame char_frame(const std::string & w) {
    return {"letter", "the word '" + w + "'", "word", "", "word", "char", "new_char"};
}
Frame token_frame(const Words & s) {
    return {"word", "the sentence below", "sentence", "\nSentence: " + join(s, " "), "sentence", "word", "new_word"};
}

// insert, delete, replace, reorder and count_char/count_word on one sequence. `fresh(u)` gives a
// unit different from u (a letter, or a list word outside the sentence's pool). nullopt: the drawn
// sequence does not suit the subtask; the caller draws again.
template <class Seq, class Fresh>
std::optional<Instance> make_edit(Gen & g, const std::string & st, const Seq & s, const Frame & f, Fresh fresh) {
    using Unit = typename Seq::value_type;
    Instance in;
    in.inputs[f.whole_key] = render(s);
    const size_t k = 1 + g.rng.below(s.size());
    const Unit at = s[k - 1];
    const std::string at_q = "'" + unit_text(at) + "'";
    Seq out;
    std::string answer_as = "the resulting " + f.result + " only";
    if (st == "insert_position") {
        const Unit x = fresh(at);
        for (size_t i = 0; i < s.size(); ++i) {
            out.push_back(s[i]);
            if (i + 1 == k) out.push_back(x);
        }
        in.inputs[f.unit_key] = unit_text(x);
        in.inputs["position"] = k;
        in.question = "Insert the " + f.unit + " '" + unit_text(x) + "' into " + f.whole + " directly after its " +
                      ordinal(k) + " " + f.unit + ".";
        answer_as = "the new " + f.result + " only";
    } else if (st == "delete_all") {
        if (!two_kinds(s)) return std::nullopt;  // the answer would be empty
        for (const Unit & u : s)
            if (u != at) out.push_back(u);
        in.inputs[f.unit_key] = unit_text(at);
        in.question = "Delete every occurrence of the " + f.unit + " " + at_q + " from " + f.whole + ".";
    } else if (st == "delete_position") {
        for (size_t i = 0; i < s.size(); ++i)
            if (i + 1 != k) out.push_back(s[i]);
        in.inputs["position"] = k;
        in.question = "Delete the " + ordinal(k) + " " + f.unit + " of " + f.whole + ".";
    } else if (st == "replace_all" || st == "replace_position") {
        const Unit x = fresh(at);
        const bool all = st == "replace_all";
        for (size_t i = 0; i < s.size(); ++i) out.push_back((all ? s[i] == at : i + 1 == k) ? x : s[i]);
        in.inputs[f.new_key] = unit_text(x);
        if (all) {
            in.inputs[f.unit_key] = unit_text(at);
            in.question = "Replace every occurrence of the " + f.unit + " " + at_q + " in " + f.whole +
                          " with the " + f.unit + " '" + unit_text(x) + "'.";
        } else {
            in.inputs["position"] = k;
            in.question = "Replace the " + ordinal(k) + " " + f.unit + " of " + f.whole + " with the " + f.unit +
                          " '" + unit_text(x) + "'.";
        }
    } else if (st == "anagram") {
        if (!two_kinds(s)) return std::nullopt;  // no different arrangement exists
        out = s;
        std::next_permutation(out.begin(), out.end());  // wraps to sorted order: still different
        in.question = "Rearrange the " + f.unit + "s of " + f.whole + " into a different order, using every " + f.unit +
                      " exactly as many times as it appears. The result does not need to be a real " + f.result + ".";
        answer_as = "the rearranged " + f.result + " only";
    } else if (st == "reverse") {
        for (size_t i = s.size(); i-- > 0;) out.push_back(s[i]);
        if (out == s) return std::nullopt;  // a palindrome: echoing the input would score
        in.question = "Write the " + f.unit + "s of " + f.whole + " in reverse order.";
        answer_as = "the reversed " + f.result + " only";
    } else {  // count_char / count_word; a quarter ask about a unit that may be absent (answer 0)
        const Unit u = g.rng.below(4) == 0 ? fresh(at) : at;
        in.inputs[f.unit_key] = unit_text(u);
        in.question = "How many times does the " + f.unit + " '" + unit_text(u) + "' appear in " + f.whole + "?";
        in.question += f.tail + "\nAnswer with a number.";
        in.answer = occurrences(s, u);
        return in;
    }
    in.question += f.tail + "\nAnswer with " + answer_as + ".";
    in.answer = render(out);
    return in;
}

// Retrieval: which items (words, or numbered sentences) contain a unit / have it at position k /
// contain it exactly n times. The unit is taken from one item, so the answer is never empty.
template <class Seq>
Instance make_retrieval(Gen & g, const std::string & st, const std::vector<Seq> & items, const Words & labels,
                        const std::string & unit, const std::string & listing, const std::string & noun,
                        const std::string & answer_as) {
    const Seq & anchor = items[g.rng.below(items.size())];
    const size_t k = 1 + g.rng.below(anchor.size());
    const auto u = anchor[k - 1];
    const size_t n = occurrences(anchor, u);
    Instance in;
    std::string cond = "contain the " + unit + " '" + unit_text(u) + "'";
    if (st == "retrieve_position") {
        cond = "have the " + unit + " '" + unit_text(u) + "' as their " + ordinal(k) + " " + unit;
        in.inputs["position"] = k;
    } else if (st == "retrieve_count") {
        cond += " exactly " + times(n);
        in.inputs["count"] = n;
    }
    Words hits;
    for (size_t i = 0; i < items.size(); ++i) {
        const Seq & it = items[i];
        const bool hit = st == "retrieve_contains"   ? occurrences(it, u) > 0
                         : st == "retrieve_position" ? it.size() >= k && it[k - 1] == u
                                                     : occurrences(it, u) == n;
        if (hit) hits.push_back(labels[i]);
    }
    in.inputs[unit == "letter" ? "char" : "word"] = unit_text(u);
    in.question = "Which of the following " + noun + " " + cond + "?\n" + listing + "\nAnswer with " + answer_as +
                  " separated by commas, or 'none' if no " + noun.substr(0, noun.size() - 1) + " matches.";
    in.answer = hits;
    return in;
}

std::optional<Instance> make_char(Gen & g, const std::string & st) {
    if (st.rfind("retrieve_", 0) == 0) {
        const Words ws = g.distinct_words(g.o.retrieval_items);
        Instance in = make_retrieval(g, st, ws, ws, "letter", "Words: " + join(ws, ", "), "words", "the matching words");
        in.inputs["words"] = ws;
        return in;
    }
    const std::string w = g.word();
    auto fresh = [&](char c) { return g.letter_other_than(c); };
    if (st == "count_vowels" || st == "count_consonants") {
        size_t vowels = 0;
        for (char c : w) {
            switch (c) {
                case 'a': case 'e': case 'i': case 'o': case 'u': ++vowels; break;
                default: break;
            }
        }
        Instance in;
        in.inputs["word"] = w;
        in.question = st == "count_vowels"
                          ? "How many vowels (a, e, i, o, u) does the word '" + w + "' contain? Count every occurrence."
                          : "How many consonants (letters other than a, e, i, o, u; y counts as a consonant) does the "
                            "word '" + w + "' contain? Count every occurrence.";
        in.question += "\nAnswer with a number.";
        in.answer = st == "count_vowels" ? vowels : w.size() - vowels;
        return in;
    }
    return make_edit(g, st, w, char_frame(w), fresh);
}

std::optional<Instance> make_token(Gen & g, const std::string & st) {
    if (st.rfind("retrieve_", 0) == 0) {
        const Words pool = g.distinct_words(kRetrievalPool);
        std::vector<Words> sentences;
        Words labels, rendered;
        std::string listing;
        for (size_t i = 0; i < g.o.retrieval_items; ++i) {
            sentences.push_back(g.sentence(pool));
            labels.push_back(std::to_string(i + 1));
            rendered.push_back(join(sentences.back(), " "));
            listing += (i ? "\n" : "") + labels.back() + ". " + rendered.back();
        }
        Instance in = make_retrieval(g, st, sentences, labels, "word", listing, "sentences",
                                     "the numbers of the matching sentences");
        in.inputs["sentences"] = rendered;
        return in;
    }
    const Words pool = g.distinct_words(kSentencePool);
    const Words s = g.sentence(pool);
    if (st == "count_words") {
        Instance in;
        in.inputs["sentence"] = join(s, " ");
        in.question = "How many words are in the sentence below?\nSentence: " + join(s, " ") + "\nAnswer with a number.";
        in.answer = s.size();
        return in;
    }
    auto fresh = [&](const std::string &) { return g.word_not_in(pool); };
    return make_edit(g, st, s, token_frame(s), fresh);
}


}  // namespace

// ----------------------------------------------------------------------------------------------
// Word list

std::vector<std::string> load_word_list(const std::string & path, const WordListOptions & o) {
    std::ifstream in(path);
    if (!in) throw Error("cannot read word list " + path + ": check the path (e.g. /usr/share/dict/words from the "
                         "Debian package wamerican, or wordfreq_en/en_50k.txt)");
    std::unordered_set<std::string> allowed;
    if (!o.dictionary.empty()) {
        WordListOptions d = o;
        d.dictionary.clear();
        d.max_words = 0;  // the cap applies to the result, not to the dictionary
        const Words dict = load_word_list(o.dictionary, d);
        allowed.insert(dict.begin(), dict.end());
    }
    enum class Format { Unknown, Dictionary, Frequency } format = Format::Unknown;
    size_t format_line = 0, line_no = 0;
    std::string line;
    Words out;
    std::unordered_set<std::string> seen;
    while (std::getline(in, line)) {
        ++line_no;
        const Words fields = split_ws(line);
        if (fields.empty()) continue;
        if (format == Format::Unknown) {
            format_line = line_no;
            if (fields.size() == 1) format = Format::Dictionary;
            else if (fields.size() == 2 && all_digits(fields[1])) format = Format::Frequency;
            else throw Error("word list " + path + " line " + std::to_string(line_no) + ": expected 'word' (dictionary) "
                             "or 'word count' (frequency list), got '" + line + "'");
        } else if (format == Format::Dictionary && fields.size() != 1) {
            throw Error("word list " + path + " line " + std::to_string(line_no) + ": expected one word per line (a "
                        "dictionary, detected from line " + std::to_string(format_line) + "), got '" + line + "'");
        } else if (format == Format::Frequency && (fields.size() != 2 || !all_digits(fields[1]))) {
            throw Error("word list " + path + " line " + std::to_string(line_no) + ": expected 'word count' (a "
                        "frequency list, detected from line " + std::to_string(format_line) + "), got '" + line + "'");
        }
        const std::string & w = fields[0];
        if (w.size() < o.min_len || w.size() > o.max_len || !is_az_word(w)) continue;
        if (!allowed.empty() && !allowed.count(w)) continue;
        if (seen.insert(w).second) out.push_back(w);
        if (o.max_words && out.size() == o.max_words) break;
    }
    if (out.empty())
        throw Error("word list " + path + " has no lower-case a-z word of " + std::to_string(o.min_len) + "-" +
                    std::to_string(o.max_len) + " letters" + (o.dictionary.empty() ? "" : " that is also in " + o.dictionary));
    return out;
}

// ----------------------------------------------------------------------------------------------
// Generation

std::vector<std::string> charcomp_subtasks(const std::string & family, const std::string & level) {
    for (const Family & f : family_table())
        if (family == f.name) return level == "char" ? f.char_subtasks : level == "token" ? f.token_subtasks : Words{};
    return {};
}

std::vector<json> generate_charcomp(const std::vector<std::string> & words_in, const CharcompOptions & o) {
    Words words;
    std::unordered_set<std::string> seen;
    for (const std::string & w : words_in) {
        if (!is_az_word(w)) throw Error("charcomp word list: '" + w + "' is not a lower-case a-z word; load the list "
                                        "with load_word_list, which filters such entries");
        if (seen.insert(w).second) words.push_back(w);
    }
    if (words.size() < kMinWords)
        throw Error("charcomp needs at least " + std::to_string(kMinWords) + " distinct words, got " +
                    std::to_string(words.size()) + "; use a larger word list");
    if (o.retrieval_items < 2 || o.retrieval_items > words.size() / 2)
        throw Error("charcomp option retrieval_items must be between 2 and half the word list (" +
                    std::to_string(words.size() / 2) + "), got " + std::to_string(o.retrieval_items));
    if (o.sentence_min < 2 || o.sentence_max < o.sentence_min || o.sentence_max > 50)
        throw Error("charcomp options sentence_min/sentence_max must satisfy 2 <= min <= max <= 50, got " +
                    std::to_string(o.sentence_min) + "/" + std::to_string(o.sentence_max));
    Words names;
    for (const Family & f : family_table()) names.push_back(f.name);
    for (const std::string & f : o.families)
        if (!contains(names, f)) throw Error("charcomp: unknown family '" + f + "'; choose from " + join(names, ", "));
    for (const std::string & l : o.levels)
        if (!contains(kLevels, l)) throw Error("charcomp: unknown level '" + l + "'; choose from char, token");

    std::vector<json> docs;
    for (const std::string & level : kLevels) {
        if (!o.levels.empty() && !contains(o.levels, level)) continue;
        for (const Family & fam : family_table()) {
            if (!o.families.empty() && !contains(o.families, fam.name)) continue;
            for (const std::string & st : charcomp_subtasks(fam.name, level)) {
                Gen g{words, o, Rng(stream_seed(o.seed, level + "/" + st))};
                for (size_t i = 0; i < o.per_subtask; ++i) {
                    std::optional<Instance> in;
                    for (int attempt = 0; attempt < 1000 && !in; ++attempt)
                        in = level == "char" ? make_char(g, st) : make_token(g, st);
                    if (!in) throw Error("charcomp: the word list has no word suited to " + level + "/" + st +
                                         " (e.g. all palindromes or single-letter repeats); use a larger list");
                    std::string id = std::to_string(i);
                    id.insert(0, id.size() < 4 ? 4 - id.size() : 0, '0');
                    docs.push_back({{"id", level + "/" + st + "/" + id}, {"family", fam.name}, {"subtask", st},
                                    {"level", level}, {"question", in->question}, {"inputs", in->inputs},
                                    {"answer", in->answer}, {"answer_type", answer_type_of(st)}});
                }
            }
        }
    }
    return docs;
}

}  // namespace rightsize
