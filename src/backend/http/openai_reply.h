// The replies of OpenAI-compatible servers (/v1/completions, /v1/chat/completions, streamed or
// whole, with or without log-probabilities), read field by field: anything that is not what the
// protocol says is a rightsize::Error naming the URL and the field, never a silently wrong score.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace rightsize {

struct CompletionUsage {
    long prompt_tokens = 0, completion_tokens = 0, total_tokens = 0;
};

// One choice of a completion, or the piece of it one streamed chunk carries.
struct CompletionPiece {
    size_t index = 0;
    std::string text;                          // completions: "text"; chat: "delta.content" / "message.content"
    std::optional<std::string> finish_reason;  // "stop", "length", … once the choice ends
};

struct CompletionReply {
    std::vector<CompletionPiece> choices;
    std::optional<CompletionUsage> usage;  // sent whole, or in the last chunk with include_usage
    nlohmann::json timings;                // llama-server's own timings when present, else null
};

// A whole reply or one streamed chunk ("data: {...}"). `chat` picks the chat shape; `where` (the
// URL) starts every error. An {"error": {...}} object becomes an error quoting its message.
CompletionReply parse_completion(const nlohmann::json & reply, bool chat, const std::string & where);
// Parses the text of one SSE data line or a whole body; invalid JSON is an error naming `where`.
nlohmann::json parse_reply_json(const std::string & text, const std::string & where);

// The legacy completions "logprobs" block of an echoed prompt (lm-eval's local-completions reads
// the same): per token its text, log-probability (null for the first prompt token), the top
// alternatives and the offset of its text.
struct TokenLogprobs {
    std::vector<std::string> tokens;
    std::vector<std::optional<double>> token_logprobs;
    std::vector<std::vector<std::pair<std::string, double>>> top_logprobs;  // per token; may be empty
    std::vector<long> text_offset;                                           // may be empty
};
TokenLogprobs parse_token_logprobs(const nlohmann::json & choice, const std::string & where);

}  // namespace rightsize
