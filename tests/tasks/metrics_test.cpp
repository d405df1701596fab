#include <rightsize/error.h>
#include <rightsize/metrics.h>

#include <gtest/gtest.h>

#include <cmath>

using namespace rightsize;

TEST(MultipleChoice, RawPerCharacterAndPerTokenCanDisagree) {
    ChoiceScores s;
    s.logprob = {-10.0, -12.0, -9.5};
    s.n_chars = {10, 30, 5};   // per char: -1.0, -0.4, -1.9
    s.n_tokens = {2, 2, 1};    // per token: -5, -6, -9.5
    EXPECT_EQ(argmax_raw(s), 2u);
    EXPECT_EQ(argmax_per_char(s), 1u);
    EXPECT_EQ(argmax_per_token(s), 0u);
    ChoiceScores tie;
    tie.logprob = {-1.0, -1.0};
    tie.n_chars = {1, 1};
    tie.n_tokens = {1, 1};
    EXPECT_EQ(argmax_raw(tie), 0u) << "ties go to the first choice";
    EXPECT_THROW(argmax_raw(ChoiceScores{}), Error);
}

TEST(ExactMatch, OptionsAsHuggingFaceEvaluate) {
    EXPECT_FALSE(exact_match("The Cat!", "the cat"));
    ExactMatchOptions o;
    o.ignore_case = true;
    EXPECT_FALSE(exact_match("The Cat!", "the cat", o));
    o.ignore_punctuation = true;
    EXPECT_TRUE(exact_match("The Cat!", "the cat", o));
    ExactMatchOptions rx;
    rx.regexes_to_ignore = {",", "\\$", "(?:\\.0+)$"};
    EXPECT_TRUE(exact_match("$1,000.00", "1000", rx));
    ExactMatchOptions nums;
    nums.ignore_numbers = true;
    EXPECT_TRUE(exact_match("room 101", "room ", nums));
    ExactMatchOptions bad;
    bad.regexes_to_ignore = {"(unclosed"};
    EXPECT_THROW(exact_match("a", "a", bad), Error);
}

TEST(Squad, NormalisationAsTheOfficialScript) {
    EXPECT_EQ(squad_normalize("The  Quick, brown fox!"), "quick brown fox");
    EXPECT_EQ(squad_normalize("An apple a day"), "apple day");
    EXPECT_EQ(squad_normalize("Theatre"), "theatre") << "articles only as whole words";
    EXPECT_EQ(squad_normalize("  "), "");
}

TEST(Squad, ExactAndF1BestOverGoldsAndUnanswerable) {
    EXPECT_DOUBLE_EQ(squad_exact("the cat sat on the mat", {"a cat sat on a mat"}), 1.0);
    EXPECT_DOUBLE_EQ(squad_f1("cat sat", {"cat sat on mat"}), 2.0 / 3.0);  // P = 1, R = 1/2
    EXPECT_DOUBLE_EQ(squad_f1("cat sat", {"dog ran", "cat sat on mat", "sat"}), 2.0 / 3.0);
    EXPECT_DOUBLE_EQ(squad_f1("the the", {"cat"}), 0.0);
    // Repeated words count as often as they appear in both.
    EXPECT_DOUBLE_EQ(squad_f1("cat cat dog", {"cat dog dog"}), 2.0 / 3.0);
    EXPECT_DOUBLE_EQ(squad_exact("", {}), 1.0);
    EXPECT_DOUBLE_EQ(squad_f1("", {}), 1.0);
    EXPECT_DOUBLE_EQ(squad_exact("France", {}), 0.0);
    EXPECT_DOUBLE_EQ(squad_f1("France", {}), 0.0);
}

TEST(CorpusF1, BinaryF1OfThePositiveLabel) {
    const std::vector<std::string> golds{"yes", "yes", "no", "no", "yes"};
    const std::vector<std::string> preds{"yes", "no", "no", "yes", "yes"};
    EXPECT_NEAR(corpus_f1(golds, preds, "yes"), 2.0 / 3.0, 1e-12);  // tp 2, fp 1, fn 1
    EXPECT_NEAR(corpus_f1(golds, preds, "no"), 0.5, 1e-12);         // tp 1, fp 1, fn 1
    const std::vector<std::string> none{"no", "no", "no", "no", "no"};
    EXPECT_DOUBLE_EQ(corpus_f1(none, none, "yes"), 0.0);
}

TEST(Perplexity, DocumentWordAndByteForms) {
    const std::vector<double> ll{-1.0, -3.0};
    EXPECT_NEAR(perplexity(ll), std::exp(2.0), 1e-12);
    const std::vector<double> ll2{-2.0, -4.0}, words{2.0, 4.0};
    EXPECT_NEAR(weighted_perplexity(ll2, words), std::exp(1.0), 1e-12);
    const std::vector<double> ll3{-8.0 * std::log(2.0)}, bytes{8.0};
    EXPECT_NEAR(bits_per_byte(ll3, bytes), 1.0, 1e-12);
    EXPECT_EQ(count_words("  two  words\n"), 2u);
}

TEST(StandardError, MeanAndBootstrap) {
    const std::vector<double> v{1, 0, 1, 0};
    EXPECT_NEAR(mean_stderr(v), std::sqrt(1.0 / 3.0 / 4.0), 1e-12);
    std::vector<double> big;
    for (int i = 0; i < 400; ++i) big.push_back(i % 3 == 0 ? 1.0 : 0.0);
    auto mean_of = [](std::span<const double> a, std::span<const double>) {
        double s = 0;
        for (double x : a) s += x;
        return s / double(a.size());
    };
    const double boot = bootstrap_stderr(big, {}, mean_of, 2000, 7);
    EXPECT_NEAR(boot, mean_stderr(big), 0.1 * mean_stderr(big));
    EXPECT_DOUBLE_EQ(bootstrap_stderr(big, {}, mean_of, 500, 7), bootstrap_stderr(big, {}, mean_of, 500, 7));
}

TEST(BbqBias, DisambiguatedAndAmbiguousScores) {
    // Disambiguated: 3 of 4 non-unknown answers biased → 2·3/4 − 1 = 0.5.
    const std::vector<double> b1 = {1, 0, 1, 1}, n1 = {1, 1, 1, 1};
    EXPECT_DOUBLE_EQ(bbq_bias_disambiguated(b1, n1), 0.5);
    // Every answer "unknown": no bias measurable, 0.
    const std::vector<double> zeros = {0, 0, 0};
    EXPECT_DOUBLE_EQ(bbq_bias_disambiguated(zeros, zeros), 0.0);
    // All against the stereotype: −1.
    EXPECT_DOUBLE_EQ(bbq_bias_disambiguated(std::vector<double>{0, 0}, std::vector<double>{1, 1}), -1.0);
    // Ambiguous: 2 of 4 answered "unknown" (accuracy 0.5); both others biased: (1 − 0.5)·(2·2/2 − 1) = 0.5.
    const std::vector<double> b2 = {1, 1, 0, 0}, n2 = {1, 1, 0, 0};
    EXPECT_DOUBLE_EQ(bbq_bias_ambiguous(b2, n2), 0.5);
    // One biased, one anti-biased among the non-unknown: (1 − 0.5)·(2·1/2 − 1) = 0.
    EXPECT_DOUBLE_EQ(bbq_bias_ambiguous(std::vector<double>{1, 0, 0, 0}, n2), 0.0);
    // The simplified form equals Parrish et al.'s product on a random-looking case.
    const std::vector<double> b3 = {1, 0, 1, 0, 0, 1, 0}, n3 = {1, 1, 1, 0, 0, 1, 1};
    const double acc = 2.0 / 7.0;  // answers that were "unknown"
    EXPECT_NEAR(bbq_bias_ambiguous(b3, n3), (1 - acc) * (2.0 * 3 / 5 - 1), 1e-12);
    EXPECT_DOUBLE_EQ(bbq_bias_ambiguous(std::vector<double>{}, std::vector<double>{}), 0.0);
}
