// A loopback HTTP proxy that injects faults, for the served-model tests: in front of a real server,
// it forwards every request but, by a fixed pattern, drops the connection without a reply, answers
// 429 with Retry-After or answers 503. One thread per connection; every reply closes its connection.
#pragma once

#include "llama_server.h"

#include <httplib.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace rightsize::testing {

class FaultProxy {
public:
    // Request k (0-based, in arrival order) meets fault pattern[k % pattern.size()]: 'd' drop,
    // 'r' 429 with Retry-After: 0, 's' 503, '.' forwarded.
    FaultProxy(int upstream_port, std::string pattern) : upstream_port_(upstream_port), pattern_(std::move(pattern)) {
        fd_ = listen_loopback(&port_);
        acceptor_ = std::thread([this] {
            for (int c; (c = accept(fd_, nullptr, nullptr)) >= 0;) {
                std::lock_guard lock(m_);
                workers_.emplace_back([this, c] { serve(c); });
            }
        });
    }
    ~FaultProxy() {
        shutdown(fd_, SHUT_RDWR);
        close(fd_);
        acceptor_.join();
        std::lock_guard lock(m_);
        for (auto & t : workers_) t.join();
    }
    int port() const { return port_; }
    // Requests for these paths are answered 404, as by a server that lacks the route.
    std::vector<std::string> missing_routes;
    // Every request's "METHOD PATH", in arrival order.
    std::vector<std::string> seen() {
        std::lock_guard lock(m_);
        return seen_;
    }
    std::atomic<int> requests{0}, dropped{0}, too_many{0}, unavailable{0}, forwarded{0};

private:
    struct Request {
        std::string method, path, body;
    };

    static bool read_request(int c, Request & rq) {
        std::string got;
        char buf[8192];
        size_t head_end;
        while ((head_end = got.find("\r\n\r\n")) == std::string::npos) {
            const ssize_t n = read(c, buf, sizeof buf);
            if (n <= 0) return false;
            got.append(buf, size_t(n));
        }
        const std::string head = got.substr(0, head_end);
        rq.method = head.substr(0, head.find(' '));
        rq.path = head.substr(rq.method.size() + 1, head.find(' ', rq.method.size() + 1) - rq.method.size() - 1);
        size_t length = 0;
        for (const char * key : {"Content-Length: ", "content-length: "}) {
            if (const size_t at = head.find(key); at != std::string::npos) length = std::stoul(head.substr(at + 16));
        }
        rq.body = got.substr(head_end + 4);
        while (rq.body.size() < length) {
            const ssize_t n = read(c, buf, sizeof buf);
            if (n <= 0) return false;
            rq.body.append(buf, size_t(n));
        }
        return true;
    }

    static void reply(int c, int status, const std::string & reason, const std::string & type, const std::string & body,
                      const std::string & extra = "") {
        const std::string head = "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\nContent-Type: " + type +
                                 "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n" + extra + "\r\n";
        const std::string all = head + body;
        for (size_t at = 0; at < all.size();) {
            const ssize_t n = write(c, all.data() + at, all.size() - at);
            if (n <= 0) return;
            at += size_t(n);
        }
    }

    void serve(int c) {
        Request rq;
        if (read_request(c, rq)) {
            {
                std::lock_guard lock(m_);
                seen_.push_back(rq.method + " " + rq.path);
            }
            if (std::find(missing_routes.begin(), missing_routes.end(), rq.path) != missing_routes.end()) {
                reply(c, 404, "Not Found", "application/json", "{\"error\": {\"message\": \"File Not Found\"}}");
                close(c);
                return;
            }
            const int k = requests++;
            const char fault = pattern_.empty() ? '.' : pattern_[size_t(k) % pattern_.size()];
            if (fault == 'd') {
                ++dropped;  // closed with no reply
            } else if (fault == 'r') {
                ++too_many;
                reply(c, 429, "Too Many Requests", "application/json", "{\"error\": {\"message\": \"slow down\"}}", "Retry-After: 0\r\n");
            } else if (fault == 's') {
                ++unavailable;
                reply(c, 503, "Service Unavailable", "application/json", "{\"error\": {\"message\": \"loading\"}}");
            } else {
                ++forwarded;
                httplib::Client up("127.0.0.1", upstream_port_);
                up.set_read_timeout(120, 0);
                const auto res = rq.method == "GET" ? up.Get(rq.path) : up.Post(rq.path, rq.body, "application/json");
                if (res) reply(c, res->status, "OK", res->get_header_value("Content-Type"), res->body);
            }
        }
        close(c);
    }

    int upstream_port_;
    std::string pattern_;
    int fd_ = -1, port_ = 0;
    std::thread acceptor_;
    std::mutex m_;
    std::vector<std::thread> workers_;
    std::vector<std::string> seen_;
};

}  // namespace rightsize::testing
