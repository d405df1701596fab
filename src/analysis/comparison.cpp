// The one analysis of a comparison (comparison.h).
#include <rightsize/comparison.h>

#include "../core/table.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>

namespace rightsize {

using nlohmann::json;

namespace {

using Dimension = std::function<double(const PerInput &)>;

std::vector<std::string> front(const std::vector<const PerRecord *> & recs, const std::vector<Dimension> & dims,
                               const std::vector<bool> & maximise) {
    std::vector<std::vector<double>> points;
    for (const auto * r : recs) {
        std::vector<double> v;
        for (const auto & d : dims) v.push_back(d(r->input));
        points.push_back(std::move(v));
    }
    std::vector<std::string> names;
    for (size_t i : pareto_front(points, maximise)) names.push_back(recs[i]->input.model);
    return names;
}

// One dimension of a model for the noise-aware comparison: its value, standard error, direction.
struct Measured {
    double value, se;
    bool maximise;
};

std::vector<Measured> measured(const PerInput & p, bool with_energy) {
    const double dev = p.n_devices > 0 ? p.n_devices : 1;
    std::vector<Measured> m = {{p.acc, p.acc_se, true}, {p.thr / dev, p.thr_se / dev, true}, {p.lat_ms, p.lat_se, false}, {p.mem_mb, 0, false}};
    if (with_energy) m.push_back({*p.energy_j, p.energy_se, false});
    return m;
}

// a dominates b (at least as good everywhere) and is better beyond noise on some dimension.
bool dominates_beyond_noise(const std::vector<Measured> & a, const std::vector<Measured> & b) {
    bool significant = false;
    for (size_t d = 0; d < a.size(); ++d) {
        const double better = a[d].maximise ? a[d].value - b[d].value : b[d].value - a[d].value;
        if (better < 0) return false;
        if (better > 1.96 * std::sqrt(a[d].se * a[d].se + b[d].se * b[d].se)) significant = true;
    }
    return significant;
}

// Models off the all-dimensions front that nothing dominates beyond noise.
std::vector<std::string> within_noise_of_front(const std::vector<const PerRecord *> & recs, bool with_energy,
                                               const std::vector<std::string> & front_names) {
    std::vector<std::string> out;
    for (const auto * b : recs) {
        if (std::find(front_names.begin(), front_names.end(), b->input.model) != front_names.end()) continue;
        const auto mb = measured(b->input, with_energy);
        const bool beaten = std::any_of(recs.begin(), recs.end(), [&](const PerRecord * a) {
            return a != b && dominates_beyond_noise(measured(a->input, with_energy), mb);
        });
        if (!beaten) out.push_back(b->input.model);
    }
    return out;
}

ParetoSets pareto_sets(const std::vector<const PerRecord *> & recs, bool with_energy) {
    const Dimension acc = [](const PerInput & p) { return p.acc; };
    const Dimension lat = [](const PerInput & p) { return p.lat_ms; };
    const Dimension mem = [](const PerInput & p) { return p.mem_mb; };
    const Dimension thr = [](const PerInput & p) { return p.thr / p.n_devices; };
    const Dimension energy = [](const PerInput & p) { return *p.energy_j; };
    ParetoSets s;
    s.quality_latency = front(recs, {acc, lat}, {true, false});
    s.quality_memory = front(recs, {acc, mem}, {true, false});
    if (with_energy) {
        s.quality_energy = front(recs, {acc, energy}, {true, false});
        s.all_dimensions = front(recs, {acc, thr, lat, mem, energy}, {true, true, false, false, false});
        s.all_dimensions_names = "quality, throughput, latency, memory, energy";
    } else {
        s.all_dimensions = front(recs, {acc, thr, lat, mem}, {true, true, false, false});
        s.all_dimensions_names = "quality, throughput, latency, memory";
    }
    s.within_noise = within_noise_of_front(recs, with_energy, s.all_dimensions);
    return s;
}

std::string fmt_g(double v) {
    char buf[32];
    snprintf(buf, sizeof buf, "%.3g", v);
    return buf;
}

std::string bound_text(double lo, double hi) { return fmt_g(lo) + "–" + fmt_g(hi); }

void add_per(TaskComparison & t, const std::vector<const PerRecord *> & recs, const ComparisonOptions & options) {
    std::vector<PerInput> inputs;
    for (const auto * r : recs) inputs.push_back(r->input);
    PerOptions po = options.per;
    if (options.few_models_fixed_bounds && recs.size() < 3 && po.variant == PerVariant::Relative && !po.bounds) {
        double ram = options.memory_total_mb;
        for (const auto * r : recs) ram = std::max(ram, r->machine_memory_mb);
        const PerBounds b = few_model_bounds(inputs, ram);
        po.variant = PerVariant::FixedBounds;
        po.bounds = b;
        const std::string unit = t.granularity == "tokens" ? "token" : "sample";
        t.notes.push_back("PER shown: fixed-bounds, because with " + std::to_string(recs.size()) + " model(s) the relative variant "
                          "gives the worse model 0 on every dimension where it is worse (its PER is 0 by construction). Bounds: "
                          "accuracy 0–1, throughput " + bound_text(b.thr_min, b.thr_max) + " " + unit + "s/s (0 to the best), latency " +
                          bound_text(b.lat_min, b.lat_max) + " ms/" + unit + " (the best to twice the worst), memory " +
                          bound_text(b.mem_min, b.mem_max) + " MiB (0 to " + (ram >= b.mem_max ? "the machine's RAM" : "twice the largest") +
                          ")" + (t.energy_for_all ? ", energy " + bound_text(b.energy_min, b.energy_max) + " J/" + unit + " (the best to twice the worst)" : "") +
                          ". Cao et al.'s relative PER: rightsize report --per-variant relative.");
    }
    t.per_fixed_for_few_models = po.variant == PerVariant::FixedBounds && !options.per.bounds;
    if (po.variant == PerVariant::EnergyAware && !t.energy_for_all && options.energy_fallback) {
        po.variant = PerVariant::Relative;
        po.bounds.reset();
        t.notes.push_back("Energy is missing for some model on " + t.task + ": PER falls back to the relative variant.");
    }
    t.per_variant = po.variant;
    t.per = compute_per(inputs, po);
    if (t.per.size() > 1 && std::all_of(t.per.begin(), t.per.end(), [](const PerRow & p) { return p.per == 0; })) {
        t.notes.push_back("Every model's PER is 0 on " + t.task + ": each is the worst of this set on at least one dimension "
                          "(relative PER gives the worst 0 by construction). The Pareto sets and the recommendation "
                          "tell them apart; PER separates models once more of them are compared.");
    }
    if (options.energy_aware_beside && t.energy_for_all && (po.variant == PerVariant::Relative || t.per_fixed_for_few_models)) {
        po.variant = PerVariant::EnergyAware;
        t.per_energy = compute_per(inputs, po);
    }
}

void add_recommendation(TaskComparison & t, const std::vector<const PerRecord *> & recs, const ComparisonOptions & options) {
    for (const auto * r : recs) {
        if (!r->descriptive.empty()) {
            t.no_recommendation = "no recommendation: " + r->descriptive + ".";
            return;
        }
    }
    if (!std::all_of(recs.begin(), recs.end(), [](const PerRecord * r) { return r->has_stderr; })) {
        t.no_recommendation = "no recommendation: not every model's quality comes with its standard error (CSV column "
                              "acc_stderr), so a real difference cannot be told from noise.";
        return;
    }
    std::vector<Candidate> candidates;
    for (const auto * r : recs) candidates.push_back(r->candidate);
    t.recommendation = recommend(t.task, candidates, options.delta);
}

}  // namespace

PerBounds few_model_bounds(const std::vector<PerInput> & inputs, double memory_total_mb) {
    PerBounds b;
    double thr_max = 0, lat_lo = 0, lat_hi = 0, mem_hi = 0, e_lo = 0, e_hi = 0;
    bool first = true, energy = true;
    for (const auto & in : inputs) {
        const double thr = in.thr / std::max(1, in.n_devices);
        thr_max = std::max(thr_max, thr);
        lat_lo = first ? in.lat_ms : std::min(lat_lo, in.lat_ms);
        lat_hi = std::max(lat_hi, in.lat_ms);
        mem_hi = std::max(mem_hi, in.mem_mb);
        energy = energy && in.energy_j.has_value();
        if (in.energy_j) {
            e_lo = first ? *in.energy_j : std::min(e_lo, *in.energy_j);
            e_hi = std::max(e_hi, *in.energy_j);
        }
        first = false;
    }
    b.acc_min = 0;
    b.acc_max = 1;
    b.thr_min = 0;
    b.thr_max = thr_max > 0 ? thr_max : 1;
    b.lat_min = lat_lo;
    b.lat_max = lat_hi > 0 ? 2 * lat_hi : 1;
    b.mem_min = 0;
    b.mem_max = memory_total_mb > mem_hi ? memory_total_mb : (mem_hi > 0 ? 2 * mem_hi : 1);
    b.energy_min = energy ? e_lo : 0;
    b.energy_max = energy && e_hi > 0 ? 2 * e_hi : 1;
    return b;
}

json ParetoSets::to_json() const {
    return {{"quality_latency", quality_latency},
            {"quality_memory", quality_memory},
            {"quality_energy", quality_energy ? json(*quality_energy) : json()},
            {"all_dimensions", all_dimensions},
            {"all_dimensions_names", all_dimensions_names},
            {"within_noise", within_noise}};
}

std::vector<TaskComparison> compare_models(const std::vector<PerRecord> & records, const ComparisonOptions & options) {
    std::vector<std::string> order;
    std::map<std::string, std::vector<const PerRecord *>> by_task;
    for (const auto & r : records) {
        if (!by_task.count(r.input.task)) order.push_back(r.input.task);
        by_task[r.input.task].push_back(&r);
    }
    std::vector<TaskComparison> out;
    for (const auto & task : order) {
        const auto & recs = by_task[task];
        TaskComparison t;
        t.task = task;
        t.granularity = recs.front()->input.granularity;
        for (const auto * r : recs) t.models.push_back(r->input.model);
        t.energy_for_all = std::all_of(recs.begin(), recs.end(), [](const PerRecord * r) { return r->input.energy_j.has_value(); });
        add_per(t, recs, options);
        t.pareto = pareto_sets(recs, t.energy_for_all);
        add_recommendation(t, recs, options);
        out.push_back(std::move(t));
    }
    return out;
}

std::string per_rows_csv(const std::vector<PerRow> & rows) {
    Table t;
    t.header = {"variant", "normalisation", "task", "model", "per", "acc_n", "thr_n", "lat_n", "mem_n", "energy_n", "per_ci95_lo", "per_ci95_hi"};
    for (const auto & r : rows) {
        t.rows.push_back({per_variant_name(r.variant), r.fixed_bounds ? "fixed-bounds" : "min-max", r.task, r.model,
                          format_fixed(r.per, 6), format_fixed(r.acc_n, 6), format_fixed(r.thr_n, 6), format_fixed(r.lat_n, 6),
                          format_fixed(r.mem_n, 6), r.energy_n ? format_fixed(*r.energy_n, 6) : "",
                          r.ci95 ? format_fixed((*r.ci95)[0], 6) : "", r.ci95 ? format_fixed((*r.ci95)[1], 6) : ""});
    }
    return t.to_csv();
}

}  // namespace rightsize
