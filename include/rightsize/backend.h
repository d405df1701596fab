// The engine interface: every way of running a model (in-process llama.cpp, HTTP endpoints)
// implements Backend. Requests are served in batches so a backend can share work between them.
#pragma once

#include <rightsize/model_facts.h>
#include <rightsize/requests.h>

#include <span>
#include <string>
#include <vector>

namespace rightsize {

class Backend {
public:
    virtual ~Backend() = default;

    virtual const ModelFacts & facts() const = 0;

    // Text ⇄ tokens with the model's own tokenizer. add_special adds BOS/EOS as the model
    // configures; parse_special lets "<|im_start|>"-style text become control tokens.
    virtual std::vector<int32_t> tokenize(std::string_view text, bool add_special, bool parse_special) const = 0;
    virtual std::string detokenize(std::span<const int32_t> tokens) const = 0;

    // Renders messages with the model's chat template (add_assistant: open an assistant turn).
    virtual std::string apply_chat_template(std::span<const ChatMessage> messages, bool add_assistant) const = 0;

    // Scores every request. Results are in request order and equal (within float tolerance)
    // to scoring each request alone.
    virtual std::vector<LoglikelihoodResult> loglikelihood(std::span<const LoglikelihoodRequest> requests) = 0;
    virtual std::vector<RollingResult> loglikelihood_rolling(std::span<const RollingRequest> requests) = 0;

    // Generates for every request (several in parallel where the backend can); on_token, when
    // given, is called for every token as it arrives, on_finished as each request ends.
    virtual std::vector<GenerateResult> generate(std::span<const GenerateRequest> requests,
                                                 const StreamCallback & on_token = {},
                                                 const FinishCallback & on_finished = {}) = 0;
};

}  // namespace rightsize
