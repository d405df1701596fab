// Helpers shared by the task-definition tests (task_config_test.cpp, builtin_tasks_test.cpp).
#pragma once

#include "test_support.h"

#include <rightsize/error.h>
#include <rightsize/task.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

namespace rightsize::testing {

namespace fs = std::filesystem;

// A fresh folder per test for include: files and task files.
inline std::string task_dir(const std::string & name) { return fresh_subdir("tasks-" + name).string(); }

inline void write(const std::string & path, const std::string & text) { std::ofstream(path, std::ios::binary) << text; }

inline bool contains(const std::string & haystack, const std::string & needle) {
    return haystack.find(needle) != std::string::npos;
}

inline bool has(const std::vector<std::string> & v, const std::string & s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}


// The smallest valid task, for tests that add one key to it.
inline const std::string kMinimal = "task: tiny\n"
                             "test_split: test\n"
                             "doc_to_text: \"{{q}}\"\n"
                             "doc_to_target: \"{{a}}\"\n";

inline std::string tasks_dir() { return RIGHTSIZE_TASKS_DIR; }

inline TaskRegistry builtin_registry() {
    TaskRegistry r;
    r.add_directory(tasks_dir());
    return r;
}

inline TaskConfig builtin(const std::string & name) {
    const auto configs = builtin_registry().resolve({name}, nullptr, nullptr);
    if (configs.size() != 1) throw Error("expected one task for " + name);
    return configs[0];
}

inline DataOptions shared_data() { return DataOptions{.data_dir = RIGHTSIZE_SHARED_DATA, .allow_download = false}; }

inline std::vector<Document> eval_docs(const TaskConfig & c) { return load_task_split(c, c.eval_split(), shared_data()); }

}  // namespace rightsize::testing
