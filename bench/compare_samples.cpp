// rightsize-compare-samples A_DIR B_DIR [--list]: how far two runs of the same multiple-choice
// tasks apart in batch shape (e.g. the default and `--exact`) moved each document.
//
// For every model folder and samples_<task>.jsonl present in both runs, documents are matched by
// doc_id and compared on:
//   - the prediction: argmax of the choices' log-likelihoods, raw and (for tasks that report
//     acc_norm) divided by the choice's length in characters (lm-eval's acc / acc_norm rule);
//   - every per-document metric (acc, acc_norm, acc_norm_tokens, …): documents whose 0/1 value
//     flipped, and for other values (truthfulqa_mc2's probability mass) the largest change;
//   - the largest change of one choice's log-likelihood, in nats.
// Prints a Markdown table (one row per model × task); --list adds every document whose prediction
// or a metric moved, with its target and both runs' predictions and margins (best − second, nats).
// bench/batch_shape.sh runs the two configurations and calls this; docs/tasks.md has the figures.
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct Doc {
    std::vector<double> ll;        // per choice
    std::vector<double> chars;     // per choice: the choice's length in characters
    json target;
    std::map<std::string, double> metrics;
};

size_t utf8_chars(const std::string & s) {
    size_t n = 0;
    for (unsigned char c : s) n += (c & 0xC0) != 0x80;
    return n;
}

// A document with one log-likelihood per choice; nullopt-like empty ll for other shapes.
Doc read_doc(const json & j) {
    Doc d;
    const json & resps = j.value("filtered_resps", json::array());
    for (const auto & r : resps) {
        if (!r.is_array() || r.empty() || !r[0].is_number()) return {};
        d.ll.push_back(r[0].get<double>());
    }
    const json & choices = j.value("choices", json::array());
    for (size_t i = 0; i < d.ll.size(); ++i) {
        const double n = i < choices.size() && choices[i].is_string() ? double(utf8_chars(choices[i].get<std::string>())) : 1.0;
        d.chars.push_back(std::max(1.0, n));
    }
    d.target = j.value("target", json());
    if (j.contains("metrics")) {
        for (const auto & [filter, values] : j["metrics"].items()) {
            for (const auto & [name, v] : values.items()) {
                if (v.is_number()) d.metrics[name + (filter == "none" ? "" : "," + filter)] = v.get<double>();
            }
        }
    }
    return d;
}

std::map<long, Doc> read_samples(const fs::path & p) {
    std::map<long, Doc> out;
    std::ifstream in(p);
    std::string line;
    for (size_t n = 1; std::getline(in, line); ++n) {
        if (line.empty()) continue;
        const json j = json::parse(line, nullptr, false);
        if (j.is_discarded()) throw std::runtime_error(p.string() + ":" + std::to_string(n) + ": not a JSON line; re-run the task to rewrite it");
        Doc d = read_doc(j);
        if (d.ll.size() >= 2) out[j.value("doc_id", -1L)] = std::move(d);
    }
    return out;
}

struct Pick {
    size_t best = 0;
    double margin = 0;  // best − second best, in the score's units
};

Pick pick(const Doc & d, bool normalised) {
    std::vector<double> s(d.ll.size());
    for (size_t i = 0; i < s.size(); ++i) s[i] = normalised ? d.ll[i] / d.chars[i] : d.ll[i];
    Pick p;
    for (size_t i = 1; i < s.size(); ++i) {
        if (s[i] > s[p.best]) p.best = i;
    }
    double second = -INFINITY;
    for (size_t i = 0; i < s.size(); ++i) {
        if (i != p.best) second = std::max(second, s[i]);
    }
    p.margin = s[p.best] - second;
    return p;
}

struct Row {
    bool normalises = false;  // the task reports acc_norm: its per-character prediction counts
    size_t docs = 0, raw_changed = 0, norm_changed = 0;
    double max_delta = 0;
    std::map<std::string, size_t> metric_changed;  // 0/1 metrics: documents that flipped
    std::map<std::string, double> metric_delta;    // other metrics: the largest change
    std::vector<std::string> listed;
};

std::string describe(long id, const Doc & a, const Doc & b, const std::string & moved) {
    const Pick ra = pick(a, false), rb = pick(b, false), na = pick(a, true), nb = pick(b, true);
    char buf[400];
    snprintf(buf, sizeof buf, "doc %ld target %s | raw %zu (margin %.4f) → %zu (%.4f) | norm %zu (%.5f) → %zu (%.5f)%s", id,
             a.target.dump().c_str(), ra.best, ra.margin, rb.best, rb.margin, na.best, na.margin, nb.best, nb.margin, moved.c_str());
    return buf;
}

Row compare(const std::map<long, Doc> & a, const std::map<long, Doc> & b) {
    Row row;
    for (const auto & [id, da] : a) {
        const auto it = b.find(id);
        if (it == b.end() || it->second.ll.size() != da.ll.size()) continue;
        const Doc & db = it->second;
        ++row.docs;
        for (size_t i = 0; i < da.ll.size(); ++i) row.max_delta = std::max(row.max_delta, std::abs(da.ll[i] - db.ll[i]));
        const bool raw = pick(da, false).best != pick(db, false).best;
        row.normalises = row.normalises || da.metrics.count("acc_norm");
        const bool norm = da.metrics.count("acc_norm") && pick(da, true).best != pick(db, true).best;
        row.raw_changed += raw;
        row.norm_changed += norm;
        std::string moved;
        for (const auto & [name, v] : da.metrics) {
            const auto m = db.metrics.find(name);
            if (m == db.metrics.end() || m->second == v) continue;
            const bool binary = (v == 0 || v == 1) && (m->second == 0 || m->second == 1);
            if (!binary) {
                row.metric_delta[name] = std::max(row.metric_delta[name], std::abs(m->second - v));
                continue;
            }
            ++row.metric_changed[name];
            moved += " | " + name + " " + std::to_string(int(v)) + " → " + std::to_string(int(m->second));
        }
        if (raw || norm || !moved.empty()) row.listed.push_back(describe(id, da, db, moved));
    }
    return row;
}

std::string percent(size_t n, size_t d) {
    char buf[64];
    snprintf(buf, sizeof buf, "%zu (%.1f %%)", n, d ? 100.0 * double(n) / double(d) : 0.0);
    return buf;
}

}  // namespace

int main(int argc, char ** argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s A_DIR B_DIR [--list]\n", argv[0]);
        return 2;
    }
    const bool list = argc > 3 && std::string(argv[3]) == "--list";
    const fs::path A = argv[1], B = argv[2];
    printf("| model | task | docs | prediction changed (raw) | prediction changed (per char, acc_norm tasks) | metrics that moved | max Δ log-lik (nats) |\n");
    printf("| --- | --- | ---: | ---: | ---: | --- | ---: |\n");
    std::vector<std::string> listing;
    size_t total_docs = 0, total_raw = 0, total_norm = 0, norm_docs = 0;
    try {
        for (const auto & model : fs::directory_iterator(A)) {
            if (!model.is_directory() || !fs::is_directory(B / model.path().filename())) continue;
            std::map<std::string, fs::path> files;
            for (const auto & f : fs::directory_iterator(model.path())) {
                const std::string name = f.path().filename().string();
                if (name.rfind("samples_", 0) == 0 && f.path().extension() == ".jsonl") files[name] = f.path();
            }
            for (const auto & [name, path] : files) {
                const fs::path other = B / model.path().filename() / name;
                if (!fs::exists(other)) continue;
                const Row row = compare(read_samples(path), read_samples(other));
                if (row.docs == 0) continue;
                const std::string task = name.substr(8, name.size() - 8 - 6);
                std::string moved;
                for (const auto & [m, n] : row.metric_changed) moved += (moved.empty() ? "" : ", ") + m + " " + std::to_string(n);
                for (const auto & [m, d] : row.metric_delta) {
                    char buf[96];
                    snprintf(buf, sizeof buf, "%s by up to %.2g", m.c_str(), d);
                    moved += (moved.empty() ? "" : ", ") + std::string(buf);
                }
                printf("| %s | %s | %zu | %s | %s | %s | %.4f |\n", model.path().filename().c_str(), task.c_str(), row.docs,
                       percent(row.raw_changed, row.docs).c_str(), row.normalises ? percent(row.norm_changed, row.docs).c_str() : "–",
                       moved.empty() ? "none" : moved.c_str(), row.max_delta);
                total_docs += row.docs;
                total_raw += row.raw_changed;
                total_norm += row.norm_changed;
                if (row.normalises) norm_docs += row.docs;
                for (const auto & l : row.listed) listing.push_back(task + " " + l);
            }
        }
    } catch (const std::exception & e) {
        fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
    printf("| all | | %zu | %s | %s | | |\n", total_docs, percent(total_raw, total_docs).c_str(),
           norm_docs ? (percent(total_norm, norm_docs) + " of " + std::to_string(norm_docs)).c_str() : "–");
    if (list) {
        printf("\n");
        for (const auto & l : listing) printf("- %s\n", l.c_str());
    }
    return 0;
}
