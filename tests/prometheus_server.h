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

// prometheus scraping 127.0.0.1:exporter_port every 200 ms, stopped at the end; ready when /-/ready answers.
class Prometheus : public ServerProcess {
public:
    Prometheus(const std::string & binary, int exporter_port, const std::filesystem::path & dir)
        : Prometheus(binary, exporter_port, dir, free_port()) {}
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port()); }

private:
    Prometheus(const std::string & binary, int exporter_port, const std::filesystem::path & dir, int port)
        : ServerProcess(args(binary, exporter_port, dir, port), port, dir / "prometheus.log", "/-/ready") {}
    static std::vector<std::string> args(const std::string & binary, int exporter_port, const std::filesystem::path & dir, int port) {
        std::filesystem::create_directories(dir / "tsdb");
        std::ofstream(dir / "prometheus.yml") << "global:\n  scrape_interval: 200ms\n  evaluation_interval: 1s\n"
                                              << "scrape_configs:\n  - job_name: test\n    scrape_interval: 200ms\n    scrape_timeout: 200ms\n"
                                              << "    static_configs:\n      - targets: ['127.0.0.1:" << exporter_port << "']\n";
        return {binary, "--config.file=" + (dir / "prometheus.yml").string(), "--storage.tsdb.path=" + (dir / "tsdb").string(),
                "--web.listen-address=127.0.0.1:" + std::to_string(port), "--log.level=warn"};
    }
};

}  // namespace rightsize::testing
