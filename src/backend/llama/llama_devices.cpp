// The devices a model runs on: this machine's (compute_devices) and llama.cpp rpc-servers'
// (--rpc), checked for reachability before llama.cpp's client touches them (llama_backend.h).
#include "llama_impl.h"

#include <rightsize/error.h>

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>

namespace rightsize {

using namespace llama_detail;

namespace {

// An rpc-server answers a TCP connection at HOST:PORT within 5 s, or an Error names it (llama.cpp's
// RPC client aborts the process on a server it cannot reach).
void check_rpc_reachable(const std::string & endpoint) {
    const auto colon = endpoint.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == endpoint.size()) {
        throw Error("--rpc " + endpoint + ": expected HOST:PORT (an rpc-server's address, e.g. 192.168.1.10:50052)");
    }
    std::string host = endpoint.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    const std::string port = endpoint.substr(colon + 1);
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo * found = nullptr;
    if (const int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &found); rc != 0) {
        throw Error("--rpc " + endpoint + ": cannot resolve '" + host + "' (" + gai_strerror(rc) + ")");
    }
    std::string why = "no address";
    bool reached = false;
    for (addrinfo * a = found; a && !reached; a = a->ai_next) {
        const int fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK, a->ai_protocol);
        if (fd < 0) continue;
        if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
            reached = true;
        } else if (errno == EINPROGRESS) {
            pollfd p{fd, POLLOUT, 0};
            int err = 0;
            socklen_t len = sizeof err;
            if (poll(&p, 1, 5000) == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0) reached = true;
            else why = err ? std::strerror(err) : "no answer within 5 s";
        } else {
            why = std::strerror(errno);
        }
        close(fd);
    }
    freeaddrinfo(found);
    if (!reached) {
        throw Error("--rpc " + endpoint + ": the RPC server is unreachable (" + why + "); start llama.cpp's rpc-server there "
                    "(build/bin/ggml-rpc-server -H 0.0.0.0 -p " + port + ") or correct the address");
    }
}

bool is_rpc_device(ggml_backend_dev_t dev) {
    return std::string(ggml_backend_reg_name(ggml_backend_dev_backend_reg(dev))) == "RPC";
}

// The devices a model is loaded on: each --rpc server's (registered once per process), then this
// machine's GPUs; without --rpc never an RPC device another model registered. Null-terminated, as
// llama_model_params.devices wants; only the terminator means the CPU alone.
}  // namespace

std::vector<ggml_backend_dev_t> llama_detail::model_devices(const std::vector<std::string> & rpc_servers) {
    static std::mutex mutex;
    static std::map<std::string, ggml_backend_reg_t> registered;
    std::lock_guard<std::mutex> lock(mutex);
    std::vector<ggml_backend_dev_t> devices;
    for (const auto & endpoint : rpc_servers) {
        auto it = registered.find(endpoint);
        if (it == registered.end()) {
            ggml_backend_reg_t rpc = ggml_backend_reg_by_name("RPC");
            if (!rpc) throw Error("--rpc " + endpoint + ": this build of llama.cpp has no RPC backend; configure with -DRIGHTSIZE_RPC=ON");
            using AddServer = ggml_backend_reg_t (*)(const char *);
            const auto add = reinterpret_cast<AddServer>(ggml_backend_reg_get_proc_address(rpc, "ggml_backend_rpc_add_server"));
            if (!add) throw Error("--rpc " + endpoint + ": llama.cpp's RPC backend does not offer ggml_backend_rpc_add_server");
            check_rpc_reachable(endpoint);
            ggml_backend_reg_t reg = add(endpoint.c_str());
            if (!reg) throw Error("--rpc " + endpoint + ": the RPC server reports no devices");
            ggml_backend_register(reg);
            it = registered.emplace(endpoint, reg).first;
        }
        for (size_t i = 0; i < ggml_backend_reg_dev_count(it->second); ++i) devices.push_back(ggml_backend_reg_dev_get(it->second, i));
    }
    for (size_t i = 0; i < ggml_backend_dev_count(); ++i) {
        ggml_backend_dev_t dev = ggml_backend_dev_get(i);
        const auto type = ggml_backend_dev_type(dev);
        if ((type == GGML_BACKEND_DEVICE_TYPE_GPU || type == GGML_BACKEND_DEVICE_TYPE_IGPU) && !is_rpc_device(dev)) devices.push_back(dev);
    }
    devices.push_back(nullptr);
    return devices;
}

void check_rpc_servers(const std::vector<std::string> & servers) {
    for (const auto & s : servers) check_rpc_reachable(s);
}

std::vector<ComputeDevice> compute_devices() {
    ensure_backend_initialised();
    std::vector<ComputeDevice> out;
    for (size_t i = 0; i < ggml_backend_dev_count(); ++i) {
        ggml_backend_dev_t dev = ggml_backend_dev_get(i);
        ComputeDevice d;
        d.name = ggml_backend_dev_name(dev);
        d.description = ggml_backend_dev_description(dev);
        switch (ggml_backend_dev_type(dev)) {
            case GGML_BACKEND_DEVICE_TYPE_CPU: d.type = "cpu"; break;
            case GGML_BACKEND_DEVICE_TYPE_GPU: d.type = "gpu"; break;
            case GGML_BACKEND_DEVICE_TYPE_IGPU: d.type = "igpu"; break;
            default: d.type = "accel"; break;
        }
        size_t free = 0, total = 0;
        ggml_backend_dev_memory(dev, &free, &total);
        d.memory_total_bytes = total;
        d.memory_free_bytes = free;
        out.push_back(std::move(d));
    }
    return out;
}


}  // namespace rightsize
