// Seeds the fuzz corpora cannot take from files as they are (fuzz/make-corpus.sh runs it):
//   rightsize-fuzz-seeds jinja TASKS_DIR DATA_DIR OUT_DIR
//     each doc_to_* / description template of every built-in task, a NUL, and the task's first
//     document from DATA_DIR as JSON (the template alone when the data is not there)
//   rightsize-fuzz-seeds results STORE OUT_DIR
//     the results.json documents the report rebuilds from a rightsize.sqlite store
#include <rightsize/error.h>
#include <rightsize/report.h>
#include <rightsize/task.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace {

void write(const std::filesystem::path & file, const std::string & bytes) {
    std::ofstream(file, std::ios::binary) << bytes;
}

std::string first_document(const rightsize::TaskConfig & task, const std::string & data_dir) {
    try {
        rightsize::DataOptions o;
        o.data_dir = data_dir;
        o.allow_download = false;
        const auto docs = rightsize::load_task_split(task, task.eval_split(), o);
        return docs.empty() ? "" : docs.front().dump();
    } catch (const rightsize::Error &) {
        return "";  // data not on this machine: the template alone
    }
}

int jinja_seeds(const std::string & tasks_dir, const std::string & data_dir, const std::filesystem::path & out) {
    rightsize::TaskRegistry registry;
    registry.add_directory(tasks_dir);
    int n = 0;
    for (const auto & name : registry.task_names()) {
        std::vector<std::string> warnings;
        for (const auto & task : registry.resolve({name}, nullptr, &warnings)) {
            const std::string doc = first_document(task, data_dir);
            const rightsize::DocField * fields[] = {&task.description, &task.doc_to_text, &task.doc_to_target, &task.doc_to_choice};
            for (const auto * f : fields) {
                if (!f->tmpl) continue;
                write(out / (task.task + "-" + std::to_string(n++)), f->text + (doc.empty() ? "" : std::string(1, '\0') + doc));
            }
        }
    }
    return n;
}

int results_seeds(const std::string & store, const std::filesystem::path & out) {
    const auto input = rightsize::load_report_input(store);
    int n = 0;
    for (const auto & m : input.models) write(out / ("store-" + std::to_string(n++) + ".json"), m.dump(1));
    return n;
}

}  // namespace

int main(int argc, char ** argv) {
    const std::string mode = argc > 1 ? argv[1] : "";
    try {
        if (mode == "jinja" && argc == 5) return std::printf("%d\n", jinja_seeds(argv[2], argv[3], argv[4])) < 0;
        if (mode == "results" && argc == 4) return std::printf("%d\n", results_seeds(argv[2], argv[3])) < 0;
    } catch (const rightsize::Error & e) {
        std::fprintf(stderr, "rightsize-fuzz-seeds: %s\n", e.what());
        return 1;
    }
    std::fprintf(stderr, "usage: rightsize-fuzz-seeds jinja TASKS_DIR DATA_DIR OUT_DIR | results STORE OUT_DIR\n");
    return 2;
}
