// Deterministic shards of a run (shard.h).
#include <rightsize/error.h>
#include <rightsize/shard.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <numeric>
#include <tuple>

namespace rightsize {

namespace {

// A whole number in [lo, hi] from text, or nullopt.
std::optional<long> whole(const std::string & text, long lo, long hi) {
    if (text.empty() || text.size() > 18) return std::nullopt;
    for (char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
    }
    errno = 0;
    const long v = std::strtol(text.c_str(), nullptr, 10);
    if (errno != 0 || v < lo || v > hi) return std::nullopt;
    return v;
}

long variable(const std::function<const char *(const char *)> & env, const char * name, long lo) {
    const char * v = env(name);
    const auto n = whole(v ? v : "", lo, INT_MAX);
    if (!n) {
        throw Error(std::string("the scheduler's ") + name + "='" + (v ? v : "") + "' is not a whole number" +
                    (lo > 0 ? " of at least " + std::to_string(lo) : std::string()) + "; give --shard I/N instead");
    }
    return *n;
}

}  // namespace

Shard parse_shard(const std::string & text) {
    const size_t slash = text.find('/');
    const auto bad = [&] {
        return Error("--shard '" + text + "': expected I/N, the 0-based index of this shard and the number of shards (0/4 … 3/4)");
    };
    if (slash == std::string::npos) throw bad();
    const auto i = whole(text.substr(0, slash), 0, INT_MAX);
    const auto n = whole(text.substr(slash + 1), 1, INT_MAX);
    if (!i || !n) throw bad();
    if (*i >= *n) throw Error("--shard '" + text + "': the index must be below the count (0 to " + std::to_string(*n - 1) + ")");
    return {int(*i), int(*n), "--shard"};
}

std::optional<Shard> shard_from_environment(const std::function<const char *(const char *)> & env, std::optional<int> count) {
    if (env("SLURM_ARRAY_TASK_ID")) {
        const long id = variable(env, "SLURM_ARRAY_TASK_ID", 0);
        const long min = env("SLURM_ARRAY_TASK_MIN") ? variable(env, "SLURM_ARRAY_TASK_MIN", 0) : 0;
        const long n = count ? *count : variable(env, "SLURM_ARRAY_TASK_COUNT", 1);
        if (id < min || id - min >= n) {
            throw Error("the Slurm array task " + std::to_string(id) + " is outside the array " + std::to_string(min) + "…" +
                        std::to_string(min + n - 1) + " (SLURM_ARRAY_TASK_MIN, SLURM_ARRAY_TASK_COUNT); an array with steps "
                        "(--array=0-9:2) needs --shard I/N");
        }
        return Shard{int(id - min), int(n), "Slurm job array (SLURM_ARRAY_TASK_ID " + std::to_string(id) + ")"};
    }
    if (env("JOB_COMPLETION_INDEX")) {
        const long index = variable(env, "JOB_COMPLETION_INDEX", 0);
        if (!count) {
            throw Error("JOB_COMPLETION_INDEX is set (a Kubernetes Indexed Job) but the number of shards is not: give "
                        "--shard-count N, the Job's completions");
        }
        if (index >= *count) {
            throw Error("JOB_COMPLETION_INDEX " + std::to_string(index) + " is not below --shard-count " + std::to_string(*count));
        }
        return Shard{int(index), *count, "Kubernetes Indexed Job (JOB_COMPLETION_INDEX " + std::to_string(index) + ")"};
    }
    return std::nullopt;
}

std::string shard_folder_name(const Shard & shard) {
    return "shard-" + std::to_string(shard.index) + "-of-" + std::to_string(shard.count);
}

std::vector<int> assign_shards(std::span<const WorkUnit> units, int count) {
    if (count < 1) throw Error("the number of shards must be at least 1");
    std::vector<size_t> order(units.size());
    std::iota(order.begin(), order.end(), size_t(0));
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        const WorkUnit & x = units[a];
        const WorkUnit & y = units[b];
        if (x.cost != y.cost) return x.cost > y.cost;
        return std::tie(x.model, x.task, x.chunk) < std::tie(y.model, y.task, y.chunk);
    });
    std::vector<double> load(size_t(count), 0.0);
    std::vector<int> shard(units.size(), 0);
    for (size_t u : order) {
        const size_t least = size_t(std::min_element(load.begin(), load.end()) - load.begin());  // the first of equals
        shard[u] = int(least);
        load[least] += std::max(0.0, units[u].cost);
    }
    return shard;
}

double expected_cost(size_t documents, bool generates, int choices, int max_gen_tokens, int repeats) {
    const double per_document = generates ? double(max_gen_tokens > 0 ? max_gen_tokens : 256) : double(std::max(1, choices));
    return double(documents) * per_document * double(std::max(1, repeats));
}

}  // namespace rightsize
