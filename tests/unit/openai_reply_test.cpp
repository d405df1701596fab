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
    // Found by fuzz_openai_reply and fuzz_sse: a number beyond a double is an error, not a crash.
    const std::string huge = msg("{\"choices\": [], \"usage\": {\"prompt_tokens\": -2e308}}");
    EXPECT_NE(huge.find(where + ": the reply is not JSON that rightsize can read ([json.exception.out_of_range.406] number overflow"),
              std::string::npos) << huge;
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

TEST(OpenAiReply, AnErrorObjectWhoseMessageIsNotTextIsQuotedWhole) {
    const std::string m = error_message([] { parse_completion(json::parse(R"({"error": {"message": 42, "code": 500}})"), false, "u"); });
    EXPECT_NE(m.find("the server answered with an error: {\"code\":500,\"message\":42}"), std::string::npos) << m;
}

TEST(OpenAiReply, ScoresTheContinuationOfAnEchoedPrompt) {
    const json reply = json::parse(R"({"choices": [{"text": "The sky is blue", "logprobs": {
        "tokens": ["The", " sky", " is", " blue"], "token_logprobs": [null, -3.5, -0.25, -1.0],
        "top_logprobs": [null, {" sky": -3.5}, {" is": -0.25, " was": -2.0}, {" blue": -1.0, " grey": -0.5}]}}]})");
    const std::vector<int32_t> whole = {1, 2, 3, 4};
    const auto r = score_echoed_prompt(reply, whole, 2, "u");
    EXPECT_DOUBLE_EQ(r.logprob, -1.25) << "the sum over the continuation's tokens only";
    EXPECT_EQ(r.tokens, (std::vector<int32_t>{3, 4}));
    EXPECT_EQ(r.n_context_tokens, 2);
    EXPECT_FALSE(r.is_greedy) << "' grey' (-0.5) was likelier than ' blue' (-1.0)";
    EXPECT_TRUE(score_echoed_prompt(reply, whole, 3, "u").is_greedy == false);
    EXPECT_TRUE(score_echoed_prompt(reply, std::vector<int32_t>{1, 2, 3}, 2, "u").is_greedy) << "' is' was the likeliest";
}

TEST(OpenAiReply, AnEchoWithoutPromptLogprobsOrWithImpossibleValuesIsRefused) {
    const std::vector<int32_t> whole = {1, 2, 3};
    const auto msg = [&](const std::string & body) { return error_message([&] { score_echoed_prompt(json::parse(body), whole, 1, "u"); }); };
    // llama-server's shape: a generated token's probabilities only, never the prompt's.
    const std::string llama_server = msg(R"({"choices": [{"text": "x", "logprobs": {"content": [{"token": "x", "logprob": -0.1}]}}]})");
    EXPECT_NE(llama_server.find("does not return the prompt's log-probabilities"), std::string::npos) << llama_server;
    EXPECT_NE(llama_server.find("generation tasks can"), std::string::npos) << llama_server;
    const std::string null_token = msg(R"({"choices": [{"text": "abc", "logprobs": {"tokens": ["a", "b", "c"], "token_logprobs": [null, null, -1]}}]})");
    EXPECT_NE(null_token.find("token_logprobs[1] is null, but it is a continuation token's"), std::string::npos) << null_token;
    const std::string positive = msg(R"({"choices": [{"text": "abc", "logprobs": {"tokens": ["a", "b", "c"], "token_logprobs": [null, -1, 0.5]}}]})");
    EXPECT_NE(positive.find("token_logprobs[2] is not a log-probability"), std::string::npos) << positive;
    EXPECT_NE(msg(R"({"choices": []})").find("choices is empty"), std::string::npos);
}

TEST(OpenAiReply, ReadsModelsListsOfLlamaServerAndVllm) {
    const json llama_server = json::parse(R"({"data": [{"id": "smollm2", "owned_by": "llamacpp",
        "meta": {"n_params": 134515008, "size": 90112000, "n_ctx_train": 8192, "n_embd": 576, "n_vocab": 49152}}]})");
    const auto first = parse_models(llama_server, "", "u");
    EXPECT_EQ(first.id, "smollm2");
    ModelFacts f;
    read_served_facts(first.entry, f, "u");
    EXPECT_EQ(f.n_params, 134515008u);
    EXPECT_EQ(f.file_bytes, 90112000u);
    EXPECT_EQ(f.n_ctx_train, 8192);
    EXPECT_EQ(f.n_vocab, 49152);
    EXPECT_NE(f.description.find("(llamacpp)"), std::string::npos);
    const json vllm = json::parse(R"({"data": [{"id": "base", "max_model_len": 32768}, {"id": "lora-a"}]})");
    const auto picked = parse_models(vllm, "lora-a", "u");
    EXPECT_EQ(picked.id, "lora-a");
    const auto missing = parse_models(vllm, "other", "u");
    EXPECT_TRUE(missing.entry.is_null());
    EXPECT_EQ(missing.ids, (std::vector<std::string>{"base", "lora-a"}));
    ModelFacts g;
    read_served_facts(vllm["data"][0], g, "u");
    EXPECT_EQ(g.n_ctx_train, 32768);
}

TEST(OpenAiReply, ModelsTokensAndTemplatesOfTheWrongShapeAreErrorsNamingTheField) {
    const auto msg = [](auto && f) { return error_message(f); };
    EXPECT_NE(msg([] { parse_models(json::parse(R"({"data": [{"id": 7}]})"), "", "u"); }).find("data[0].id is number"), std::string::npos);
    EXPECT_NE(msg([] { parse_models(json::parse(R"({"data": []})"), "", "u"); }).find("no list of models"), std::string::npos);
    ModelFacts f;
    EXPECT_NE(msg([&] { read_served_facts(json::parse(R"({"meta": {"n_embd": "576"}})"), f, "u"); }).find("data[].meta.n_embd"),
              std::string::npos);
    EXPECT_NE(msg([&] { read_served_facts(json::parse(R"({"max_model_len": 1e12})"), f, "u"); }).find("max_model_len"), std::string::npos);
    EXPECT_EQ(parse_tokenize(json::parse(R"({"tokens": [1, 2147483647]})"), "u"), (std::vector<int32_t>{1, 2147483647}));
    EXPECT_NE(msg([] { parse_tokenize(json::parse(R"({"tokens": [1, 2147483648]})"), "u"); }).find("tokens[1] is not a token id"),
              std::string::npos);
    EXPECT_NE(msg([] { parse_tokenize(json::parse(R"({"tokens": [{"id": 1, "piece": "a"}]})"), "u"); }).find("tokens[0]"),
              std::string::npos);
    EXPECT_EQ(parse_detokenize(json::parse(R"({"content": " Paris"})"), "u"), " Paris");
    EXPECT_EQ(parse_detokenize(json::parse(R"({"prompt": " Paris"})"), "u"), " Paris");
    EXPECT_EQ(parse_detokenize(json::parse(R"({"text": " Paris"})"), "u"), " Paris") << "llama-cpp-python's /extras/detokenize";
    EXPECT_NE(msg([] { parse_detokenize(json::parse(R"({"words": "x"})"), "u"); }).find("content (llama-server), prompt (vLLM) or text (llama-cpp-python)"),
              std::string::npos);
    EXPECT_NE(msg([] { parse_applied_template(json::parse(R"({"prompt": ["x"]})"), "u"); }).find("prompt is not text"),
              std::string::npos);
}

namespace {

GenerateResult stream_in_pieces(const std::string & body, size_t piece, std::string * seen = nullptr) {
    CompletionStream s(false, "u", [&](std::string_view p, double) {
        if (seen) *seen += p;
    });
    for (size_t i = 0; i < body.size(); i += piece) s.feed(std::string_view(body).substr(i, piece));
    return s.finish();
}

}  // namespace

TEST(CompletionStream, ReadsTextFinishAndUsageHoweverTheBytesArrive) {
    const std::string body =
        "data: {\"choices\":[{\"index\":0,\"text\":\" Par\",\"finish_reason\":null}]}\r\n\r\n"
        ": keep-alive\r\n\r\n"
        "data: {\"choices\":[{\"index\":0,\"text\":\"is.\",\"finish_reason\":\"length\"}]}\r\n\r\n"
        "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":2,\"total_tokens\":9}}\r\n\r\n"
        "data: [DONE]\r\n\r\n";
    for (size_t piece : {1u, 3u, 17u, 4096u}) {
        std::string seen;
        const auto r = stream_in_pieces(body, piece, &seen);
        EXPECT_EQ(r.text, " Paris.") << "piece " << piece;
        EXPECT_EQ(seen, " Paris.");
        EXPECT_EQ(r.finish, FinishReason::Length);
        EXPECT_EQ(r.n_generated_tokens, 2);
        EXPECT_EQ(r.n_prompt_tokens, 7);
        ASSERT_EQ(r.token_times_ms.size(), 2u);
        EXPECT_LE(r.ttft_ms, r.e2e_ms);
    }
}

TEST(CompletionStream, AStreamThatDoesNotEndAsTheProtocolSaysIsAnError) {
    const auto msg = [](const std::string & body) { return error_message([&] { stream_in_pieces(body, 5); }); };
    const std::string cut = msg("data: {\"choices\":[{\"index\":0,\"text\":\"half\"");
    EXPECT_NE(cut.find("u: the reply is not JSON"), std::string::npos) << cut;
    const std::string unfinished = msg("data: {\"choices\":[{\"index\":0,\"text\":\"a\",\"finish_reason\":null}]}\n\n");
    EXPECT_NE(unfinished.find("the stream ended before the completion finished"), std::string::npos) << unfinished;
    const std::string second = msg("data: {\"choices\":[{\"index\":1,\"text\":\"a\",\"finish_reason\":\"stop\"}]}\n\n");
    EXPECT_NE(second.find("choices[].index is 1, but one completion was asked for"), std::string::npos) << second;
    const std::string after = msg("data: [DONE]\n\ndata: {\"choices\":[]}\n\n");
    EXPECT_NE(after.find("goes on after \"data: [DONE]\""), std::string::npos) << after;
}

TEST(OpenAiReply, ReadsTheNextTokensTopLogprobsInBothShapes) {
    const auto llama_server = parse_next_token_logprobs(json::parse(R"({"choices": [{"text": " Yes", "logprobs": {"content": [
        {"id": 9230, "token": " Yes", "logprob": -1.9, "top_logprobs": [{"id": 9230, "token": " Yes", "logprob": -1.9},
                                                                        {"id": 2838, "token": " No", "logprob": -2.3}]}]}}]})"),
                                                        "u");
    ASSERT_EQ(llama_server.size(), 2u);
    EXPECT_EQ(llama_server[1].id, 2838);
    EXPECT_EQ(llama_server[1].text, " No");
    EXPECT_DOUBLE_EQ(llama_server[1].logprob, -2.3);
    const auto legacy = parse_next_token_logprobs(
        json::parse(R"({"choices": [{"text": " A", "logprobs": {"tokens": [" A"], "token_logprobs": [-0.4], "top_logprobs": [{" A": -0.4, " B": -1.6}]}}]})"),
        "u");
    ASSERT_EQ(legacy.size(), 2u);
    EXPECT_FALSE(legacy[0].id) << "the legacy shape names tokens by text only";
    const auto msg = [](const std::string & body) { return error_message([&] { parse_next_token_logprobs(json::parse(body), "u"); }); };
    EXPECT_NE(msg(R"({"choices": [{"text": "x", "logprobs": {"content": [{"token": "x", "top_logprobs": [{"token": "x", "logprob": 0.5}]}]}}]})")
                  .find("top_logprobs[0].logprob is not a log-probability"),
              std::string::npos);
    EXPECT_NE(msg(R"({"choices": [{"text": "x", "logprobs": {"content": []}}]})").find("logprobs.content is not a list of tokens"),
              std::string::npos);
    EXPECT_NE(msg(R"({"choices": [{"text": "x"}]})").find("choices[0].logprobs is missing"), std::string::npos);
    EXPECT_NE(msg(R"({"choices": [{"text": "x", "logprobs": {"content": [{"token": "x", "top_logprobs": [{"id": -4, "token": "x", "logprob": -1}]}]}}]})")
                  .find(".id is not a token id"),
              std::string::npos);
}

TEST(OpenAiReply, ReadsVllmPromptLogprobs) {
    // vLLM's shape (its documented "prompt_logprobs"): per token an object keyed by token id.
    const json reply = json::parse(R"({"choices": [{"text": "", "prompt_logprobs": [null,
        {"504": {"logprob": -3.5, "rank": 4, "decoded_token": " sky"}, "11": {"logprob": -1.2, "rank": 1, "decoded_token": ","}},
        {"314": {"logprob": -0.25, "rank": 1, "decoded_token": " is"}},
        {"2436": {"logprob": -1.0, "rank": 2, "decoded_token": " blue"}, "9": {"logprob": -0.5, "rank": 1, "decoded_token": " grey"}}]}]})");
    const std::vector<int32_t> whole = {1, 504, 314, 2436};
    const auto r = score_echoed_prompt(reply, whole, 2, "u");
    EXPECT_DOUBLE_EQ(r.logprob, -1.25);
    EXPECT_EQ(r.tokens, (std::vector<int32_t>{314, 2436}));
    EXPECT_FALSE(r.is_greedy) << "' blue' ranked 2nd";
    EXPECT_TRUE(score_echoed_prompt(reply, std::vector<int32_t>{1, 504, 314}, 2, "u").is_greedy);
    const std::string missing = error_message([&] { score_echoed_prompt(reply, std::vector<int32_t>{1, 504, 315}, 2, "u"); });
    EXPECT_NE(missing.find("prompt_logprobs[2] does not hold the prompt's token 315"), std::string::npos) << missing;
    const std::string short_list = error_message([&] { score_echoed_prompt(reply, std::vector<int32_t>{1, 2, 3, 4, 5}, 2, "u"); });
    EXPECT_NE(short_list.find("has 4 entries for a prompt of 5 tokens"), std::string::npos) << short_list;
}

TEST(CompletionStream, KeepsTheServersOwnTimings) {
    const std::string body =
        "data: {\"choices\":[{\"index\":0,\"text\":\"Hi\",\"finish_reason\":null}]}\n\n"
        "data: {\"choices\":[{\"index\":0,\"text\":\"\",\"finish_reason\":\"length\"}],\"usage\":{\"completion_tokens\":3},"
        "\"timings\":{\"prompt_n\":5,\"prompt_ms\":19.5,\"predicted_n\":3,\"predicted_ms\":35.25,\"predicted_per_token_ms\":11.75}}\n\n"
        "data: [DONE]\n\n";
    const auto r = stream_in_pieces(body, 7);
    EXPECT_DOUBLE_EQ(r.server_prompt_ms, 19.5);
    EXPECT_EQ(r.server_prompt_tokens, 5);
    EXPECT_DOUBLE_EQ(r.server_predicted_ms, 35.25);
    EXPECT_EQ(r.server_predicted_tokens, 3);
    const auto none = stream_in_pieces("data: {\"choices\":[{\"index\":0,\"text\":\"a\",\"finish_reason\":\"stop\"}]}\n\n", 3);
    EXPECT_LT(none.server_predicted_ms, 0) << "not sent: negative";
    const std::string bad = error_message([] {
        stream_in_pieces("data: {\"choices\":[{\"index\":0,\"text\":\"a\",\"finish_reason\":\"stop\"}],\"timings\":{\"prompt_ms\":\"fast\"}}\n\n", 4);
    });
    EXPECT_NE(bad.find("timings.prompt_ms is not a non-negative number"), std::string::npos) << bad;
}
