// The one CSV reader (core/csv.h) and the one UTF-8 codec (core/utf8.h) that the data loaders, the
// per CSV, the MPI inventory, the Jinja engine and the vote page share.
#include "test_support.h"

#include "core/csv.h"
#include "core/utf8.h"

using namespace rightsize;
using namespace rightsize::testing;

TEST(Csv, QuotesLineBreaksBomAndRecordLines) {
    const auto r = parse_csv("\xEF\xBB\xBF" "a,b\r\n\"x, \"\"y\"\"\",\"two\nlines\"\n\n3,4", "f.csv");
    ASSERT_EQ(r.size(), 3u);
    EXPECT_EQ(r[0].fields, (std::vector<std::string>{"a", "b"}));  // the byte-order mark is gone
    EXPECT_EQ(r[1].fields, (std::vector<std::string>{"x, \"y\"", "two\nlines"}));
    EXPECT_EQ(r[1].line, 2u);
    EXPECT_EQ(r[2].line, 5u) << "the quoted line break and the blank line count";
    EXPECT_EQ(r[2].fields, (std::vector<std::string>{"3", "4"}));
}

TEST(Csv, TrimmingIsAnOptionAndTabsDelimitTsv) {
    EXPECT_EQ(parse_csv(" a , \"b \" ", "f")[0].fields, (std::vector<std::string>{" a ", " \"b \" "}));
    EXPECT_EQ(parse_csv(" a , \"b \" ", "f", {',', true})[0].fields, (std::vector<std::string>{"a", "b "}));
    EXPECT_EQ(parse_csv("a\tb,c", "f.tsv", {'\t'})[0].fields, (std::vector<std::string>{"a", "b,c"}));
    const std::string open = error_message([] { parse_csv("a\n\"never", "open.csv"); });
    EXPECT_EQ(open, "open.csv:2: a quoted field is never closed (missing '\"')");
}

TEST(Utf8, DecodesEncodesAndCountsLikePython) {
    const std::string s = "aé€😀";
    EXPECT_EQ(utf8_len(s), 4u);
    EXPECT_EQ(utf8_decode(s), (std::vector<uint32_t>{0x61, 0xE9, 0x20AC, 0x1F600}));
    std::string back;
    for (auto cp : utf8_decode(s)) append_utf8(back, cp);
    EXPECT_EQ(back, s);
    EXPECT_EQ(utf8_chars(s), (std::vector<std::string>{"a", "é", "€", "😀"}));
    // Malformed bytes decode as U+FFFD one byte at a time: a stray continuation, an overlong '/'.
    EXPECT_EQ(utf8_decode("\x80x\xC0\xAF"), (std::vector<uint32_t>{0xFFFD, 'x', 0xFFFD, 0xFFFD}));
    EXPECT_EQ(utf8_encode(0x20AC), "€");
}

TEST(Csv, KeepsOnlyTheFirstRecordsAndCountsTheRest) {
    CsvOptions o;
    o.max_records = 2;
    size_t total = 0;
    o.total_records = &total;
    const auto r = parse_csv("h1,h2\n1,\"multi\nline\"\n\n2,b\n3,c\n", "f.csv", o);
    ASSERT_EQ(r.size(), 2u);
    EXPECT_EQ(r[1].fields, (std::vector<std::string>{"1", "multi\nline"}));
    EXPECT_EQ(total, 4u) << "header and three records; the blank line is not one";
    // An open quote after the kept records is still found.
    const std::string msg = error_message([&] { parse_csv("h\n1\n2\n\"open\n", "g.csv", o); });
    EXPECT_NE(msg.find("g.csv:4: a quoted field is never closed"), std::string::npos) << msg;
}

TEST(Utf8, FindsTheFirstMalformedByteAndReplacesEachOne) {
    EXPECT_EQ(utf8_invalid_at("plain ascii"), std::string_view::npos);
    EXPECT_EQ(utf8_invalid_at("caf\xC3\xA9 \xEF\xBF\xBD ok"), std::string_view::npos) << "é and a real U+FFFD are valid";
    EXPECT_EQ(utf8_invalid_at("caf\xE9 au lait"), 3u);           // Latin-1 é
    EXPECT_EQ(utf8_invalid_at("ab\xC0\xAF"), 2u);                // overlong '/'
    EXPECT_EQ(utf8_invalid_at("x\xED\xA0\x80"), 1u);             // a surrogate
    EXPECT_EQ(utf8_invalid_at(std::string_view("ok\xF0\x9F\x98", 5)), 2u);  // cut short
    size_t n = 0;
    EXPECT_EQ(utf8_replace_invalid("caf\xE9 \xFF!", n), "caf\xEF\xBF\xBD \xEF\xBF\xBD!");
    EXPECT_EQ(n, 2u);
    EXPECT_EQ(utf8_replace_invalid("d\xC3\xA9j\xC3\xA0", n), "d\xC3\xA9j\xC3\xA0");
    EXPECT_EQ(n, 0u);
}
