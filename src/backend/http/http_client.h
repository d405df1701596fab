// HTTP for OpenAI-compatible servers: the API base URL, keep-alive connections shared by the
// threads that send requests, and retries of what is transient (no connection, a dropped or timed-out
// reply, 429, 5xx) with exponential backoff and full jitter, honouring Retry-After. What is not
// transient (4xx) comes back to the caller; what stays transient after the last retry is an Error
// naming the URL, the status and the reply's first line. The API key goes in the Authorization
// header only: never in a message, a log or a result.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace httplib {
class Client;
}

namespace rightsize {

// "http://host:8080/v1/" → origin "http://host:8080", path "/v1". A URL ending in one of
// `routes` (e.g. "/chat/completions", copied from a server log) is taken up to it.
struct ApiBase {
    std::string origin, path;
    std::string url(const std::string & route) const { return origin + path + route; }
};
ApiBase parse_api_base(std::string url, const std::string & what, const std::vector<std::string> & routes = {});

struct HttpOptions {
    int timeout_s = 600;        // connect (at most 30 s), read and write
    int retries = 5;            // after the first attempt
    double backoff_s = 0.5;     // the first wait's upper bound; doubles each retry (full jitter)
    double max_backoff_s = 30;  // no wait is longer, Retry-After included
    std::string api_key;        // sent as "Authorization: Bearer …" when not empty
};

struct HttpReply {
    int status = 0;
    std::string body;     // empty for a streamed reply that succeeded (its bytes went to the receiver)
    std::string retry_after;
};

class HttpClient {
public:
    HttpClient(ApiBase base, HttpOptions options);
    ~HttpClient();
    HttpClient(const HttpClient &) = delete;
    HttpClient & operator=(const HttpClient &) = delete;

    const ApiBase & base() const { return base_; }
    HttpReply get(const std::string & route);
    HttpReply post(const std::string & route, const std::string & json_body);
    // A POST whose reply is streamed: a 2xx reply's bytes go to on_bytes as they arrive (return false
    // to stop reading). Retried like the others only while no byte has been delivered.
    HttpReply post_stream(const std::string & route, const std::string & json_body,
                          const std::function<bool(std::string_view)> & on_bytes);
    // The wait before retry `attempt` (0-based): uniform in [0, min(max, backoff·2^attempt)], or
    // Retry-After (seconds) when the server sent it, capped at max_backoff_s.
    double backoff(int attempt, const std::string & retry_after) const;

private:
    HttpReply send(const std::string & method, const std::string & route, const std::string & body,
                   const std::function<bool(std::string_view)> * on_bytes);
    // An idle kept-alive connection (*reused), or a new one when the pool is empty or `fresh`.
    std::unique_ptr<httplib::Client> take(bool fresh, bool * reused);
    void give_back(std::unique_ptr<httplib::Client> c);
    ApiBase base_;
    HttpOptions o_;
    std::mutex pool_mutex_;
    std::vector<std::unique_ptr<httplib::Client>> pool_;  // idle keep-alive connections
};

// The first line of a reply body, at most 200 characters, for messages.
std::string first_line(const std::string & body);

}  // namespace rightsize
