// rightsize vote: blind pairwise human-likeness voting (Çalık & Akkuş 2025) in the browser, on
// two models' answers to a generation task stored by `rightsize run`; or the tally of the votes.
#include "commands.h"

#include <rightsize/error.h>
#include <rightsize/vote.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
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

}  // namespace

int cmd_vote(int argc, char ** argv) {
    VoteServerOptions o;
    std::string input, models;
    bool tally_only = false;
    ArgParser p("vote", "--input RUN_DIR|rightsize.sqlite [options]\n\n"
                        "Blind pairwise human-likeness voting (Çalık & Akkuş 2025): serves a page on 127.0.0.1 that shows\n"
                        "one question and two models' answers, anonymous, emojis stripped, in a random order per pair;\n"
                        "the voter picks the more human-like answer or \"can't tell\". Votes go into the store's votes\n"
                        "table; a session resumes where the voter stopped. Ctrl-C stops the server. See docs/vote.md.");
    p.value({"--input", "-i"}, "PATH", "the run folder (rightsize run -o DIR) or its rightsize.sqlite",
            [&](const std::string & v) { input = v; });
    p.value({"--run-id"}, "ID", "the run whose answers to compare (default: the newest with answers for the task)",
            [&](const std::string & v) { o.run_id = v; });
    p.value({"--task"}, "NAME", "the generation task whose answers are compared (default humanlike)",
            [&](const std::string & v) { o.task = v; });
    p.value({"--models"}, "A,B", "the two models to compare (needed when the run has more than two)",
            [&](const std::string & v) { models = v; });
    p.value({"--voter"}, "NAME", "whose votes these are (default anonymous); names starting judge: are reserved for model judges",
            [&](const std::string & v) {
                if (v.empty() || v.rfind("judge:", 0) == 0) throw UsageError("option '--voter' needs a person's name, got '" + v + "'");
                o.voter = v;
            });
    p.value({"--seed"}, "N", "seed of the left/right draw per pair (default 1234)", [&](const std::string & v) {
        try {
            size_t used = 0;
            o.seed = std::stoull(v, &used);
            if (used != v.size()) throw std::invalid_argument(v);
        } catch (const std::exception &) {
            throw UsageError("option '--seed' expects a non-negative integer, got '" + v + "'");
        }
    });
    p.value({"--port"}, "N", "port on 127.0.0.1 (default 0: any free port; the URL is printed)",
            [&](const std::string & v) { o.port = parse_int("--port", v, 0, 65535); });
    p.flag({"--once"}, "stop the server once every pair has a vote and the thank-you page was shown", [&] { o.once = true; });
    p.flag({"--tally"}, "print the votes' tally as JSON (win rates with 95 % Wilson intervals) and exit", [&] { tally_only = true; });
    if (!p.parse(argc, argv, 2)) return 0;
    if (input.empty()) throw UsageError("vote needs --input RUN_DIR (or its rightsize.sqlite); see 'rightsize vote --help'");
    o.db_path = store_path(input);
    if (o.run_id.empty()) o.run_id = latest_vote_run(o.db_path, o.task);

    if (tally_only) {
        printf("%s\n", tally_votes(o.db_path, o.run_id, o.task).dump(2).c_str());
        return 0;
    }

    if (!models.empty()) {
        const auto comma = models.find(',');
        if (comma == std::string::npos || models.find(',', comma + 1) != std::string::npos) {
            throw UsageError("option '--models' expects two model names as A,B, got '" + models + "'");
        }
        o.model_a = models.substr(0, comma);
        o.model_b = models.substr(comma + 1);
    } else {
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

}  // namespace rightsize::cli
