#include <rightsize/error.h>
#include "probes/personality.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

using namespace rightsize;
using namespace rightsize::personality;

namespace {

const std::string kItemsDir = std::string(RIGHTSIZE_TASKS_DIR) + "/personality";
const std::string kMpi120 = std::string(RIGHTSIZE_SHARED_DATA) + "/mpi/mpi_120.csv";

std::string write_temp(const std::string & name, const std::string & content) {
    const auto path = std::filesystem::temp_directory_path() / ("rightsize_personality_" + name);
    std::ofstream(path, std::ios::binary) << content;
    return path.string();
}

template <class F>
std::string error_of(F && f) {
    try {
        f();
    } catch (const Error & e) {
        return e.what();
    }
    return "";
}

// Answers of a synthetic respondent whose trait-direction score is `profile[trait]` on every
// item, in every run: the agree-scale answer is p for + keyed items and 8 − p for − keyed ones.
std::vector<Answer> answers_from_profile(const std::vector<Statement> & st, const std::map<Trait, int> & profile,
                                         int runs, bool mirror = false) {
    std::vector<Answer> out;
    for (int r = 0; r < runs; ++r)
        for (const Statement & s : st) {
            const int p = profile.at(s.trait);
            const int v = s.key > 0 ? p : 8 - p;
            out.push_back({s.id, r, mirror ? 8 - v : v});
        }
    return out;
}

const std::map<Trait, int> kProfile{{Trait::openness, 6}, {Trait::conscientiousness, 5}, {Trait::extraversion, 2},
                                    {Trait::agreeableness, 6}, {Trait::neuroticism, 3}};

}  // namespace

// ---- the item files ------------------------------------------------------------------------

TEST(PersonalityItems, FilesParseAndCoverEveryTraitWithPairedScenarios) {
    const Items items = load_items_dir(kItemsDir);  // validate_items runs inside
    ASSERT_GE(items.statements.size(), 60u);
    ASSERT_EQ(items.scenarios.size(), items.statements.size());
    std::map<Trait, int> per_trait;
    std::set<std::string> texts;
    for (size_t i = 0; i < items.statements.size(); ++i) {
        const Statement & s = items.statements[i];
        const Scenario & sc = items.scenarios[i];
        ++per_trait[s.trait];
        EXPECT_EQ(sc.id, s.id) << "load_items orders scenarios like statements";
        EXPECT_EQ(sc.direction, "A=agree");
        EXPECT_TRUE(s.statement.starts_with("I ")) << s.id << " is not first person: " << s.statement;
        EXPECT_TRUE(sc.scenario.starts_with("You") || sc.scenario.find(" you") != std::string::npos)
            << sc.id << " is not second person: " << sc.scenario;
        EXPECT_NE(sc.action_a, sc.action_b) << sc.id;
        EXPECT_TRUE(texts.insert(s.statement).second) << "duplicate statement " << s.statement;
    }
    for (Trait t : kTraits) EXPECT_GE(per_trait[t], 12) << trait_name(t);
}

TEST(PersonalityItems, OppositePairsAreSymmetricAndEveryTraitHasSome) {
    const Items items = load_items_dir(kItemsDir);
    std::map<std::string, const Statement *> by_id;
    for (const Statement & s : items.statements) by_id[s.id] = &s;
    std::map<Trait, int> pairs;
    for (const Statement & s : items.statements) {
        if (s.opposite_of.empty()) continue;
        const Statement & o = *by_id.at(s.opposite_of);
        EXPECT_EQ(o.opposite_of, s.id);
        EXPECT_EQ(o.trait, s.trait);
        EXPECT_EQ(o.key, -s.key);
        ++pairs[s.trait];
    }
    for (Trait t : kTraits) EXPECT_GE(pairs[t] / 2, 3) << trait_name(t);
}

// The split-half screen relies on it: with as many + as − keyed items in each half of a trait,
// a respondent who agrees with everything gets the midpoint on every half and is exposed.
TEST(PersonalityItems, EachHalfOfEachTraitBalancesItsKeys) {
    const Items items = load_items_dir(kItemsDir);
    std::map<std::pair<Trait, int>, int> key_sum;
    std::map<Trait, int> position;
    for (const Statement & s : items.statements) key_sum[{s.trait, position[s.trait]++ % 2}] += s.key;
    for (const auto & [k, sum] : key_sum) EXPECT_EQ(sum, 0) << trait_name(k.first) << " half " << k.second;
}

TEST(PersonalityItems, ValidationNamesTheProblem) {
    Items items;
    items.statements = {{"X1", Trait::openness, 1, "I like a.", "X2"}, {"X2", Trait::openness, -1, "I dislike a.", ""}};
    items.scenarios = {{"X1", "s", "a", "b", "A=agree"}, {"X2", "s", "a", "b", "A=agree"}};
    EXPECT_NE(error_of([&] { validate_items(items, "t"); }).find("symmetric"), std::string::npos);
    items.statements[1].opposite_of = "X1";
    EXPECT_NO_THROW(validate_items(items, "t"));
    items.statements[1].key = 1;
    EXPECT_NE(error_of([&] { validate_items(items, "t"); }).find("opposite keys"), std::string::npos);
    items.statements[1].key = -1;
    items.scenarios.pop_back();
    EXPECT_NE(error_of([&] { validate_items(items, "t"); }).find("'X2' has no scenario"), std::string::npos);
    items.scenarios.push_back({"X3", "s", "a", "b", "A=agree"});
    EXPECT_NE(error_of([&] { validate_items(items, "t"); }).find("'X3' has no statement"), std::string::npos);
}

TEST(PersonalityItems, LoadErrorsNameFileLineAndField) {
    const std::string bad_trait = write_temp("bad_trait.jsonl",
        "{\"id\":\"O1\",\"trait\":\"openness\",\"key\":1,\"statement\":\"I a.\"}\n"
        "{\"id\":\"O2\",\"trait\":\"humour\",\"key\":1,\"statement\":\"I b.\"}\n");
    const std::string e1 = error_of([&] { load_statements(bad_trait); });
    EXPECT_NE(e1.find(bad_trait + ":2"), std::string::npos) << e1;
    EXPECT_NE(e1.find("'trait'"), std::string::npos) << e1;
    const std::string bad_key = write_temp("bad_key.jsonl", "{\"id\":\"O1\",\"trait\":\"openness\",\"key\":2,\"statement\":\"I a.\"}\n");
    EXPECT_NE(error_of([&] { load_statements(bad_key); }).find("'key'"), std::string::npos);
    const std::string bad_dir = write_temp("bad_dir.jsonl",
        "{\"id\":\"O1\",\"scenario\":\"s\",\"action_a\":\"a\",\"action_b\":\"b\",\"direction\":\"B=agree\"}\n");
    EXPECT_NE(error_of([&] { load_scenarios(bad_dir); }).find("'direction'"), std::string::npos);
    EXPECT_NE(error_of([] { load_statements("/nonexistent/s.jsonl"); }).find("does not exist"), std::string::npos);
}

// ---- prompts -------------------------------------------------------------------------------

TEST(PersonalityPrompts, KnowledgeVariantsDifferAndCarryStatementAndScale) {
    const Statement s{"E01", Trait::extraversion, 1, "I enjoy meeting new people.", ""};
    std::set<std::string> seen;
    for (int v = 0; v < kKnowledgeVariants; ++v) {
        const std::string p = knowledge_prompt(s, v);
        EXPECT_NE(p.find("\"I enjoy meeting new people.\""), std::string::npos) << v;
        EXPECT_NE(p.find("strongly disagree"), std::string::npos) << v;
        EXPECT_NE(p.find("strongly agree"), std::string::npos) << v;
        EXPECT_NE(p.find("7"), std::string::npos) << v;
        EXPECT_TRUE(p.ends_with("Answer:")) << v;
        EXPECT_TRUE(seen.insert(p).second) << "variant " << v << " repeats another";
    }
    EXPECT_THROW(knowledge_prompt(s, kKnowledgeVariants), Error);
    EXPECT_THROW(knowledge_prompt(s, -1), Error);
}

TEST(PersonalityPrompts, ActionSwapPutsTheAgreeingActionSecond) {
    const Scenario sc{"E01", "You are at a party.", "Talk to strangers.", "Stay by the wall.", "A=agree"};
    std::set<std::string> seen;
    for (int v = 0; v < kActionVariants; ++v) {
        const std::string plain = action_prompt(sc, v, false), swapped = action_prompt(sc, v, true);
        EXPECT_NE(plain.find("A: Talk to strangers.\nB: Stay by the wall."), std::string::npos) << v;
        EXPECT_NE(swapped.find("A: Stay by the wall.\nB: Talk to strangers."), std::string::npos) << v;
        EXPECT_NE(plain.find("You are at a party."), std::string::npos) << v;
        EXPECT_TRUE(seen.insert(plain).second) << v;
    }
    EXPECT_THROW(action_prompt(sc, 5, false), Error);
    int swaps = 0;
    for (int v = 0; v < 5; ++v)
        for (int i = 0; i < 10; ++i) swaps += action_swap_for(v, i);
    EXPECT_EQ(swaps, 25);  // the paper's 5 variants × 10 samples: exactly half swapped
}

// ---- parsing -------------------------------------------------------------------------------

TEST(PersonalityParse, FirstStandaloneNumberIgnoringScaleEchoes) {
    EXPECT_EQ(parse_likert("5"), 5);
    EXPECT_EQ(parse_likert(" 6."), 6);
    EXPECT_EQ(parse_likert("Answer: **7**"), 7);
    EXPECT_EQ(parse_likert("5 (somewhat agree)"), 5);
    EXPECT_EQ(parse_likert("I'd say 3 out of 7."), 3);
    EXPECT_EQ(parse_likert("5/7"), 5);
    EXPECT_EQ(parse_likert("On a 1-7 scale, 2"), 2);
    EXPECT_EQ(parse_likert("On a scale from 1 to 7, I choose 6."), 6);
    EXPECT_EQ(parse_likert("1\xE2\x80\x93" "7: 4"), 4);  // en dash
    EXPECT_EQ(parse_likert("Out of 7 I give it 2"), 2);
    EXPECT_EQ(parse_likert("1 = strongly disagree, 7 = strongly agree. My answer is 5"), 5);
    EXPECT_EQ(parse_likert("The 5th option, so 3"), 3);  // "5th" is a word, not an answer
}

TEST(PersonalityParse, InvalidNumbersAreNotAnswers) {
    EXPECT_EQ(parse_likert("8"), std::nullopt);
    EXPECT_EQ(parse_likert("0"), std::nullopt);
    EXPECT_EQ(parse_likert("10"), std::nullopt);
    EXPECT_EQ(parse_likert("4.5"), std::nullopt);
    EXPECT_EQ(parse_likert("8, or maybe 6"), std::nullopt);  // the first number decides
    EXPECT_EQ(parse_likert("5-6"), std::nullopt);            // a hedge between two points
    EXPECT_EQ(parse_likert(""), std::nullopt);
    EXPECT_EQ(parse_likert("As an AI I have no preferences."), std::nullopt);
}

TEST(PersonalityParse, LeadingLikertLabelsOnly) {
    EXPECT_EQ(parse_likert("Strongly agree."), 7);
    EXPECT_EQ(parse_likert("**Somewhat disagree** - I like quiet"), 3);
    EXPECT_EQ(parse_likert("Neither agree nor disagree"), 4);
    EXPECT_EQ(parse_likert("neutral"), 4);
    EXPECT_EQ(parse_likert("Disagree, mostly"), 2);
    EXPECT_EQ(parse_likert("I agree"), 6);
    EXPECT_EQ(parse_likert("Agreeable people..."), std::nullopt);  // a word, not the label
    EXPECT_EQ(parse_likert("I don't agree"), std::nullopt);         // a label later in the text
    EXPECT_EQ(parse_likert("Agree, 2"), 2);                          // a number beats a label
}

TEST(PersonalityParse, ActionAnswersMapToTheAgreeScale) {
    EXPECT_EQ(action_to_agree_scale(1, false), 7);  // definitely A = the agreeing action
    EXPECT_EQ(action_to_agree_scale(7, false), 1);
    EXPECT_EQ(action_to_agree_scale(4, false), 4);
    EXPECT_EQ(action_to_agree_scale(2, true), 2);   // swapped: A is the contradicting action
    EXPECT_EQ(action_to_agree_scale(7, true), 7);
    EXPECT_THROW(action_to_agree_scale(0, false), Error);
    EXPECT_THROW(action_to_agree_scale(8, true), Error);
}

// ---- metrics -------------------------------------------------------------------------------

TEST(PersonalityMetrics, CosineAndPearsonByHand) {
    const std::vector<double> a{1, 2, 3}, b{3, 2, 1};
    EXPECT_NEAR(*cosine_similarity(a, b), 10.0 / 14.0, 1e-12);  // (3+4+3)/(√14·√14)
    EXPECT_NEAR(*cosine_similarity(a, a), 1.0, 1e-12);
    EXPECT_NEAR(*pearson_r(a, b), -1.0, 1e-12);
    const std::vector<double> zero{0, 0, 0}, flat{2, 2, 2};
    EXPECT_EQ(cosine_similarity(a, zero), std::nullopt);
    EXPECT_EQ(pearson_r(a, flat), std::nullopt);
    const std::vector<double> two{1, 2};
    EXPECT_THROW(cosine_similarity(a, two), Error);
}

TEST(PersonalityMetrics, SpearmanUsesAverageRanksForTies) {
    const std::vector<double> x{10, 20, 20, 30, 20};
    EXPECT_EQ(average_ranks(x), (std::vector<double>{1, 3, 3, 5, 3}));
    // ranks [1,2.5,2.5,4] vs [1,3,2,4]: centred dot 4.5, norms² 4.5 and 5 → √0.9
    // (scipy.stats.spearmanr gives 0.9486832980505138)
    const std::vector<double> p{1, 2, 2, 3}, q{1, 3, 2, 4};
    EXPECT_NEAR(*spearman_rho(p, q), std::sqrt(0.9), 1e-12);
    const std::vector<double> up{1, 2, 3, 4}, down{8, 6, 4, 2}, sq{1, 4, 9, 16};
    EXPECT_NEAR(*spearman_rho(up, down), -1.0, 1e-12);
    EXPECT_NEAR(*spearman_rho(up, sq), 1.0, 1e-12);  // monotone, not linear
}

TEST(PersonalityMetrics, VmdPcpAndSpearmanBrown) {
    const std::vector<double> k{7, 4, 1, 5}, a{6, 4, 3, 1};  // differences 1, 0, 2, 4
    EXPECT_DOUBLE_EQ(value_mean_difference(k, a), 7.0 / 4.0);
    EXPECT_DOUBLE_EQ(proportion_consistent_pairs(k, a), 0.5);
    EXPECT_DOUBLE_EQ(proportion_consistent_pairs(k, a, 2.0), 0.75);
    const std::vector<double> m1{5.2}, m2{4.2};  // means of samples: still one point apart
    EXPECT_DOUBLE_EQ(proportion_consistent_pairs(m1, m2), 1.0);
    EXPECT_NEAR(spearman_brown(0.5), 2.0 / 3.0, 1e-12);
    EXPECT_DOUBLE_EQ(spearman_brown(1.0), 1.0);
    EXPECT_DOUBLE_EQ(spearman_brown(0.0), 0.0);
    EXPECT_THROW(spearman_brown(-1.0), Error);
}

TEST(PersonalityMetrics, ConsistencyCosineIsCentredOnTheMidpoint) {
    const std::vector<double> k{7, 1, 4}, a{6, 2, 5};
    const ConsistencyMetrics m = consistency_metrics(k, a);
    EXPECT_EQ(m.n, 3u);
    // centred [3,−3,0]·[2,−2,1] = 12; norms √18 and 3
    EXPECT_NEAR(*m.cosine, 12.0 / (std::sqrt(18.0) * 3.0), 1e-12);
    EXPECT_NEAR(m.vmd, 1.0, 1e-12);
    EXPECT_DOUBLE_EQ(m.pcp, 1.0);
    EXPECT_NEAR(*m.spearman, 1.0, 1e-12);  // both rank [3,1,2]
    const std::vector<double> neutral{4, 4, 4};
    EXPECT_EQ(consistency_metrics(neutral, a).cosine, std::nullopt);
}

TEST(PersonalityMetrics, LogicalConsistencyOfOppositePairs) {
    EXPECT_TRUE(opposite_pair_consistent(6, 2));
    EXPECT_TRUE(opposite_pair_consistent(4, 4));
    EXPECT_TRUE(opposite_pair_consistent(7, 2));   // |9 − 8| = 1
    EXPECT_FALSE(opposite_pair_consistent(6, 6));  // agrees with a statement and its opposite
    EXPECT_FALSE(opposite_pair_consistent(2, 1));
    const std::vector<Statement> st{{"a", Trait::openness, 1, "I x.", "b"},  {"b", Trait::openness, -1, "I y.", "a"},
                                    {"c", Trait::openness, 1, "I z.", "d"},  {"d", Trait::openness, -1, "I w.", "c"},
                                    {"e", Trait::openness, 1, "I v.", "f"},  {"f", Trait::openness, -1, "I u.", "e"},
                                    {"g", Trait::openness, 1, "I t.", ""}};
    // pairs: (6,2) consistent, (6,6) not, (f unanswered) skipped
    const std::map<std::string, double> means{{"a", 6}, {"b", 2}, {"c", 6}, {"d", 6}, {"e", 5}, {"g", 1}};
    EXPECT_DOUBLE_EQ(*logical_consistency(st, means), 0.5);
    EXPECT_EQ(logical_consistency(st, {{"g", 3}}), std::nullopt);
}

TEST(PersonalityMetrics, SplitHalfOverRunsAndTraitsWithKeying) {
    // Two items per trait: the first is the odd half, the second the even half.
    const std::vector<Statement> st{{"o1", Trait::openness, 1, "", ""},           {"o2", Trait::openness, 1, "", ""},
                                    {"c1", Trait::conscientiousness, 1, "", ""},  {"c2", Trait::conscientiousness, 1, "", ""},
                                    {"e1", Trait::extraversion, 1, "", ""},       {"e2", Trait::extraversion, -1, "", ""}};
    // (odd, even) per trait: O (1,1), C (2,3), E (3, 8−6=2): Pearson of [1,2,3] and [1,3,2] = 0.5
    const std::vector<Answer> ans{{"o1", 0, 1}, {"o2", 0, 1}, {"c1", 0, 2}, {"c2", 0, 3},
                                  {"e1", 0, 3}, {"e2", 0, 6}, {"e2", 0, std::nullopt}};
    EXPECT_NEAR(*split_half_r(st, ans), 0.5, 1e-12);
    EXPECT_NEAR(spearman_brown(*split_half_r(st, ans)), 2.0 / 3.0, 1e-12);
    const std::vector<Answer> two_points{{"o1", 0, 1}, {"o2", 0, 1}, {"c1", 0, 2}, {"c2", 0, 3}};
    EXPECT_EQ(split_half_r(st, two_points), std::nullopt);
}

// ---- the whole probe on the real items -----------------------------------------------------

TEST(PersonalityScore, ConsistentRespondentPassesTheScreen) {
    const Items items = load_items_dir(kItemsDir);
    const auto k = answers_from_profile(items.statements, kProfile, 10);
    const auto a = answers_from_profile(items.statements, kProfile, 10);
    const PersonalityResult r = score_personality(items.statements, k, a);
    EXPECT_EQ(r.metrics.n, items.statements.size());
    EXPECT_NEAR(*r.metrics.cosine, 1.0, 1e-12);
    EXPECT_NEAR(*r.metrics.spearman, 1.0, 1e-12);
    EXPECT_DOUBLE_EQ(r.metrics.vmd, 0.0);
    EXPECT_DOUBLE_EQ(r.metrics.pcp, 1.0);
    EXPECT_DOUBLE_EQ(*r.knowledge.logical_consistency, 1.0);
    EXPECT_NEAR(*r.knowledge.split_half, 1.0, 1e-12);
    EXPECT_DOUBLE_EQ(r.knowledge.parse_rate, 1.0);
    for (const auto & [t, p] : kProfile) EXPECT_DOUBLE_EQ(r.knowledge_profile.at(t), p) << trait_name(t);
    EXPECT_FALSE(r.unreliable) << (r.reasons.empty() ? "" : r.reasons[0]);
    const nlohmann::json j = to_json(r);
    EXPECT_EQ(j["pcp"], 1.0);
    EXPECT_EQ(j["knowledge"]["profile"]["extraversion"], 2.0);
    EXPECT_EQ(j["unreliable"], false);
}

TEST(PersonalityScore, ActingAgainstOwnWordsScoresLowButReliable) {
    const Items items = load_items_dir(kItemsDir);
    const auto k = answers_from_profile(items.statements, kProfile, 4);
    const auto a = answers_from_profile(items.statements, kProfile, 4, /*mirror=*/true);
    const PersonalityResult r = score_personality(items.statements, k, a);
    EXPECT_NEAR(*r.metrics.cosine, -1.0, 1e-12);
    EXPECT_DOUBLE_EQ(r.metrics.pcp, 0.0);  // |2p − 8| is 2 or 4 for every item
    // each trait has 12 items, so VMD is the mean of |2p − 8| over the five traits
    EXPECT_NEAR(r.metrics.vmd, (4 + 2 + 4 + 4 + 2) / 5.0, 1e-12);
    EXPECT_FALSE(r.unreliable);  // a consistent contrarian is still a reliable one
    EXPECT_DOUBLE_EQ(r.action_profile.at(Trait::extraversion), 6.0);
}

TEST(PersonalityScore, AcquiescenceAndUnparsedAnswersAreFlagged) {
    const Items items = load_items_dir(kItemsDir);
    std::vector<Answer> yes;
    for (int run = 0; run < 3; ++run)
        for (const Statement & s : items.statements) yes.push_back({s.id, run, 7});
    const PersonalityResult r = score_personality(items.statements, yes, yes);
    EXPECT_TRUE(r.unreliable);
    EXPECT_DOUBLE_EQ(*r.knowledge.logical_consistency, 0.0);  // 7 + 7 is far from 8
    EXPECT_EQ(r.knowledge.split_half, std::nullopt);           // every half scores 4
    for (Trait t : kTraits) EXPECT_DOUBLE_EQ(r.knowledge_profile.at(t), 4.0);

    auto k = answers_from_profile(items.statements, kProfile, 2);
    for (size_t i = 0; i < k.size(); i += 2) k[i].value.reset();  // half unparsed
    const PersonalityResult half = score_personality(items.statements, k, k);
    EXPECT_DOUBLE_EQ(half.knowledge.parse_rate, 0.5);
    ASSERT_TRUE(half.unreliable);
    EXPECT_NE(half.reasons[0].find("50%"), std::string::npos) << half.reasons[0];

    const std::vector<Answer> unknown{{"Z99", 0, 4}};
    EXPECT_THROW(score_personality(items.statements, unknown, {}), Error);
    const std::vector<Answer> out_of_scale{{"O01", 0, 9}};
    EXPECT_THROW(score_personality(items.statements, out_of_scale, {}), Error);
}

TEST(PersonalityScore, ReferenceFiguresNameTheirSource) {
    const nlohmann::json ref = personality_reference();
    EXPECT_NE(ref["source"].get<std::string>().find("2402.14679"), std::string::npos);
    EXPECT_DOUBLE_EQ(ref["humans"]["cosine"].get<double>(), 0.76);
    EXPECT_DOUBLE_EQ(ref["humans"]["pcp"].get<double>(), 0.847);
    EXPECT_DOUBLE_EQ(ref["llm_average"]["cosine"].get<double>(), 0.24);
    EXPECT_DOUBLE_EQ(ref["llm_average"]["pcp"].get<double>(), 0.568);
}

// ---- MPI -----------------------------------------------------------------------------------

TEST(PersonalityMpi, ItemScoresFollowTheKey) {
    const MpiItem plus{"Anxiety", "Worry about things", Trait::neuroticism, 1};
    const MpiItem minus{"Order", "Leave a mess in my room", Trait::conscientiousness, -1};
    EXPECT_EQ(mpi_item_score(plus, 'A'), 5);
    EXPECT_EQ(mpi_item_score(plus, 'c'), 3);
    EXPECT_EQ(mpi_item_score(plus, 'E'), 1);
    EXPECT_EQ(mpi_item_score(minus, 'A'), 1);
    EXPECT_EQ(mpi_item_score(minus, 'B'), 2);
    EXPECT_EQ(mpi_item_score(minus, 'E'), 5);
    EXPECT_THROW(mpi_item_score(plus, 'F'), Error);
}

TEST(PersonalityMpi, RealMpi120RowsAndTraitScores) {
    if (!std::filesystem::exists(kMpi120)) GTEST_SKIP() << kMpi120 << " is absent";
    const std::vector<MpiItem> items = load_mpi_items(kMpi120);
    ASSERT_EQ(items.size(), 120u);
    EXPECT_EQ(items[0].facet, "Anxiety");
    EXPECT_EQ(items[0].text, "Worry about things");
    EXPECT_EQ(items[0].trait, Trait::neuroticism);
    EXPECT_EQ(items[0].key, 1);
    EXPECT_EQ(items[1].trait, Trait::extraversion);  // Friendliness, Make friends easily
    EXPECT_EQ(items[119].key, -1);                   // the last row ends "…,C,-1" without a newline
    EXPECT_EQ(items[119].trait, Trait::conscientiousness);

    // The first four rows answered, the rest skipped: N (+,B)=4, E (+,E)=1, O (+,A)=5, A (+,C)=3.
    std::vector<std::optional<char>> some(items.size());
    some[0] = 'B', some[1] = 'E', some[2] = 'A', some[3] = 'C';
    const auto s = mpi_trait_scores(items, some);
    EXPECT_EQ(s.size(), 4u);
    EXPECT_DOUBLE_EQ(s.at(Trait::neuroticism), 4.0);
    EXPECT_DOUBLE_EQ(s.at(Trait::extraversion), 1.0);
    EXPECT_DOUBLE_EQ(s.at(Trait::openness), 5.0);
    EXPECT_DOUBLE_EQ(s.at(Trait::agreeableness), 3.0);
    EXPECT_FALSE(s.count(Trait::conscientiousness));

    // All "A" (very accurate): + items 5, − items 1. Per trait (24 items each) the file holds
    // N 17+/7−, E 18+/6−, O 12+/12−, A 7+/17−, C 11+/13−.
    const std::vector<std::optional<char>> all_a(items.size(), 'A');
    const auto t = mpi_trait_scores(items, all_a);
    EXPECT_NEAR(t.at(Trait::neuroticism), (17 * 5 + 7) / 24.0, 1e-12);
    EXPECT_NEAR(t.at(Trait::extraversion), (18 * 5 + 6) / 24.0, 1e-12);
    EXPECT_NEAR(t.at(Trait::openness), 3.0, 1e-12);
    EXPECT_NEAR(t.at(Trait::agreeableness), (7 * 5 + 17) / 24.0, 1e-12);
    EXPECT_NEAR(t.at(Trait::conscientiousness), (11 * 5 + 13) / 24.0, 1e-12);
    EXPECT_THROW(mpi_trait_scores(items, {}), Error);
}

TEST(PersonalityMpi, CsvQuotingAndErrors) {
    const std::string ok = write_temp("mpi_ok.csv",
        "label_raw,text,label_ocean,key\r\nCheerfulness,\"Laugh a lot, loudly\",E,1\r\nOrder,\"Say \"\"no\"\"\",C,-1\r\n");
    const auto items = load_mpi_items(ok);
    ASSERT_EQ(items.size(), 2u);
    EXPECT_EQ(items[0].text, "Laugh a lot, loudly");
    EXPECT_EQ(items[1].text, "Say \"no\"");
    EXPECT_EQ(items[1].key, -1);
    const std::string no_key = write_temp("mpi_no_key.csv", "label_raw,text,label_ocean\nA,b,E\n");
    EXPECT_NE(error_of([&] { load_mpi_items(no_key); }).find("'key'"), std::string::npos);
    const std::string bad = write_temp("mpi_bad.csv", "label_raw,text,label_ocean,key\nA,b,X,1\n");
    EXPECT_NE(error_of([&] { load_mpi_items(bad); }).find(bad + ":2"), std::string::npos);
}

TEST(PersonalityDraws, FrequenciesFollowTheOptionDistribution) {
    const std::vector<double> lp = {std::log(0.7), std::log(0.2), std::log(0.1), -INFINITY};
    const auto d = personality::draw_options(lp, 20000, 42);
    ASSERT_EQ(d.size(), 20000u);
    std::vector<double> freq(4, 0.0);
    for (int x : d) freq[size_t(x)] += 1.0 / 20000;
    EXPECT_NEAR(freq[0], 0.7, 0.015);
    EXPECT_NEAR(freq[1], 0.2, 0.015);
    EXPECT_NEAR(freq[2], 0.1, 0.015);
    EXPECT_EQ(freq[3], 0.0);  // an impossible option is never drawn
    // Unnormalised log-likelihoods (what scoring returns) give the same distribution.
    const std::vector<double> shifted = {std::log(0.7) - 30, std::log(0.2) - 30, std::log(0.1) - 30, -INFINITY};
    EXPECT_EQ(personality::draw_options(shifted, 20000, 42), d);
}

TEST(PersonalityDraws, DeterministicPerSeedAndKey) {
    const std::vector<double> lp = {-1.0, -1.2, -0.9, -3.0, -2.0, -1.5, -1.1};
    EXPECT_EQ(personality::draw_options(lp, 50, 7), personality::draw_options(lp, 50, 7));
    EXPECT_NE(personality::draw_options(lp, 50, 7), personality::draw_options(lp, 50, 8));
    EXPECT_EQ(personality::draw_seed(0, "knowledge/E01/0"), personality::draw_seed(0, "knowledge/E01/0"));
    EXPECT_NE(personality::draw_seed(0, "knowledge/E01/0"), personality::draw_seed(0, "knowledge/E01/1"));
    EXPECT_NE(personality::draw_seed(0, "knowledge/E01/0"), personality::draw_seed(1, "knowledge/E01/0"));
    EXPECT_EQ(personality::draw_options(std::vector<double>{0.0}, 3, 1), (std::vector<int>{0, 0, 0}));
    EXPECT_THROW(personality::draw_options(std::vector<double>{}, 3, 1), rightsize::Error);
    EXPECT_THROW(personality::draw_options(lp, 0, 1), rightsize::Error);
}

TEST(PersonalityMpi, PromptAddressesTheReaderAndListsFiveOptions) {
    personality::MpiItem item;
    item.text = "Worry about things";
    const std::string p = personality::mpi_prompt(item);
    EXPECT_NE(p.find("\"You worry about things.\""), std::string::npos) << p;
    for (const char * o : {"(A) Very accurate", "(B) Moderately accurate", "(C) Neither accurate nor inaccurate",
                           "(D) Moderately inaccurate", "(E) Very inaccurate"}) {
        EXPECT_NE(p.find(o), std::string::npos) << o;
    }
}

TEST(PersonalityMpi, IpipItemsBecomeFirstPersonStatements) {
    MpiItem worry{"Anxiety", "Worry about things", Trait::neuroticism, 1};
    MpiItem party{"Gregariousness", "Avoid crowds.", Trait::extraversion, -1};
    const auto st = statements_from_mpi({worry, party});
    ASSERT_EQ(st.size(), 2u);
    EXPECT_EQ(st[0].id, "ipip001");
    EXPECT_EQ(st[0].statement, "I worry about things.");
    EXPECT_EQ(st[0].trait, Trait::neuroticism);
    EXPECT_EQ(st[1].id, "ipip002");
    EXPECT_EQ(st[1].statement, "I avoid crowds.");
    EXPECT_EQ(st[1].key, -1);
    EXPECT_TRUE(st[1].opposite_of.empty());
}

TEST(PersonalityScore, SelfReportOnlyScreensOneSide) {
    // Four statements, two traits, answered consistently in two runs: no action side to flag.
    std::vector<Statement> st = {{"a1", Trait::openness, 1, "I like art.", ""}, {"e1", Trait::extraversion, 1, "I like parties.", ""},
                                 {"a2", Trait::openness, -1, "I avoid museums.", ""}, {"e2", Trait::extraversion, -1, "I avoid crowds.", ""}};
    std::vector<Answer> k;
    for (int run = 0; run < 4; ++run) {
        k.push_back({"a1", run, 6 + run % 2});
        k.push_back({"a2", run, 2 - run % 2});
        k.push_back({"e1", run, 3 + run % 2});
        k.push_back({"e2", run, 5 - run % 2});
    }
    const auto r = score_personality(st, k, {});
    EXPECT_TRUE(r.knowledge_only);
    for (const auto & reason : r.reasons) EXPECT_EQ(reason.rfind("action", 0), std::string::npos) << reason;
    EXPECT_EQ(r.metrics.n, 0u);
    EXPECT_TRUE(to_json(r)["knowledge_only"].get<bool>());
    EXPECT_GT(r.knowledge_profile.at(Trait::openness), r.knowledge_profile.at(Trait::extraversion));
}
