// Task YAML through the real loader: the input up to its first NUL is tasks/main.yaml, the rest (if
// any) tasks/inc.yaml, which main.yaml may name with `include: inc.yaml`. Both are indexed by a
// TaskRegistry and resolved by path and by every task, group and tag name the registry found.
#include "fuzz_support.h"

#include <rightsize/task.h>

#include <filesystem>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t * data, size_t size) {
    using namespace rightsize_fuzz;
    const Split parts = split_at_nul(as_text(data, size));
    const std::string main_path = write_temp("tasks/main.yaml", parts.first);
    const auto inc_path = temp_dir() / "tasks" / "inc.yaml";
    if (parts.has_second) {
        write_temp("tasks/inc.yaml", parts.second);
    } else {
        std::filesystem::remove(inc_path);  // no file left from an earlier input
    }
    expect_only_rightsize_errors([&] {
        std::vector<std::string> warnings;
        (void)rightsize::parse_task_yaml(main_path, &warnings);
    });
    rightsize::TaskRegistry registry;
    expect_only_rightsize_errors([&] { registry.add_directory((temp_dir() / "tasks").string()); });
    std::vector<std::string> names = registry.task_names();
    for (const auto & g : registry.group_names()) names.push_back(g);
    for (const auto & name : names) {
        expect_only_rightsize_errors([&] {
            std::vector<rightsize::TaskGroup> groups;
            std::vector<std::string> warnings;
            for (const auto & task : registry.resolve({name}, &groups, &warnings)) (void)task.metric_filter_keys();
        });
    }
    return 0;
}
