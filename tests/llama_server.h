// Real servers on 127.0.0.1 for the tests of served models: llama-server (built from the pinned
// llama.cpp), and any other server process (llama-cpp-python's) by its argv.
#pragma once

#include <httplib.h>

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace rightsize::testing {

// A port nothing listens on (bound, then released).
inline int free_port() {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    socklen_t len = sizeof a;
    if (bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0 || getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len) != 0) {
        close(fd);
        return -1;
    }
    close(fd);
    return ntohs(a.sin_port);
}

// A socket listening on 127.0.0.1 at a port the kernel picks (*port), for raw loopback servers.
inline int listen_loopback(int * port) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    const int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a);
    listen(fd, 64);
    getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len);
    *port = ntohs(a.sin_port);
    return fd;
}

// A server process on 127.0.0.1:port (its argv given whole), stdout and stderr to a log, stopped
// (SIGTERM, then SIGKILL) at the end.
class ServerProcess {
public:
    ServerProcess(std::vector<std::string> args, int port, const std::filesystem::path & log, std::string ready_path = "/health")
        : port_(port), log_(log), ready_path_(std::move(ready_path)) {
        std::vector<char *> argv;
        for (auto & a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        pid_ = fork();
        if (pid_ == 0) {
            const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            dup2(fd, 1);
            dup2(fd, 2);
            execv(argv[0], argv.data());
            _exit(127);
        }
    }
    ~ServerProcess() {
        if (pid_ <= 0) return;
        kill(pid_, SIGTERM);
        for (int i = 0; i < 100; ++i) {
            if (waitpid(pid_, nullptr, WNOHANG) == pid_) return;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
    }
    ServerProcess(const ServerProcess &) = delete;
    ServerProcess & operator=(const ServerProcess &) = delete;
    // Waits for GET ready_path to answer 200 (the model is loaded); false if the server exited or
    // did not get there within the time.
    bool wait_ready(std::chrono::seconds limit) {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        httplib::Client c("127.0.0.1", port_);
        c.set_connection_timeout(1, 0);
        while (std::chrono::steady_clock::now() < deadline) {
            if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
                pid_ = -1;
                return false;
            }
            if (auto r = c.Get(ready_path_); r && r->status == 200) return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
        }
        return false;
    }
    std::string log_text() const {
        std::ifstream f(log_);
        std::string s((std::istreambuf_iterator<char>(f)), {});
        return s.size() > 3000 ? s.substr(s.size() - 3000) : s;
    }
    int port() const { return port_; }
    // Sends SIGTERM and waits for the process to end: its exit status, or -1 (killed after the time).
    int terminate_and_wait(std::chrono::seconds limit) {
        if (pid_ <= 0) return -1;
        kill(pid_, SIGTERM);
        const auto deadline = std::chrono::steady_clock::now() + limit;
        int status = 0;
        while (std::chrono::steady_clock::now() < deadline) {
            if (waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        return -1;
    }

private:
    pid_t pid_ = -1;
    int port_;
    std::filesystem::path log_;
    std::string ready_path_;
};

// llama-server on 127.0.0.1:port serving one model.
class LlamaServer : public ServerProcess {
public:
    LlamaServer(const std::string & server_binary, const std::string & model, int port, const std::filesystem::path & log,
                std::vector<std::string> extra = {})
        : ServerProcess(args(server_binary, model, port, std::move(extra)), port, log) {}

private:
    static std::vector<std::string> args(const std::string & binary, const std::string & model, int port, std::vector<std::string> extra) {
        std::vector<std::string> a = {binary, "-m", model, "--host", "127.0.0.1", "--port", std::to_string(port),
                                      "-c", "4096", "-np", "1", "-t", "2", "-fa", "off", "-s", "1234"};
        a.insert(a.end(), extra.begin(), extra.end());
        return a;
    }
};

}  // namespace rightsize::testing
