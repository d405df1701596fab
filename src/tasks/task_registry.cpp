// The task registry: task YAML files found under folders, resolved by name, tag, group or path, with
// suggestions for a mistyped name; and where the built-in tasks live (task.h).
#include <rightsize/error.h>
#include <rightsize/extensions.h>
#include <rightsize/task.h>

#include "metric_defaults.h"
#include "core/utf8.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <tuple>
#include <sstream>

namespace fs = std::filesystem;

namespace rightsize {

// --- registry ------------------------------------------------------------------------------

void TaskRegistry::add_directory(const std::string & dir) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) throw Error(dir + ": not a directory of task YAML files");
    std::vector<fs::path> files;
    for (auto it = fs::recursive_directory_iterator(dir, ec); it != fs::recursive_directory_iterator(); ++it) {
        if (it->is_regular_file() && (it->path().extension() == ".yaml" || it->path().extension() == ".yml")) files.push_back(it->path());
    }
    std::sort(files.begin(), files.end());
    for (const auto & p : files) {
        Entry e;
        e.path = p.string();
        try {
            const YAML::Node root = YAML::LoadFile(e.path);
            if (!root.IsMap()) continue;
            if (root["group"] && root["task"] && root["task"].IsSequence()) {
                e.is_group = true;
                e.task = root["group"].as<std::string>();
                for (const auto & t : root["task"]) e.group_tasks.push_back(t.IsMap() ? t["task"].as<std::string>() : t.as<std::string>());
            } else if (root["task"] && root["task"].IsScalar()) {
                e.task = root["task"].as<std::string>();
                if (const auto tag = root["tag"]) {
                    if (tag.IsSequence()) {
                        for (const auto & t : tag) e.tags.push_back(t.as<std::string>());
                    } else {
                        e.tags.push_back(tag.as<std::string>());
                    }
                }
            } else {
                continue;  // an include-only template (lm-eval's _default_template_yaml)
            }
        } catch (const YAML::Exception &) {
            continue;  // reported with its line when the task is asked for by path
        }
        entries_.push_back(std::move(e));
    }
}

std::vector<std::string> TaskRegistry::task_names() const {
    std::vector<std::string> out;
    for (const auto & e : entries_) if (!e.is_group) out.push_back(e.task);
    return out;
}

std::vector<std::string> TaskRegistry::group_names() const {
    std::set<std::string> out;
    for (const auto & e : entries_) {
        if (e.is_group) out.insert(e.task);
        for (const auto & t : e.tags) out.insert(t);
    }
    return {out.begin(), out.end()};
}

namespace {

size_t edit_distance(const std::string & a, const std::string & b) {
    std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        cur[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])});
        std::swap(prev, cur);
    }
    return prev[b.size()];
}

}  // namespace

std::vector<TaskConfig> TaskRegistry::resolve(const std::vector<std::string> & names, std::vector<TaskGroup> * groups,
                                              std::vector<std::string> * warnings) const {
    std::vector<TaskConfig> out;
    std::set<std::string> seen;
    auto add_task = [&](TaskConfig c) {
        if (seen.insert(c.task).second) out.push_back(std::move(c));
    };
    std::function<void(const std::string &, int)> add_name = [&](const std::string & name, int depth) {
        if (depth > 8) throw Error("task groups nest more than 8 deep at '" + name + "'");
        if (name.size() > 5 && (name.ends_with(".yaml") || name.ends_with(".yml"))) {
            std::error_code ec;
            if (!fs::exists(name, ec)) throw Error(name + ": task file not found" + (ec ? " (" + ec.message() + ")" : ""));
            add_task(parse_task_yaml(name, warnings));
            return;
        }
        for (const auto & e : entries_) {
            if (!e.is_group && e.task == name) {
                add_task(parse_task_yaml(e.path, warnings));
                return;
            }
        }
        TaskGroup g;
        g.name = name;
        for (const auto & e : entries_) {
            if (e.is_group && e.task == name) {
                g.source = e.path;
                for (const auto & t : e.group_tasks) {
                    add_name(t, depth + 1);
                    g.members.push_back(t);
                }
                break;
            }
        }
        if (g.members.empty()) {
            for (const auto & e : entries_) {
                if (!e.is_group && std::find(e.tags.begin(), e.tags.end(), name) != e.tags.end()) {
                    add_task(parse_task_yaml(e.path, warnings));
                    g.members.push_back(e.task);
                }
            }
        }
        if (g.members.empty()) {
            std::vector<std::pair<size_t, std::string>> close;
            for (const auto & e : entries_) close.push_back({edit_distance(name, e.task), e.task});
            std::sort(close.begin(), close.end());
            std::string hint;
            for (size_t i = 0; i < close.size() && i < 3 && close[i].first <= std::max<size_t>(3, name.size() / 3); ++i) {
                hint += (hint.empty() ? "" : ", ") + close[i].second;
            }
            throw Error("unknown task '" + name + "'" + (hint.empty() ? "" : "; did you mean: " + hint + "?") +
                        " ('rightsize tasks' lists every task; a path to a .yaml file also works)");
        }
        if (groups) groups->push_back(std::move(g));
    };
    for (const auto & n : names) add_name(n, 0);
    return out;
}

}  // namespace rightsize

namespace rightsize {

std::vector<std::string> builtin_task_dirs() {
    std::vector<std::string> dirs;
    if (const char * env = std::getenv("RIGHTSIZE_TASKS"); env && *env) {
        std::string s = env;
        for (size_t start = 0; start <= s.size();) {
            const size_t colon = s.find(':', start);
            const std::string d = s.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
            if (!d.empty()) dirs.push_back(d);
            if (colon == std::string::npos) break;
            start = colon + 1;
        }
        return dirs;
    }
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        const fs::path installed = exe.parent_path().parent_path() / "share" / "rightsize" / "tasks";
        if (fs::is_directory(installed, ec)) dirs.push_back(installed.string());
    }
    if (dirs.empty() && fs::is_directory(RIGHTSIZE_SOURCE_TASKS_DIR, ec)) dirs.push_back(RIGHTSIZE_SOURCE_TASKS_DIR);
    return dirs;
}

}  // namespace rightsize
