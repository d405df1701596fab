// Character-composition probe (Shin & Kaneko 2024, GUIDE §3): generated character-level tasks on
// words and their token-level twins on words in sentences, an independent gold check, answer
// parsing and scoring. Pure functions: a suite is a function of (word list, options), so two
// machines with the same list and seed ask the same questions.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace rightsize {

struct WordListOptions {
    size_t min_len = 3, max_len = 12;  // inclusive bounds on word length, in letters
    // Optional path to a second list (either format): keep only words that are also in it. Use a
    // dictionary such as /usr/share/dict/words to drop the names and subtitle artefacts of a
    // frequency list while keeping its frequency order.
    std::string dictionary;
    // Keep at most this many words, in file order (0 = all). On a frequency list this keeps the
    // most common words, which a model has surely seen.
    size_t max_words = 0;
};

// Reads a word list in one of two formats, detected from the first non-empty line:
//   - dictionary: one word per line (Debian `wamerican`, /usr/share/dict/words);
//   - frequency:  `word count` per line (/work/shared/data/wordfreq_en/en_50k.txt).
// Keeps words made only of the ASCII letters a–z (this drops capitalised proper nouns,
// possessives such as "cat's" and non-ASCII entries) whose length is within the options' bounds,
// without duplicates, in file order (most frequent first for a frequency list). Throws Error
// naming the file and line for a line that does not follow the detected format, and when the file
// cannot be read or no word survives the filter.
std::vector<std::string> load_word_list(const std::string & path, const WordListOptions & options = {});

struct CharcompOptions {
    uint64_t seed = 1234;
    size_t per_subtask = 10;            // instances per (level, subtask)
    // Subset of: retrieval, insert, delete, replace, reorder, count. Empty = all six.
    std::vector<std::string> families;
    // Subset of: char, token. Empty = both.
    std::vector<std::string> levels;
    size_t retrieval_items = 6;         // words (char level) or sentences (token level) to search
    size_t sentence_min = 5, sentence_max = 8;  // words per token-level sentence
};

// Generates the suite: for each level, family and subtask (in the fixed order of
// charcomp_subtasks), per_subtask instances. Each instance is
//   {"id", "family", "subtask", "level": "char"|"token", "question", "inputs": {...},
//    "answer": string | [string] | integer, "answer_type": "set"|"string"|"anagram"|"count"}.
// Each (level, subtask) draws from its own random stream derived from the seed and its name, so
// choosing a subset of families leaves the remaining instances unchanged. `words` must hold at
// least 20 distinct lower-case a–z words (load_word_list's output); throws Error otherwise and for
// unknown family or level names.
std::vector<nlohmann::json> generate_charcomp(const std::vector<std::string> & words, const CharcompOptions & options);

// The subtasks of one family at one level, in generation order (empty for unknown names).
std::vector<std::string> charcomp_subtasks(const std::string & family, const std::string & level);

// Recomputes the gold answer of an instance from its inputs with methods independent of the
// generator's, and checks the instance's shape (family/subtask/level/answer_type agree, the
// question names its inputs). Returns false with the reason in *why (when given) on any mismatch.
bool verify_charcomp_instance(const nlohmann::json & doc, std::string * why = nullptr);

// Parses a model's free-text response and scores it against the instance. The answer is read from
// the first non-empty line, lower-cased, with an "answer:" prefix and surrounding quotes and
// punctuation removed. Returns {"family", "level", "subtask", "parsed", ...metrics}:
//   set:     {"precision", "recall", "f1"}; items split on commas/whitespace, "none" or an empty
//            line is the empty set. Both sets empty → 1, 1, 1; exactly one empty → 0, 0, 0.
//            Token-level sets hold sentence numbers: every integer on the line is an item.
//   string:  {"acc"} 1 when the parsed text equals the gold (whitespace collapsed);
//   anagram: {"acc"} 1 when it uses exactly the input's letters (char level) or words (token
//            level), each as often, in an order different from the input;
//   count:   {"acc"} 1 when the first number (digits, or a number word up to twenty) on the first
//            line that has one equals the gold.
nlohmann::json score_charcomp(const nlohmann::json & doc, const std::string & response);

// Aggregates score_charcomp results into {"groups": [...], "levels": {...}, "gap"}: per family ×
// level (canonical order), n and the macro mean over instances with its standard error of
// precision/recall/f1 (retrieval) or acc (other families); per level, "score" = mean over families
// of their main metric (f1 for retrieval, acc otherwise); "gap" = char − token score when both
// levels are present. Throws Error naming the index of an element without family, level or metric.
nlohmann::json aggregate_charcomp(std::span<const nlohmann::json> scored);

// Published reference figures with their source, for reports to place results next to.
nlohmann::json charcomp_reference();

}  // namespace rightsize
