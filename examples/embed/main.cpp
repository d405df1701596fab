// Embedding rightsize: load a GGUF, run two built-in tasks, print each task's headline metric.
//   embed MODEL.gguf DATA_DIR [LIMIT]
#include <rightsize/run.h>

#include <cstdio>
#include <cstdlib>
#include <exception>

int main(int argc, char ** argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s MODEL.gguf DATA_DIR [LIMIT]\n", argv[0]);
        return 2;
    }
    rightsize::RunOptions o;
    o.models = {argv[1]};
    o.tasks = {"arc_easy", "boolq"};
    o.include_paths = {RIGHTSIZE_TASKS_DIR};  // the installed built-in tasks
    o.eval.data.data_dir = argv[2];
    o.eval.data.allow_download = false;
    o.eval.limit = argc > 3 ? std::atof(argv[3]) : 10;
    o.output_dir = "embed-results";
    o.energy.mode = "estimate";
    rightsize::RunEvents events;
    events.task_started = [](const std::string & m, const std::string & t, size_t, size_t n) {
        fprintf(stderr, "%s · %s: %zu documents\n", m.c_str(), t.c_str(), n);
    };
    try {
        rightsize::RunSession session(o, events);
        const rightsize::RunOutcome outcome = session.run();
        for (const auto & task : session.tasks()) {
            const auto & h = outcome.results[0]["headline"][task.task];
            const std::string key = h["metric"].get<std::string>() + "," + h["filter"].get<std::string>();
            const auto & r = outcome.results[0]["results"][task.task];
            printf("%s %s = %.4f ± %.4f (%s)\n", task.task.c_str(), key.c_str(), r[key].get<double>(),
                   r[h["metric"].get<std::string>() + "_stderr," + h["filter"].get<std::string>()].get<double>(), outcome.run_id.c_str());
        }
    } catch (const std::exception & e) {
        fprintf(stderr, "embed: %s\n", e.what());
        return 1;
    }
    return 0;
}
