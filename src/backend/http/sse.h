// Server-sent events (the HTML Living Standard's event-stream format) as OpenAI-compatible servers
// stream completions: "data: {...}" lines, an empty line ending each event, ":" comments,
// "data: [DONE]" at the end. Bytes arrive in arbitrary pieces; the parser reassembles them.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace rightsize {

struct SseEvent {
    std::string event;  // the "event:" field; empty for the default "message"
    std::string data;   // every "data:" line of the event, joined with '\n'
    std::string id;
};

class SseParser {
public:
    // Called once per complete event (one with at least one data line).
    using Handler = std::function<void(const SseEvent &)>;
    explicit SseParser(Handler on_event) : on_event_(std::move(on_event)) {}

    // Feeds the next bytes of the stream, in any split (CRLF, LF and CR all end lines; a CRLF may
    // be split between two pieces).
    void feed(std::string_view bytes);
    // The stream ended: an event still open (no blank line after it) is dispatched. Returns
    // whether the stream ended cleanly (nothing left half-received).
    bool finish();
    size_t events() const { return events_; }

private:
    void line(std::string_view l);
    void dispatch();
    Handler on_event_;
    std::string pending_;  // a line not yet ended
    bool after_cr_ = false;
    SseEvent current_;
    bool has_data_ = false;
    size_t events_ = 0;
};

}  // namespace rightsize
