// Model judges for human-likeness: a chosen model makes the voter's choice (which of two answers
// to a conversational question reads more like a person wrote it), asked about every pair in both
// orders so that a preference for "Answer 1" or "Answer 2" cancels out instead of posing as a
// preference for a model. The decisions go into the votes table as voter "judge:<name>", beside
// the people's votes but never pooled with them (tally_votes). docs/vote.md, "Model judges".
#pragma once

#include <rightsize/backend.h>
#include "probes/vote.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace rightsize {

// One question and two answers, in the order the judge reads them.
struct JudgePrompt {
    std::string question;
    std::string answer_1;  // shown first
    std::string answer_2;
};

// A judge's choice for one prompt.
struct JudgeDecision {
    VoteChoice choice = VoteChoice::Tie;  // Left: answer 1, Right: answer 2, Tie: neither
    // log P("1") − log P("2") in nats, where the judge's probabilities are known: always for a
    // local model; for an endpoint when its reply carries logprobs with both digits among the
    // top alternatives of the deciding token. Its sign agrees with `choice`.
    std::optional<double> margin;
    std::string raw;      // the endpoint's reply text; for a local model the digit it chose ("" on a tie)
    bool parsed = true;   // false: the reply named neither answer; stored as a tie, counted apart
};

// The user message a judge receives: the question, both answers labelled "Answer 1" and
// "Answer 2" in that order, and the request to reply with the number of the answer that reads
// more like a human wrote it, and nothing else. It names no model.
std::string judge_instruction(const JudgePrompt & prompt);

// The conversation a judge is given: two worked examples as user/assistant turns — one where
// Answer 1 is the human-sounding one (reply "1"), one where it is Answer 2 (reply "2") — and then
// judge_instruction(prompt) as the last user turn. The examples show the reply format: without
// them small chat models answer the question themselves instead of choosing (SmolLM2-135M through
// llama-server named neither answer in 6 of 6 test replies; with them it named one in all 6). They are balanced, one per position, and
// any pull they leave towards a position cancels out over the two orders run_judge asks.
std::vector<ChatMessage> judge_messages(const JudgePrompt & prompt);

// Reads a judge's free-text reply: the first '1' or '2' in it decides ("Answer 2." → Right). A
// reply with neither is a Tie with parsed = false. margin is left empty; raw is the reply.
JudgeDecision parse_judge_reply(std::string_view reply);

// A model that makes the choice. Implementations are deterministic where the model allows it
// (greedy, temperature 0, fixed seed), so a rerun reproduces a judge's votes.
class Judge {
public:
    virtual ~Judge() = default;
    // The name stored in the votes table after "judge:" (a model file's stem, an endpoint's model).
    virtual const std::string & name() const = 0;
    // One decision per prompt, in order. Throws rightsize::Error when the judge cannot answer at
    // all (a prompt that does not fit the model's context, an endpoint that fails or replies in a
    // form that is not an OpenAI chat completion); a reply that names neither answer is not an
    // error but a decision with parsed = false.
    virtual std::vector<JudgeDecision> decide(std::span<const JudgePrompt> prompts) = 0;
};

// A judge running in-process on `backend` (which must outlive it): judge_messages is rendered
// with the backend's chat template (assistant turn opened), and the continuations "1" and "2"
// are scored with Backend::loglikelihood, all prompts of a call in one batch. The more likely
// digit decides; exactly equal scores are a Tie. margin = log P("1") − log P("2"). Deterministic.
// Throws rightsize::Error when the model has no chat template or a prompt exceeds its context.
std::unique_ptr<Judge> make_backend_judge(Backend & backend, std::string name);

// A model behind an OpenAI-compatible chat-completions endpoint (llama-server, vLLM, Ollama, TGI,
// hosted APIs).
struct EndpointJudgeOptions {
    std::string base_url;      // up to and including the API version, e.g. http://127.0.0.1:8080/v1
    std::string model;         // the request's "model"
    std::string api_key;       // sent as "Authorization: Bearer KEY" when not empty
    std::string name;          // the judge's name; empty = model
    int timeout_s = 120;       // read timeout of one request
    int retries = 2;           // extra attempts after a transient failure (see make_endpoint_judge)
    double backoff_s = 1.0;    // the first retry waits up to this (full jitter); the bound doubles for each further one
    int max_tokens = 8;        // room for "1", "Answer 2" or a short preamble before the digit
    uint64_t seed = 1234;      // the request's "seed", for servers that sample even at temperature 0
    int parallel = 1;          // requests in flight at once (a server with several slots answers faster)
    bool logprobs = true;      // ask for logprobs (margin); turned off for good if the server rejects them
};

// Each prompt is one POST {base_url}/chat/completions with judge_messages as "messages", temperature 0, max_tokens, seed and, unless turned off, "logprobs": true and
// "top_logprobs": 5. choices[0].message.content is read with parse_judge_reply; the margin comes
// from the logprobs of the token holding the deciding digit, when both digits are among its top
// alternatives. Connection failures, timeouts, HTTP 429 and 5xx are retried `retries` times,
// waiting a random time up to backoff_s, 2·backoff_s, … (or the server's Retry-After, up to 30 s). A server that
// answers HTTP 400 to a request with logprobs is asked once more without them, and never again
// with them. Any other failure throws rightsize::Error naming the URL, the HTTP status or the
// missing field, and what to check. Throws at construction for a URL that is not http(s)://.
std::unique_ptr<Judge> make_endpoint_judge(const EndpointJudgeOptions & options);

struct JudgeRunOptions {
    std::string db_path, run_id, task = "humanlike";
    std::string model_a, model_b;  // the two models whose answers are compared
    size_t batch = 8;              // prompts per Judge::decide call (and per progress report)
    // Called after every batch with decisions made so far in this call and the number to make.
    std::function<void(size_t done, size_t total)> progress;
};

struct JudgeRunSummary {
    size_t n_pairs = 0;      // documents both models answered (load_vote_pairs)
    size_t n_decisions = 0;  // decisions made and stored by this call
    size_t n_already = 0;    // orders skipped because this judge had voted on them before
    size_t n_unparsed = 0;   // decisions of this call whose reply named neither answer (stored as ties)
    std::string voter;       // "judge:" + judge.name()
};

// Asks `judge` about every pair of load_vote_pairs in both orders — model_a's answer first, then
// model_b's (so the seeded left/right draw people see plays no part) — and stores each decision with record_vote as voter "judge:<name>" as soon as its
// batch is decided. Resumable: orders this voter already voted on are not asked again, so a run
// stopped midway continues where it stopped. The answers are the voter's: emoji-stripped, under
// the document's own question. Throws rightsize::Error for bad input (see load_vote_pairs) and
// whatever the judge throws; decisions stored before that are kept.
JudgeRunSummary run_judge(Judge & judge, const JudgeRunOptions & options);

}  // namespace rightsize
