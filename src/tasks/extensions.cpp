// The engine's registry of extensions (extensions.h). Filled on first use with the behaviour
// probes' entries (src/probes/builtin_probes.cpp); the engine itself never names a probe.
#include <rightsize/extensions.h>

#include "probes/builtin_probes.h"

#include <map>

namespace rightsize {

namespace {

struct Registry {
    std::map<std::string, ResultProcessor> processors;
    std::map<std::string, DocumentSource> sources;
    std::map<std::string, std::function<std::string(const TaskConfig &)>> descriptions;
    std::map<std::string, DocumentProcessor> doc_processors;
    std::map<std::string, MetricInfo> metrics;
    std::map<std::string, Aggregation> aggregations;
};

Registry & storage() {
    static Registry r;
    return r;
}

Registry & registry() {
    ensure_builtin_probes();
    return storage();
}

template <typename T>
const T * find_in(const std::map<std::string, T> & m, const std::string & name) {
    const auto it = m.find(name);
    return it == m.end() ? nullptr : &it->second;
}

template <typename T>
std::vector<std::string> names_of(const std::map<std::string, T> & m) {
    std::vector<std::string> out;
    for (const auto & [k, _] : m) out.push_back(k);
    return out;
}

}  // namespace

void register_result_processor(const std::string & name, ResultProcessor p) { registry().processors[name] = std::move(p); }
void register_document_source(const std::string & name, DocumentSource s, std::function<std::string(const TaskConfig &)> describe) {
    registry().sources[name] = std::move(s);
    registry().descriptions[name] = std::move(describe);
}

std::string describe_document_source(const TaskConfig & task) {
    const auto it = registry().descriptions.find(task.dataset_path);
    if (it == registry().descriptions.end()) return "";
    return it->second ? it->second(task) : "generated (dataset_path: " + task.dataset_path + ")";
}
void register_document_processor(const std::string & name, DocumentProcessor p) { registry().doc_processors[name] = std::move(p); }
void register_metric(const std::string & name, MetricInfo info) { registry().metrics[name] = std::move(info); }
void register_aggregation(const std::string & name, Aggregation a) { registry().aggregations[name] = std::move(a); }

const ResultProcessor * find_result_processor(const std::string & name) { return find_in(registry().processors, name); }
const DocumentSource * find_document_source(const std::string & name) { return find_in(registry().sources, name); }
const DocumentProcessor * find_document_processor(const std::string & name) { return find_in(registry().doc_processors, name); }
const MetricInfo * find_metric(const std::string & name) { return find_in(registry().metrics, name); }
const Aggregation * find_aggregation(const std::string & name) { return find_in(registry().aggregations, name); }

std::vector<std::string> result_processor_names() { return names_of(registry().processors); }
std::vector<std::string> document_processor_names() { return names_of(registry().doc_processors); }
std::vector<std::string> registered_metric_names() { return names_of(registry().metrics); }

}  // namespace rightsize
