// rightsize-output-digest RUN_DIR OUT_DIR: a copy of every output file of a `rightsize run` folder
// with the fields that legitimately differ between two runs of the same experiment taken out
// (timings, memory peaks, energy and CO2e, dates, run ids, commit hashes), so that two runs'
// digests can be compared with `diff -r`. bench/run_outputs_identical.sh uses it to show that a
// refactoring changed no result.
//
// - JSON and JSONL: the volatile keys below are removed at every depth; keys are sorted.
// - CSV: the volatile columns are removed.
// - rightsize.sqlite: every table dumped as JSONL (rows in primary-key order), JSON columns
//   normalised like JSON files, volatile columns removed.
// - HTML and Markdown: the behaviour-probe sections, numbers masked. The rest is drawn from
//   report.json, whose timing-free fields are compared; its charts, Pareto marks, PER notes and
//   least-energy sentences follow the timings.
#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// Figures that depend on the machine's load or the clock, and identifiers that are new every run.
const std::set<std::string> kVolatile = {
    "cost_ms", "wall_s", "samples_per_s", "ms_per_sample", "tokens_per_s", "ms_per_token", "processed_tokens_per_s",
    "prompt_tokens_per_s", "ttft_ms", "tpot_ms", "itl_ms", "e2e_ms", "peak_rss_mb", "energy", "co2e", "energy_meter",
    "date", "dates", "run_id", "run_ids", "git_hash", "git_hashes", "started_at", "finished_at", "created_at", "thr",
    "lat_ms", "generator", "rightsize_versions", "rightsize_version", "seconds", "duration", "emissions",
    "emissions_rate", "cpu_power", "gpu_power", "ram_power", "cpu_energy", "gpu_energy", "ram_energy", "energy_consumed",
    "timestamp", "per_energy", "energy_n", "quality_energy", "energy_for_all", "ttft", "tpot", "e2e", "itl",
    // Derived from the timings: PER and its normalised efficiency figures, the Pareto sets, the
    // least-energy model and the recommendation's sentence that names it.
    "per", "thr_n", "lat_n", "mem_n", "pareto", "least_energy_within", "text", "origin"};

// Sentences that follow the timings: relative PER's "every model is 0" note, and the least-energy
// model of a recommendation.
bool timing_sentence(const std::string & s) {
    return s.rfind("Every model's PER is 0", 0) == 0;
}

json normalise(const json & j) {
    if (j.is_object()) {
        json out = json::object();
        for (const auto & [k, v] : j.items()) {
            if (!kVolatile.count(k)) out[k] = normalise(v);
        }
        return out;
    }
    if (j.is_array()) {
        json out = json::array();
        for (const auto & v : j) {
            if (!(v.is_string() && timing_sentence(v.get<std::string>()))) out.push_back(normalise(v));
        }
        return out;
    }
    return j;
}

std::string read(const fs::path & p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::vector<std::string> split_csv_line(const std::string & line) {
    std::vector<std::string> out(1);
    bool quoted = false;
    for (char c : line) {
        if (c == '"') quoted = !quoted;
        else if (c == ',' && !quoted) out.emplace_back();
        else out.back() += c;
    }
    return out;
}

std::string digest_csv(const std::string & text) {
    std::istringstream in(text);
    std::string line, out;
    std::vector<bool> keep;
    while (std::getline(in, line)) {
        const auto cells = split_csv_line(line);
        if (keep.empty()) {
            for (const auto & h : cells) keep.push_back(!kVolatile.count(h));
        }
        std::string row;
        for (size_t i = 0; i < cells.size(); ++i) {
            if (i < keep.size() && keep[i]) row += cells[i] + ",";
        }
        out += row + "\n";
    }
    return out;
}

std::string digest_sqlite(const fs::path & path) {
    sqlite3 * db = nullptr;
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) return "cannot open\n";
    std::vector<std::string> tables;
    sqlite3_stmt * s = nullptr;
    sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name", -1, &s, nullptr);
    while (sqlite3_step(s) == SQLITE_ROW) tables.emplace_back(reinterpret_cast<const char *>(sqlite3_column_text(s, 0)));
    sqlite3_finalize(s);
    std::string out;
    for (const auto & t : tables) {
        if (t == "votes") continue;  // version 2's votes table (empty after a run)
        out += "## " + t + "\n";
        std::vector<std::string> rows;
        sqlite3_prepare_v2(db, ("SELECT * FROM \"" + t + "\"").c_str(), -1, &s, nullptr);
        while (sqlite3_step(s) == SQLITE_ROW) {
            json row = json::object();
            for (int c = 0; c < sqlite3_column_count(s); ++c) {
                const std::string name = sqlite3_column_name(s, c);
                // Schema version 2 added these (docs/results.md); what both versions hold is compared.
                if (name == "provenance_json" || name == "task_json") continue;
                if (kVolatile.count(name) || (name == "value" && t == "meta")) continue;
                const auto * text = reinterpret_cast<const char *>(sqlite3_column_text(s, c));
                if (!text) {
                    row[name] = nullptr;
                } else if (name.ends_with("_json")) {
                    row[name] = normalise(json::parse(text, nullptr, false));
                } else if (sqlite3_column_type(s, c) == SQLITE_FLOAT) {
                    row[name] = sqlite3_column_double(s, c);
                } else {
                    row[name] = text;
                }
            }
            rows.push_back(row.dump());
        }
        sqlite3_finalize(s);
        std::sort(rows.begin(), rows.end());  // run ids differ, so order by content
        for (const auto & r : rows) out += r + "\n";
    }
    sqlite3_close(db);
    return out;
}

std::string digest(const fs::path & p) {
    const auto ext = p.extension().string();
    if (ext == ".sqlite") return digest_sqlite(p);
    const std::string text = read(p);
    if (ext == ".json") return normalise(json::parse(text)).dump(1) + "\n";
    if (ext == ".jsonl") {
        std::istringstream in(text);
        std::string line, out;
        while (std::getline(in, line)) out += normalise(json::parse(line)).dump() + "\n";
        return out;
    }
    if (ext == ".csv") return digest_csv(text);
    static const std::regex number("[0-9]+([.:-][0-9]+)*");
    if (ext == ".md") {
        // As the HTML: the behaviour-probe sections (the tables' Pareto marks, PER notes and the
        // least-energy sentence above them follow the timings; their figures are in report.json).
        const auto at = text.find("\n## Behaviour");
        std::string probes = at == std::string::npos ? std::string() : text.substr(at);
        probes = probes.substr(0, probes.find("\n## Provenance"));  // input folder, commit
        return std::regex_replace(probes, number, "#");
    }
    if (ext == ".html") {
        // The charts, the Pareto marks and the least-energy sentence follow the timings; the HTML is
        // drawn from report.json (compared above), so what is compared here is the behaviour-probe
        // sections, numbers masked.
        std::string probes;
        for (size_t at = text.find("<section class=\"probe\""); at != std::string::npos;
             at = text.find("<section class=\"probe\"", at + 1)) {
            probes += text.substr(at, text.find("</section>", at) - at) + "\n";
        }
        return std::regex_replace(probes, number, "#");
    }
    return text;
}

}  // namespace

int main(int argc, char ** argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: rightsize-output-digest RUN_DIR OUT_DIR\n");
        return 2;
    }
    const fs::path in(argv[1]), out(argv[2]);
    size_t n = 0;
    for (const auto & e : fs::recursive_directory_iterator(in)) {
        if (!e.is_regular_file()) continue;
        const auto name = e.path().filename().string();
        if (name.ends_with("-journal") || name.ends_with("-wal") || name.ends_with("-shm") || name.ends_with(".lock")) continue;
        const fs::path target = out / fs::relative(e.path(), in);
        fs::create_directories(target.parent_path());
        std::ofstream(target, std::ios::binary) << digest(e.path());
        ++n;
    }
    printf("%zu files digested into %s\n", n, out.c_str());
    return 0;
}
