// Shared by the probe families' analyses: figures out of results.json, table rows, numbers in
// readings, and comparisons between models and against reference values (report_probes_common.h).
#include "report_probes_common.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

using nlohmann::json;

namespace rightsize::report_probes {

namespace {

const json kEmpty = json::object();

// Below this many documents a task's ± figures are wide enough to say so.
constexpr double kFewDocuments = 30;

}  // namespace

const json & task_results(const Ctx & c, size_t i, const std::string & task) {
    const json & r = c.input.models[i];
    if (!r.contains("results") || !r["results"].is_object()) return kEmpty;
    const auto it = r["results"].find(task);
    return it != r["results"].end() && it->is_object() ? *it : kEmpty;
}

bool has_task(const Ctx & c, const std::string & task) {
    for (size_t i = 0; i < c.input.models.size(); ++i)
        if (!task_results(c, i, task).empty()) return true;
    return false;
}

std::vector<std::string> tasks_with_prefix(const Ctx & c, const std::string & prefix) {
    std::vector<std::string> out;
    for (const auto & r : c.input.models) {
        if (!r.contains("results") || !r["results"].is_object()) continue;
        for (const auto & [t, v] : r["results"].items()) {
            if (v.is_object() && t.rfind(prefix, 0) == 0 && std::find(out.begin(), out.end(), t) == out.end()) out.push_back(t);
        }
    }
    return out;
}

std::string metric_key(const Ctx & c, const std::string & task, const std::string & metric) {
    for (size_t i = 0; i < c.input.models.size(); ++i) {
        const json & res = task_results(c, i, task);
        if (res.empty()) continue;
        const json & r = c.input.models[i];
        if (r.contains("headline") && r["headline"].contains(task) && r["headline"][task].value("metric", "") == metric) {
            const std::string k = metric + "," + r["headline"][task].value("filter", "none");
            if (res.contains(k)) return k;
        }
        if (res.contains(metric + ",none")) return metric + ",none";
        for (const auto & [k, v] : res.items()) {
            if (k.rfind(metric + ",", 0) == 0) return k;
        }
    }
    return "";
}

std::string headline_key(const Ctx & c, const std::string & task) {
    for (size_t i = 0; i < c.input.models.size(); ++i) {
        const json & res = task_results(c, i, task);
        if (res.empty()) continue;
        const json & r = c.input.models[i];
        if (r.contains("headline") && r["headline"].contains(task) && r["headline"][task].is_object()) {
            const std::string k = r["headline"][task].value("metric", "") + "," + r["headline"][task].value("filter", "none");
            if (res.contains(k)) return k;
        }
        for (const auto & [k, v] : res.items()) {
            if (v.is_number() && k.find(',') != std::string::npos && k.find("_stderr,") == std::string::npos) return k;
        }
    }
    return "";
}

std::optional<double> value(const Ctx & c, size_t i, const std::string & task, const std::string & key) {
    const json * j = &task_results(c, i, task);
    if (key.find(',') == std::string::npos && key.find('.') != std::string::npos) {
        size_t start = 0;
        for (size_t dot; (dot = key.find('.', start)) != std::string::npos; start = dot + 1) {
            const std::string part = key.substr(start, dot - start);
            if (!j->is_object() || !j->contains(part)) return std::nullopt;
            j = &(*j)[part];
        }
        const std::string last = key.substr(start);
        if (!j->is_object() || !j->contains(last) || !(*j)[last].is_number()) return std::nullopt;
        return (*j)[last].get<double>();
    }
    const auto it = j->find(key);
    if (it == j->end() || !it->is_number()) return std::nullopt;
    return it->get<double>();
}

std::optional<double> stderr_of(const Ctx & c, size_t i, const std::string & task, const std::string & key) {
    const auto comma = key.find(',');
    if (comma == std::string::npos) return std::nullopt;
    return value(c, i, task, key.substr(0, comma) + "_stderr" + key.substr(comma));
}

std::optional<double> n_docs(const Ctx & c, size_t i, const std::string & task) {
    const json & r = c.input.models[i];
    if (r.contains("n-samples") && r["n-samples"].contains(task) && r["n-samples"][task].is_object()) {
        const json & n = r["n-samples"][task];
        if (n.contains("effective") && n["effective"].is_number()) return n["effective"].get<double>();
    }
    if (r.contains("efficiency") && r["efficiency"].contains(task) && r["efficiency"][task].is_object()) {
        const json & e = r["efficiency"][task];
        if (e.contains("n_samples") && e["n_samples"].is_number()) return e["n_samples"].get<double>();
    }
    return std::nullopt;
}

json reference(const std::string & text, std::optional<double> v, std::optional<double> lo, std::optional<double> hi) {
    json r = {{"text", text}};
    if (v) r["value"] = *v;
    if (lo) r["lo"] = *lo;
    if (hi) r["hi"] = *hi;
    return r;
}

json cell(const Ctx & c, size_t i, std::optional<double> v, std::optional<double> se, std::optional<double> n) {
    return {{"model", c.keys[i]}, {"index", i}, {"value", v ? json(*v) : json()}, {"stderr", se ? json(*se) : json()},
            {"n", n ? json(*n) : json()}};
}

json row(const Ctx & c, const std::string & task, const std::string & key, const std::string & label, const std::string & better,
         const std::string & format, json ref) {
    json cells = json::array();
    for (size_t i = 0; i < c.input.models.size(); ++i) {
        const bool has = !task_results(c, i, task).empty();
        cells.push_back(cell(c, i, has ? value(c, i, task, key) : std::nullopt, has ? stderr_of(c, i, task, key) : std::nullopt,
                             has ? n_docs(c, i, task) : std::nullopt));
    }
    // Kept even without a number (an undefined cosine shows as "–") when some model ran the task.
    const bool present = !key.empty() && has_task(c, task);
    return {{"task", task}, {"metric", key}, {"label", label}, {"source", "results"}, {"better", better}, {"format", format},
            {"reference", std::move(ref)}, {"present", present}, {"cells", std::move(cells)}};
}

json derived_row(const std::string & task, const std::string & metric, const std::string & label, const std::string & format, json cells) {
    return {{"task", task}, {"metric", metric}, {"label", label}, {"source", "derived"}, {"better", ""}, {"format", format},
            {"reference", nullptr}, {"cells", std::move(cells)}};
}

std::optional<double> cell_value(const json & r, size_t model) {
    const json & v = r["cells"][model]["value"];
    return v.is_number() ? std::optional<double>(v.get<double>()) : std::nullopt;
}

std::optional<double> cell_stderr(const json & r, size_t model) {
    const json & v = r["cells"][model]["stderr"];
    return v.is_number() ? std::optional<double>(v.get<double>()) : std::nullopt;
}

bool row_has_values(const json & r) {
    for (size_t i = 0; i < r["cells"].size(); ++i)
        if (cell_value(r, i)) return true;
    return false;
}

std::string fixed(double v, int decimals) {
    char buf[48];
    snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return std::string(buf) == "-0" || std::string(buf) == "-0.00" ? std::string(buf + 1) : buf;
}

std::string pct(double v) { return fixed(v * 100, 0) + " %"; }

std::string pct_pm(double v, std::optional<double> se) { return pct(v) + (se ? " (± " + fixed(*se * 100, 0) + ")" : ""); }

std::string signed_pm(double v, std::optional<double> se) {
    std::string s = v > 0 ? "+" : "";
    s += fixed(v);
    if (se) s += " ± " + fixed(*se);
    return s;
}

std::string shown(const json & r, double v, std::optional<double> se) {
    if (r.value("format", "number") == "percent") return pct(v) + (se ? " ± " + fixed(*se * 100, 0) : "");
    return fixed(v) + (se ? " ± " + fixed(*se) : "");
}

int versus(double v, std::optional<double> se, double ref) {
    const double margin = 1.959964 * se.value_or(0);
    if (v - margin > ref) return 1;
    if (v + margin < ref) return -1;
    return 0;
}

bool significant(double a, std::optional<double> sa, double b, std::optional<double> sb) {
    const double s = std::sqrt(sa.value_or(0) * sa.value_or(0) + sb.value_or(0) * sb.value_or(0));
    return std::fabs(a - b) >= 1.959964 * s && std::fabs(a - b) > 0;
}

std::string compare_models(const Ctx & c, const json & rows, const std::string & what) {
    std::vector<std::string> sig, overlap, apart;
    size_t with_values = 0;
    for (size_t i = 0; i < c.input.models.size(); ++i) {
        for (const auto & r : rows)
            if (cell_value(r, i)) {
                ++with_values;
                break;
            }
    }
    if (with_values < 2) return "";
    for (const auto & r : rows) {
        std::optional<size_t> hi, lo;
        bool all_se = true;
        size_t n = 0;
        for (size_t i = 0; i < r["cells"].size(); ++i) {
            const auto v = cell_value(r, i);
            if (!v) continue;
            ++n;
            all_se = all_se && cell_stderr(r, i).has_value();
            if (!hi || *v > *cell_value(r, *hi)) hi = i;
            if (!lo || *v < *cell_value(r, *lo)) lo = i;
        }
        if (n < 2 || !all_se) continue;
        const double a = *cell_value(r, *hi), b = *cell_value(r, *lo);
        const auto sa = cell_stderr(r, *hi), sb = cell_stderr(r, *lo);
        const std::string label = r["label"];
        if (significant(a, sa, b, sb)) {
            sig.push_back(label + " (" + c.keys[*hi] + " " + shown(r, a, sa) + " vs " + c.keys[*lo] + " " + shown(r, b, sb) + ")");
        } else if (a - b <= *sa + *sb) {
            overlap.push_back(label);
        } else {
            apart.push_back(label);
        }
    }
    if (sig.empty() && overlap.empty() && apart.empty()) return "";
    auto list = [](const std::vector<std::string> & v, const char * sep) {
        std::string s;
        for (size_t k = 0; k < v.size(); ++k) s += (k == 0 ? "" : k + 1 == v.size() ? " and " : sep) + v[k];
        return s;
    };
    // Long lists read badly: the first few by name, then a count.
    constexpr size_t kNamed = 4;
    auto capped = [&](std::vector<std::string> v, const char * sep) {
        if (v.size() <= kNamed) return list(v, sep);
        const size_t more = v.size() - (kNamed - 1);
        v.resize(kNamed - 1);
        v.push_back(std::to_string(more) + " more figures");
        return list(v, sep);
    };
    const std::string two = with_values == 2 ? "the two models" : "the models";
    std::vector<std::string> parts;
    if (!sig.empty()) parts.push_back(two + " differ beyond noise (95 %) on " + capped(sig, "; "));
    if (!apart.empty()) parts.push_back("on " + capped(apart, ", ") + ", their figures lie more than their standard errors apart, but not significantly");
    if (!overlap.empty()) {
        const std::string which = overlap.size() <= kNamed ? list(overlap, ", ")
                                  : sig.empty() && apart.empty() ? "all " + std::to_string(overlap.size()) + " figures"
                                                                 : "the other " + std::to_string(overlap.size()) + " figures";
        parts.push_back("on " + which + ", " + two + "' figures overlap within their standard errors");
    }
    std::string s = what + ": ";
    for (size_t k = 0; k < parts.size(); ++k) s += (k == 0 ? "" : "; ") + parts[k];
    s += ".";
    return s;
}

std::string few_documents(const json & tables) {
    std::optional<double> fewest;
    for (const auto & t : tables)
        for (const auto & r : t["rows"]) {
            if (r["source"] != "results") continue;
            for (const auto & cl : r["cells"])
                if (cl["n"].is_number() && cl["value"].is_number() && (!fewest || cl["n"].get<double>() < *fewest)) fewest = cl["n"].get<double>();
        }
    if (!fewest || *fewest >= kFewDocuments) return "";
    return "Few documents: some tasks here were evaluated on as few as " + fixed(*fewest, 0) +
           " documents, so the ± figures are wide; the readings below count only differences beyond about twice them.";
}

bool all_zero(const json & rows, size_t model) {
    bool any = false;
    for (const auto & r : rows) {
        if (r["source"] != "results") continue;
        const auto v = cell_value(r, model);
        if (!v) continue;
        if (*v != 0) return false;
        any = true;
    }
    return any;
}

json family_rows(const json & f) {
    json rows = json::array();
    for (const auto & t : f["tables"])
        for (const auto & r : t["rows"]) rows.push_back(r);
    return rows;
}

json table(const std::string & id, const std::string & title, const std::string & caption, json rows) {
    json kept = json::array();
    for (auto & r : rows)
        if (row_has_values(r) || r.value("present", false)) kept.push_back(std::move(r));
    return {{"id", id}, {"title", title}, {"caption", caption}, {"rows", std::move(kept)}};
}

json family(const std::string & id, const std::string & title, const std::string & paper) {
    return {{"id", id}, {"title", title}, {"paper", paper}, {"status", "ok"}, {"tables", json::array()},
            {"references", json::array()}, {"readings", json::array()}, {"notes", json::array()}};
}

}  // namespace rightsize::report_probes
