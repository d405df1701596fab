#include <rightsize/charcomp.h>
#include <rightsize/error.h>
#include <rightsize/stats.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <unordered_set>

namespace rightsize {

namespace {

using Words = std::vector<std::string>;
using nlohmann::json;

struct Family {
    const char * name;
    Words char_subtasks, token_subtasks;
};

// Canonical order: generation, aggregation and reports all follow it.
const std::vector<Family> & family_table() {
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
const Words kLevels = {"char", "token"};

std::string answer_type_of(const std::string & subtask) {
    if (subtask.rfind("retrieve_", 0) == 0) return "set";
    if (subtask == "anagram") return "anagram";
    if (subtask.rfind("count_", 0) == 0) return "count";
    return "string";
}

bool all_digits(const std::string & s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return c >= '0' && c <= '9'; });
}

bool is_az_word(const std::string & w) {
    return !w.empty() && std::all_of(w.begin(), w.end(), [](char c) { return c >= 'a' && c <= 'z'; });
}

std::string join(const Words & v, const std::string & sep) {
    std::string out;
    for (size_t i = 0; i < v.size(); ++i) out += (i ? sep : "") + v[i];
    return out;
}

Words split_ws(const std::string & s) {
    std::istringstream in(s);
    return Words(std::istream_iterator<std::string>(in), std::istream_iterator<std::string>());
}

std::string ordinal(size_t k) {
    const size_t t = k % 100, u = k % 10;
    const char * suffix = (t >= 11 && t <= 13) ? "th" : u == 1 ? "st" : u == 2 ? "nd" : u == 3 ? "rd" : "th";
    return std::to_string(k) + suffix;
}

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
// the checker below recomputes every answer with <algorithm>/<regex> instead.

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

bool contains(const Words & v, const std::string & x) { return std::find(v.begin(), v.end(), x) != v.end(); }

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

// ----------------------------------------------------------------------------------------------
// Gold check: every answer recomputed from the inputs with <algorithm> and <regex>, never with the
// generator's loops, so a bug in one is caught by the other.

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

size_t regex_count(const std::string & s, const std::regex & re) {
    return size_t(std::distance(std::sregex_iterator(s.begin(), s.end(), re), std::sregex_iterator()));
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
    auto mentions = [&](const std::string & text) { return q.find(text) != std::string::npos; };
    const bool has_pos = in.contains("position");
    if (has_pos && !mentions(ordinal(in.at("position").get<size_t>()) + " ")) return "question does not give the position";
    json gold;

    if (family == "retrieval") {
        const bool chars = level == "char";
        const Words items = in.at(chars ? "words" : "sentences");
        const std::string unit = chars ? std::string(1, letter_input(in, "char")) : in.at("word").get<std::string>();
        if (!mentions("'" + unit + "'")) return "question does not name '" + unit + "'";
        const size_t k = subtask == "retrieve_position" ? in.at("position").get<size_t>() : 0;
        Words hits;
        for (size_t i = 0; i < items.size(); ++i) {
            const std::string & item = items[i];
            if (!mentions(chars ? item : std::to_string(i + 1) + ". " + item)) return "question does not list '" + item + "'";
            bool hit = false;
            if (chars) {
                const auto n = size_t(std::count(item.begin(), item.end(), unit[0]));
                if (subtask == "retrieve_contains") hit = n > 0;
                else if (subtask == "retrieve_position") hit = std::regex_search(item, std::regex("^.{" + std::to_string(k - 1) + "}" + unit));
                else hit = n == in.at("count").get<size_t>();
            } else {
                const Words toks = split_ws(item);
                if (subtask == "retrieve_contains") hit = std::regex_search(item, std::regex("(^| )" + unit + "( |$)"));
                else if (subtask == "retrieve_position") hit = toks.size() >= k && toks[k - 1] == unit;
                else hit = size_t(std::count(toks.begin(), toks.end(), unit)) == in.at("count").get<size_t>();
            }
            if (hit) hits.push_back(chars ? item : std::to_string(i + 1));
        }
        if (hits.empty()) return "no item matches (the generator guarantees at least one)";
        gold = hits;
    } else if (level == "char") {
        const std::string w = in.at("word");
        if (!is_az_word(w)) return "inputs.word is not a lower-case a-z word";
        if (!mentions("'" + w + "'")) return "question does not name the word";
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
            gold = regex_count(w, std::regex("[aeiou]"));
        } else {
            gold = regex_count(w, std::regex("[b-df-hj-np-tv-z]"));
        }
        if (gold.is_null()) gold = g;
    } else {
        const std::string sentence = in.at("sentence");
        const Words s = split_ws(sentence);
        if (s.size() < 2 || join(s, " ") != sentence) return "inputs.sentence is not 2+ single-spaced words";
        if (!mentions("Sentence: " + sentence)) return "question does not quote the sentence";
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
            gold = regex_count(sentence, std::regex("[a-z]+"));
        }
        if (gold.is_null()) gold = join(g, " ");
    }
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
                static const std::regex digits("[0-9]+");
                for (auto it = std::sregex_iterator(line.begin(), line.end(), digits); it != std::sregex_iterator(); ++it)
                    pred.insert(std::to_string(std::stoull(it->str().substr(0, 9))));
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
