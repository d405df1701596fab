// rightsize per: PER (Cao et al.) per task over the models compared, the Pareto set and the
// recommendation, from the user's CSV or from the results.json files `rightsize run` writes.
#include "commands.h"

#include "../core/table.h"

#include <rightsize/comparison.h>
#include <rightsize/error.h>
#include <rightsize/per.h>
#include <rightsize/per_input.h>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace rightsize::cli {

namespace {

std::string num(double v) { return format_fixed(v, 3); }

std::string range(double lo, double hi) {
    char buf[64];
    snprintf(buf, sizeof buf, "%g–%g", lo, hi);
    return buf;
}

// The line above the table that says which PER it shows: the numbers mean different things.
std::string describe(const PerOptions & o, bool any_energy) {
    std::string s = std::string("PER variant: ") + per_variant_name(o.variant) + " — ";
    switch (o.variant) {
        case PerVariant::Relative:
        case PerVariant::FixedBounds: s += "(acc·thr·lat·mem)^(1/4)"; break;
        case PerVariant::EnergyAware: s += "(acc·thr·lat·mem·energy)^(1/5)"; break;
        case PerVariant::Weighted: {
            char buf[160];
            snprintf(buf, sizeof buf, "Π xᵢ^(wᵢ/Σw), weights acc %g, thr %g, lat %g, mem %g%s", o.w_acc, o.w_thr, o.w_lat, o.w_mem,
                     any_energy ? "" : " (energy: where every model of a task has it)");
            s += buf;
            if (any_energy) {
                snprintf(buf, sizeof buf, ", energy %g", o.w_energy);
                s += buf;
            }
            break;
        }
    }
    if (o.bounds) {
        const auto & b = *o.bounds;
        s += "; fixed bounds acc " + range(b.acc_min, b.acc_max) + ", thr/device " + range(b.thr_min, b.thr_max) + ", lat " +
             range(b.lat_min, b.lat_max) + " ms, mem " + range(b.mem_min, b.mem_max) + " MB";
        if (o.variant == PerVariant::EnergyAware || (o.variant == PerVariant::Weighted && any_energy)) {
            s += ", energy " + range(b.energy_min, b.energy_max) + " J";
        }
        s += ", clamped: a model's PER does not move when others are added";
    } else {
        s += "; each dimension min-max normalised over the models of its task: adding or removing a model changes every PER";
    }
    return s;
}

std::string read_bounds(const std::string & v) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(v, ec)) {
        std::ifstream in(v);
        std::ostringstream ss;
        ss << in.rdbuf();
        return ss.str();
    }
    if (v.find('=') == std::string::npos) {
        throw UsageError("option '--bounds' expects a file or acc=MIN:MAX,thr=MIN:MAX,…; '" + v + "' is neither");
    }
    return v;
}

// What the command line asked for. The options' callbacks hold references into it.
struct PerCliOptions {
    std::vector<std::string> inputs, metrics;
    std::string variant_text, bounds_text, weights_text, format = "table";
    double delta = 0.02;
};

void add_per_options(ArgParser & p, PerCliOptions & c) {
    p.value({"-i", "--input"}, "FILE|DIR",
            "a CSV (task,model,acc,thr,lat_ms,mem_mb[,energy,n_devices,granularity,acc_stderr,size_mb,n]), a results.json "
            "of 'rightsize run', or its -o folder (repeatable)",
            [&](const std::string & v) { c.inputs.push_back(v); });
    p.value({"--variant"}, "NAME",
            "relative, fixed-bounds, weighted or energy-aware (default: relative, but fixed-bounds on a task of\n"
            "fewer than 3 models, where relative gives the worse model 0; the task's note gives the bounds)",
            [&](const std::string & v) {
                try {
                    parse_per_variant(v);
                } catch (const Error & e) {
                    throw UsageError(std::string("option '--variant': ") + e.what());
                }
                c.variant_text = v;
            });
    p.value({"--bounds"}, "FILE|SPEC", "fixed bounds, e.g. acc=0:1,thr=0:50,lat=0:2000,mem=0:4096,energy=0:10 (implies fixed-bounds)",
            [&](const std::string & v) { c.bounds_text = read_bounds(v); });
    p.value({"--weights"}, "SPEC", "weighted variant's weights, e.g. acc=2,thr=1,lat=1,mem=1,energy=0 (implies weighted)",
            [&](const std::string & v) { c.weights_text = v; });
    p.value({"--metric"}, "[TASK=]NAME[,FILTER]", "quality metric read from results.json (default: the task's headline; repeatable)",
            [&](const std::string & v) { c.metrics.push_back(v); });
    p.value({"--delta"}, "X", "quality margin of the recommendation (default 0.02 = 2 points)",
            [&](const std::string & v) {
                c.delta = parse_double("--delta", v);
                if (!(c.delta >= 0 && c.delta < 1)) throw UsageError("option '--delta' expects a quality margin from 0 to 1, got '" + v + "'");
            });
    p.value({"-o", "--format"}, "table|csv|json|md", "output format (default table)", [&](const std::string & v) {
        parse_format(v);
        c.format = v;
    });
}

// The PER options the command line asked for: a variant named, or implied by --bounds or
// --weights, and refused when the two disagree.
PerOptions per_options(const PerCliOptions & c) {
    PerOptions options;
    options.variant = !c.variant_text.empty()   ? parse_per_variant(c.variant_text)
                      : !c.bounds_text.empty()  ? PerVariant::FixedBounds
                      : !c.weights_text.empty() ? PerVariant::Weighted
                                                : PerVariant::Relative;
    try {
        if (!c.bounds_text.empty()) options.bounds = parse_per_bounds(c.bounds_text);
        if (!c.weights_text.empty()) parse_per_weights(c.weights_text, options);
    } catch (const Error & e) {
        throw UsageError(e.what());
    }
    if (options.variant == PerVariant::Relative && options.bounds) {
        throw UsageError("--variant relative normalises over the models compared and takes no --bounds; use --variant fixed-bounds");
    }
    if (options.variant == PerVariant::FixedBounds && !options.bounds) {
        throw UsageError("--variant fixed-bounds needs --bounds acc=MIN:MAX,thr=MIN:MAX,lat=MIN:MAX,mem=MIN:MAX");
    }
    if (!c.weights_text.empty() && options.variant != PerVariant::Weighted) {
        throw UsageError("--weights applies to --variant weighted, not " + std::string(per_variant_name(options.variant)));
    }
    return options;
}

std::vector<PerRecord> read_records(const PerCliOptions & c) {
    std::vector<PerRecord> records;
    std::vector<std::string> warnings;
    for (const auto & in : c.inputs) {
        auto part = read_per_inputs(in, c.metrics, &warnings);
        records.insert(records.end(), part.begin(), part.end());
    }
    for (const auto & w : warnings) fprintf(stderr, "rightsize per: warning: %s\n", w.c_str());
    check_unique_models(records);
    return records;
}

void print_json(const std::vector<TaskComparison> & compared, const PerOptions & options, bool any_energy) {
    nlohmann::json out = {{"variant", per_variant_name(options.variant)},
                          {"normalisation", options.bounds ? "fixed-bounds" : "min-max"},
                          {"description", describe(options, any_energy)},
                          {"notes", nlohmann::json::object()},
                          {"rows", nlohmann::json::array()},
                          {"pareto", nlohmann::json::object()},
                          {"recommendations", nlohmann::json::array()},
                          {"no_recommendation", nlohmann::json::object()}};
    for (const auto & c : compared) {
        for (const auto & r : c.per) out["rows"].push_back(r.to_json());
        out["pareto"][c.task] = c.pareto.to_json();
        if (!c.notes.empty()) out["notes"][c.task] = c.notes;
        if (c.recommendation) out["recommendations"].push_back(c.recommendation->to_json());
        else out["no_recommendation"][c.task] = c.no_recommendation;
    }
    printf("%s\n", out.dump(2).c_str());
}

void print_csv(const std::vector<TaskComparison> & compared) {
    std::vector<PerRow> rows;
    for (const auto & c : compared) rows.insert(rows.end(), c.per.begin(), c.per.end());
    fputs(per_rows_csv(rows).c_str(), stdout);
}

// Every model's PER, its normalised dimensions and the figures they come from.
Table per_table(const std::vector<TaskComparison> & compared, const std::vector<PerRecord> & records, bool any_energy) {
    std::map<std::pair<std::string, std::string>, const PerInput *> input_of;
    for (const auto & r : records) input_of[{r.input.task, r.input.model}] = &r.input;
    Table t;
    t.header = {"task", "model", "unit", "PER", "acc_n", "thr_n", "lat_n", "mem_n"};
    if (any_energy) t.header.push_back("energy_n");
    for (const char * h : {"acc", "thr/device", "lat ms", "mem MB"}) t.header.push_back(h);
    if (any_energy) t.header.push_back("energy J");
    t.right_align.assign(t.header.size(), true);
    t.right_align[0] = t.right_align[1] = t.right_align[2] = false;
    for (const auto & c : compared) {
        for (const auto & r : c.per) {
            const auto & in = *input_of.at({r.task, r.model});
            std::vector<std::string> cells = {r.task, r.model, in.granularity == "tokens" ? "token" : "sample", num(r.per), num(r.acc_n),
                                              num(r.thr_n), num(r.lat_n), num(r.mem_n)};
            if (any_energy) cells.push_back(r.energy_n ? num(*r.energy_n) : "–");
            cells.push_back(format_fixed(in.acc, 4));
            cells.push_back(format_fixed(in.thr / in.n_devices, 2));
            cells.push_back(format_fixed(in.lat_ms, 1));
            cells.push_back(format_fixed(in.mem_mb, 0));
            if (any_energy) cells.push_back(in.energy_j ? format_fixed(*in.energy_j, 4) : "–");
            t.rows.push_back(std::move(cells));
        }
    }
    return t;
}

// The table (as text or Markdown), then the Pareto sets and the recommendations.
void print_table(const std::vector<TaskComparison> & compared, const std::vector<PerRecord> & records, const PerOptions & options,
                 bool any_energy, bool md) {
    const Table t = per_table(compared, records, any_energy);
    printf("%s\n", describe(options, any_energy).c_str());
    for (const auto & c : compared) {
        for (const auto & n : c.notes) {
            if (c.per_fixed_for_few_models && n.starts_with("PER shown")) printf("  %s: %s\n", c.task.c_str(), n.c_str());
        }
    }
    printf("\n");
    fputs((md ? t.to_markdown() : t.to_text()).c_str(), stdout);
    printf("\nPareto set (not dominated on quality ↑, throughput ↑, latency ↓, memory ↓, and energy ↓ where every model "
           "has it):\n");
    for (const auto & c : compared) {
        std::string names;
        for (const auto & m : c.pareto.all_dimensions) names += (names.empty() ? "" : ", ") + m;
        std::string ties;
        for (const auto & m : c.pareto.within_noise) ties += (ties.empty() ? "" : ", ") + m;
        printf("%s%s%s: %s%s\n", md ? "- " : "  ", c.task.c_str(), c.energy_for_all ? " (with energy)" : "", names.c_str(),
               ties.empty() ? "" : ("; off it only within noise (95 %): " + ties).c_str());
    }
    std::string recommended, missing;
    for (const auto & c : compared) {
        if (c.recommendation) recommended += (md ? "- " : "  ") + c.recommendation->text + "\n";
        else missing += (md ? "- " : "  ") + c.task + ": " + c.no_recommendation + "\n";
    }
    if (!recommended.empty()) printf("\nRecommendation:\n%s", recommended.c_str());
    if (!missing.empty()) printf("\nNo recommendation:\n%s", missing.c_str());
}

}  // namespace

int cmd_per(int argc, char ** argv) {
    PerCliOptions c;
    ArgParser p("per", "--input FILE|DIR [--input …] [options]\n\n"
                       "PER (Cao et al.) = (ACC·THR·LAT·MEM)^(1/4) per task, each dimension normalised over the models\n"
                       "compared (throughput per device; samples for scoring tasks, tokens for generation), the Pareto\n"
                       "set (quality vs latency, memory, energy) and a recommendation: the smallest model within --delta\n"
                       "of the most accurate, or a plain statement that the data cannot separate them. See docs/per.md.");
    add_per_options(p, c);
    if (!p.parse(argc, argv, 2)) return 0;
    if (c.inputs.empty()) throw UsageError("per needs at least one --input FILE|DIR; see 'rightsize per --help'");
    const PerOptions options = per_options(c);
    const std::vector<PerRecord> records = read_records(c);

    ComparisonOptions co;
    co.per = options;
    co.few_models_fixed_bounds = c.variant_text.empty() && c.bounds_text.empty() && c.weights_text.empty();
    co.delta = c.delta;
    co.energy_aware_beside = false;
    co.energy_fallback = false;
    const auto compared = compare_models(records, co);
    bool any_energy = false;
    for (const auto & t : compared)
        for (const auto & r : t.per) any_energy = any_energy || r.energy_n.has_value();
    const auto fmt = parse_format(c.format);
    if (fmt == OutputFormat::Json) print_json(compared, options, any_energy);
    else if (fmt == OutputFormat::Csv) print_csv(compared);
    else print_table(compared, records, options, any_energy, fmt == OutputFormat::Markdown);
    return 0;
}

}  // namespace rightsize::cli
