// rightsize serve's request bodies (src/serve/serve_request.cpp): the first byte picks the route
// (completions, chat completions, /tokenize, /detokenize), the rest is the body. Bad bodies must be
// an ApiError naming the field with a 4xx status; what parses must hold the invariants the routes
// rely on (a prompt to serve, counts in range).
#include "fuzz_support.h"

#include "serve/serve_request.h"

#include <cxxabi.h>

namespace {

void check(bool ok, const char * what) {
    if (!ok) {
        std::fprintf(stderr, "FINDING: a parsed request breaks an invariant: %s\n", what);
        std::abort();
    }
}

void parse(uint8_t route, const std::string & body) {
    using namespace rightsize::serve;
    const nlohmann::json j = parse_body(body);
    switch (route % 4) {
    case 0: {
        const CompletionRequest r = parse_completion_request(j);
        check(!r.prompts.empty(), "completions without a prompt");
        for (const auto & p : r.prompts) check(!p.is_tokens || !p.tokens.empty(), "an empty token prompt");
        check(r.sampling.max_tokens >= 0 && (r.sampling.max_tokens > 0 || r.echo), "max_tokens");
        check(r.logprobs >= -1 && r.logprobs <= kMaxTopLogprobs, "logprobs");
        break;
    }
    case 1: {
        const ChatRequest r = parse_chat_request(j);
        check(!r.messages.empty(), "chat without messages");
        check(r.top_logprobs >= 0 && r.top_logprobs <= kMaxTopLogprobs && (r.logprobs || r.top_logprobs == 0), "top_logprobs");
        break;
    }
    case 2: (void)parse_tokenize_request(j); break;
    default:
        for (int32_t t : parse_detokenize_request(j)) check(t >= 0, "a negative token id");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t * data, size_t size) {
    if (size == 0) return 0;
    const std::string body(reinterpret_cast<const char *>(data) + 1, size - 1);
    try {
        parse(data[0], body);
    } catch (const rightsize::serve::ApiError & e) {
        if (e.status() < 400 || e.status() >= 500) {
            std::fprintf(stderr, "FINDING: a bad body answered %d: %s\n", e.status(), e.what());
            std::abort();
        }
    } catch (const std::exception & e) {
        int status = 0;
        char * type = abi::__cxa_demangle(typeid(e).name(), nullptr, nullptr, &status);
        std::fprintf(stderr, "FINDING: %s escaped (not an ApiError): %s\n", status == 0 ? type : typeid(e).name(), e.what());
        std::abort();
    }
    return 0;
}
