#include <rightsize/error.h>
#include <rightsize/per.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <map>

namespace rightsize {

namespace {

// The dimensions in PerRow's order; energy is last so four-dimensional PER is a prefix.
enum Dim { kAcc, kThr, kLat, kMem, kEnergy, kDims };
const char * const kDimName[kDims] = {"acc", "thr", "lat", "mem", "energy"};
const bool kHigherIsBetter[kDims] = {true, true, false, false, false};

std::string task_model(const PerInput & in) { return "task '" + in.task + "', model '" + in.model + "'"; }

std::pair<double, double> bound(const PerBounds & b, int d) {
    switch (d) {
        case kAcc: return {b.acc_min, b.acc_max};
        case kThr: return {b.thr_min, b.thr_max};
        case kLat: return {b.lat_min, b.lat_max};
        case kMem: return {b.mem_min, b.mem_max};
        default: return {b.energy_min, b.energy_max};
    }
}

double weight(const PerOptions & o, int d) {
    const double w[kDims] = {o.w_acc, o.w_thr, o.w_lat, o.w_mem, o.w_energy};
    return w[d];
}

// Normalises x onto [0,1] with 1 the best end of [lo, hi].
double normalise(double x, double lo, double hi, bool higher_is_better) {
    if (hi == lo) return 1.0;  // the dimension does not separate the models
    const double t = (x - lo) / (hi - lo);
    return higher_is_better ? t : 1.0 - t;
}

std::string fmt(const char * f, double v) {
    char buf[64];
    snprintf(buf, sizeof buf, f, v);
    return buf;
}

// The options' own consistency: bounds where the variant needs them and only there, usable weights.
void check_options(const PerOptions & options) {
    if (options.variant == PerVariant::FixedBounds && !options.bounds) {
        throw Error("PER variant fixed-bounds needs bounds for every dimension (e.g. acc=0:1,thr=0:50,lat=0:2000,mem=0:4096)");
    }
    if (options.variant == PerVariant::Relative && options.bounds) {
        throw Error("PER variant relative normalises over the models compared and takes no bounds; use fixed-bounds to give them");
    }
    if (options.variant == PerVariant::Weighted) {
        double sum = 0;
        for (int d = 0; d < kDims; ++d) {
            if (!(weight(options, d) >= 0) || !std::isfinite(weight(options, d))) {
                throw Error(std::string("PER weight for ") + kDimName[d] + " is " + fmt("%g", weight(options, d)) +
                            "; weights must be finite and ≥ 0");
            }
            sum += weight(options, d);
        }
        if (sum <= 0) throw Error("PER weights are all 0; give at least one dimension a positive weight");
    }
}

void check_input(const PerInput & in) {
    if (in.n_devices < 1) {
        throw Error(task_model(in) + ": n_devices is " + std::to_string(in.n_devices) + "; count at least 1 (a CPU run is 1 device)");
    }
    for (double v : {in.acc, in.thr, in.lat_ms, in.mem_mb, in.energy_j.value_or(0.0)}) {
        if (!std::isfinite(v)) throw Error(task_model(in) + ": a PER figure is not a finite number");
    }
}

// Whether every model of the task has energy. Refuses models measured at different
// granularities, and a model without energy when the variant is energy-aware.
bool task_has_energy(const std::string & task, const std::vector<size_t> & idx, const std::vector<PerInput> & inputs,
                     const PerOptions & options) {
    const auto & first = inputs[idx[0]];
    bool all_energy = true;
    for (size_t i : idx) {
        const auto & in = inputs[i];
        if (in.granularity != first.granularity) {
            throw Error("task '" + task + "': model '" + first.model + "' is measured per " + first.granularity + " but '" +
                        in.model + "' per " + in.granularity + "; PER compares one granularity (re-run the models with the same task)");
        }
        if (!in.energy_j) {
            all_energy = false;
            if (options.variant == PerVariant::EnergyAware) {
                throw Error(task_model(in) + ": energy-aware PER needs energy on every model of the task and this one has none; "
                            "measure energy in the run or choose another --variant");
            }
        }
    }
    return all_energy;
}

using Values = std::array<double, kDims>;

// How one task's models are normalised: the dimensions that count, the range of each, and the
// sum of their weights.
struct Normalisation {
    int dims = kEnergy;
    bool fixed = false;
    bool use_energy = false;
    Values lo{}, hi{};
    double wsum = 0;
};

// Each dimension's range: the fixed bounds, or the models' own minimum and maximum.
void set_ranges(Normalisation & nm, const std::vector<Values> & x, const PerOptions & options) {
    for (int d = 0; d < nm.dims; ++d) {
        if (nm.fixed) {
            std::tie(nm.lo[d], nm.hi[d]) = bound(*options.bounds, d);
            if (!(nm.hi[d] > nm.lo[d])) {
                const char * const example[kDims] = {"acc=0:1", "thr=0:50", "lat=0:2000", "mem=0:4096", "energy=0:10"};
                throw Error(std::string("fixed bounds give no range for ") + kDimName[d] + " (" + fmt("%g", nm.lo[d]) + ":" +
                            fmt("%g", nm.hi[d]) + "); add " + kDimName[d] + "=MIN:MAX with MAX > MIN, e.g. " + example[d]);
            }
        } else {
            nm.lo[d] = nm.hi[d] = x[0][d];
            for (const auto & v : x) {
                nm.lo[d] = std::min(nm.lo[d], v[d]);
                nm.hi[d] = std::max(nm.hi[d], v[d]);
            }
        }
    }
}

// One model's PER: the weighted geometric mean of its normalised dimensions.
PerRow per_row(const std::string & task, const PerInput & in, const Values & x, const Normalisation & nm, const PerOptions & options) {
    Values n{};
    double log_sum = 0;
    bool zero = false;
    for (int d = 0; d < nm.dims; ++d) {
        n[d] = normalise(x[d], nm.lo[d], nm.hi[d], kHigherIsBetter[d]);
        if (nm.fixed) n[d] = std::clamp(n[d], 0.0, 1.0);
        const double w = (options.variant == PerVariant::Weighted ? weight(options, d) : 1.0) / nm.wsum;
        if (w == 0) continue;  // a zero weight removes the dimension (x⁰ = 1)
        if (n[d] <= 0) zero = true;
        else log_sum += w * std::log(n[d]);
    }
    // The worst model on a dimension gets 0 there and so PER 0: the paper's intent.
    PerRow r;
    r.task = task;
    r.model = in.model;
    r.per = zero ? 0.0 : std::exp(log_sum);
    r.acc_n = n[kAcc];
    r.thr_n = n[kThr];
    r.lat_n = n[kLat];
    r.mem_n = n[kMem];
    if (nm.use_energy) r.energy_n = n[kEnergy];
    r.variant = options.variant;
    r.fixed_bounds = nm.fixed;
    return r;
}

// PER for the models of one task (inputs idx), written into their rows.
void per_of_task(const std::string & task, const std::vector<size_t> & idx, const std::vector<PerInput> & inputs,
                 const PerOptions & options, bool fixed, std::vector<PerRow> & rows) {
    const bool all_energy = task_has_energy(task, idx, inputs, options);
    Normalisation nm;
    nm.fixed = fixed;
    nm.use_energy = options.variant == PerVariant::EnergyAware || (options.variant == PerVariant::Weighted && all_energy);
    nm.dims = nm.use_energy ? kDims : kEnergy;

    // Values per dimension; throughput is per accelerator (GUIDE §3).
    std::vector<Values> x;
    for (size_t i : idx) {
        const auto & in = inputs[i];
        x.push_back({in.acc, in.thr / double(in.n_devices), in.lat_ms, in.mem_mb, in.energy_j.value_or(0.0)});
    }
    set_ranges(nm, x, options);
    for (int d = 0; d < nm.dims; ++d) nm.wsum += options.variant == PerVariant::Weighted ? weight(options, d) : 1.0;
    for (size_t k = 0; k < idx.size(); ++k) rows[idx[k]] = per_row(task, inputs[idx[k]], x[k], nm, options);
}

// The recommendation's best model: the most accurate. Ties: the smaller model, then the first
// name, so the order models are given in never matters.
const Candidate * most_accurate(const std::vector<Candidate> & candidates) {
    const Candidate * best = &candidates[0];
    for (const auto & c : candidates) {
        const bool tie = c.acc == best->acc;
        if (c.acc > best->acc || (tie && c.size_mb > 0 && c.size_mb < best->size_mb) ||
            (tie && c.size_mb == best->size_mb && c.model < best->model)) {
            best = &c;
        }
    }
    return best;
}

// The models within delta of the best or not significantly worse, named in r.within; r.separable
// says whether any gap to the best is significant. A gap is significant when it exceeds the
// 95 % interval of the difference of two independent estimates. With unknown stderr (0) any
// positive gap counts as real.
std::vector<const Candidate *> within_reach(const std::vector<Candidate> & candidates, const Candidate * best, double delta,
                                            Recommendation & r) {
    auto significant = [&](const Candidate & c) {
        const double gap = best->acc - c.acc;
        return gap > 0 && gap >= 1.96 * std::sqrt(best->acc_stderr * best->acc_stderr + c.acc_stderr * c.acc_stderr);
    };
    std::vector<const Candidate *> within;
    bool any_significant = false;
    for (const auto & c : candidates) {
        const bool sig = significant(c);
        any_significant = any_significant || sig;
        if (best->acc - c.acc <= delta + 1e-12 || !sig) {
            within.push_back(&c);
            r.within.push_back(c.model);
        }
    }
    r.separable = candidates.size() == 1 || any_significant;
    return within;
}

// The smallest of the models (ties: the more accurate, then the first name); none when a size is unknown.
const Candidate * smallest_of(const std::vector<const Candidate *> & within) {
    bool sizes_known = true;
    for (const auto * c : within) sizes_known = sizes_known && c->size_mb > 0;
    if (!sizes_known) return nullptr;
    const Candidate * smallest = nullptr;
    for (const auto * c : within) {
        if (!smallest || c->size_mb < smallest->size_mb || (c->size_mb == smallest->size_mb && c->acc > smallest->acc) ||
            (c->size_mb == smallest->size_mb && c->acc == smallest->acc && c->model < smallest->model)) {
            smallest = c;
        }
    }
    return smallest;
}

// The model with energy that uses the least (ties: the first name); none when none has energy.
const Candidate * least_energy_of(const std::vector<const Candidate *> & within) {
    const Candidate * frugal = nullptr;
    for (const auto * c : within) {
        if (c->energy_j && (!frugal || *c->energy_j < *frugal->energy_j || (*c->energy_j == *frugal->energy_j && c->model < frugal->model))) {
            frugal = c;
        }
    }
    return frugal;
}

// The models no other beats on quality, latency and memory, and energy where every model has it.
std::vector<std::string> pareto_models(const std::vector<Candidate> & candidates) {
    bool all_energy = true;
    for (const auto & c : candidates) all_energy = all_energy && c.energy_j.has_value();
    std::vector<std::vector<double>> points;
    for (const auto & c : candidates) {
        points.push_back({c.acc, c.lat_ms, c.mem_mb});
        if (all_energy) points.back().push_back(*c.energy_j);
    }
    std::vector<bool> maximise = {true, false, false};
    if (all_energy) maximise.push_back(false);
    std::vector<std::string> names;
    for (size_t i : pareto_front(points, maximise)) names.push_back(candidates[i].model);
    return names;
}

// As many decimals as the stderr's first significant digit needs (at least 2): 0.58 ± 0.05,
// 0.700 ± 0.002 — never "± 0.00".
std::string quality(const Candidate & c) {
    if (c.acc_stderr <= 0) return fmt("%.2f", c.acc);
    const int d = std::clamp(int(-std::floor(std::log10(c.acc_stderr))), 2, 6);
    char buf[64];
    snprintf(buf, sizeof buf, "%.*f ± %.*f", d, c.acc, d, c.acc_stderr);
    return std::string(buf);
}

std::string sized(const Candidate & c) { return fmt("%.1f MB", c.size_mb) + ", " + quality(c); }

// What the recommendation says when the quality differences are within noise.
std::string inseparable_text(const std::vector<Candidate> & candidates, const Candidate * smallest) {
    int n_lo = candidates[0].n, n_hi = candidates[0].n;
    for (const auto & c : candidates) {
        n_lo = std::min(n_lo, c.n);
        n_hi = std::max(n_hi, c.n);
    }
    const std::string n = n_lo == n_hi ? std::to_string(n_lo) : std::to_string(n_lo) + "–" + std::to_string(n_hi);
    std::string t = "rightsize cannot separate the models: differences are within the 95 % interval" +
                    (n_hi > 0 ? " (n = " + n + ")" : "") + "; run more documents (--limit) to decide.";
    if (smallest) t += " Until then the smallest, " + smallest->model + " (" + sized(*smallest) + "), gives up nothing measurable.";
    return t;
}

// "0.271 " or, with its standard error, "0.271 ± 0.053 ".
std::string energy_text(const Candidate & c) {
    return fmt("%.3g", *c.energy_j) + (c.energy_se > 0 ? " ± " + fmt("%.2g", c.energy_se) : "") + " ";
}

// The models within reach whose energy is not distinguishable from the least's at 95 %.
std::vector<std::string> energy_ties(const std::vector<const Candidate *> & within, const Candidate & frugal) {
    std::vector<std::string> out;
    for (const auto * c : within) {
        if (c == &frugal || !c->energy_j) continue;
        const double gap = *c->energy_j - *frugal.energy_j;
        if (gap < 1.96 * std::sqrt(c->energy_se * c->energy_se + frugal.energy_se * frugal.energy_se)) out.push_back(c->model);
    }
    return out;
}

// The recommendation in plain words.
std::string recommendation_text(const std::string & task, const std::vector<Candidate> & candidates, const Recommendation & r,
                                const Candidate * best, const Candidate * smallest, const Candidate * frugal, size_t n_within) {
    const double delta = r.delta;
    const std::string unit = std::string("J/") + (best->granularity == "tokens" ? "token" : "sample");
    const std::string points_text = fmt("%g", delta * 100) + (delta == 0.01 ? " point" : " points");
    std::string t = "On " + task + ", ";
    if (candidates.size() == 1) {
        t += "only " + best->model + " (" + quality(*best) + ") was evaluated; add models to compare.";
    } else if (!r.separable) {
        t += inseparable_text(candidates, smallest);
    } else {
        t += best->model + " (" + quality(*best) + ") is the most accurate";
        if (!smallest) {
            t += ".";
        } else if (smallest == best) {
            t += " and no smaller model is within " + points_text + " of it or indistinguishable from it at 95 %.";
        } else {
            t += "; " + smallest->model + " (" + sized(*smallest) + ") is the smallest model " +
                 (best->acc - smallest->acc <= delta + 1e-12 ? "within " + points_text + " of it."
                                                             : "not significantly worse than it (95 % interval).");
        }
    }
    if (frugal && n_within > 1) {
        t += " Of the models within reach, " + frugal->model + " uses the least energy (" + energy_text(*frugal) + unit + ")";
        if (r.energy_within_noise.empty()) {
            t += ".";
        } else {
            std::string ties;
            for (const auto & m : r.energy_within_noise) ties += (ties.empty() ? "" : ", ") + m;
            t += ", but not beyond noise: " + ties + (r.energy_within_noise.size() == 1 ? " is" : " are") +
                 " within the 95 % interval of the difference.";
        }
    }
    return t;
}

}  // namespace

const char * per_variant_name(PerVariant v) {
    switch (v) {
        case PerVariant::Relative: return "relative";
        case PerVariant::FixedBounds: return "fixed-bounds";
        case PerVariant::Weighted: return "weighted";
        case PerVariant::EnergyAware: return "energy-aware";
    }
    return "?";
}

nlohmann::json PerRow::to_json() const {
    nlohmann::json j = {{"task", task},       {"model", model},   {"variant", per_variant_name(variant)},
                        {"normalisation", fixed_bounds ? "fixed-bounds" : "min-max"},
                        {"per", per},         {"acc_n", acc_n},   {"thr_n", thr_n},
                        {"lat_n", lat_n},     {"mem_n", mem_n}};
    j["energy_n"] = energy_n ? nlohmann::json(*energy_n) : nlohmann::json(nullptr);
    if (ci95) j["ci95"] = {(*ci95)[0], (*ci95)[1]};
    return j;
}

PerRow PerRow::from_json(const nlohmann::json & j) {
    PerRow r;
    r.task = j.value("task", "");
    r.model = j.value("model", "");
    const std::string v = j.value("variant", "relative");
    for (auto x : {PerVariant::Relative, PerVariant::FixedBounds, PerVariant::Weighted, PerVariant::EnergyAware}) {
        if (v == per_variant_name(x)) r.variant = x;
    }
    r.fixed_bounds = j.value("normalisation", "") == "fixed-bounds";
    r.per = j.value("per", 0.0);
    r.acc_n = j.value("acc_n", 0.0);
    r.thr_n = j.value("thr_n", 0.0);
    r.lat_n = j.value("lat_n", 0.0);
    r.mem_n = j.value("mem_n", 0.0);
    if (j.contains("energy_n") && j["energy_n"].is_number()) r.energy_n = j["energy_n"].get<double>();
    if (const auto it = j.find("ci95"); it != j.end() && it->is_array() && it->size() == 2 && (*it)[0].is_number() && (*it)[1].is_number()) {
        r.ci95 = std::array<double, 2>{(*it)[0].get<double>(), (*it)[1].get<double>()};
    }
    return r;
}

std::vector<PerRow> compute_per(const std::vector<PerInput> & inputs, const PerOptions & options) {
    const bool fixed = options.variant == PerVariant::FixedBounds || (options.bounds && options.variant != PerVariant::Relative);
    check_options(options);

    // Tasks in order of first appearance, each with its inputs' indices.
    std::vector<std::string> tasks;
    std::map<std::string, std::vector<size_t>> members;
    for (size_t i = 0; i < inputs.size(); ++i) {
        const auto & in = inputs[i];
        if (!members.count(in.task)) tasks.push_back(in.task);
        members[in.task].push_back(i);
        check_input(in);
    }

    std::vector<PerRow> rows(inputs.size());
    for (const auto & task : tasks) per_of_task(task, members[task], inputs, options, fixed, rows);
    return rows;
}

std::vector<size_t> pareto_front(const std::vector<std::vector<double>> & points, const std::vector<bool> & maximise) {
    for (size_t i = 0; i < points.size(); ++i) {
        if (points[i].size() != maximise.size()) {
            throw Error("Pareto point " + std::to_string(i) + " has " + std::to_string(points[i].size()) + " values for " +
                        std::to_string(maximise.size()) + " dimensions");
        }
    }
    // b is at least as good as a on dimension d.
    auto no_worse = [&](const std::vector<double> & b, const std::vector<double> & a, size_t d) {
        return maximise[d] ? b[d] >= a[d] : b[d] <= a[d];
    };
    std::vector<size_t> front;
    for (size_t i = 0; i < points.size(); ++i) {
        bool dominated = false;
        for (size_t j = 0; j < points.size() && !dominated; ++j) {
            if (j == i) continue;
            bool all = true, strictly = false;
            for (size_t d = 0; d < maximise.size() && all; ++d) {
                all = no_worse(points[j], points[i], d);
                strictly = strictly || points[j][d] != points[i][d];
            }
            dominated = all && strictly;
        }
        if (!dominated) front.push_back(i);
    }
    return front;
}

nlohmann::json Recommendation::to_json() const {
    return {{"task", task},         {"best_model", best_model},
            {"smallest_within", smallest_within.empty() ? nlohmann::json(nullptr) : nlohmann::json(smallest_within)},
            {"least_energy_within", least_energy_within.empty() ? nlohmann::json(nullptr) : nlohmann::json(least_energy_within)},
            {"delta", delta},       {"separable", separable},
            {"within", within},     {"pareto", pareto},
            {"energy_within_noise", energy_within_noise},
            {"text", text}};
}

Recommendation recommend(const std::string & task, const std::vector<Candidate> & candidates, double delta) {
    if (candidates.empty()) throw Error("task '" + task + "': no models to recommend from");
    if (!(delta >= 0)) throw Error("the recommendation's delta is " + fmt("%g", delta) + "; give a quality margin ≥ 0 (0.02 = 2 points)");
    Recommendation r;
    r.task = task;
    r.delta = delta;
    const Candidate * best = most_accurate(candidates);
    r.best_model = best->model;
    const std::vector<const Candidate *> within = within_reach(candidates, best, delta, r);
    const Candidate * smallest = smallest_of(within);
    if (smallest) r.smallest_within = smallest->model;
    const Candidate * frugal = least_energy_of(within);
    if (frugal) {
        r.least_energy_within = frugal->model;
        r.energy_within_noise = energy_ties(within, *frugal);
    }
    r.pareto = pareto_models(candidates);
    r.text = recommendation_text(task, candidates, r, best, smallest, frugal, within.size());
    return r;
}

}  // namespace rightsize
