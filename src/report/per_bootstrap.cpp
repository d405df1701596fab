// PER with its uncertainty (per_bootstrap.h).
#include "per_bootstrap.h"

#include <rightsize/stats.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

namespace rightsize {

using nlohmann::json;

namespace {

// The positions, in each model's documents, of the doc_ids every model has.
std::vector<std::vector<size_t>> common_documents(const std::vector<const DocumentFigures *> & docs) {
    std::map<long long, std::vector<size_t>> at;
    for (size_t m = 0; m < docs.size(); ++m) {
        for (size_t k = 0; k < docs[m]->ids.size(); ++k) at[docs[m]->ids[k]].push_back(k);
    }
    std::vector<std::vector<size_t>> rows;  // per common document: its position in each model's list
    for (auto & [id, pos] : at) {
        if (pos.size() == docs.size()) rows.push_back(std::move(pos));
    }
    return rows;
}

// One model's PER inputs on a draw of documents.
PerInput drawn_input(PerInput in, const DocumentFigures & d, const std::vector<std::vector<size_t>> & common,
                     const std::vector<size_t> & draw, size_t model, bool hib) {
    double q = 0, cost = 0, energy = 0, generated = 0;
    for (size_t i : draw) {
        const size_t k = common[i][model];
        q += d.quality[k];
        cost += d.cost_ms[k];
        energy += d.energy_j[k];
        generated += d.generated[k];
    }
    const double n = double(draw.size());
    const bool tokens = in.granularity == "tokens";
    const double units = tokens ? generated : n;
    in.acc = (hib ? 1.0 : -1.0) * q / n;
    if (cost > 0 && units > 0) {
        in.thr = units / (cost / 1000.0);
        in.lat_ms = cost / units;
    }
    if (in.energy_j && units > 0) in.energy_j = energy / units;
    return in;
}

std::vector<PerRow> per_of(std::vector<PerInput> inputs, const ComparisonOptions & options, double ram) {
    PerOptions po = options.per;
    if (options.few_models_fixed_bounds && inputs.size() < 3 && po.variant == PerVariant::Relative && !po.bounds) {
        po.variant = PerVariant::FixedBounds;
        po.bounds = few_model_bounds(inputs, ram);
    }
    if (po.variant == PerVariant::EnergyAware &&
        !std::all_of(inputs.begin(), inputs.end(), [](const PerInput & i) { return i.energy_j.has_value(); })) {
        po.variant = PerVariant::Relative;
        po.bounds.reset();
    }
    return compute_per(inputs, po);
}

}  // namespace

json per_bootstrap(const std::vector<PerRecord> & records, const std::vector<const DocumentFigures *> & docs, bool hib,
                   const ComparisonOptions & options, int resamples, unsigned seed) {
    if (records.size() < 2 || docs.size() != records.size() ||
        std::any_of(docs.begin(), docs.end(), [](const DocumentFigures * d) { return d == nullptr; })) {
        return nullptr;
    }
    const auto common = common_documents(docs);
    if (common.size() < 2) return nullptr;
    double ram = options.memory_total_mb;
    for (const auto & r : records) ram = std::max(ram, r.machine_memory_mb);
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<size_t> pick(0, common.size() - 1);
    const size_t n_models = records.size();
    std::vector<std::vector<double>> per(n_models);
    std::vector<std::vector<size_t>> above(n_models, std::vector<size_t>(n_models, 0));
    std::vector<size_t> draw(common.size());
    for (int b = 0; b < resamples; ++b) {
        for (auto & i : draw) i = pick(rng);
        std::vector<PerInput> inputs;
        for (size_t m = 0; m < n_models; ++m) inputs.push_back(drawn_input(records[m].input, *docs[m], common, draw, m, hib));
        const auto rows = per_of(inputs, options, ram);
        for (size_t m = 0; m < n_models; ++m) per[m].push_back(rows[m].per);
        for (size_t a = 0; a < n_models; ++a) {
            for (size_t c = 0; c < n_models; ++c) {
                if (a != c && rows[a].per > rows[c].per) ++above[a][c];
            }
        }
    }
    json out = {{"method", "bootstrap over the documents every model has: " + std::to_string(resamples) +
                               " draws with replacement (seed 1234), a document's quality, time and energy drawn together and "
                               "every model on the same draw; PER recomputed on each (memory as measured)"},
                {"resamples", resamples}, {"documents", common.size()}, {"per_ci95", json::object()}, {"rank", json::array()}};
    for (size_t m = 0; m < n_models; ++m) out["per_ci95"][records[m].input.model] = {percentile(per[m], 2.5), percentile(per[m], 97.5)};
    size_t best = 0;
    for (size_t m = 1; m < n_models; ++m) {
        if (mean(per[m]) > mean(per[best])) best = m;
    }
    bool separable = true;
    for (size_t a = 0; a < n_models; ++a) {
        for (size_t c = a + 1; c < n_models; ++c) {
            const bool a_first = above[a][c] >= above[c][a];
            const size_t hi = a_first ? a : c, lo = a_first ? c : a;
            const double share = double(above[hi][lo]) / resamples;
            out["rank"].push_back({{"above", records[hi].input.model}, {"below", records[lo].input.model}, {"share", share}});
            if ((hi == best || lo == best) && share < 0.95) separable = false;
        }
    }
    out["best"] = records[best].input.model;
    out["separable"] = separable;
    return out;
}

}  // namespace rightsize
