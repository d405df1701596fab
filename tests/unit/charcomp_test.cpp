#include "probes/charcomp.h"
#include <rightsize/error.h>

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>

#include <unistd.h>

using namespace rightsize;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// A file under the test's own temporary folder, removed with it.
class TempDir {
public:
    TempDir() : path_(fs::temp_directory_path() / ("charcomp_test_" + std::to_string(::getpid()))) {
        fs::create_directories(path_);
    }
    ~TempDir() { fs::remove_all(path_); }
    std::string write(const std::string & name, const std::string & text) const {
        const fs::path p = path_ / name;
        std::ofstream(p) << text;
        return p.string();
    }

private:
    fs::path path_;
};

const std::string kWordfreq = std::string(RIGHTSIZE_SHARED_DATA) + "/wordfreq_en/en_50k.txt";

// The 5000 most frequent list words: what a user would generate from.
const std::vector<std::string> & common_words() {
    static const std::vector<std::string> words = load_word_list(kWordfreq, {.max_words = 5000});
    return words;
}

std::string thrown_by(const std::function<void()> & f) {
    try {
        f();
    } catch (const Error & e) {
        return e.what();
    }
    return "";
}

std::string dump_all(const std::vector<json> & docs) {
    std::string s;
    for (const json & d : docs) s += d.dump() + "\n";
    return s;
}

json char_retrieval(const std::vector<std::string> & words, const std::vector<std::string> & gold) {
    return {{"id", "t"}, {"family", "retrieval"}, {"subtask", "retrieve_contains"}, {"level", "char"},
            {"answer_type", "set"}, {"inputs", {{"words", words}, {"char", "a"}}}, {"answer", gold}};
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Word lists

TEST(CharcompWords, DictionaryFormatKeepsLowerCaseAsciiWordsOfLength3To12) {
    TempDir dir;
    const std::string path = dir.write("words", "apple\nApple\ncat's\nzoo\nab\n\nbanana\nextraordinarily\ncaf\xc3\xa9\napple\r\nriver\r\n");
    // Dropped: proper noun, possessive, too short, 15 letters, non-ASCII, duplicate (CRLF ending too).
    EXPECT_EQ(load_word_list(path), (std::vector<std::string>{"apple", "zoo", "banana", "river"}));
    EXPECT_EQ(load_word_list(path, {.min_len = 4, .max_len = 5}), (std::vector<std::string>{"apple", "river"}));
    EXPECT_EQ(load_word_list(path, {.max_words = 2}), (std::vector<std::string>{"apple", "zoo"}));
}

TEST(CharcompWords, FrequencyFormatKeepsFileOrderAndIntersectsWithADictionary) {
    TempDir dir;
    const std::string freq = dir.write("freq", "you 100\nthe 90\njohn 80\ni 75\nriver 70\ndidn 60\ndon't 50\n");
    const std::string dict = dir.write("dict", "river\nthe\nJohn\nyou\nzebra\n");
    EXPECT_EQ(load_word_list(freq), (std::vector<std::string>{"you", "the", "john", "river", "didn"}));
    // The dictionary drops the name (capitalised there) and the subtitle artefact "didn"; the
    // frequency order survives; max_words caps the result, not the dictionary.
    EXPECT_EQ(load_word_list(freq, {.dictionary = dict}), (std::vector<std::string>{"you", "the", "river"}));
    EXPECT_EQ(load_word_list(freq, {.dictionary = dict, .max_words = 2}), (std::vector<std::string>{"you", "the"}));
}

TEST(CharcompWords, ErrorsNameTheFileAndLine) {
    TempDir dir;
    const std::string bad_freq = dir.write("bad_freq", "you 100\nthe 90\n\nbroken line here\n");
    std::string msg = thrown_by([&] { load_word_list(bad_freq); });
    EXPECT_NE(msg.find(bad_freq), std::string::npos) << msg;
    EXPECT_NE(msg.find("line 4"), std::string::npos) << msg;
    EXPECT_NE(msg.find("word count"), std::string::npos) << msg;

    const std::string bad_count = dir.write("bad_count", "you 100\nthe ninety\n");
    msg = thrown_by([&] { load_word_list(bad_count); });
    EXPECT_NE(msg.find("line 2"), std::string::npos) << msg;

    const std::string bad_dict = dir.write("bad_dict", "apple\nriver bank\n");
    msg = thrown_by([&] { load_word_list(bad_dict); });
    EXPECT_NE(msg.find("line 2"), std::string::npos) << msg;
    EXPECT_NE(msg.find("one word per line"), std::string::npos) << msg;

    msg = thrown_by([&] { load_word_list(dir.write("empty", "Apple\nab\n")); });
    EXPECT_NE(msg.find("no lower-case a-z word"), std::string::npos) << msg;
    msg = thrown_by([&] { load_word_list("/nonexistent/words.txt"); });
    EXPECT_NE(msg.find("/nonexistent/words.txt"), std::string::npos) << msg;
}

TEST(CharcompWords, RealFrequencyList) {
    const auto all = load_word_list(kWordfreq);
    ASSERT_GT(all.size(), 40000u);  // 48,354 lines are a-z words of 3-12 letters
    EXPECT_EQ(all[0], "you");       // "i", "to", "a" are shorter than 3 letters
    EXPECT_EQ(all[1], "the");
    EXPECT_EQ(common_words().size(), 5000u);
}

TEST(CharcompWords, RealDebianDictionaryWhenInstalled) {
    if (!fs::exists("/usr/share/dict/words")) GTEST_SKIP() << "wamerican is not installed";
    const auto words = load_word_list("/usr/share/dict/words");
    EXPECT_GT(words.size(), 10000u);
    for (const auto & w : words) ASSERT_TRUE(w.find('\'') == std::string::npos && !std::isupper(w[0])) << w;
}

// ---------------------------------------------------------------------------------------------
// Generator and gold check

TEST(CharcompGenerate, EveryInstanceOfSeveralSeedsPassesTheIndependentCheck) {
    size_t checked = 0;
    for (uint64_t seed : {1ull, 2ull, 42ull, 1234ull}) {
        const auto docs = generate_charcomp(common_words(), {.seed = seed, .per_subtask = 5});
        ASSERT_EQ(docs.size(), 25u * 5u);  // 13 char + 12 token subtasks
        std::set<std::string> ids;
        for (const json & d : docs) {
            std::string why;
            EXPECT_TRUE(verify_charcomp_instance(d, &why)) << why << "\n" << d.dump();
            EXPECT_TRUE(ids.insert(d.at("id").get<std::string>()).second) << d.at("id");
            ++checked;
        }
    }
    EXPECT_EQ(checked, 500u);
}

TEST(CharcompGenerate, SameSeedSameSuiteOtherSeedOtherSuite) {
    const CharcompOptions o{.seed = 7, .per_subtask = 3};
    const std::string a = dump_all(generate_charcomp(common_words(), o));
    EXPECT_EQ(a, dump_all(generate_charcomp(common_words(), o)));
    EXPECT_NE(a, dump_all(generate_charcomp(common_words(), {.seed = 8, .per_subtask = 3})));
}

TEST(CharcompGenerate, ChoosingFamiliesAndLevelsLeavesTheirInstancesUnchanged) {
    const auto all = generate_charcomp(common_words(), {.seed = 3, .per_subtask = 4});
    const auto some = generate_charcomp(common_words(), {.seed = 3, .per_subtask = 4, .families = {"count", "insert"},
                                                         .levels = {"token"}});
    std::vector<json> expected;
    for (const json & d : all)
        if (d["level"] == "token" && (d["family"] == "count" || d["family"] == "insert")) expected.push_back(d);
    ASSERT_EQ(some.size(), (1u + 2u) * 4u);
    EXPECT_EQ(dump_all(some), dump_all(expected));
}

TEST(CharcompGenerate, InstanceShape) {
    const auto docs = generate_charcomp(common_words(), {.seed = 5, .per_subtask = 2});
    EXPECT_EQ(docs.front()["id"], "char/retrieve_contains/0000");
    for (const json & d : docs) {
        const std::string st = d["subtask"], type = d["answer_type"];
        const auto subtasks = charcomp_subtasks(d["family"], d["level"]);
        EXPECT_NE(std::find(subtasks.begin(), subtasks.end(), st), subtasks.end());
        EXPECT_TRUE(d["question"].get<std::string>().find("\nAnswer with ") != std::string::npos) << d["question"];
        if (type == "set") {
            EXPECT_TRUE(d["answer"].is_array() && !d["answer"].empty()) << d;
        } else if (type == "count") {
            EXPECT_TRUE(d["answer"].is_number_integer()) << d;
        } else {
            EXPECT_TRUE(d["answer"].is_string() && !d["answer"].get<std::string>().empty()) << d;
        }
    }
    EXPECT_EQ(charcomp_subtasks("count", "token"), (std::vector<std::string>{"count_word", "count_words"}));
    EXPECT_TRUE(charcomp_subtasks("spelling", "char").empty());
}

TEST(CharcompGenerate, RejectsUnusableInput) {
    const std::vector<std::string> few = {"apple", "river", "stone"};
    EXPECT_NE(thrown_by([&] { generate_charcomp(few, {}); }).find("at least 20"), std::string::npos);
    std::vector<std::string> upper = common_words();
    upper.push_back("Paris");
    EXPECT_NE(thrown_by([&] { generate_charcomp(upper, {}); }).find("'Paris'"), std::string::npos);
    const std::string msg = thrown_by([&] { generate_charcomp(common_words(), {.families = {"spelling"}}); });
    EXPECT_NE(msg.find("retrieval, insert, delete, replace, reorder, count"), std::string::npos) << msg;
    EXPECT_NE(thrown_by([&] { generate_charcomp(common_words(), {.levels = {"byte"}}); }), "");
    EXPECT_NE(thrown_by([&] { generate_charcomp(common_words(), {.sentence_min = 1}); }), "");
}

TEST(CharcompVerify, HandWrittenInstances) {
    json doc = {{"id", "h1"}, {"family", "count"}, {"subtask", "count_char"}, {"level", "char"},
                {"answer_type", "count"}, {"inputs", {{"word", "strawberry"}, {"char", "r"}}},
                {"question", "How many times does the letter 'r' appear in the word 'strawberry'?"}, {"answer", 3}};
    std::string why;
    EXPECT_TRUE(verify_charcomp_instance(doc, &why)) << why;
    doc["answer"] = 2;
    EXPECT_FALSE(verify_charcomp_instance(doc, &why));
    EXPECT_NE(why.find("h1: answer 2 differs from the recomputed 3"), std::string::npos) << why;
    doc["answer"] = 3;
    doc["answer_type"] = "string";
    EXPECT_FALSE(verify_charcomp_instance(doc, &why));
    EXPECT_FALSE(verify_charcomp_instance(json::object(), &why));
    EXPECT_NE(why.find("malformed"), std::string::npos) << why;
}

TEST(CharcompVerify, CatchesEveryCorruptedAnswer) {
    for (json d : generate_charcomp(common_words(), {.seed = 11, .per_subtask = 3})) {
        json & a = d["answer"];
        const std::string type = d["answer_type"];
        if (type == "count") a = a.get<int>() + 1;
        else if (type == "set") a.push_back("x" + a[0].get<std::string>());
        else if (type == "anagram") a = d["inputs"][d["level"] == "char" ? "word" : "sentence"];  // the input itself
        else a = a.get<std::string>() + "s";
        std::string why;
        EXPECT_FALSE(verify_charcomp_instance(d, &why)) << d.dump();
        EXPECT_FALSE(why.empty());
    }
}

// ---------------------------------------------------------------------------------------------
// Scoring

TEST(CharcompScore, SetPrecisionRecallF1HandComputed) {
    const json doc = char_retrieval({"alpha", "beta", "gamma", "delta"}, {"alpha", "beta", "gamma"});
    auto expect = [&](const std::string & response, double p, double r, double f1) {
        const json s = score_charcomp(doc, response);
        EXPECT_NEAR(s["precision"].get<double>(), p, 1e-12) << response;
        EXPECT_NEAR(s["recall"].get<double>(), r, 1e-12) << response;
        EXPECT_NEAR(s["f1"].get<double>(), f1, 1e-12) << response;
    };
    expect("alpha, beta, delta", 2.0 / 3, 2.0 / 3, 2.0 / 3);
    expect("Alpha and Beta.", 1.0, 2.0 / 3, 0.8);  // 2·1·(2/3)/(1+2/3)
    expect("alpha, alpha", 1.0, 1.0 / 3, 0.5);      // a repeated item counts once
    expect("\n\nAnswer: \"alpha\", 'beta', gamma\nI checked each word.", 1, 1, 1);  // first line with content
    expect("delta", 0, 0, 0);
    expect("none", 0, 0, 0);  // nothing claimed, three missed
    expect("", 0, 0, 0);

    const json empty_gold = char_retrieval({"beta", "delta"}, {});
    EXPECT_DOUBLE_EQ(score_charcomp(empty_gold, "None.")["f1"].get<double>(), 1.0);  // both empty
    EXPECT_DOUBLE_EQ(score_charcomp(empty_gold, "beta")["precision"].get<double>(), 0.0);
    EXPECT_DOUBLE_EQ(score_charcomp(empty_gold, "beta")["recall"].get<double>(), 0.0);

    // "and" is a claim when the list itself holds the word "and".
    const json with_and = char_retrieval({"and", "beta", "gamma"}, {"beta"});
    EXPECT_NEAR(score_charcomp(with_and, "beta and gamma")["precision"].get<double>(), 1.0 / 3, 1e-12);
}

TEST(CharcompScore, TokenSetsAreSentenceNumbers) {
    const json doc = {{"id", "t"}, {"family", "retrieval"}, {"subtask", "retrieve_contains"}, {"level", "token"},
                      {"answer_type", "set"}, {"inputs", {{"word", "x"}}}, {"answer", {"1", "3"}}};
    json s = score_charcomp(doc, "Sentences 1 and 3.");
    EXPECT_DOUBLE_EQ(s["f1"].get<double>(), 1.0);
    EXPECT_EQ(s["parsed"], (json{"1", "3"}));
    s = score_charcomp(doc, "1, 2");
    EXPECT_DOUBLE_EQ(s["precision"].get<double>(), 0.5);
    EXPECT_DOUBLE_EQ(s["recall"].get<double>(), 0.5);
    EXPECT_DOUBLE_EQ(s["f1"].get<double>(), 0.5);
    EXPECT_DOUBLE_EQ(score_charcomp(doc, "none")["f1"].get<double>(), 0.0);
    EXPECT_DOUBLE_EQ(score_charcomp(doc, "03, 1")["f1"].get<double>(), 1.0);
}

TEST(CharcompScore, CountsReadTheFirstNumber) {
    const json doc = {{"id", "t"}, {"family", "count"}, {"subtask", "count_char"}, {"level", "char"},
                      {"answer_type", "count"}, {"inputs", {{"word", "strawberry"}, {"char", "r"}}}, {"answer", 3}};
    auto parsed = [&](const std::string & r) { return score_charcomp(doc, r); };
    EXPECT_EQ(parsed("There are 3 'r's")["parsed"], 3);
    EXPECT_DOUBLE_EQ(parsed("There are 3 'r's")["acc"].get<double>(), 1.0);
    EXPECT_EQ(parsed("There are three r's in strawberry.")["parsed"], 3);
    EXPECT_EQ(parsed("\n\n**3**")["parsed"], 3);
    EXPECT_EQ(parsed("Let me count.\nThe letter appears 2 times.")["parsed"], 2);
    EXPECT_DOUBLE_EQ(parsed("2")["acc"].get<double>(), 0.0);
    EXPECT_TRUE(parsed("I cannot tell.")["parsed"].is_null());
    EXPECT_DOUBLE_EQ(parsed("")["acc"].get<double>(), 0.0);
    EXPECT_EQ(parsed("someone said 4")["parsed"], 4);  // "one" inside a word is not a number
}

TEST(CharcompScore, AnagramsAcceptAnyOtherArrangementOfTheSameLetters) {
    const json doc = {{"id", "t"}, {"family", "reorder"}, {"subtask", "anagram"}, {"level", "char"},
                      {"answer_type", "anagram"}, {"inputs", {{"word", "stone"}}}, {"answer", "stoen"}};
    auto acc = [&](const std::string & r) { return score_charcomp(doc, r)["acc"].get<double>(); };
    EXPECT_DOUBLE_EQ(acc("notes"), 1.0);
    EXPECT_DOUBLE_EQ(acc("'Tones'."), 1.0);
    EXPECT_DOUBLE_EQ(acc("eonst"), 1.0);  // not a word, still a valid rearrangement
    EXPECT_DOUBLE_EQ(acc("stone"), 0.0);  // the input itself
    EXPECT_DOUBLE_EQ(acc("stones"), 0.0);
    EXPECT_DOUBLE_EQ(acc("ston"), 0.0);

    const json tok = {{"id", "t"}, {"family", "reorder"}, {"subtask", "anagram"}, {"level", "token"},
                      {"answer_type", "anagram"}, {"inputs", {{"sentence", "red fox red hat"}}},
                      {"answer", "red fox hat red"}};
    auto tacc = [&](const std::string & r) { return score_charcomp(tok, r)["acc"].get<double>(); };
    EXPECT_DOUBLE_EQ(tacc("hat red red fox."), 1.0);
    EXPECT_DOUBLE_EQ(tacc("Red, fox, hat, red"), 1.0);
    EXPECT_DOUBLE_EQ(tacc("red fox red hat"), 0.0);
    EXPECT_DOUBLE_EQ(tacc("red fox hat"), 0.0);
}

TEST(CharcompScore, StringsCompareAfterNormalisation) {
    const json doc = {{"id", "t"}, {"family", "delete"}, {"subtask", "delete_all"}, {"level", "char"},
                      {"answer_type", "string"}, {"inputs", {{"word", "autopilot"}, {"char", "a"}}},
                      {"answer", "utopilot"}};
    auto acc = [&](const std::string & r) { return score_charcomp(doc, r)["acc"].get<double>(); };
    EXPECT_DOUBLE_EQ(acc("utopilot"), 1.0);
    EXPECT_DOUBLE_EQ(acc("Answer: 'UTOPILOT'."), 1.0);
    EXPECT_DOUBLE_EQ(acc("utopilott"), 0.0);
    EXPECT_DOUBLE_EQ(acc("The result is utopilot"), 0.0);  // the format asked for the word only

    const json tok = {{"id", "t"}, {"family", "reorder"}, {"subtask", "reverse"}, {"level", "token"},
                      {"answer_type", "string"}, {"inputs", {{"sentence", "hat red fox"}}}, {"answer", "fox red hat"}};
    EXPECT_DOUBLE_EQ(score_charcomp(tok, "Fox  red, hat.")["acc"].get<double>(), 1.0);
    EXPECT_DOUBLE_EQ(score_charcomp(tok, "fox hat red")["acc"].get<double>(), 0.0);
}

TEST(CharcompScore, GoldAnswersScorePerfectlyAndTheirTwinsDoNot) {
    const auto docs = generate_charcomp(common_words(), {.seed = 9, .per_subtask = 4});
    std::vector<json> perfect, echoed;
    for (const json & d : docs) {
        const json & a = d["answer"];
        std::string response;
        if (a.is_array()) {
            for (const auto & x : a) response += (response.empty() ? "" : ", ") + x.get<std::string>();
        } else {
            response = a.is_string() ? a.get<std::string>() : std::to_string(a.get<int>());
        }
        perfect.push_back(score_charcomp(d, response));
        const json & in = d["inputs"];
        echoed.push_back(score_charcomp(d, in.contains("sentence") ? in["sentence"].get<std::string>()
                                                                   : in.value("word", std::string("none"))));
    }
    const json agg = aggregate_charcomp(perfect);
    ASSERT_EQ(agg["groups"].size(), 12u);
    for (const json & g : agg["groups"]) EXPECT_DOUBLE_EQ(g.value("f1", g.value("acc", 0.0)), 1.0) << g;
    EXPECT_DOUBLE_EQ(agg["gap"].get<double>(), 0.0);
    // Echoing the input is never right for an edit or a reordering.
    for (size_t i = 0; i < docs.size(); ++i) {
        const std::string fam = docs[i]["family"];
        if (fam != "retrieval" && fam != "count") {
            EXPECT_DOUBLE_EQ(echoed[i]["acc"].get<double>(), 0.0) << docs[i];
        }
    }
}

TEST(CharcompAggregate, MacroMeansByFamilyAndLevelHandComputed) {
    auto set = [](const char * level, double p, double r, double f1) {
        return json{{"family", "retrieval"}, {"level", level}, {"precision", p}, {"recall", r}, {"f1", f1}};
    };
    auto acc = [](const char * fam, const char * level, double a) {
        return json{{"family", fam}, {"level", level}, {"acc", a}};
    };
    const std::vector<json> scored = {set("char", 1, 1, 1),     set("char", 0.5, 0.5, 0.5), set("char", 0, 0, 0),
                                      acc("count", "char", 1),  acc("count", "char", 0),    set("token", 1, 1, 1),
                                      acc("count", "token", 1), acc("count", "token", 1)};
    const json agg = aggregate_charcomp(scored);
    ASSERT_EQ(agg["groups"].size(), 4u);
    const json & rc = agg["groups"][0];  // canonical order: retrieval/char first
    EXPECT_EQ(rc["family"], "retrieval");
    EXPECT_EQ(rc["level"], "char");
    EXPECT_EQ(rc["n"], 3);
    EXPECT_DOUBLE_EQ(rc["f1"].get<double>(), 0.5);
    EXPECT_DOUBLE_EQ(rc["precision"].get<double>(), 0.5);
    EXPECT_NEAR(rc["f1_stderr"].get<double>(), 0.5 / std::sqrt(3.0), 1e-12);  // sample sd of {1,.5,0} = .5
    const json & cc = agg["groups"][1];
    EXPECT_EQ(cc["family"], "retrieval");
    EXPECT_EQ(cc["level"], "token");
    EXPECT_EQ(agg["groups"][2]["family"], "count");
    EXPECT_DOUBLE_EQ(agg["groups"][2]["acc"].get<double>(), 0.5);
    EXPECT_NEAR(agg["groups"][2]["acc_stderr"].get<double>(), std::sqrt(0.5) / std::sqrt(2.0), 1e-12);
    EXPECT_DOUBLE_EQ(agg["levels"]["char"]["score"].get<double>(), 0.5);  // mean of f1 .5 and acc .5
    EXPECT_DOUBLE_EQ(agg["levels"]["token"]["score"].get<double>(), 1.0);
    EXPECT_DOUBLE_EQ(agg["gap"].get<double>(), -0.5);

    const std::vector<json> bad = {json{{"level", "char"}, {"acc", 1.0}}};
    EXPECT_NE(thrown_by([&] { aggregate_charcomp(bad); }).find("scored[0]"), std::string::npos);
}

TEST(CharcompReference, GivesOnlyTheGuidesHumanFigureWithItsSource) {
    const json ref = charcomp_reference();
    EXPECT_DOUBLE_EQ(ref["human"]["f1_min"].get<double>(), 0.97);
    EXPECT_DOUBLE_EQ(ref["human"]["f1_max"].get<double>(), 1.0);
    EXPECT_NE(ref["human"]["source"].get<std::string>().find("GUIDE"), std::string::npos);
    EXPECT_TRUE(ref["models"].empty());
    EXPECT_NE(ref["paper"].get<std::string>().find("2405.11357"), std::string::npos);
}
