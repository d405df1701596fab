// rightsize: which language model is the right size for this task on this hardware?
#include "commands.h"

#include <rightsize/error.h>
#include <rightsize/version.h>

#include <cstdio>
#include <cstring>
#include <string>

namespace {

void print_usage() {
    printf("rightsize %s — which language model is the right size for your task and hardware\n\n"
           "usage: rightsize <command> [options]\n\n"
           "commands:\n"
           "  run       evaluate models on tasks: quality, efficiency, energy and CO2e per task; PER, Pareto and the\n"
           "            recommendation; results.json, samples, SQLite, emissions.csv, report.html\n"
           "  merge     join the shards of a run (run --shard I/N, Slurm arrays, Kubernetes Indexed Jobs) into one\n"
           "            run folder, as one machine would have written it\n"
           "  tasks     list the tasks run accepts\n"
           "  per       PER (Cao et al.), Pareto set and recommendation from results.json files or a CSV\n"
           "  report    the self-contained HTML (and Markdown) report of a run: tables, charts, recommendation\n"
           "  vote      blind pairwise human-likeness voting in the browser (127.0.0.1), or a model judge\n"
           "            (--judge MODEL.gguf | --judge-endpoint URL); --tally for win rates\n"
           "  serve     a GGUF model behind an OpenAI-compatible API that lm-evaluation-harness can score\n"
           "            (echoed prompt log-probabilities, /tokenize, /tokenizer_info), batched and streamed\n"
           "  load      a serving load test of an OpenAI-compatible endpoint (vLLM bench definitions, GuideLLM sweep)\n"
           "  bench     prompt/generation throughput (llama-bench definitions), latency percentiles, memory\n"
           "  info      model facts: architecture, parameters, size, quantisation, context, chat template\n\n"
           "  --version print rightsize's version and the llama.cpp it was built with\n\n"
           "Run 'rightsize <command> --help' for a command's options.\n",
           rightsize::version());
}

}  // namespace

int main(int argc, char ** argv) {
    using namespace rightsize;
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
        print_usage();
        return argc < 2 ? 2 : 0;
    }
    const std::string cmd = argv[1];
    try {
        if (cmd == "--version" || cmd == "version") {
            printf("rightsize %s\nllama.cpp %s\n", version(), llama_version_string().c_str());
            return 0;
        }
        if (cmd == "bench") return cli::cmd_bench(argc, argv);
        if (cmd == "info") return cli::cmd_info(argc, argv);
        if (cmd == "load") return cli::cmd_load(argc, argv);
        if (cmd == "merge") return cli::cmd_merge(argc, argv);
        if (cmd == "run") return cli::cmd_run(argc, argv);
        if (cmd == "serve") return cli::cmd_serve(argc, argv);
        if (cmd == "tasks") return cli::cmd_tasks(argc, argv);
        if (cmd == "per") return cli::cmd_per(argc, argv);
        if (cmd == "report") return cli::cmd_report(argc, argv);
        if (cmd == "vote") return cli::cmd_vote(argc, argv);
        fprintf(stderr, "rightsize: unknown command '%s'; run 'rightsize --help' for the list\n", cmd.c_str());
        return 2;
    } catch (const cli::UsageError & e) {
        fprintf(stderr, "rightsize %s: %s\n", cmd.c_str(), e.what());
        return 2;
    } catch (const OptionError & e) {
        fprintf(stderr, "rightsize %s: %s\n", cmd.c_str(), e.what());
        return 2;
    } catch (const Error & e) {
        fprintf(stderr, "rightsize %s: error: %s\n", cmd.c_str(), e.what());
        return 1;
    } catch (const std::exception & e) {
        fprintf(stderr, "rightsize %s: internal error: %s\n", cmd.c_str(), e.what());
        return 3;
    }
}
