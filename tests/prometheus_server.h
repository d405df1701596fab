// A real Prometheus (Debian's) on 127.0.0.1 scraping an exporter the test runs and advances, for
// the served-model energy and memory path (prometheus.h).
#pragma once

#include "llama_server.h"

#include <httplib.h>

#include <atomic>
#include <map>
#include <mutex>

namespace rightsize::testing {

// /metrics in Prometheus' text format: the gauges and counters the test sets.
class Exporter {
public:
    Exporter() {
        server_.Get("/metrics", [this](const httplib::Request &, httplib::Response & rs) {
            std::lock_guard lock(m_);
            std::string text;
            for (const auto & [series, v] : values_) text += series + " " + std::to_string(v) + "\n";
            rs.set_content(text, "text/plain; version=0.0.4");
        });
        port_ = server_.bind_to_any_port("127.0.0.1");
        thread_ = std::thread([this] { server_.listen_after_bind(); });
        while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ~Exporter() {
        server_.stop();
        thread_.join();
    }
    void set(const std::string & series, double v) {
        std::lock_guard lock(m_);
        values_[series] = v;
    }
    void add(const std::string & series, double v) {
        std::lock_guard lock(m_);
        values_[series] += v;
    }
    int port() const { return port_; }

private:
    httplib::Server server_;
    std::mutex m_;
    std::map<std::string, double> values_;
    int port_ = 0;
    std::thread thread_;
};

// prometheus scraping 127.0.0.1:exporter_port every 200 ms, stopped at the end.
class Prometheus {
public:
    Prometheus(const std::string & binary, int exporter_port, const std::filesystem::path & dir) : port_(free_port()) {
        std::filesystem::create_directories(dir / "tsdb");
        std::ofstream(dir / "prometheus.yml") << "global:\n  scrape_interval: 200ms\n  evaluation_interval: 1s\n"
                                              << "scrape_configs:\n  - job_name: test\n    scrape_interval: 200ms\n    scrape_timeout: 200ms\n"
                                              << "    static_configs:\n      - targets: ['127.0.0.1:" << exporter_port << "']\n";
        std::vector<std::string> args = {binary, "--config.file=" + (dir / "prometheus.yml").string(),
                                         "--storage.tsdb.path=" + (dir / "tsdb").string(),
                                         "--web.listen-address=127.0.0.1:" + std::to_string(port_), "--log.level=warn"};
        std::vector<char *> argv;
        for (auto & a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        log_ = dir / "prometheus.log";
        pid_ = fork();
        if (pid_ == 0) {
            const int fd = open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            dup2(fd, 1);
            dup2(fd, 2);
            execv(argv[0], argv.data());
            _exit(127);
        }
    }
    ~Prometheus() {
        if (pid_ <= 0) return;
        kill(pid_, SIGTERM);
        for (int i = 0; i < 100; ++i) {
            if (waitpid(pid_, nullptr, WNOHANG) == pid_) return;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
    }
    // /-/ready answers 200.
    bool wait_ready(std::chrono::seconds limit) {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        httplib::Client c("127.0.0.1", port_);
        c.set_connection_timeout(1, 0);
        while (std::chrono::steady_clock::now() < deadline) {
            if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
                pid_ = -1;
                return false;
            }
            if (auto r = c.Get("/-/ready"); r && r->status == 200) return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        return false;
    }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    std::string log_text() const {
        std::ifstream in(log_);
        return std::string(std::istreambuf_iterator<char>(in), {});
    }

private:
    int port_;
    pid_t pid_ = -1;
    std::filesystem::path log_;
};

}  // namespace rightsize::testing
