// rightsize vote: blind pairwise human-likeness voting (Çalık & Akkuş 2025) in the browser, on
// two models' answers to a generation task stored by `rightsize run`; the same choice made by a
// judge model (a local GGUF or an OpenAI-compatible endpoint) in both orders; or the tally.
#include "commands.h"

#include <rightsize/error.h>
#include <rightsize/model_facts.h>
#include "probes/judge.h"
#include "report/progress.h"
#include "probes/vote.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <thread>

namespace rightsize::cli {

namespace {

std::atomic<bool> g_interrupted{false};
static_assert(std::atomic<bool>::is_always_lock_free, "the signal handler may only touch a lock-free atomic");

extern "C" void on_signal(int) { g_interrupted = true; }

// A run folder holds its store as rightsize.sqlite; a file is taken as the store itself.
std::string store_path(const std::string & input) {
    std::error_code ec;
    if (std::filesystem::is_directory(input, ec)) return (std::filesystem::path(input) / "rightsize.sqlite").string();
    return input;
}

// What the judge options asked for; `local` and `endpoint` exclude each other.
struct JudgeChoice {
    std::string local;                      // --judge MODEL.gguf
    EndpointJudgeOptions endpoint;          // --judge-endpoint URL (base_url empty: not asked)
    std::string api_key_env;                // --judge-api-key-env VAR
    bool timeout_given = false, parallel_given = false;
    bool any() const { return !local.empty() || !endpoint.base_url.empty(); }
};

// llama.cpp's flags only mean something to a local judge; given elsewhere they would be ignored.
bool llama_options_changed(const LlamaOptions & a, const LlamaOptions & b) {
    return a.n_threads != b.n_threads || a.n_ctx != b.n_ctx || a.n_batch != b.n_batch || a.n_ubatch != b.n_ubatch ||
           a.n_gpu_layers != b.n_gpu_layers || a.flash_attn != b.flash_attn || a.n_parallel != b.n_parallel ||
           !a.loras.empty() || a.chat_template != b.chat_template || a.verbose != b.verbose;
}

std::string percent(double x) {
    char buf[32];
    snprintf(buf, sizeof buf, "%.1f %%", 100.0 * x);
    return buf;
}

// The judge's entry of the tally in words: the win rate of the model that sorts first with its
// Wilson interval, what the interval says, order consistency and the share won by Answer 1.
void print_judge_tally(const nlohmann::json & tally, const std::string & voter, const std::string & model_a,
                       const std::string & model_b) {
    const std::string & first = model_a < model_b ? model_a : model_b;
    const std::string & second = model_a < model_b ? model_b : model_a;
    for (const auto & g : tally["pairs"]) {
        if (g["voters"] != voter || g["model_a"] != first || g["model_b"] != second) continue;
        const auto & w = g["win_rate_a"];
        printf("%s vs %s, as %s: %lld votes on %lld documents.\n", first.c_str(), second.c_str(), voter.c_str(),
               g["n_votes"].get<long long>(), g["n_docs"].get<long long>());
        if (w["rate"].is_null()) return;
        const double rate = w["rate"].get<double>(), lo = w["ci95"][0].get<double>(), hi = w["ci95"][1].get<double>();
        printf("  %s's answer was judged more human-like in %s of votes (95 %% Wilson interval %s to %s; %lld wins, "
               "%lld losses, %lld ties counted as half a win).\n",
               first.c_str(), percent(rate).c_str(), percent(lo).c_str(), percent(hi).c_str(), g["a_wins"].get<long long>(),
               g["b_wins"].get<long long>(), g["ties"].get<long long>());
        if (lo > 0.5 || hi < 0.5) {
            printf("  The interval excludes 50 %%: this judge finds %s more human-like.\n", (lo > 0.5 ? first : second).c_str());
        } else {
            printf("  The interval contains 50 %%: these votes cannot tell which model sounds more human.\n");
        }
        if (!g["order_consistency"].is_null()) {
            printf("  Order consistency: %s of documents got the same verdict in both orders (100 %% = position never "
                   "mattered; a judge that always picks the same position scores 0 %%).\n",
                   percent(g["order_consistency"].get<double>()).c_str());
        }
        if (!g["left_share"].is_null()) {
            printf("  Answer 1 won %s of decisive votes (50 %% = no preference for a position).\n",
                   percent(g["left_share"].get<double>()).c_str());
        }
        if (g.contains("mean_preference_a")) {
            printf("  (Per document, the mean of the judge's log P(\"1\") - log P(\"2\") over both orders; mean lean toward %s: "
                   "%+.3f nats.)\n", first.c_str(), g["mean_preference_a"].get<double>());
        }
        return;
    }
}

int judge_votes(const VoteServerOptions & o, LlamaOptions llama, const JudgeChoice & jc, const std::string & input) {
    std::unique_ptr<LlamaBackend> backend;
    std::unique_ptr<Judge> judge;
    if (!jc.local.empty()) {
        llama.model_path = jc.local;
        backend = std::make_unique<LlamaBackend>(llama);
        judge = make_backend_judge(*backend, model_key(jc.local));
    } else {
        EndpointJudgeOptions eo = jc.endpoint;
        eo.seed = o.seed;
        if (!jc.api_key_env.empty()) {
            const char * key = std::getenv(jc.api_key_env.c_str());
            if (!key || !*key) {
                throw UsageError("option '--judge-api-key-env' names " + jc.api_key_env + ", which is not set or empty");
            }
            eo.api_key = key;
        }
        judge = make_endpoint_judge(eo);
    }

    JudgeRunOptions ro;
    ro.db_path = o.db_path;
    ro.run_id = o.run_id;
    ro.task = o.task;
    ro.model_a = o.model_a;
    ro.model_b = o.model_b;
    ro.batch = std::max<size_t>(8, 2 * size_t(jc.endpoint.parallel));
    const std::string voter = "judge:" + judge->name();
    fprintf(stderr, "%s judges run %s, task %s: %s vs %s, every pair in both orders. Ctrl-C stops; the same command "
                    "continues where it stopped.\n",
            voter.c_str(), o.run_id.c_str(), o.task.c_str(), o.model_a.c_str(), o.model_b.c_str());
    std::optional<Progress> progress;
    size_t shown = 0;
    ro.progress = [&](size_t done, size_t total) {
        if (total == 0) return;  // every order was judged before: nothing to show
        if (!progress) progress.emplace(voter, total, "decisions");
        progress->advance(done - shown);
        shown = done;
    };
    const auto s = run_judge(*judge, ro);
    if (progress) progress->finish();

    printf("%s: %zu pairs; %zu decisions made now, %zu stored before", voter.c_str(), s.n_pairs, s.n_decisions, s.n_already);
    if (s.n_unparsed > 0) printf("; %zu replies named neither answer (stored as ties)", s.n_unparsed);
    printf(".\n");
    const auto tally = tally_votes(o.db_path, o.run_id, o.task);
    print_judge_tally(tally, voter, o.model_a, o.model_b);
    // With margins (the in-process judge, or an endpoint that returns logprobs): the verdict with
    // the position's pull cancelled.
    print_judge_tally(tally, voter + " (position-corrected)", o.model_a, o.model_b);
    printf("Full tally (people and every judge) as JSON: rightsize vote --input %s --run-id %s --task %s --tally\n",
           input.c_str(), o.run_id.c_str(), o.task.c_str());
    return 0;
}

int serve_votes(const VoteServerOptions & o, const std::string & input) {
    VoteServer server(o);
    printf("Voting on %zu pairs of run %s, task %s, as %s (%zu already voted).\n", server.n_pairs(), o.run_id.c_str(),
           o.task.c_str(), o.voter.c_str(), server.n_voted());
    printf("Open %s in a browser. Ctrl-C stops the server; votes are saved as they are cast.\n", server.url().c_str());
    fflush(stdout);

    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    std::atomic<bool> done{false};
    std::thread serving([&] {
        server.run();
        done = true;
    });
    // The handler only sets a flag (httplib's stop is not async-signal-safe); this loop turns it
    // into stop(), repeating it in case the signal came before the server was listening.
    while (!done) {
        if (g_interrupted) server.stop();
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    serving.join();
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    printf("%zu of %zu pairs voted. Tally: rightsize vote --input %s --run-id %s --task %s --tally\n", server.n_voted(),
           server.n_pairs(), input.c_str(), o.run_id.c_str(), o.task.c_str());
    return 0;
}

// What the command line asked for. The options' callbacks hold references into it.
struct VoteCliOptions {
    VoteServerOptions server;
    std::string input, models;
    bool tally_only = false, voter_given = false, port_given = false;
    JudgeChoice judge;
    LlamaOptions llama;
    LlamaOptions llama_defaults;
};

void add_vote_options(ArgParser & p, VoteCliOptions & c) {
    VoteServerOptions & o = c.server;
    JudgeChoice & jc = c.judge;
    p.value({"--input", "-i"}, "PATH", "the run folder (rightsize run -o DIR) or its rightsize.sqlite",
            [&](const std::string & v) { c.input = v; });
    p.value({"--run-id"}, "ID", "the run whose answers to compare (default: the newest with answers for the task)",
            [&](const std::string & v) { o.run_id = v; });
    p.value({"--task"}, "NAME", "the generation task whose answers are compared (default humanlike)",
            [&](const std::string & v) { o.task = v; });
    p.value({"--models"}, "A,B", "the two models to compare (needed when the run has more than two)",
            [&](const std::string & v) { c.models = v; });
    p.value({"--voter"}, "NAME", "whose votes these are (default anonymous); names starting judge: are reserved for model judges",
            [&](const std::string & v) {
                if (v.empty() || v.rfind("judge:", 0) == 0) throw UsageError("option '--voter' needs a person's name, got '" + v + "'");
                o.voter = v;
                c.voter_given = true;
            });
    p.value({"--seed"}, "N", "seed of the left/right draw per pair (default 1234); an endpoint judge sends it as the request's seed",
            [&](const std::string & v) {
                try {
                    size_t used = 0;
                    o.seed = std::stoull(v, &used);
                    if (used != v.size() || v.find('-') != std::string::npos) throw std::invalid_argument(v);
                } catch (const std::exception &) {
                    throw UsageError("option '--seed' expects a non-negative integer, got '" + v + "'");
                }
            });
    p.value({"--port"}, "N", "port on 127.0.0.1 (default 0: any free port; the URL is printed)", [&](const std::string & v) {
        o.port = parse_int("--port", v, 0, 65535);
        c.port_given = true;
    });
    p.flag({"--once"}, "stop the server once every pair has a vote and the thank-you page was shown", [&] { o.once = true; });
    p.flag({"--tally"}, "print the votes' tally as JSON (win rates with 95 % Wilson intervals) and exit", [&] { c.tally_only = true; });
    p.value({"--judge"}, "MODEL.gguf", "a local judge model (in-process llama.cpp; its votes are judge:<file stem>)",
            [&](const std::string & v) { jc.local = v; });
    p.value({"--judge-endpoint"}, "URL", "an OpenAI-compatible API base for the judge, e.g. http://127.0.0.1:8080/v1",
            [&](const std::string & v) {
                if (v.empty()) throw UsageError("option '--judge-endpoint' needs a URL such as http://127.0.0.1:8080/v1");
                jc.endpoint.base_url = v;
            });
    p.value({"--judge-model"}, "NAME", "the endpoint's model (its request's \"model\"; votes are judge:NAME)",
            [&](const std::string & v) { jc.endpoint.model = v; });
    p.value({"--judge-api-key-env"}, "VAR", "environment variable holding the endpoint's API key (sent as a Bearer token)",
            [&](const std::string & v) { jc.api_key_env = v; });
    p.value({"--judge-timeout"}, "S", "seconds to wait for one endpoint reply (default 120; failures are retried twice)",
            [&](const std::string & v) {
                jc.endpoint.timeout_s = parse_int("--judge-timeout", v, 1, 86400);
                jc.timeout_given = true;
            });
    p.value({"--judge-parallel"}, "N", "endpoint requests in flight at once (default 1)", [&](const std::string & v) {
        jc.endpoint.parallel = parse_int("--judge-parallel", v, 1, 256);
        jc.parallel_given = true;
    });
    // As `rightsize run` scores: without flash attention a batch's scores equal scoring each
    // prompt alone, so a judge's decisions do not depend on which prompts share its batch.
    c.llama.flash_attn = "off";
    c.llama_defaults = c.llama;
    add_llama_options(p, c.llama);
}

// Each mode takes its own options; one given to another mode would be silently ignored.
void check_vote_modes(const VoteCliOptions & c) {
    const JudgeChoice & jc = c.judge;
    const bool once = c.server.once;
    if (!jc.local.empty() && !jc.endpoint.base_url.empty()) {
        throw UsageError("choose one judge: --judge MODEL.gguf (local) or --judge-endpoint URL, not both");
    }
    if (jc.endpoint.base_url.empty() && (!jc.endpoint.model.empty() || !jc.api_key_env.empty() || jc.timeout_given || jc.parallel_given)) {
        throw UsageError("--judge-model, --judge-api-key-env, --judge-timeout and --judge-parallel go with --judge-endpoint URL");
    }
    if (!jc.endpoint.base_url.empty() && jc.endpoint.model.empty()) {
        throw UsageError("--judge-endpoint needs --judge-model NAME (the model the server should answer with)");
    }
    if (jc.local.empty() && llama_options_changed(c.llama, c.llama_defaults)) {
        throw UsageError("the llama.cpp options (-t, -c, -b, -ub, -ngl, -fa, -np, --lora, --chat-template, --verbose) "
                         "apply only to a local judge (--judge MODEL.gguf)");
    }
    if (jc.any() && (c.tally_only || c.voter_given || c.port_given || once)) {
        throw UsageError("a judge run takes none of --tally, --voter, --port, --once: it votes as judge:<model> and "
                         "prints its tally when done");
    }
    if (c.tally_only && (c.voter_given || c.port_given || once)) {
        throw UsageError("--tally only reads the votes; --voter, --port and --once belong to a voting session");
    }
}

// The two models compared: as --models A,B named them, or the run's only two with answers.
void choose_models(VoteServerOptions & o, const std::string & models) {
    if (!models.empty()) {
        const auto comma = models.find(',');
        if (comma == std::string::npos || models.find(',', comma + 1) != std::string::npos) {
            throw UsageError("option '--models' expects two model names as A,B, got '" + models + "'");
        }
        o.model_a = models.substr(0, comma);
        o.model_b = models.substr(comma + 1);
        return;
    }
    const auto found = vote_models(o.db_path, o.run_id, o.task);
    if (found.size() != 2) {
        std::string list;
        for (const auto & m : found) list += (list.empty() ? "" : ", ") + m;
        throw UsageError("run " + o.run_id + " has " + std::to_string(found.size()) + " models with answers for task '" + o.task +
                         "' (" + (list.empty() ? "none" : list) + "); choose two with --models A,B");
    }
    o.model_a = found[0];
    o.model_b = found[1];
}

}  // namespace

int cmd_vote(int argc, char ** argv) {
    VoteCliOptions c;
    ArgParser p("vote", "--input RUN_DIR|rightsize.sqlite [options]\n"
                        "       rightsize vote --input RUN_DIR --judge MODEL.gguf [-t N ...]\n"
                        "       rightsize vote --input RUN_DIR --judge-endpoint URL --judge-model NAME [--judge-api-key-env VAR]\n"
                        "       rightsize vote --input RUN_DIR --tally\n\n"
                        "Blind pairwise human-likeness voting (Çalık & Akkuş 2025): serves a page on 127.0.0.1 that shows\n"
                        "one question and two models' answers, anonymous, emojis stripped, in a random order per pair;\n"
                        "the voter picks the more human-like answer or \"can't tell\". Votes go into the store's votes\n"
                        "table; a session resumes where the voter stopped. Ctrl-C stops the server.\n\n"
                        "With --judge or --judge-endpoint a model makes the choice instead, asked about every pair in both\n"
                        "orders so a preference for a position cancels out; its votes are stored as judge:<model>, never\n"
                        "pooled with people's, and a rerun continues where it stopped. The llama.cpp options (-t, -c, -b,\n"
                        "-ub, -ngl, -fa, -np, --lora, --chat-template, --verbose) apply to --judge only. See docs/vote.md.");
    add_vote_options(p, c);
    if (!p.parse(argc, argv, 2)) return 0;
    if (c.input.empty()) throw UsageError("vote needs --input RUN_DIR (or its rightsize.sqlite); see 'rightsize vote --help'");
    check_vote_modes(c);
    if (!c.judge.local.empty()) validate_gguf_file(c.judge.local);

    VoteServerOptions & o = c.server;
    o.db_path = store_path(c.input);
    if (o.run_id.empty()) o.run_id = latest_vote_run(o.db_path, o.task);
    if (c.tally_only) {
        printf("%s\n", tally_votes(o.db_path, o.run_id, o.task).dump(2).c_str());
        return 0;
    }
    choose_models(o, c.models);
    if (c.judge.any()) return judge_votes(o, c.llama, c.judge, c.input);
    return serve_votes(o, c.input);
}

}  // namespace rightsize::cli
