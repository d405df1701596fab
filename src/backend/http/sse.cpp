// Server-sent events (sse.h).
#include "sse.h"

namespace rightsize {

void SseParser::feed(std::string_view bytes) {
    for (const char c : bytes) {
        if (after_cr_) {
            after_cr_ = false;
            if (c == '\n') continue;  // the LF of a CRLF split across pieces, or not
        }
        if (c == '\r' || c == '\n') {
            after_cr_ = c == '\r';
            line(pending_);
            pending_.clear();
        } else {
            pending_ += c;
        }
    }
}

void SseParser::line(std::string_view l) {
    if (l.empty()) {
        dispatch();
        return;
    }
    if (l[0] == ':') return;  // a comment (servers send them as keep-alives)
    const size_t colon = l.find(':');
    const std::string_view field = l.substr(0, colon);
    std::string_view value = colon == std::string_view::npos ? std::string_view() : l.substr(colon + 1);
    if (!value.empty() && value[0] == ' ') value.remove_prefix(1);
    if (field == "data") {
        if (has_data_) current_.data += '\n';
        current_.data.append(value);
        has_data_ = true;
    } else if (field == "event") {
        current_.event = value;
    } else if (field == "id") {
        current_.id = value;
    }  // "retry" and unknown fields are ignored, as the standard says
}

void SseParser::dispatch() {
    if (has_data_) {
        ++events_;
        on_event_(current_);
    }
    current_ = SseEvent{};
    has_data_ = false;
}

bool SseParser::finish() {
    const bool clean = pending_.empty() && !has_data_;
    if (!pending_.empty()) {
        line(pending_);
        pending_.clear();
    }
    dispatch();
    return clean;
}

}  // namespace rightsize
