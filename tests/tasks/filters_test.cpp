#include <rightsize/error.h>
#include <rightsize/filters.h>

#include <gtest/gtest.h>

using namespace rightsize;

TEST(RegexFilter, Gsm8kStrictMatch) {
    const auto f = make_regex_filter({});
    EXPECT_EQ(f->apply({"so the total is 1,234.\n#### 1,234"}), std::vector<std::string>{"1,234"});
    EXPECT_EQ(f->apply({"the answer is 7"}), std::vector<std::string>{"[invalid]"});
}

TEST(RegexFilter, Gsm8kFlexibleTakesTheLastNumber) {
    RegexFilterOptions o;
    o.pattern = R"((-?[$0-9.,]{2,})|(-?[0-9]+))";
    o.group_select = -1;
    const auto f = make_regex_filter(o);
    // Matches: "3" (second group), "12" (first group); the last one wins.
    EXPECT_EQ(f->apply({"I have 3 apples and 12 pears"}), std::vector<std::string>{"12"});
    EXPECT_EQ(f->apply({"no digits"}), std::vector<std::string>{"[invalid]"});
    o.group_select = 5;  // beyond the matches: fallback, as lm-eval
    EXPECT_EQ(make_regex_filter(o)->apply({"1 2"}), std::vector<std::string>{"[invalid]"});
}

TEST(RegexFilter, BadPatternIsAnError) {
    RegexFilterOptions o;
    o.pattern = "([";
    EXPECT_THROW(make_regex_filter(o), Error);
}

TEST(Filters, NamedFiltersAndAPipeline) {
    EXPECT_EQ(make_filter("take_first")->apply({"a", "b"}), std::vector<std::string>{"a"});
    EXPECT_EQ(make_filter("lowercase")->apply({"MiXeD"}), std::vector<std::string>{"mixed"});
    EXPECT_EQ(make_filter("uppercase")->apply({"MiXeD"}), std::vector<std::string>{"MIXED"});
    EXPECT_EQ(make_filter("remove_whitespace")->apply({"  x y "}), std::vector<std::string>{"x y "});
    EXPECT_EQ(make_filter("strip")->apply({"  x y "}), std::vector<std::string>{"x y"});
    try {
        make_filter("majority_vote_magic");
        FAIL();
    } catch (const Error & e) {
        EXPECT_NE(std::string(e.what()).find("known: regex, take_first"), std::string::npos);
    }
    FilterPipeline p;
    p.steps.push_back(make_regex_filter({}));
    p.steps.push_back(make_filter("take_first"));
    EXPECT_EQ(p.apply({"#### 5", "#### 6"}), std::vector<std::string>{"5"});
}
