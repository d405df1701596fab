// HTTP for served models (backend/http/http_client.h) against real loopback servers whose replies
// the test scripts: transient failures retried with backoff (Retry-After honoured), other statuses
// returned at once, the last failure named, streamed replies delivered piece by piece, one
// keep-alive connection reused, and the API key only ever in the Authorization header.
#include "test_support.h"

#include "backend/http/http_client.h"
#include "llama_server.h"

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <thread>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace rightsize;
using namespace rightsize::testing;

namespace {

class Loopback {
public:
    explicit Loopback(const std::function<void(httplib::Server &)> & routes) {
        routes(server_);
        port_ = server_.bind_to_any_port("127.0.0.1");
        thread_ = std::thread([this] { server_.listen_after_bind(); });
        while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ~Loopback() {
        server_.stop();
        thread_.join();
    }
    ApiBase base() const { return parse_api_base("http://127.0.0.1:" + std::to_string(port_) + "/v1", "test"); }

private:
    httplib::Server server_;
    int port_ = 0;
    std::thread thread_;
};

HttpOptions quick(int retries = 3) {
    HttpOptions o;
    o.timeout_s = 5;
    o.retries = retries;
    o.backoff_s = 0.01;
    o.api_key = "sk-secret-123";
    return o;
}

}  // namespace

TEST(HttpClient, RetriesTransientFailuresAndHonoursRetryAfter) {
    std::atomic<int> calls{0};
    std::string auth;
    Loopback server([&](httplib::Server & s) {
        s.Post("/v1/completions", [&](const httplib::Request & rq, httplib::Response & rs) {
            auth = rq.get_header_value("Authorization");
            const int n = calls++;
            if (n == 0) {
                rs.status = 503;
            } else if (n == 1) {
                rs.status = 429;
                rs.set_header("Retry-After", "0");
            } else {
                rs.set_content("{\"ok\": true}", "application/json");
            }
        });
    });
    HttpClient client(server.base(), quick());
    const HttpReply r = client.post("/completions", "{}");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "{\"ok\": true}");
    EXPECT_EQ(calls.load(), 3);
    EXPECT_EQ(auth, "Bearer sk-secret-123");
}

TEST(HttpClient, ReturnsOtherStatusesAtOnceAndNamesTheLastFailure) {
    std::atomic<int> calls{0};
    Loopback server([&](httplib::Server & s) {
        s.Post("/v1/missing", [&](const httplib::Request &, httplib::Response & rs) {
            ++calls;
            rs.status = 404;
            rs.set_content("no such route", "text/plain");
        });
        s.Post("/v1/broken", [&](const httplib::Request &, httplib::Response & rs) {
            ++calls;
            rs.status = 500;
            rs.set_content("model crashed\nstack trace follows", "text/plain");
        });
    });
    HttpClient client(server.base(), quick(2));
    const HttpReply missing = client.post("/missing", "{}");
    EXPECT_EQ(missing.status, 404);
    EXPECT_EQ(missing.body, "no such route");
    EXPECT_EQ(calls.load(), 1) << "a 404 is not retried";
    const std::string msg = error_message([&] { client.post("/broken", "{}"); });
    EXPECT_NE(msg.find(server.base().url("/broken")), std::string::npos) << msg;
    EXPECT_NE(msg.find("HTTP 500 (model crashed…)"), std::string::npos) << msg;
    EXPECT_NE(msg.find("after 3 attempt(s)"), std::string::npos) << msg;
    EXPECT_EQ(msg.find("sk-secret"), std::string::npos) << "the key never appears in a message";
    EXPECT_EQ(calls.load(), 4);
}

TEST(HttpClient, NoServerIsANamedFailure) {
    ApiBase nowhere;
    {
        Loopback gone([](httplib::Server & s) { s.Get("/v1/models", [](const httplib::Request &, httplib::Response &) {}); });
        nowhere = gone.base();
    }  // the port is closed again
    HttpClient client(nowhere, quick(1));
    const std::string msg = error_message([&] { client.get("/models"); });
    EXPECT_NE(msg.find(nowhere.url("/models") + ": no reply"), std::string::npos) << msg;
    EXPECT_NE(msg.find("after 2 attempt(s)"), std::string::npos) << msg;
}

TEST(HttpClient, StreamsTheReplyPieceByPieceOverOneConnection) {
    std::atomic<int> calls{0};
    std::atomic<int> connections{0};
    Loopback server([&](httplib::Server & s) {
        s.set_socket_options([&](int) { ++connections; });
        s.Post("/v1/completions", [&](const httplib::Request &, httplib::Response & rs) {
            if (calls++ == 0) {
                rs.status = 502;  // before any byte: retried
                return;
            }
            rs.set_chunked_content_provider("text/event-stream", [](size_t, httplib::DataSink & sink) {
                for (int i = 0; i < 3; ++i) {
                    const std::string event = "data: {\"n\": " + std::to_string(i) + "}\n\n";
                    sink.write(event.data(), event.size());
                }
                sink.done();
                return true;
            });
        });
    });
    HttpClient client(server.base(), quick());
    std::string got;
    int pieces = 0;
    const HttpReply r = client.post_stream("/completions", "{}", [&](std::string_view b) {
        got.append(b);
        ++pieces;
        return true;
    });
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(got, "data: {\"n\": 0}\n\ndata: {\"n\": 1}\n\ndata: {\"n\": 2}\n\n");
    EXPECT_GE(pieces, 1);
    EXPECT_EQ(calls.load(), 2);
    client.post_stream("/completions", "{}", [](std::string_view) { return true; });
    EXPECT_EQ(connections.load(), 1) << "keep-alive: one connection for every request";
}

TEST(HttpClient, BackoffIsBoundedJitterUnlessTheServerSaysWhen) {
    HttpOptions o = quick();
    o.backoff_s = 0.5;
    o.max_backoff_s = 4;
    HttpClient client(parse_api_base("http://127.0.0.1:1/v1", "test"), o);
    for (int attempt = 0; attempt < 8; ++attempt) {
        const double cap = std::min(4.0, 0.5 * double(1 << attempt));
        for (int k = 0; k < 20; ++k) {
            const double w = client.backoff(attempt, "");
            EXPECT_GE(w, 0.0);
            EXPECT_LE(w, cap);
        }
    }
    EXPECT_EQ(client.backoff(0, "2"), 2.0);
    EXPECT_EQ(client.backoff(0, "120"), 4.0) << "capped";
    EXPECT_LE(client.backoff(0, "Wed, 21 Oct 2026 07:28:00 GMT"), 0.5) << "an HTTP date falls back to the backoff";
}

TEST(HttpClient, TheApiBaseIsTheUrlUpToItsVersion) {
    const ApiBase a = parse_api_base("http://host:8080/v1/chat/completions/", "endpoint", {"/chat/completions", "/completions"});
    EXPECT_EQ(a.origin, "http://host:8080");
    EXPECT_EQ(a.path, "/v1");
    EXPECT_EQ(a.url("/models"), "http://host:8080/v1/models");
    EXPECT_EQ(parse_api_base("https://api.example.com", "endpoint").path, "");
    EXPECT_NE(error_message([] { parse_api_base("ftp://x/v1", "endpoint"); }).find("expected an http:// or https:// URL"),
              std::string::npos);
    EXPECT_NE(error_message([] { parse_api_base("http:///v1", "endpoint"); }).find("names no host"), std::string::npos);
}

namespace {

// A raw HTTP/1.1 server that answers the first request of every connection (keep-alive promised),
// then reads the next request on that connection and closes it unanswered: what a server does when
// it drops an idle kept-alive connection just as the client reuses it.
class DropsIdleConnections {
public:
    DropsIdleConnections() {
        fd_ = listen_loopback(&port_);
        thread_ = std::thread([this] {
            for (int c; (c = accept(fd_, nullptr, nullptr)) >= 0;) {
                ++connections;
                if (read_request(c)) {
                    const std::string reply = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok";
                    [[maybe_unused]] const auto n = write(c, reply.data(), reply.size());
                    if (read_request(c)) ++dropped;
                }
                close(c);
            }
        });
    }
    ~DropsIdleConnections() {
        shutdown(fd_, SHUT_RDWR);
        close(fd_);
        thread_.join();
    }
    ApiBase base() const { return parse_api_base("http://127.0.0.1:" + std::to_string(port_) + "/v1", "test"); }
    std::atomic<int> connections{0}, dropped{0};

private:
    static bool read_request(int c) {  // headers, then Content-Length bytes
        std::string got;
        char buf[4096];
        while (got.find("\r\n\r\n") == std::string::npos) {
            const ssize_t n = read(c, buf, sizeof buf);
            if (n <= 0) return false;
            got.append(buf, size_t(n));
        }
        const size_t at = got.find("Content-Length: ");
        const size_t body = at == std::string::npos ? 0 : std::stoul(got.substr(at + 16));
        while (got.size() - got.find("\r\n\r\n") - 4 < body) {
            const ssize_t n = read(c, buf, sizeof buf);
            if (n <= 0) return false;
            got.append(buf, size_t(n));
        }
        return true;
    }
    int fd_ = -1, port_ = 0;
    std::thread thread_;
};

}  // namespace

TEST(HttpClient, AKeptAliveConnectionTheServerDroppedIsReopenedWithoutARetry) {
    DropsIdleConnections server;
    HttpClient client(server.base(), quick(0));  // no retries: only the reopening can save the request
    for (int i = 0; i < 3; ++i) {
        const HttpReply r = client.post("/completions", "{\"n\": 1}");
        EXPECT_EQ(r.status, 200) << "request " << i;
        EXPECT_EQ(r.body, "ok");
    }
    EXPECT_EQ(server.dropped.load(), 2) << "requests 2 and 3 first met a dropped connection";
    EXPECT_EQ(server.connections.load(), 3);
}
