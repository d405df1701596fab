// The served-model backend's reading of replies: server-sent events reassembled from any split of
// the byte stream, and OpenAI completion replies read field by field with errors naming the field.
#include "test_support.h"

#include "backend/http/openai_reply.h"
#include "backend/http/sse.h"

using namespace rightsize;
using namespace rightsize::testing;
using nlohmann::json;

namespace {

std::vector<SseEvent> events_of(const std::string & stream, size_t piece, bool * clean = nullptr) {
    std::vector<SseEvent> out;
    SseParser p([&](const SseEvent & e) { out.push_back(e); });
    for (size_t i = 0; i < stream.size(); i += piece) p.feed(std::string_view(stream).substr(i, piece));
    const bool c = p.finish();
    if (clean) *clean = c;
    return out;
}

}  // namespace

TEST(Sse, EventsAreTheSameWhateverPiecesTheBytesArriveIn) {
    const std::string stream =
        ": keep-alive\r\n\r\n"
        "data: {\"a\": 1}\r\n\r\n"
        "event: note\ndata: first line\ndata: second line\nid: 7\n\n"
        "data:no-space\r\rdata: [DONE]\n\n";
    const auto whole = events_of(stream, stream.size());
    ASSERT_EQ(whole.size(), 4u);
    EXPECT_EQ(whole[0].data, "{\"a\": 1}");
    EXPECT_EQ(whole[1].event, "note");
    EXPECT_EQ(whole[1].data, "first line\nsecond line");
    EXPECT_EQ(whole[1].id, "7");
    EXPECT_EQ(whole[2].data, "no-space") << "the space after the colon is optional; CR alone ends lines";
    EXPECT_EQ(whole[3].data, "[DONE]");
    for (size_t piece : {1u, 2u, 3u, 5u, 7u}) {
        const auto split = events_of(stream, piece);
        ASSERT_EQ(split.size(), whole.size()) << "pieces of " << piece;
        for (size_t i = 0; i < split.size(); ++i) EXPECT_EQ(split[i].data, whole[i].data) << piece << " " << i;
    }
}

TEST(Sse, AStreamCutShortIsNotClean) {
    bool clean = true;
    const auto cut = events_of("data: {\"a\": 1}\n\ndata: {\"b\"", 4, &clean);
    EXPECT_FALSE(clean) << "the last event never ended";
    ASSERT_EQ(cut.size(), 2u);
    EXPECT_EQ(cut[1].data, "{\"b\"");
    events_of("data: x\n\n", 3, &clean);
    EXPECT_TRUE(clean);
}

TEST(OpenAiReply, ReadsCompletionsChatChunksAndUsage) {
    const auto r = parse_completion(json::parse(R"({"choices": [{"index": 0, "text": " Paris", "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 9, "completion_tokens": 2, "total_tokens": 11}, "timings": {"predicted_ms": 12.5}})"),
                                    false, "http://127.0.0.1:1/v1/completions");
    ASSERT_EQ(r.choices.size(), 1u);
    EXPECT_EQ(r.choices[0].text, " Paris");
    EXPECT_EQ(r.choices[0].finish_reason, "stop");
    ASSERT_TRUE(r.usage);
    EXPECT_EQ(r.usage->completion_tokens, 2);
    EXPECT_EQ(r.timings["predicted_ms"], 12.5);
    const auto chunk = parse_completion(json::parse(R"({"choices": [{"index": 0, "delta": {"content": "Hi"}, "finish_reason": null}]})"),
                                        true, "u");
    EXPECT_EQ(chunk.choices[0].text, "Hi");
    EXPECT_FALSE(chunk.choices[0].finish_reason);
    const auto role_only = parse_completion(json::parse(R"({"choices": [{"delta": {"role": "assistant"}}]})"), true, "u");
    EXPECT_EQ(role_only.choices[0].text, "");
    const auto usage_only = parse_completion(json::parse(R"({"choices": [], "usage": {"prompt_tokens": 3}})"), false, "u");
    EXPECT_TRUE(usage_only.choices.empty());
    EXPECT_EQ(usage_only.usage->prompt_tokens, 3);
}

TEST(OpenAiReply, AnythingElseIsAnErrorNamingTheField) {
    const std::string where = "http://127.0.0.1:9/v1/completions";
    const auto msg = [&](const std::string & body, bool chat = false) {
        return error_message([&] { parse_completion(parse_reply_json(body, where), chat, where); });
    };
    EXPECT_NE(msg("{\"object\": \"x\"}").find(where + ": the reply's reply.choices is missing"), std::string::npos);
    EXPECT_NE(msg("{\"choices\": [{\"text\": 3}]}").find("choices[0].text is number, not a string"), std::string::npos);
    EXPECT_NE(msg("{\"choices\": [{}]}", true).find("choices[0].message is missing"), std::string::npos);
    EXPECT_NE(msg("{\"choices\": [{\"text\": \"a\", \"finish_reason\": 1}]}").find("choices[0].finish_reason is not a string"),
              std::string::npos);
    EXPECT_NE(msg("{\"choices\": [], \"usage\": {\"prompt_tokens\": -1}}").find("usage.prompt_tokens"), std::string::npos);
    EXPECT_NE(msg("{\"error\": {\"message\": \"model not found\"}}").find("the server answered with an error: model not found"),
              std::string::npos);
    EXPECT_NE(msg("{\"choices\": [").find(where + ": the reply is not JSON"), std::string::npos);
    EXPECT_NE(msg("[1]").find("top level is array"), std::string::npos);
}

TEST(OpenAiReply, ReadsEchoedPromptLogprobs) {
    const auto lp = parse_token_logprobs(json::parse(R"({"text": "The sky is blue", "logprobs": {
        "tokens": ["The", " sky", " is", " blue"], "token_logprobs": [null, -3.5, -0.25, -1.0],
        "top_logprobs": [null, {" sky": -3.5, " sea": -2.0}, {" is": -0.25}, {" blue": -1.0}], "text_offset": [0, 3, 7, 10]}})"),
                                         "u");
    ASSERT_EQ(lp.tokens.size(), 4u);
    EXPECT_FALSE(lp.token_logprobs[0]) << "the first prompt token has no log-probability";
    EXPECT_EQ(*lp.token_logprobs[3], -1.0);
    ASSERT_EQ(lp.top_logprobs.size(), 4u);
    EXPECT_TRUE(lp.top_logprobs[0].empty());
    EXPECT_EQ(lp.top_logprobs[1].size(), 2u);
    EXPECT_EQ(lp.text_offset[3], 10);
    const std::string missing = error_message([] { parse_token_logprobs(json::parse(R"({"text": "x", "logprobs": null})"), "u"); });
    EXPECT_NE(missing.find("choices[0].logprobs is not an object (did the server ignore \"logprobs\"?)"), std::string::npos) << missing;
    const std::string uneven = error_message(
        [] { parse_token_logprobs(json::parse(R"({"logprobs": {"tokens": ["a", "b"], "token_logprobs": [null]}})"), "u"); });
    EXPECT_NE(uneven.find("different lengths"), std::string::npos) << uneven;
}
