// HTTP for OpenAI-compatible servers (http_client.h).
#include "http_client.h"

#include <rightsize/error.h>

#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <thread>

namespace rightsize {

ApiBase parse_api_base(std::string url, const std::string & what, const std::vector<std::string> & routes) {
    const bool http = url.rfind("http://", 0) == 0, https = url.rfind("https://", 0) == 0;
    if (!http && !https) {
        throw Error(what + " '" + url + "': expected an http:// or https:// URL up to the API version, e.g. http://127.0.0.1:8080/v1");
    }
    const std::string given = url;
    const size_t host_start = https ? 8 : 7;
    while (url.size() > host_start && url.back() == '/') url.pop_back();
    for (const auto & r : routes) {
        if (url.ends_with(r) && url.size() > host_start + r.size()) {
            url.resize(url.size() - r.size());
            break;
        }
    }
    const size_t slash = url.find('/', host_start);
    ApiBase b;
    b.origin = url.substr(0, slash);
    b.path = slash == std::string::npos ? "" : url.substr(slash);
    if (b.origin.size() == host_start) throw Error(what + " '" + given + "': the URL names no host");
    return b;
}

std::string first_line(const std::string & body) {
    std::string s = body.substr(0, std::min(body.find_first_of("\r\n"), size_t(200)));
    return body.size() > s.size() ? s + "…" : s;
}

HttpClient::HttpClient(ApiBase base, HttpOptions options) : base_(std::move(base)), o_(std::move(options)) {
    if (o_.timeout_s < 1 || o_.retries < 0 || o_.backoff_s < 0 || o_.max_backoff_s < 0) {
        throw Error(base_.url("") + ": the request timeout must be at least 1 s, retries and backoff not negative");
    }
}

HttpClient::~HttpClient() = default;

std::unique_ptr<httplib::Client> HttpClient::take(bool fresh, bool * reused) {
    *reused = false;
    if (!fresh) {
        std::lock_guard lock(pool_mutex_);
        if (!pool_.empty()) {
            auto c = std::move(pool_.back());
            pool_.pop_back();
            *reused = c->is_socket_open() > 0;  // a kept-alive connection (not one the server closed with its reply)
            return c;
        }
    }
    auto c = std::make_unique<httplib::Client>(base_.origin);
    c->set_keep_alive(true);
    c->set_connection_timeout(std::min(o_.timeout_s, 30), 0);
    c->set_read_timeout(o_.timeout_s, 0);
    c->set_write_timeout(o_.timeout_s, 0);
    if (!o_.api_key.empty()) c->set_bearer_token_auth(o_.api_key);
    return c;
}

void HttpClient::give_back(std::unique_ptr<httplib::Client> c) {
    std::lock_guard lock(pool_mutex_);
    pool_.push_back(std::move(c));
}

double HttpClient::backoff(int attempt, const std::string & retry_after) const {
    if (!retry_after.empty()) {
        try {
            return std::clamp(std::stod(retry_after), 0.0, o_.max_backoff_s);
        } catch (const std::exception &) {  // an HTTP date: the backoff below
        }
    }
    const double cap = std::min(o_.max_backoff_s, o_.backoff_s * double(1u << std::min(attempt, 20)));
    thread_local std::mt19937_64 rng{std::random_device{}()};
    return std::uniform_real_distribution<double>(0.0, cap)(rng);
}

HttpReply HttpClient::get(const std::string & route) { return send("GET", route, "", nullptr); }

HttpReply HttpClient::post(const std::string & route, const std::string & json_body) { return send("POST", route, json_body, nullptr); }

HttpReply HttpClient::post_stream(const std::string & route, const std::string & json_body,
                                  const std::function<bool(std::string_view)> & on_bytes) {
    return send("POST", route, json_body, &on_bytes);
}

HttpReply HttpClient::send(const std::string & method, const std::string & route, const std::string & body,
                           const std::function<bool(std::string_view)> * on_bytes) {
    const std::string url = base_.url(route);
    std::string last;
    bool stale = false;  // the last try failed on a kept-alive connection the server had closed
    for (int attempt = 0;; ++attempt) {
        httplib::Request req;
        req.method = method;
        req.path = base_.path + route;
        if (!body.empty()) {
            req.body = body;
            req.set_header("Content-Type", "application/json");
        }
        bool delivered = false, ok_status = false;
        std::string error_body;
        if (on_bytes) {
            req.response_handler = [&](const httplib::Response & r) {
                ok_status = r.status >= 200 && r.status < 300;
                return true;
            };
            req.content_receiver = [&](const char * data, size_t n, uint64_t, uint64_t) {
                if (!ok_status) {
                    error_body.append(data, n);
                    return true;
                }
                delivered = true;
                return (*on_bytes)(std::string_view(data, n));
            };
        }
        bool reused = false;
        auto client = take(stale, &reused);
        stale = false;
        httplib::Response res;
        httplib::Error err = httplib::Error::Success;
        const bool sent = client->send(req, res, err);
        HttpReply reply;
        if (sent) {
            give_back(std::move(client));
            reply.status = res.status;
            reply.body = on_bytes ? (ok_status ? std::string() : error_body) : res.body;
            reply.retry_after = res.get_header_value("Retry-After");
            const bool transient = res.status == 429 || res.status >= 500;
            if (!transient) return reply;
            last = "HTTP " + std::to_string(res.status) + " (" + first_line(reply.body) + ")";
        } else {
            if (err == httplib::Error::Canceled && delivered) return HttpReply{200, "", ""};  // the receiver stopped reading
            last = "no reply (" + httplib::to_string(err) + ")";
            if (reused && !delivered) {  // the server closed the idle connection: once more on a new one, not a retry
                stale = true;
                --attempt;
                continue;
            }
        }
        if (delivered) throw Error(url + ": the streamed reply broke off (" + last + "); the request cannot be retried half-read");
        if (attempt >= o_.retries) {
            throw Error(url + ": " + last + " after " + std::to_string(attempt + 1) +
                        " attempt(s); check that the server is running");
        }
        std::this_thread::sleep_for(std::chrono::duration<double>(backoff(attempt, reply.retry_after)));
    }
}

}  // namespace rightsize
