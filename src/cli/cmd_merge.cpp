// rightsize merge: the shards of a run (rightsize run --shard I/N, Slurm arrays, Kubernetes Indexed
// Jobs) joined into one run folder by the library's merge_shards.
#include "commands.h"

#include <rightsize/merge.h>
#include <rightsize/report.h>

#include <cstdio>
#include <string>
#include <vector>

namespace rightsize::cli {

int cmd_merge(int argc, char ** argv) {
    MergeOptions o;
    ArgParser p("merge", "OUT SHARD_DIR|STORE [SHARD_DIR|STORE ...] [--allow-partial]\n\n"
                         "Joins the shards of one run (rightsize run --shard I/N, or a Slurm array / Kubernetes Indexed\n"
                         "Job) into the run folder OUT, exactly as one machine would have written it: each model's\n"
                         "results.json with lm-eval's aggregation and stderr recomputed over all documents, the\n"
                         "samples, emissions.csv, rightsize.sqlite, report.json, per.csv, report.html and merge.json.\n"
                         "A SHARD_DIR is OUTPUT/shard-I-of-N, its rightsize.sqlite, or OUTPUT holding shard folders.\n"
                         "Refuses shards of different configurations (naming what differs) and missing, duplicated\n"
                         "or unfinished shards (naming them). Throughput, latency, memory and PER are computed per\n"
                         "hardware class and never averaged across classes; energy and CO2e are summed. OUT is\n"
                         "replaced only when it is empty or an earlier merge; merging again gives the same files.");
    p.flag({"--allow-partial"}, "merge the shards there are; every output says which shards and documents are missing",
           [&] { o.allow_partial = true; });
    // Positional arguments (OUT, then the shards) are taken out before the options are parsed.
    std::vector<char *> options{argv[0], argv[1]};
    std::vector<std::string> positional;
    for (int i = 2; i < argc; ++i) {
        const std::string a = argv[i];
        if (a.size() > 1 && a[0] == '-') options.push_back(argv[i]);
        else positional.push_back(a);
    }
    if (!p.parse(int(options.size()), options.data(), 2)) return 0;
    if (positional.size() < 2) throw UsageError("merge needs OUT and at least one SHARD_DIR; see 'rightsize merge --help'");
    o.output_dir = positional[0];
    o.inputs.assign(positional.begin() + 1, positional.end());
    o.message = [](const std::string & line) { fprintf(stderr, "%s\n", line.c_str()); };
    const MergeOutcome r = merge_shards(o);
    printf("merged %zu of %d shard(s) of run config %s into %s (run %s)\n", r.merged.size(), r.shard_count, r.config_hash.c_str(),
           o.output_dir.c_str(), r.run_id.c_str());
    if (r.manifest.value("partial", false)) {
        printf("PARTIAL: missing shards %s, unfinished %s, missing documents %s (see merge.json)\n",
               r.manifest["missing"].dump().c_str(), r.manifest["unfinished"].dump().c_str(),
               r.manifest["missing_documents"].dump().c_str());
    }
    printf("\n%s\n", render_recommendation_text(r.analysis).c_str());
    printf("Results: %s/<model>/results.json, samples_<task>.jsonl; %s; store: %s.\nReport: %s (and %s, report.json, per.csv)\n",
           o.output_dir.c_str(), r.files.emissions_csv.c_str(), r.files.db.c_str(), r.files.report_html.c_str(), r.files.report_md.c_str());
    return 0;
}

}  // namespace rightsize::cli
