// Personality consistency probe (Ai et al. 2024, arXiv 2402.14679): does what a model says about
// itself (self-knowledge, a 7-point Likert answer to "I enjoy meeting new people.") agree with
// what it chooses to do (action, a 7-point graded choice between an action that fits the
// statement and one that contradicts it)? Also the MPI Big Five profile (IPIP-NEO-120 items,
// Jiang et al. 2023). Pure functions: prompts in, parsed answers in, metrics out; the evaluation
// engine does the sampling (the paper: 10 samples × 5 instruction variants per prompt).
// docs/personality.md describes the protocol and every definition below.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace rightsize::personality {

enum class Trait { openness, conscientiousness, extraversion, agreeableness, neuroticism };
inline constexpr Trait kTraits[] = {Trait::openness, Trait::conscientiousness, Trait::extraversion,
                                    Trait::agreeableness, Trait::neuroticism};
const char * trait_name(Trait t);  // "openness", …
// Accepts the full lower-case name or the OCEAN letter (O, C, E, A, N); nullopt otherwise.
std::optional<Trait> parse_trait(const std::string & s);

// One self-knowledge statement (tasks/personality/statements.jsonl).
struct Statement {
    std::string id;           // "E01"; the scenario of the same id tests it in action
    Trait trait = Trait::openness;
    int key = 1;              // +1: agreeing means more of the trait; −1: reverse-keyed
    std::string statement;    // first person: "I enjoy meeting new people."
    std::string opposite_of;  // id of its logical opposite, empty if none (always symmetric)
};

// The action twin of a statement (tasks/personality/scenarios.jsonl).
struct Scenario {
    std::string id;
    std::string scenario;  // second person: "At a friend's wedding you are seated …"
    std::string action_a;  // what someone who agrees with the statement would do
    std::string action_b;  // what contradicts the statement
    std::string direction = "A=agree";  // the only direction the files use; recorded per item
};

// Load and validate. Errors name the file, line and field. load_items also checks the two files
// together: unique ids, one scenario per statement and no orphans, opposite pairs symmetric,
// within one trait and of opposite keys.
std::vector<Statement> load_statements(const std::string & path);
std::vector<Scenario> load_scenarios(const std::string & path);
struct Items {
    std::vector<Statement> statements;  // file order; the split-half halves depend on it
    std::vector<Scenario> scenarios;    // same order as statements (matched by id)
};
Items load_items(const std::string & statements_path, const std::string & scenarios_path);
Items load_items_dir(const std::string & dir);  // dir/statements.jsonl + dir/scenarios.jsonl
void validate_items(const Items & items, const std::string & where);

// ---- prompts -------------------------------------------------------------------------------
inline constexpr int kKnowledgeVariants = 5;
inline constexpr int kActionVariants = 5;
// Self-knowledge: 7-point Likert (1 = strongly disagree … 7 = strongly agree), one of
// kKnowledgeVariants instruction wordings (scale listed ascending, descending, endpoints only,
// question first, …); every variant asks for a single number. Throws Error on a bad variant.
std::string knowledge_prompt(const Statement & s, int variant);
// Action: the scenario and two actions; 1 = definitely A … 7 = definitely B. `swap` shows
// action_b as option A and action_a as option B, so the agreeing action sits first in half the
// prompts (position and label balance); action_to_agree_scale undoes it.
std::string action_prompt(const Scenario & s, int variant, bool swap);
// The swap for a (variant, sample) pair: alternates, so every even number of prompts is exactly
// balanced and the choice needs no random generator.
bool action_swap_for(int variant, int sample);

// ---- parsing -------------------------------------------------------------------------------
// The answer 1..7 in a response. The first standalone integer decides (not part of a longer
// number, a word or a decimal); echoes of the scale ("1-7", "1 to 7", "out of 7", "/7") are
// skipped. A first number outside 1..7 is an invalid answer (nullopt), not a cue to read on.
// Without any number, a response that begins with a Likert label ("Strongly agree.",
// "somewhat disagree – …", "Neutral") maps to its point; a label later in the text does not
// count, because "I don't agree" would read as "agree".
std::optional<int> parse_likert(const std::string & response);
// Action answer (1 = definitely A … 7 = definitely B as shown) → agree scale, 7 = fully the
// action that agrees with the statement. Throws Error outside 1..7.
int action_to_agree_scale(int answer, bool swap);

// ---- metrics over paired answers ----------------------------------------------------------
// Generic vector measures. Sizes must match (Error otherwise); nullopt where undefined
// (a zero vector, no variance, fewer than 2 points).
std::optional<double> cosine_similarity(std::span<const double> x, std::span<const double> y);
std::optional<double> pearson_r(std::span<const double> x, std::span<const double> y);
std::vector<double> average_ranks(std::span<const double> x);  // ties share their mean rank, 1-based
std::optional<double> spearman_rho(std::span<const double> x, std::span<const double> y);
double value_mean_difference(std::span<const double> x, std::span<const double> y);  // mean |x−y|
// Share of pairs with |x−y| ≤ tolerance (PCP; the paper's tolerance is one scale point).
double proportion_consistent_pairs(std::span<const double> x, std::span<const double> y,
                                   double tolerance = 1.0);
double spearman_brown(double r);  // 2r/(1+r): the full-length reliability from a half-test r

// Knowledge vs action per statement, both on the agree scale (1..7, 7 = agrees). Cosine is taken
// of the midpoint-centred vectors (answer − 4), see docs/personality.md for why.
struct ConsistencyMetrics {
    size_t n = 0;                  // statements with both answers
    std::optional<double> cosine;  // centred cosine; nullopt when either side is all 4s
    std::optional<double> spearman;
    double vmd = 0;  // value mean difference
    double pcp = 0;  // proportion of consistent pairs, 0..1
};
ConsistencyMetrics consistency_metrics(std::span<const double> knowledge, std::span<const double> action);

// ---- the whole probe -----------------------------------------------------------------------
// One response after parsing. `run` identifies one pass over the items (variant × sample), the
// unit of the split-half screen; `value` is on the agree scale, nullopt when unparsable.
struct Answer {
    std::string id;
    int run = 0;
    std::optional<int> value;
};

// Thresholds of the reliability screen (docs/personality.md explains the choice).
struct ScreenThresholds {
    double min_parse_rate = 0.8;
    double min_logical_consistency = 0.7;
    double min_split_half = 0.7;  // Spearman–Brown corrected
};

struct SideReliability {  // one side: knowledge or action
    double parse_rate = 0;                       // parsed / all responses
    std::optional<double> logical_consistency;   // nullopt when no opposite pair was answered
    std::optional<double> split_half_r;          // odd vs even item halves, Pearson
    std::optional<double> split_half;            // Spearman–Brown corrected
};

struct PersonalityResult {
    ConsistencyMetrics metrics;
    SideReliability knowledge, action;
    bool unreliable = false;
    bool knowledge_only = false;       // no action answers: only the self-report side is screened
    std::vector<std::string> reasons;  // why the screen flagged it, one sentence each
    // Trait profile on 1..7 in trait direction (reverse-keyed items as 8 − x), per side.
    std::map<Trait, double> knowledge_profile, action_profile;
};

// Consistency of two answers of an opposite pair: |x + y − 8| ≤ 1 (mirror images about the
// midpoint 4, within one point; 4 and 4 is consistent, 6 and 6 is not).
bool opposite_pair_consistent(double x, double y);
// Share of answered opposite pairs that are consistent (each pair counted once), from per-item
// answers (mean over samples). nullopt when no pair has both answers.
std::optional<double> logical_consistency(const std::vector<Statement> & statements,
                                          const std::map<std::string, double> & item_means);
// Split-half: for every run and trait, the mean trait-direction score of the trait's odd-position
// items and of its even-position items (file order); Pearson r over all (run, trait) points.
// Returns r (uncorrected); nullopt with fewer than 3 points or no variance.
std::optional<double> split_half_r(const std::vector<Statement> & statements, std::span<const Answer> answers);

PersonalityResult score_personality(const std::vector<Statement> & statements,
                                    std::span<const Answer> knowledge, std::span<const Answer> action,
                                    const ScreenThresholds & thresholds = {});
nlohmann::json to_json(const PersonalityResult & r);

// Published figures to compare against, with their source.
nlohmann::json personality_reference();

// ---- MPI (IPIP-NEO-120) Big Five profile ---------------------------------------------------
// Columns label_raw (facet), text, label_ocean (O/C/E/A/N), key (1 / −1).
struct MpiItem {
    std::string facet;
    std::string text;
    Trait trait = Trait::openness;
    int key = 1;
};
std::vector<MpiItem> load_mpi_items(const std::string & path);
// MPI scoring: options A (very accurate) … E (very inaccurate); key +1 scores A=5 … E=1, key −1
// A=1 … E=5. Throws Error for a letter outside A–E.
int mpi_item_score(const MpiItem & item, char answer);
// Trait score = mean item score over the answered items of that trait (answers aligned with
// items; nullopt = unanswered). Traits with no answered item are absent. Error on size mismatch.
std::map<Trait, double> mpi_trait_scores(const std::vector<MpiItem> & items,
                                         const std::vector<std::optional<char>> & answers);
// IPIP items as self-knowledge statements for the personality task ("Worry about things" →
// "I worry about things."), ids ipip001…, trait and key from the item; no opposite pairs (IPIP
// keys items within a facet, it does not pair them) and no scenarios.
std::vector<Statement> statements_from_mpi(const std::vector<MpiItem> & items);
// The MPI question for one item (second person: "You worry about things."), options (A) Very
// accurate … (E) Very inaccurate, ending in "Answer:"; the model answers with one letter.
std::string mpi_prompt(const MpiItem & item);

// ---- sampled answers -------------------------------------------------------------------------
// The paper samples every prompt several times. A fixed-option answer (1..7, A..E) scored by
// log-likelihood needs no new decoding for that: `n` draws from the model's own distribution over
// the options — softmax of their log-likelihoods, temperature 1 — are exactly what sampling the
// model would give, conditioned on answering with one of the options. Returns n option indices,
// deterministic in (seed); Error when logprobs is empty or n < 1.
std::vector<int> draw_options(std::span<const double> logprobs, int n, uint64_t seed);
// A stable 64-bit seed for one prompt: the run's sampling seed mixed with the prompt's identity.
uint64_t draw_seed(uint64_t sampling_seed, const std::string & prompt_key);

}  // namespace rightsize::personality
