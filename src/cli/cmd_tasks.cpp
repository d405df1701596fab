// rightsize tasks: the tasks, tags and groups --tasks accepts, with where their data comes from.
#include "commands.h"

#include <rightsize/extensions.h>

#include "../core/table.h"

#include <rightsize/task.h>

#include <cstdio>

namespace rightsize::cli {

int cmd_tasks(int argc, char ** argv) {
    std::vector<std::string> include_paths;
    ArgParser p("tasks", "[--include-path DIR ...]\n\nLists the built-in tasks (and those under --include-path): name, "
                         "output type, evaluated split,\nfew-shot default and data files (relative to --data-dir).");
    p.value({"--include-path"}, "DIR", "also list task YAML files under DIR (repeatable)",
            [&](const std::string & v) { include_paths.push_back(v); });
    if (!p.parse(argc, argv, 2)) return 0;
    TaskRegistry registry;
    for (const auto & d : builtin_task_dirs()) registry.add_directory(d);
    for (const auto & d : include_paths) registry.add_directory(d);
    Table t;
    t.header = {"task", "type", "split", "shots", "metrics", "data"};
    t.right_align = {false, false, false, true, false, false};
    for (const auto & name : registry.task_names()) {
        std::vector<std::string> warnings;
        const auto c = registry.resolve({name}, nullptr, &warnings).at(0);
        std::string metrics, data;
        for (const auto & m : c.metrics) metrics += (metrics.empty() ? "" : ",") + m.name;
        const auto files = c.data_files.find(c.eval_split());
        if (const std::string generated = describe_document_source(c); !generated.empty()) {
            data = generated;
        } else if (files != c.data_files.end()) {
            for (const auto & f : files->second) data += (data.empty() ? "" : ",") + f;
        } else {
            data = "hub:" + c.dataset_path + (c.dataset_name.empty() ? "" : "/" + c.dataset_name);
        }
        t.rows.push_back({c.task, to_string(c.output_type), c.eval_split(), std::to_string(c.num_fewshot.value_or(0)), metrics, data});
    }
    fputs(t.to_text().c_str(), stdout);
    const auto groups = registry.group_names();
    if (!groups.empty()) {
        std::string g;
        for (const auto & n : groups) g += (g.empty() ? "" : ", ") + n;
        printf("\ngroups and tags: %s\n", g.c_str());
    }
    return 0;
}

}  // namespace rightsize::cli
