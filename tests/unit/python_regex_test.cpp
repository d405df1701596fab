// PythonRegex against Python 3's `re`: every expected value below is what CPython 3.11 returns for
// the same call (checked with python3 -c when the test was written).
#include "core/python_regex.h"

#include <rightsize/error.h>

#include <gtest/gtest.h>

#include <string>
#include <variant>
#include <vector>

using namespace rightsize;
using Tuple = std::vector<std::string>;

namespace {

std::vector<std::string> strings(const std::vector<PythonRegex::Found> & found) {
    std::vector<std::string> out;
    for (const auto & f : found) out.push_back(std::get<std::string>(f));
    return out;
}

std::vector<Tuple> tuples(const std::vector<PythonRegex::Found> & found) {
    std::vector<Tuple> out;
    for (const auto & f : found) out.push_back(std::get<Tuple>(f));
    return out;
}

}  // namespace

// --- the patterns lm-eval's gsm8k task file uses ------------------------------------------------

TEST(PythonRegex, Gsm8kRegexesToIgnoreCrossNewlinesWithDotAll) {
    // re.sub(r'(?s).*#### ', '', ...) == '18'
    EXPECT_EQ(PythonRegex("(?s).*#### ").substitute("", "She makes\n9 * 2 = 18\n#### 18"), "18");
    EXPECT_EQ(PythonRegex("(?s).*#### ").substitute("", "no marker"), "no marker");
    // Without (?s) the dot stops at '\n': re.sub(r'.*#### ', '', 'a\nb #### 18') == 'a\n18'
    EXPECT_EQ(PythonRegex(".*#### ").substitute("", "a\nb #### 18"), "a\n18");
    // A '.' inside a class or escaped is a literal dot either way.
    const PythonRegex klass("(?s)[.]\\.");
    EXPECT_TRUE(klass.search(".."));
    EXPECT_FALSE(klass.search("\n\n"));
}

TEST(PythonRegex, Gsm8kStrictMatchFindsTheGroup) {
    const PythonRegex re(R"(#### (\-?[0-9\.\,]+))");
    EXPECT_EQ(re.group_count(), 1u);
    // One group: findall gives the group's text, not a tuple. ['1,234']
    EXPECT_EQ(strings(re.find_all("so the total is 1,234.\n#### 1,234")), (std::vector<std::string>{"1,234"}));
    const auto m = re.search("so the total is 1,234.\n#### 1,234");
    ASSERT_TRUE(m);
    EXPECT_EQ(m->str(0), "#### 1,234");
    EXPECT_EQ(m->str(1), "1,234");
    EXPECT_EQ(m->start(), 23u);
    EXPECT_EQ(m->end(), 33u);
    EXPECT_TRUE(re.find_all("the answer is 7").empty());
}

TEST(PythonRegex, Gsm8kFlexibleExtractGivesTuples) {
    const PythonRegex re(R"((-?[$0-9.,]{2,})|(-?[0-9]+))");
    // [('', '3'), ('12', ''), ('$1,000.50', ''), ('', '-7')]
    const auto found = tuples(re.find_all("I have 3 apples and 12 pears, $1,000.50 total -7"));
    const std::vector<Tuple> want = {{"", "3"}, {"12", ""}, {"$1,000.50", ""}, {"", "-7"}};
    EXPECT_EQ(found, want);
    // lm-eval (group_select -1) takes the last match's non-empty group.
    ASSERT_FALSE(found.empty());
    const Tuple & last = found.back();
    EXPECT_EQ(last[0].empty() ? last[1] : last[0], "-7");
    // A group that did not take part is "" in the tuple (Python: re.findall(r'(\d)(x)?', '1x2')).
    EXPECT_EQ(tuples(PythonRegex(R"((\d)(x)?)").find_all("1x2")), (std::vector<Tuple>{{"1", "x"}, {"2", ""}}));
    const auto m = PythonRegex(R"((\d)(x)?)").search("2");
    ASSERT_TRUE(m);
    EXPECT_TRUE(m->matched(1));
    EXPECT_FALSE(m->matched(2));
    EXPECT_EQ(m->start(2), RegexMatch::npos);
}

// --- Python syntax ------------------------------------------------------------------------------

TEST(PythonRegex, Lookbehind) {
    const PythonRegex re(R"((?<=The answer is )\w+)");
    // ['Paris', '42']
    EXPECT_EQ(strings(re.find_all("I think... The answer is Paris. The answer is 42")),
              (std::vector<std::string>{"Paris", "42"}));
}

TEST(PythonRegex, NamedGroupAndBackreference) {
    const PythonRegex re(R"((?P<ans>[A-D]) and (?P=ans))");
    EXPECT_EQ(re.group_index("ans"), 1u);
    const auto m = re.search("pick B and B");
    ASSERT_TRUE(m);
    EXPECT_EQ(m->str("ans"), "B");
    EXPECT_EQ(m->start(), 5u);
    EXPECT_EQ(m->end(), 12u);
    EXPECT_FALSE(re.search("B and C"));
    EXPECT_THROW(re.group_index("nope"), Error);
    EXPECT_THROW((void)m->str("nope"), Error);
}

TEST(PythonRegex, UnicodeClassesAsPython3StrPatterns) {
    // re.findall(r'\d+', 'x ٣٤ 5') == ['٣٤', '5']: \d is any Unicode decimal digit.
    EXPECT_EQ(strings(PythonRegex(R"(\d+)").find_all("x \u0663\u0664 5")), (std::vector<std::string>{"\u0663\u0664", "5"}));
    EXPECT_TRUE(PythonRegex(R"(^\d$)").search("\u0663"));
    // re.findall(r'\w+', 'héllo wörld_1') == ['héllo', 'wörld_1']
    EXPECT_EQ(strings(PythonRegex(R"(\w+)").find_all("h\u00e9llo w\u00f6rld_1")),
              (std::vector<std::string>{"h\u00e9llo", "w\u00f6rld_1"}));
    // (?a) restricts them to ASCII: re.findall(r'(?a)\d', '٣5') == ['5']
    EXPECT_EQ(strings(PythonRegex(R"((?a)\d)").find_all("\u06635")), (std::vector<std::string>{"5"}));
    // '.' is one character, not one byte: re.findall(r'\u00e9.', 'café!') == ['é!']
    EXPECT_EQ(strings(PythonRegex(R"(\u00e9.)").find_all("caf\u00e9!")), (std::vector<std::string>{"\u00e9!"}));
}

TEST(PythonRegex, InlineFlags) {
    EXPECT_TRUE(PythonRegex("(?i)answer").search("ANSWER: 3"));
    EXPECT_FALSE(PythonRegex("answer").search("ANSWER: 3"));
    // re.search('(?i)émile', 'ÉMILE') matches: case folding is Unicode.
    EXPECT_TRUE(PythonRegex("(?i)\u00e9mile").search("\u00c9MILE"));
    // re.findall(r'(?s).', 'a\nb') == ['a', '\n', 'b']; without it '.' skips only '\n':
    // re.findall(r'.', 'a\r\nb') == ['a', '\r', 'b']
    EXPECT_EQ(strings(PythonRegex("(?s).").find_all("a\nb")), (std::vector<std::string>{"a", "\n", "b"}));
    EXPECT_EQ(strings(PythonRegex(".").find_all("a\r\nb")), (std::vector<std::string>{"a", "\r", "b"}));
    // Both flags in one group, and scoped flags.
    EXPECT_EQ(PythonRegex("(?si)a.B").substitute("-", "xA\nby"), "x-y");
    EXPECT_TRUE(PythonRegex("(?i:a)b").search("Ab"));
    EXPECT_FALSE(PythonRegex("(?i:a)b").search("AB"));
}

TEST(PythonRegex, EndOfStringAnchors) {
    // Python's \Z is the very end: re.search(r'a\Z', 'a\n') is None ...
    EXPECT_FALSE(PythonRegex(R"(a\Z)").search("a\n"));
    const auto z = PythonRegex(R"(a\Z)").search("ba");
    ASSERT_TRUE(z);
    EXPECT_EQ(z->start(), 1u);
    // ... while '$' also matches before a final newline: re.search(r'a$', 'a\n').span() == (0, 1)
    const auto d = PythonRegex("a$").search("a\n");
    ASSERT_TRUE(d);
    EXPECT_EQ(d->end(), 1u);
    // re.sub(r'(?:\.0+)$', '', '1.00\n') == '1\n'
    EXPECT_EQ(PythonRegex(R"((?:\.0+)$)").substitute("", "1.00\n"), "1\n");
}

TEST(PythonRegex, PythonOnlySpellings) {
    // re.findall('a{,2}', 'aaa') == ['aa', 'a', '']
    EXPECT_EQ(strings(PythonRegex("a{,2}").find_all("aaa")), (std::vector<std::string>{"aa", "a", ""}));
    // \v is the vertical-tab character only: re.findall(r'\v', 'a\x0bb\nc') == ['\x0b']
    EXPECT_EQ(strings(PythonRegex(R"(\v)").find_all("a\x0b" "b\nc")), (std::vector<std::string>{"\x0b"}));
    // '[' in a class is a literal, not a POSIX class: re.findall(r'[[:alpha:]]', 'a:[]') == ['[]']
    EXPECT_EQ(strings(PythonRegex("[[:alpha:]]").find_all("a:[]")), (std::vector<std::string>{"[]"}));
    // re.findall(r'\u00e9', 'café') == ['é']
    EXPECT_EQ(strings(PythonRegex(R"(\u00e9)").find_all("caf\u00e9")), (std::vector<std::string>{"\u00e9"}));
}

TEST(PythonRegex, FullmatchBacktracksToTheEnd) {
    // re.fullmatch('a|ab', 'ab') matches 'ab'; re.fullmatch('a|ab', 'abc') is None
    const auto m = PythonRegex("a|ab").fullmatch("ab");
    ASSERT_TRUE(m);
    EXPECT_EQ(m->str(), "ab");
    EXPECT_FALSE(PythonRegex("a|ab").fullmatch("abc"));
    EXPECT_FALSE(PythonRegex("b").fullmatch("ab"));
}

TEST(PythonRegex, EmptyMatchesIterateAsPython37) {
    // re.sub('x*', '-', 'abxd') == '-a-b--d-'
    EXPECT_EQ(PythonRegex("x*").substitute("-", "abxd"), "-a-b--d-");
    // re.findall(r'^|\w+', 'foo bar') == ['', 'foo', 'bar']
    EXPECT_EQ(strings(PythonRegex(R"(^|\w+)").find_all("foo bar")), (std::vector<std::string>{"", "foo", "bar"}));
}

TEST(PythonRegex, SubstituteTemplates) {
    // re.sub(r'(?P<d>\d+)-(\d+)', r'\2-\g<d>', 'a 12-34 b 5-6') == 'a 34-12 b 6-5'
    EXPECT_EQ(PythonRegex(R"((?P<d>\d+)-(\d+))").substitute(R"(\2-\g<d>)", "a 12-34 b 5-6"), "a 34-12 b 6-5");
    // An unmatched group inserts '': re.sub(r'(a)|b', r'[\1]', 'ab') == '[a][]'
    EXPECT_EQ(PythonRegex("(a)|b").substitute(R"([\1])", "ab"), "[a][]");
    // re.sub(r'(?P<x>a)', r'\g<x>\g<0>\n\101\0', 'a') == 'aa\nA\x00'
    EXPECT_EQ(PythonRegex("(?P<x>a)").substitute(R"(\g<x>\g<0>\n\101\0)", "a"), std::string("aa\nA\0", 5));
    // Unknown non-letter escapes stay as written: re.sub('a', r'\&', 'a') == '\\&'
    EXPECT_EQ(PythonRegex("a").substitute(R"(\&)", "a"), "\\&");
    // count: re.sub('a', 'x', 'aaa', count=2) == 'xxa'
    EXPECT_EQ(PythonRegex("a").substitute("x", "aaa", 2), "xxa");
    EXPECT_THROW(PythonRegex("(a)").substitute(R"(\2)", "a"), Error);       // invalid group reference
    EXPECT_THROW(PythonRegex("(a)").substitute(R"(\g<nope>)", "a"), Error);  // unknown group name
    EXPECT_THROW(PythonRegex("a").substitute(R"(\q)", "a"), Error);          // bad escape
}

TEST(PythonRegex, InvalidPatternNamesThePatternAndOffset) {
    for (const std::string bad : {"(unclosed", "([", "a)", "x**"}) {
        try {
            PythonRegex re(bad);
            FAIL() << bad;
        } catch (const Error & e) {
            const std::string what = e.what();
            EXPECT_NE(what.find("'" + bad + "'"), std::string::npos) << what;
            EXPECT_NE(what.find("at offset "), std::string::npos) << what;
        }
    }
    try {
        PythonRegex re("ab(?<=a+)");
        FAIL();
    } catch (const Error & e) {
        // PCRE2's own message, at the offset in the pattern as written.
        EXPECT_NE(std::string(e.what()).find("lookbehind"), std::string::npos) << e.what();
    }
    try {
        PythonRegex re(R"(\u00e9(unclosed)");  // the \u translation must not shift the offset
        FAIL();
    } catch (const Error & e) {
        EXPECT_NE(std::string(e.what()).find("at offset 15"), std::string::npos) << e.what();
    }
}

TEST(PythonRegex, InvalidUtf8SubjectIsSearchedNotRejected) {
    const std::string s = "a\xff" "b";
    const auto m = PythonRegex("b").search(s);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->start(), 2u);
    EXPECT_EQ(PythonRegex(R"(\w)").substitute("", s), "\xff");
}

TEST(PythonRegex, CopiesShareTheCompiledPattern) {
    const PythonRegex a("(b+)");
    const PythonRegex b = a;
    EXPECT_EQ(b.pattern(), "(b+)");
    const auto m = b.search("abbc");
    ASSERT_TRUE(m);
    EXPECT_EQ(m->str(1), "bb");
    EXPECT_FALSE(a.search("abbc", 3));
}
