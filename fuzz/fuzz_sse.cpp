// A streamed completion as the endpoint backend reads it (backend/http/sse.h, openai_reply.h): the
// bytes of an SSE body, cut into pieces at places the input chooses. Two properties besides "only
// rightsize::Error escapes": the events do not depend on where the stream was cut, and a stream the
// reader accepts gives the same text however it was cut.
#include "fuzz_support.h"

#include "backend/http/openai_reply.h"
#include "backend/http/sse.h"

#include <vector>

namespace {

struct Read {
    std::vector<std::string> events;  // event, data and id of each, joined
    bool clean = false;
};

Read read_events(std::string_view body, const std::vector<size_t> & cuts) {
    Read r;
    rightsize::SseParser sse([&](const rightsize::SseEvent & e) { r.events.push_back(e.event + '\0' + e.data + '\0' + e.id); });
    size_t at = 0;
    for (const size_t c : cuts) {
        sse.feed(body.substr(at, c - at));
        at = c;
    }
    sse.feed(body.substr(at));
    r.clean = sse.finish();
    return r;
}

// The completion's text, or "error" when the reader refused the stream.
std::string read_completion(std::string_view body, const std::vector<size_t> & cuts, bool chat) {
    std::string text = "error";
    rightsize_fuzz::expect_only_rightsize_errors([&] {
        rightsize::CompletionStream stream(chat, "fuzz");
        size_t at = 0;
        for (const size_t c : cuts) {
            stream.feed(body.substr(at, c - at));
            at = c;
        }
        stream.feed(body.substr(at));
        text = stream.finish().text;
    });
    return text;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t * data, size_t size) {
    if (size < 2) return 0;
    // The first byte picks the shape (bit 0: chat) and the step between cuts (the other bits).
    const bool chat = data[0] & 1;
    const size_t step = 1 + (data[0] >> 1);
    const std::string body = rightsize_fuzz::as_text(data + 1, size - 1);
    std::vector<size_t> cuts;
    for (size_t c = step; c < body.size(); c += step + (c % 3)) cuts.push_back(c);

    const Read whole = read_events(body, {});
    const Read pieces = read_events(body, cuts);
    if (whole.events != pieces.events || whole.clean != pieces.clean) {
        std::fprintf(stderr, "FINDING: the SSE events depend on where the stream was cut (%zu vs %zu events)\n", whole.events.size(),
                     pieces.events.size());
        std::abort();
    }
    if (read_completion(body, {}, chat) != read_completion(body, cuts, chat)) {
        std::fprintf(stderr, "FINDING: the completion's text depends on where the stream was cut\n");
        std::abort();
    }
    return 0;
}
