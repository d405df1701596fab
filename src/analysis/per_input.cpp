#include <rightsize/error.h>
#include "../core/csv.h"

#include <rightsize/extensions.h>
#include <rightsize/model_facts.h>
#include <rightsize/per_input.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <sstream>

namespace fs = std::filesystem;

namespace rightsize {

namespace {

// A count read as a double (a CSV cell, a JSON number) as an int when it is whole, ≥ 0 and fits
// one; converting any other double to int is undefined behaviour.
std::optional<int> whole_count(double v) {
    if (!(v >= 0) || v != std::floor(v) || v > std::numeric_limits<int>::max()) return std::nullopt;
    return int(v);
}

const std::vector<std::string> kRequired = {"task", "model", "acc", "thr", "lat_ms", "mem_mb"};
const std::vector<std::string> kOptional = {"energy", "n_devices", "granularity", "acc_stderr", "size_mb", "n",
                                           "thr_se", "lat_se", "energy_se"};

std::string join(const std::vector<std::string> & v) {
    std::string out;
    for (const auto & s : v) out += (out.empty() ? "" : ", ") + s;
    return out;
}

std::string trim(const std::string & s) {
    const auto b = s.find_first_not_of(" \t");
    if (b == std::string::npos) return "";
    return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

std::string read_text(const std::string & path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("cannot read " + path + ": " + std::strerror(errno));
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}


std::optional<double> to_number(const std::string & text) {
    if (text.empty()) return std::nullopt;
    char * end = nullptr;
    errno = 0;
    const double v = std::strtod(text.c_str(), &end);
    if (*end != '\0' || errno == ERANGE || !std::isfinite(v)) return std::nullopt;
    return v;
}

const nlohmann::json * find(const nlohmann::json & j, const std::string & key) {
    if (!j.is_object()) return nullptr;
    const auto it = j.find(key);
    return it == j.end() ? nullptr : &*it;
}

// j[key], or an empty object when absent: lets lookups chain through optional parts.
const nlohmann::json & child(const nlohmann::json & j, const std::string & key) {
    static const nlohmann::json empty = nlohmann::json::object();
    const auto * v = find(j, key);
    return v ? *v : empty;
}

std::optional<double> number_at(const nlohmann::json & j, const std::string & key) {
    const auto * v = find(j, key);
    if (!v || !v->is_number()) return std::nullopt;
    return v->get<double>();
}

std::string model_name_of(const nlohmann::json & j, const std::string & path) {
    if (const auto * m = find(j, "model"); m && m->is_object()) {
        if (const auto * k = find(*m, "key"); k && k->is_string() && !k->get<std::string>().empty()) return k->get<std::string>();
        if (const auto * p = find(*m, "path"); p && p->is_string() && !p->get<std::string>().empty()) {
            return model_key(p->get<std::string>());
        }
    }
    const auto dir = fs::absolute(path).parent_path().filename().string();
    return dir.empty() ? path : dir;
}

// The "<metric>,<filter>" key of a task's quality: a TASK=… spec for the task, else a plain
// spec, else the headline, else the first numeric metric. `chosen` says whether the user named it.
std::string metric_key(const nlohmann::json & j, const nlohmann::json & results, const std::string & task,
                       const std::vector<std::string> & metrics, const std::string & path, bool & chosen) {
    std::vector<std::string> available;
    for (const auto & [k, v] : results.items()) {
        if (v.is_number() && k.find("_stderr,") == std::string::npos && !k.ends_with("_stderr")) available.push_back(k);
    }
    if (available.empty()) throw Error(path + ": results." + task + " holds no numeric metric");
    std::string spec, scoped;
    for (const auto & m : metrics) {
        const auto eq = m.find('=');
        if (eq == std::string::npos) spec = m;
        else if (m.substr(0, eq) == task) scoped = m.substr(eq + 1);
    }
    if (!scoped.empty()) spec = scoped;
    chosen = !spec.empty();
    if (chosen) {
        for (const auto & k : available) {
            if (k == spec || (spec.find(',') == std::string::npos && k.rfind(spec + ",", 0) == 0)) return k;
        }
        throw Error(path + ": task '" + task + "' has no metric '" + spec + "' (it has " + join(available) +
                    "); choose one with --metric " + task + "=NAME[,FILTER]");
    }
    if (const auto * h = find(child(j, "headline"), task); h && h->is_object()) {
        const std::string key = h->value("metric", "") + "," + h->value("filter", "none");
        if (std::find(available.begin(), available.end(), key) != available.end()) return key;
    }
    return available.front();
}

}  // namespace

std::vector<PerRecord> read_per_csv(const std::string & path, std::vector<std::string> * warnings) {
    const auto rows = parse_csv(read_text(path), path, {',', true});
    if (rows.empty()) {
        throw Error(path + " is empty; its first line must be a header naming the columns " + join(kRequired) +
                    " (optional: " + join(kOptional) + ")");
    }
    std::map<std::string, size_t> col;
    for (size_t c = 0; c < rows[0].fields.size(); ++c) {
        std::string name = rows[0].fields[c];
        std::transform(name.begin(), name.end(), name.begin(), [](unsigned char ch) { return char(std::tolower(ch)); });
        if (col.count(name)) throw Error(path + ":1: column '" + name + "' appears twice in the header; keep one");
        col[name] = c;
        const bool known = std::count(kRequired.begin(), kRequired.end(), name) || std::count(kOptional.begin(), kOptional.end(), name);
        if (!known && warnings) warnings->push_back(path + ": column '" + name + "' is not one PER reads; ignored");
    }
    std::vector<std::string> missing;
    for (const auto & r : kRequired) {
        if (!col.count(r)) missing.push_back(r);
    }
    if (!missing.empty()) {
        throw Error(path + ":1: the header lacks " + join(missing) + "; PER needs the columns " + join(kRequired) +
                    " (optional: " + join(kOptional) + ")");
    }
    if (rows.size() == 1) throw Error(path + " has a header but no rows; add one row per model and task");

    std::vector<PerRecord> out;
    for (size_t r = 1; r < rows.size(); ++r) {
        const auto & row = rows[r];
        const std::string where = path + ":" + std::to_string(row.line);
        if (row.fields.size() != rows[0].fields.size()) {
            throw Error(where + ": " + std::to_string(row.fields.size()) + " cells for the header's " + std::to_string(rows[0].fields.size()) +
                        " columns; give every row one cell per column (leave unknown optional cells empty)");
        }
        auto text = [&](const std::string & name) -> std::string {
            const auto it = col.find(name);
            return it == col.end() ? "" : row.fields[it->second];
        };
        auto number = [&](const std::string & name, bool required) -> std::optional<double> {
            const std::string t = text(name);
            if (t.empty()) {
                if (required) throw Error(where + ": column '" + name + "' is empty; every row needs a number there");
                return std::nullopt;
            }
            const auto v = to_number(t);
            if (!v) throw Error(where + ": column '" + name + "': '" + t + "' is not a number; write a plain decimal such as 12.5");
            if (*v < 0) throw Error(where + ": column '" + name + "': " + t + " is negative; PER's figures are ≥ 0");
            return v;
        };
        PerRecord rec;
        rec.source = where;
        auto & in = rec.input;
        in.task = text("task");
        in.model = text("model");
        if (in.task.empty()) throw Error(where + ": column 'task' is empty; name the task the row measures");
        if (in.model.empty()) throw Error(where + ": column 'model' is empty; name the model the row measures");
        in.acc = *number("acc", true);
        in.thr = *number("thr", true);
        in.lat_ms = *number("lat_ms", true);
        in.mem_mb = *number("mem_mb", true);
        in.energy_j = number("energy", false);
        if (const auto d = number("n_devices", false)) {
            if (*d < 1 || *d != std::floor(*d) || *d > 1e6) {
                throw Error(where + ": column 'n_devices': '" + text("n_devices") + "' is not a whole number ≥ 1 (a CPU run counts 1)");
            }
            in.n_devices = int(*d);
        }
        if (const auto g = text("granularity"); !g.empty()) {
            if (g != "samples" && g != "tokens") {
                throw Error(where + ": column 'granularity': '" + g + "' is neither 'samples' nor 'tokens'");
            }
            in.granularity = g;
        }
        const auto se = number("acc_stderr", false);
        rec.has_stderr = se.has_value();
        in.acc_se = se.value_or(0.0);
        in.thr_se = number("thr_se", false).value_or(0.0);
        in.lat_se = number("lat_se", false).value_or(0.0);
        in.energy_se = number("energy_se", false).value_or(0.0);
        const auto n = number("n", false);
        if (n && !whole_count(*n)) throw Error(where + ": column 'n': '" + text("n") + "' is not a whole number of documents (0 to 2147483647)");
        rec.candidate = {in.model, in.acc, se.value_or(0.0), number("size_mb", false).value_or(0.0), in.energy_j,
                         in.lat_ms, in.mem_mb, int(n.value_or(0)), in.granularity, in.energy_se};
        out.push_back(std::move(rec));
    }
    check_unique_models(out);
    return out;
}

std::vector<PerRecord> read_results_json(const std::string & path, const std::vector<std::string> & metrics,
                                         std::vector<std::string> * warnings) {
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(read_text(path));
    } catch (const nlohmann::json::parse_error & e) {
        throw Error(path + " is not valid JSON (" + e.what() + "); give a results.json written by rightsize run, or a CSV");
    } catch (const nlohmann::json::out_of_range & e) {  // a number beyond a double (1e400)
        throw Error(path + " holds a number too large for a double (" + e.what() + "); give a results.json written by rightsize run, or a CSV");
    }
    const auto * results = find(j, "results");
    const auto * efficiency = find(j, "efficiency");
    if (!results || !results->is_object() || !efficiency || !efficiency->is_object()) {
        throw Error(path + " has no 'results' and 'efficiency' objects; give a results.json written by rightsize run, or a CSV");
    }
    const std::string model = model_name_of(j, path);
    const double size_mb = number_at(child(j, "model"), "model_mb").value_or(0.0);
    const double machine_mb = number_at(child(j, "hardware"), "memory_total_mb").value_or(0.0);

    std::vector<PerRecord> out;
    for (const auto & [task, eff] : efficiency->items()) {
        const std::string where = path + ": efficiency." + task;
        if (!eff.is_object()) throw Error(where + " is not an object; give a results.json written by rightsize run");
        const auto * res = find(*results, task);
        if (!res || !res->is_object()) throw Error(path + ": efficiency." + task + " has no results." + task + "; the file is incomplete");
        bool chosen = false;
        const std::string key = metric_key(j, *res, task, metrics, path, chosen);
        const std::string name = key.substr(0, key.find(','));
        if (const auto * h = find(child(child(j, "higher_is_better"), task), name); h && h->is_boolean() && !h->get<bool>()) {
            // A perplexity task next to scoring tasks should not stop the comparison of the others.
            const std::string why = "metric '" + name + "' of task '" + task + "' is lower-is-better and PER's quality must grow with quality";
            if (chosen) throw Error(path + ": " + why + "; choose another with --metric " + task + "=NAME");
            if (warnings) warnings->push_back(path + ": " + why + "; task skipped (--metric " + task + "=NAME picks another)");
            continue;
        }
        PerRecord rec;
        rec.source = path;
        rec.machine_memory_mb = machine_mb;
        auto & in = rec.input;
        in.task = task;
        in.model = model;
        in.acc = (*res)[key].get<double>();
        const auto * granularity = find(eff, "granularity");
        in.granularity = granularity && granularity->is_string() ? granularity->get<std::string>() : "samples";
        const bool tokens = in.granularity == "tokens";
        auto need = [&, &eff = eff](const std::string & field) {  // clang 14 cannot capture a structured binding
            const auto v = number_at(eff, field);
            if (!v) throw Error(where + "." + field + " is missing or not a number; re-run the task with rightsize run");
            return *v;
        };
        in.thr = need(tokens ? "tokens_per_s" : "samples_per_s");
        in.lat_ms = need(tokens ? "ms_per_token" : "ms_per_sample");
        in.mem_mb = need("peak_rss_mb");
        in.energy_j = number_at(child(eff, "energy"), tokens ? "j_per_token" : "j_per_sample");
        // Standard errors from the bootstrap over batches (efficiency.uncertainty), when present.
        const auto se_of = [](const nlohmann::json & block, const std::string & field) {
            return number_at(child(child(block, "uncertainty"), field), "se").value_or(0.0);
        };
        in.thr_se = se_of(eff, tokens ? "tokens_per_s" : "samples_per_s");
        in.lat_se = se_of(eff, tokens ? "ms_per_token" : "ms_per_sample");
        in.energy_se = se_of(child(eff, "energy"), tokens ? "j_per_token" : "j_per_sample");
        if (const auto d = number_at(eff, "n_devices")) {
            const auto devices = whole_count(*d);
            if (!devices || *devices < 1) throw Error(where + ".n_devices is not a whole number ≥ 1; re-run the task with rightsize run");
            in.n_devices = *devices;
        }
        const auto n_samples = whole_count(number_at(eff, "n_samples").value_or(0.0));
        if (!n_samples) throw Error(where + ".n_samples is not a whole number of documents; re-run the task with rightsize run");
        // lm-eval's keys are METRIC,FILTER; a key without a filter (another tool's) has METRIC_stderr.
        const size_t comma = key.find(',');
        const auto se = number_at(*res, name + "_stderr" + (comma == std::string::npos ? std::string() : key.substr(comma)));
        rec.has_stderr = se.has_value();
        in.acc_se = se.value_or(0.0);
        rec.descriptive = descriptive_quality(j, task, name);
        rec.candidate = {model,     in.acc,    se.value_or(0.0), size_mb > 0 ? size_mb : number_at(eff, "model_mb").value_or(0.0),
                         in.energy_j, in.lat_ms, in.mem_mb,       *n_samples,
                         in.granularity, in.energy_se};
        out.push_back(std::move(rec));
    }
    if (out.empty()) throw Error(path + " holds no task PER can use: none has both efficiency figures and a higher-is-better metric");
    return out;
}

std::string descriptive_quality(const nlohmann::json & r, const std::string & task, const std::string & metric) {
    // What the task's processor and its metric say of themselves (extensions.h): the probes'.
    const auto & config = child(child(r, "configs"), task);
    const std::string processing = config.is_object() ? config.value("process_results", "") : "";
    if (const ResultProcessor * p = processing.empty() ? nullptr : find_result_processor(processing); p && !p->descriptive.empty()) {
        return p->descriptive;
    }
    if (const MetricInfo * m = find_metric(metric); m && !m->descriptive.empty()) return m->descriptive;
    return "";
}

std::vector<PerRecord> read_per_inputs(const std::string & path, const std::vector<std::string> & metrics,
                                       std::vector<std::string> * warnings) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
        std::vector<std::string> files;
        if (fs::exists(fs::path(path) / "results.json")) files.push_back((fs::path(path) / "results.json").string());
        for (const auto & e : fs::directory_iterator(path)) {
            if (e.is_directory() && fs::exists(e.path() / "results.json")) files.push_back((e.path() / "results.json").string());
        }
        if (files.empty()) {
            throw Error(path + " holds no <model>/results.json; point --input at the folder rightsize run -o wrote, a results.json or a CSV");
        }
        std::sort(files.begin(), files.end());  // directory order is arbitrary; output should not be
        std::vector<PerRecord> out;
        for (const auto & f : files) {
            auto part = read_results_json(f, metrics, warnings);
            out.insert(out.end(), part.begin(), part.end());
        }
        return out;
    }
    if (!fs::exists(path, ec)) throw Error(path + " does not exist; --input takes a CSV, a results.json or a folder of them");
    const std::string ext = fs::path(path).extension().string();
    if (ext == ".json") return read_results_json(path, metrics, warnings);
    if (ext == ".csv") return read_per_csv(path, warnings);
    const std::string text = read_text(path);
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first != std::string::npos && text[first] == '{') return read_results_json(path, metrics, warnings);
    return read_per_csv(path, warnings);
}

void check_unique_models(const std::vector<PerRecord> & records) {
    std::map<std::pair<std::string, std::string>, std::string> seen;
    for (const auto & r : records) {
        const auto [it, fresh] = seen.emplace(std::pair(r.input.task, r.input.model), r.source);
        if (!fresh) {
            throw Error("model '" + r.input.model + "' appears twice for task '" + r.input.task + "': " + it->second + " and " +
                        r.source + "; keep one row per model and task");
        }
    }
}

PerVariant parse_per_variant(const std::string & text) {
    for (auto v : {PerVariant::Relative, PerVariant::FixedBounds, PerVariant::Weighted, PerVariant::EnergyAware}) {
        if (text == per_variant_name(v)) return v;
    }
    throw Error("unknown PER variant '" + text + "'; choose relative, fixed-bounds, weighted or energy-aware");
}

namespace {

// Splits "a=1,b=2" (or one item per line, '#' comments) into name/value pairs.
std::vector<std::pair<std::string, std::string>> items(const std::string & text, const char * what) {
    std::vector<std::pair<std::string, std::string>> out;
    std::string item;
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        line = line.substr(0, line.find('#'));
        std::istringstream parts(line);
        while (std::getline(parts, item, ',')) {
            item = trim(item);
            if (!item.empty() && item.back() == '\r') item.pop_back();
            if (item.empty()) continue;
            const auto eq = item.find('=');
            if (eq == std::string::npos) throw Error(std::string(what) + ": '" + item + "' is not NAME=VALUE");
            out.push_back({trim(item.substr(0, eq)), trim(item.substr(eq + 1))});
        }
    }
    return out;
}

}  // namespace

PerBounds parse_per_bounds(const std::string & text) {
    PerBounds b;
    for (const auto & [name, value] : items(text, "PER bounds")) {
        const auto colon = value.find(':');
        const auto lo = to_number(value.substr(0, colon));
        const auto hi = colon == std::string::npos ? std::nullopt : to_number(value.substr(colon + 1));
        if (!lo || !hi || !(*hi > *lo)) {
            throw Error("PER bounds: " + name + "=" + value + " is not MIN:MAX with MAX > MIN (e.g. " + name + "=0:100)");
        }
        if (name == "acc") b.acc_min = *lo, b.acc_max = *hi;
        else if (name == "thr") b.thr_min = *lo, b.thr_max = *hi;
        else if (name == "lat") b.lat_min = *lo, b.lat_max = *hi;
        else if (name == "mem") b.mem_min = *lo, b.mem_max = *hi;
        else if (name == "energy") b.energy_min = *lo, b.energy_max = *hi;
        else throw Error("PER bounds: unknown dimension '" + name + "'; use acc, thr, lat, mem or energy");
    }
    return b;
}

void parse_per_weights(const std::string & text, PerOptions & options) {
    for (const auto & [name, value] : items(text, "PER weights")) {
        const auto w = to_number(value);
        if (!w || *w < 0) throw Error("PER weights: " + name + "=" + value + " is not a number ≥ 0");
        if (name == "acc") options.w_acc = *w;
        else if (name == "thr") options.w_thr = *w;
        else if (name == "lat") options.w_lat = *w;
        else if (name == "mem") options.w_mem = *w;
        else if (name == "energy") options.w_energy = *w;
        else throw Error("PER weights: unknown dimension '" + name + "'; use acc, thr, lat, mem or energy");
    }
}

}  // namespace rightsize
