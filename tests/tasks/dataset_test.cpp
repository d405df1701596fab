#include "test_support.h"

#include <rightsize/dataset.h>
#include <rightsize/error.h>

using namespace rightsize;
using namespace rightsize::testing;

namespace {

std::string write(const std::string & name, const std::string & text) {
    const auto p = (temp_dir() / name).string();
    std::ofstream(p, std::ios::binary) << text;
    return p;
}

std::string shared_data(const std::string & rel) { return std::string(RIGHTSIZE_SHARED_DATA) + "/" + rel; }

}  // namespace

TEST(Jsonl, SkipsBlankLinesAndHandlesCrlf) {
    const auto docs = parse_jsonl("{\"a\": 1}\r\n\n  \n{\"a\": 2}\n{\"a\": 3}", "x.jsonl");
    ASSERT_EQ(docs.size(), 3u);
    EXPECT_EQ(docs[2]["a"], 3);
}

TEST(Jsonl, MalformedLineIsNamedByNumber) {
    const std::string msg = error_message([] { parse_jsonl("{\"a\": 1}\n\n{\"a\": 2,}\n", "data/x.jsonl"); });
    EXPECT_NE(msg.find("data/x.jsonl:3: invalid JSON"), std::string::npos) << msg;
    const std::string arr = error_message([] { parse_jsonl("[1, 2]\n", "y.jsonl"); });
    EXPECT_NE(arr.find("y.jsonl:1: expected a JSON object, found array"), std::string::npos) << arr;
}

// Found by fuzz/fuzz_jsonl (the exact input): a number beyond a double escaped as nlohmann's
// out_of_range instead of an Error naming the line.
TEST(Jsonl, NumberTooLargeForADoubleIsNamedByLine) {
    static const char kFuzzInput[] = "11111e22222222222\xB0" "1111119365{\x00\x0B" "11111222222l";
    const std::string msg = error_message([] { parse_jsonl(std::string(kFuzzInput, sizeof kFuzzInput - 1), "fuzz.jsonl"); });
    EXPECT_NE(msg.find("fuzz.jsonl:1: a number is too large for a double; write it as a string or smaller"), std::string::npos) << msg;
    const std::string second = error_message([] { parse_jsonl("{\"a\": 1}\n{\"a\": 1e400}\n", "x.jsonl"); });
    EXPECT_NE(second.find("x.jsonl:2: a number is too large for a double"), std::string::npos) << second;
    const std::string json = error_message([] { parse_json_documents("[{\"a\": -1e400}]", "x.json"); });
    EXPECT_NE(json.find("x.json: a number is too large for a double"), std::string::npos) << json;
}

TEST(Json, ListsObjectsAndSquadNesting) {
    EXPECT_EQ(parse_json_documents(R"([{"q": 1}, {"q": 2}])", "a.json").size(), 2u);
    const auto held = parse_json_documents(R"({"task": "t", "total": 2, "queries": [{"id": "x"}, {"id": "y"}]})", "b.json");
    ASSERT_EQ(held.size(), 2u);
    EXPECT_EQ(held[1]["id"], "y");
    const auto squad = parse_json_documents(R"({"version": "v2.0", "data": [{"title": "T", "paragraphs": [
        {"context": "Paris is in France.", "qas": [
            {"id": "q1", "question": "Where is Paris?", "answers": [{"text": "France", "answer_start": 12}]},
            {"id": "q2", "question": "Where is Rome?", "answers": [], "is_impossible": true}]}]}]})",
                                            "squad.json");
    ASSERT_EQ(squad.size(), 2u);
    EXPECT_EQ(squad[0]["context"], "Paris is in France.");
    EXPECT_EQ(squad[0]["answers"]["text"][0], "France");
    EXPECT_EQ(squad[0]["answers"]["answer_start"][0], 12);
    EXPECT_EQ(squad[1]["is_impossible"], true);
    EXPECT_TRUE(squad[1]["answers"]["text"].empty());
}

TEST(Json, ErrorsNameTheLineOrTheProblem) {
    const std::string msg = error_message([] { parse_json_documents("[\n{\"a\": 1},\n{\"a\" 2}\n]", "c.json"); });
    EXPECT_NE(msg.find("c.json:3: invalid JSON"), std::string::npos) << msg;
    const std::string two = error_message([] { parse_json_documents(R"({"a": [{"x": 1}], "b": [{"y": 2}]})", "d.json"); });
    EXPECT_NE(two.find("several lists"), std::string::npos) << two;
    const std::string scalar = error_message([] { parse_json_documents(R"([{"x": 1}, 5])", "e.json"); });
    EXPECT_NE(scalar.find("item[1]"), std::string::npos) << scalar;
}

TEST(Csv, QuotesDelimitersNewlinesAndCrlf) {
    const auto docs = parse_delimited("text,label\r\n\"a, b\",1\r\n\"she said \"\"hi\"\"\",0\n\"two\nlines\",1\n", ',', "s.csv");
    ASSERT_EQ(docs.size(), 3u);
    EXPECT_EQ(docs[0]["text"], "a, b");
    EXPECT_EQ(docs[1]["text"], "she said \"hi\"");
    EXPECT_EQ(docs[2]["text"], "two\nlines");
    EXPECT_EQ(docs[2]["label"], "1");  // strings unless types are inferred
    const auto typed = parse_delimited("n\tok\tx\n3\ttrue\t2.5\n", '\t', "t.tsv", true);
    EXPECT_EQ(typed[0]["n"], 3);
    EXPECT_EQ(typed[0]["ok"], true);
    EXPECT_DOUBLE_EQ(typed[0]["x"].get<double>(), 2.5);
}

TEST(Csv, WrongFieldCountAndOpenQuoteAreNamedByLine) {
    // The quoted field spans lines 2–3, so the bad row is on line 4.
    const std::string msg = error_message([] { parse_delimited("a,b\n\"x\ny\",1\n1,2,3\n", ',', "bad.csv"); });
    EXPECT_NE(msg.find("bad.csv:4: expected 2 fields"), std::string::npos) << msg;
    const std::string open = error_message([] { parse_delimited("a,b\n1,\"never closed\n", ',', "open.csv"); });
    EXPECT_NE(open.find("open.csv:2: a quoted field is never closed"), std::string::npos) << open;
    const std::string empty = error_message([] { parse_delimited("", ',', "empty.csv"); });
    EXPECT_NE(empty.find("empty.csv: the file is empty"), std::string::npos) << empty;
    const std::string header = error_message([] { parse_delimited("a,,c\n1,2,3\n", ',', "h.csv"); });
    EXPECT_NE(header.find("column 2 has an empty name"), std::string::npos) << header;
}

// Found by fuzz/fuzz_tsv (the exact input): bytes that are not UTF-8 were loaded, and writing the
// documents into samples and results then threw nlohmann's type_error; the loader names them.
TEST(Csv, TextThatIsNotUtf8IsNamedByLine) {
    static const char kFuzzInput[] = "input0\x10\x00\x09\x00\xEF" "alseor\x09\x94\x99N\xB1oo\n";
    const std::string text(kFuzzInput, sizeof kFuzzInput - 1);
    const std::string msg = error_message([&] { parse_delimited(text, '\t', "fuzz.tsv"); });
    EXPECT_NE(msg.find("fuzz.tsv:1: invalid UTF-8 (byte 0xEF at byte offset 10); save the file as UTF-8"), std::string::npos) << msg;
    // A Latin-1 review on line 3 of a CSV; valid UTF-8 (é, €, U+FFFD itself) loads and serialises.
    const std::string latin1 = error_message([] { parse_delimited("text,label\nok,1\ncaf\xE9,0\n", ',', "r.csv"); });
    EXPECT_NE(latin1.find("r.csv:3: invalid UTF-8 (byte 0xE9 at byte offset 19)"), std::string::npos) << latin1;
    const auto docs = parse_delimited("text,label\ncaf\xC3\xA9 \xE2\x82\xAC \xEF\xBF\xBD,0\n", ',', "u.csv");
    ASSERT_EQ(docs.size(), 1u);
    EXPECT_EQ(docs[0].dump(), "{\"label\":\"0\",\"text\":\"caf\xC3\xA9 \xE2\x82\xAC \xEF\xBF\xBD\"}");
}

TEST(LoadDocuments, RenamesFieldsAndPicksTheFormatByExtension) {
    const auto p = write("reviews.csv", "sentence,label\ngreat film,positive\n");
    LoadOptions o;
    o.rename = {{"sentence", "text"}};
    const auto docs = load_documents(p, o);
    ASSERT_EQ(docs.size(), 1u);
    EXPECT_EQ(docs[0]["text"], "great film");
    EXPECT_FALSE(docs[0].contains("sentence"));
    o.rename = {{"review", "text"}};
    EXPECT_NE(error_message([&] { load_documents(p, o); }).find("has no field 'review'"), std::string::npos);
    EXPECT_NE(error_message([] { load_documents("/no/such/file.jsonl"); }).find("does not exist"), std::string::npos);
    const auto odd = write("data.parquet", "x");
    EXPECT_NE(error_message([&] { load_documents(odd); }).find("from its extension"), std::string::npos);
}

TEST(LoadDocuments, ReadsTheSharedBenchmarkFiles) {
    if (!std::filesystem::exists(RIGHTSIZE_SHARED_DATA)) GTEST_SKIP() << "../shared/data not beside the project";
    const auto arc = load_documents(shared_data("arc/ARC-Easy/ARC-Easy-Dev.jsonl"));
    EXPECT_EQ(arc.size(), 570u);
    EXPECT_TRUE(arc[0].contains("question"));
    EXPECT_EQ(load_documents(shared_data("hellaswag/hellaswag.jsonl")).size(), 1000u);
    EXPECT_EQ(load_documents(shared_data("gsm8k/test.jsonl")).size(), 1319u);
    const auto tqa = load_documents(shared_data("truthfulqa/TruthfulQA.csv"));
    EXPECT_EQ(tqa.size(), 817u);
    EXPECT_TRUE(tqa[0].contains("Best Answer"));
    const auto squad = load_documents(shared_data("squad_v2/queries.json"));
    EXPECT_EQ(squad.size(), 500u);
}

TEST(DataUtf8, InvalidBytesAreAnErrorNamingFileLineAndOffset) {
    const auto csv = write("latin1.csv", "question,answer\n\"ok\",yes\n\"caf\xE9?\",no\n");
    const std::string msg = error_message([&] { load_documents(csv); });
    EXPECT_NE(msg.find("latin1.csv:3: invalid UTF-8 (byte 0xE9 at byte offset 29)"), std::string::npos) << msg;
    EXPECT_NE(msg.find("--lenient-utf8"), std::string::npos) << msg;
    const auto jsonl = write("latin1.jsonl", "{\"q\": \"fine\"}\n{\"q\": \"caf\xE9\"}\n");
    LoadOptions first;
    first.max_documents = 5;  // the streaming reader checks too
    const std::string streamed = error_message([&] { load_documents(jsonl, first); });
    EXPECT_NE(streamed.find("latin1.jsonl:2: invalid UTF-8 (byte 0xE9 at byte offset 24)"), std::string::npos) << streamed;
}

TEST(DataUtf8, LenientReadingReplacesBadBytesAndWarns) {
    const auto csv = write("lenient.csv", "question,answer\n\"caf\xE9?\",no\n");
    LoadOptions o;
    o.lenient_utf8 = true;
    std::vector<std::string> warnings;
    o.warn = [&](const std::string & w) { warnings.push_back(w); };
    const auto docs = load_documents(csv, o);
    ASSERT_EQ(docs.size(), 1u);
    EXPECT_EQ(docs[0]["question"], "caf\xEF\xBF\xBD?");
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find("1 invalid UTF-8 byte(s) replaced"), std::string::npos) << warnings[0];
    EXPECT_NO_THROW((void)docs[0].dump()) << "what is loaded is valid JSON text";
}

TEST(DataStreaming, OnlyTheFirstDocumentsAreParsedAndTheRestCounted) {
    std::string text;
    for (int i = 0; i < 50; ++i) text += "{\"i\": " + std::to_string(i) + "}\n\n";
    text += "this line is not JSON, and it is never parsed\n";
    const auto jsonl = write("many.jsonl", text);
    LoadOptions o;
    o.max_documents = 3;
    size_t total = 0;
    o.total_documents = &total;
    const auto docs = load_documents(jsonl, o);
    ASSERT_EQ(docs.size(), 3u);
    EXPECT_EQ(docs[2]["i"], 2);
    EXPECT_EQ(total, 51u) << "every non-blank line counts";
    std::string rows = "a,b\n";
    for (int i = 0; i < 20; ++i) rows += std::to_string(i) + ",x\n";
    const auto csv = write("many.csv", rows);
    const auto first = load_documents(csv, o);
    ASSERT_EQ(first.size(), 3u);
    EXPECT_EQ(first[0]["a"], "0");
    EXPECT_EQ(total, 20u) << "the header is not a document";
}

TEST(DataErrors, AnEmptyFileIsNamed) {
    const auto empty = write("empty.jsonl", "\n\n");
    const std::string msg = error_message([&] { load_documents(empty); });
    EXPECT_NE(msg.find("empty.jsonl: holds no documents"), std::string::npos) << msg;
    const auto header_only = write("header.csv", "a,b\n");
    const std::string csv = error_message([&] { load_documents(header_only); });
    EXPECT_NE(csv.find("header.csv: holds no documents (only a header row)"), std::string::npos) << csv;
}
