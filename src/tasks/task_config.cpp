// lm-evaluation-harness task YAML → TaskConfig. yaml-cpp keeps line numbers, so every error
// names the file and line at fault.
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

const char * to_string(OutputType t) {
    switch (t) {
        case OutputType::MultipleChoice: return "multiple_choice";
        case OutputType::GenerateUntil: return "generate_until";
        case OutputType::Loglikelihood: return "loglikelihood";
        case OutputType::LoglikelihoodRolling: return "loglikelihood_rolling";
    }
    return "?";
}

std::string TaskConfig::eval_split() const {
    if (!test_split.empty()) return test_split;
    if (!validation_split.empty()) return validation_split;
    return training_split;
}

std::string TaskConfig::fewshot_source_split() const {
    if (!fewshot_split.empty()) return fewshot_split;
    return !training_split.empty() ? training_split : validation_split;
}

std::vector<std::pair<std::string, std::string>> TaskConfig::metric_filter_keys() const {
    std::vector<std::string> names;
    for (const auto & f : filters) names.push_back(f.name);
    if (names.empty()) names.push_back("none");
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto & f : names)
        for (const auto & m : metrics) out.push_back({m.name, f});
    return out;
}

FilterPipeline FilterSpec::build() const {
    FilterPipeline p;
    p.name = name;
    for (const auto & s : steps) {
        p.steps.push_back(s.function == "regex" ? make_regex_filter(s.regex) : make_filter(s.function));
    }
    return p;
}

nlohmann::json DocField::value(const Document & doc) const {
    if (!tmpl) return literal;
    // lm-eval: a string naming one of the document's fields is that field.
    if (doc.is_object() && doc.contains(text)) return doc[text];
    return tmpl->evaluate(doc);
}

namespace {

const std::set<std::string> kKnownKeys = {
    "task", "tag", "group", "dataset_path", "dataset_name", "dataset_kwargs", "training_split", "validation_split",
    "test_split", "fewshot_split", "process_docs", "process_results", "description", "doc_to_text", "doc_to_target",
    "doc_to_choice", "target_delimiter", "fewshot_delimiter", "fewshot_config", "num_fewshot", "output_type",
    "generation_kwargs", "filter_list", "metric_list", "repeats", "metadata", "include", "task_alias",
    "should_decontaminate", "doc_to_decontamination_query", "gen_prefix"};
// Keys whose meaning rightsize cannot honour: an error, not a warning, since results would differ.
const std::map<std::string, std::string> kUnsupportedKeys = {
    {"use_prompt", "promptsource prompts are not supported; write the prompt as doc_to_text"},
    {"doc_to_image", "image inputs are not supported"},
    {"doc_to_audio", "audio inputs are not supported"},
    {"custom_dataset", "custom_dataset is a Python function; use dataset_kwargs.data_files with local files"},
    {"unsafe_code", "tasks that execute generated code are not supported"},
};

struct Source {
    std::string name;  // file name for messages
    std::string dir;   // for include:
};

std::string where(const Source & src, const YAML::Node & n) {
    return src.name + ":" + std::to_string(n.Mark().line + 1);
}

// mc2 (TruthfulQA, the engine's own) and every registered processor, comma-separated.
std::string known_result_processors() {
    std::string out = "mc2";
    for (const auto & n : result_processor_names()) out += ", " + n;
    return out;
}

[[noreturn]] void fail_function_tag(const Source & src, const YAML::Node & n, const std::string & key) {
    std::string alternative;
    if (key == "process_docs") {
        alternative = "use a built-in processor (process_docs: one of ";
        for (const auto & p : process_docs_names()) alternative += p + (p == process_docs_names().back() ? "" : ", ");
        alternative += ") or move the logic into Jinja in doc_to_text / doc_to_target / doc_to_choice";
    } else if (key == "process_results") {
        alternative = "use a built-in (process_results: one of " + known_result_processors() + ") or a metric from metric_list";
    } else if (key == "metric") {
        alternative = "use a built-in metric (acc, acc_norm, acc_norm_tokens, exact_match, f1, perplexity, "
                      "word_perplexity, byte_perplexity, bits_per_byte, squad_exact, squad_f1, mc2)";
    } else {
        alternative = "write it as a Jinja template (see docs/tasks.md)";
    }
    throw Error(where(src, n) + ": " + key + " uses '!function " + n.as<std::string>("") +
                "', a Python function rightsize cannot run; " + alternative);
}

// Text of the file as it goes into JSON (the task's config is written to results.json), which must
// be UTF-8: a file saved in another encoding is named with its line instead of failing at the end.
std::string utf8_text(const YAML::Node & n, const Source & src, const std::string & what) {
    const std::string s = n.Scalar();
    if (utf8_invalid_at(s) != std::string::npos) {
        throw Error(where(src, n) + ": " + what + " is not UTF-8 text; save the file as UTF-8 (e.g. iconv -f latin1 -t utf-8)");
    }
    return s;
}

// A mapping's key: a name, never a list or a mapping (YAML allows those; no task key is one).
std::string key_text(const YAML::Node & k, const Source & src) {
    if (k.IsSequence() || k.IsMap()) {
        throw Error(where(src, k) + ": a " + (k.IsSequence() ? "list" : "mapping") + " is used as a key; keys are names (task:, doc_to_text:, …)");
    }
    return k.IsNull() ? k.as<std::string>() : utf8_text(k, src, "a key");
}

// YAML → JSON with PyYAML's scalar typing: quoted scalars are strings, plain ones may be
// null, booleans, integers or floats.
nlohmann::json to_json(const YAML::Node & n, const Source & src, const std::string & key) {
    if (n.Tag() == "!function") fail_function_tag(src, n, key);
    switch (n.Type()) {
        case YAML::NodeType::Null:
        case YAML::NodeType::Undefined: return nullptr;
        case YAML::NodeType::Sequence: {
            nlohmann::json a = nlohmann::json::array();
            for (const auto & e : n) a.push_back(to_json(e, src, key));
            return a;
        }
        case YAML::NodeType::Map: {
            nlohmann::json o = nlohmann::json::object();
            for (const auto & kv : n) {
                const std::string k = key_text(kv.first, src);
                o[k] = to_json(kv.second, src, k);
            }
            return o;
        }
        case YAML::NodeType::Scalar: break;
    }
    const std::string s = utf8_text(n, src, key);
    if (n.Tag() == "!") return s;  // quoted
    if (s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
    if (s == "true" || s == "True" || s == "TRUE") return true;
    if (s == "false" || s == "False" || s == "FALSE") return false;
    if (!s.empty()) {
        char * end = nullptr;
        errno = 0;
        const long long i = strtoll(s.c_str(), &end, 10);
        if (*end == '\0' && errno == 0) return i;
        const bool floaty = s.find_first_of(".eE") != std::string::npos &&
                            s.find_first_not_of("0123456789.eE+-") == std::string::npos;
        if (floaty) {
            const double d = strtod(s.c_str(), &end);
            if (*end == '\0') return d;
        }
    }
    return s;
}

std::string read_text(const std::string & path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(path + ": cannot open the task file");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

YAML::Node load_yaml(const std::string & text, const std::string & name) {
    try {
        return YAML::Load(text);
    } catch (const YAML::Exception & e) {
        throw Error(name + ":" + std::to_string(e.mark.line + 1) + ": invalid YAML: " + e.msg);
    }
}

// The merged top-level mapping (include: first, then this file's keys) and each key's line.
struct Merged {
    nlohmann::json values = nlohmann::json::object();
    std::map<std::string, std::string> where;  // key → "file:line"
};

void merge_file(const std::string & text, const Source & src, Merged & m, int depth) {
    if (depth > 16) throw Error(src.name + ": include: nests more than 16 files deep (a cycle?)");
    const YAML::Node root = load_yaml(text, src.name);
    if (!root.IsMap()) throw Error(src.name + ":1: a task file must be a mapping of keys (task:, doc_to_text:, …)");
    if (const auto inc = root["include"]) {
        const std::string file = inc.as<std::string>("");
        fs::path p = fs::path(file).is_absolute() ? fs::path(file) : fs::path(src.dir) / file;
        std::error_code ec;  // a name the file system refuses (too long, say) is not found either
        if (!fs::exists(p, ec)) {
            throw Error(where(src, inc) + ": include: '" + file + "' not found (looked at " + p.string() + (ec ? ": " + ec.message() : "") + ")");
        }
        if (!fs::is_regular_file(p, ec)) throw Error(where(src, inc) + ": include: '" + file + "' is not a file (" + p.string() + ")");
        merge_file(read_text(p.string()), Source{p.string(), p.parent_path().string()}, m, depth + 1);
    }
    for (const auto & kv : root) {
        const std::string k = key_text(kv.first, src);
        if (k == "include") continue;
        m.values[k] = to_json(kv.second, src, k);
        m.where[k] = where(src, kv.first);
    }
}

std::string get_string(const Merged & m, const std::string & key, const std::string & dflt = "") {
    if (!m.values.contains(key) || m.values[key].is_null()) return dflt;
    const auto & v = m.values[key];
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number() || v.is_boolean()) return v.dump();
    throw Error(m.where.at(key) + ": " + key + " must be a string");
}

DocField doc_field(const Merged & m, const std::string & key) {
    DocField f;
    if (!m.values.contains(key) || m.values[key].is_null()) return f;
    f.present = true;
    const auto & v = m.values[key];
    if (v.is_string()) {
        f.text = v.get<std::string>();
        f.tmpl = Template::parse(f.text, m.where.at(key) + ": " + key);
    } else if (v.is_number() || v.is_array()) {
        f.literal = v;
        f.text = v.dump();
    } else {
        throw Error(m.where.at(key) + ": " + key + " must be a template string, a field name, a number or a list");
    }
    return f;
}

OutputType parse_output_type(const Merged & m) {
    const std::string t = get_string(m, "output_type", "generate_until");
    if (t == "multiple_choice") return OutputType::MultipleChoice;
    if (t == "generate_until") return OutputType::GenerateUntil;
    if (t == "loglikelihood") return OutputType::Loglikelihood;
    if (t == "loglikelihood_rolling") return OutputType::LoglikelihoodRolling;
    throw Error(m.where.at("output_type") + ": output_type '" + t +
                "' is not one of multiple_choice, generate_until, loglikelihood, loglikelihood_rolling");
}

std::vector<std::string> string_list(const nlohmann::json & v, const std::string & at, const std::string & key) {
    std::vector<std::string> out;
    if (v.is_string()) return {v.get<std::string>()};
    if (!v.is_array()) throw Error(at + ": " + key + " must be a string or a list of strings");
    for (const auto & e : v) {
        if (!e.is_string()) throw Error(at + ": " + key + " must hold strings only");
        out.push_back(e.get<std::string>());
    }
    return out;
}

// A value as the type its key needs (`what` names the key): an Error naming it, not a JSON type error.
int whole_number(const nlohmann::json & v, const std::string & at, const std::string & what) {
    if (!v.is_number_integer() || v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max()) {
        throw Error(at + ": " + what + " must be a whole number (found " + v.dump() + ")");
    }
    return v.get<int>();
}
double real_number(const nlohmann::json & v, const std::string & at, const std::string & what) {
    if (!v.is_number()) throw Error(at + ": " + what + " must be a number (found " + v.dump() + ")");
    return v.get<double>();
}
bool true_or_false(const nlohmann::json & v, const std::string & at, const std::string & what) {
    if (!v.is_boolean()) throw Error(at + ": " + what + " must be true or false (found " + v.dump() + ")");
    return v.get<bool>();
}
std::string text(const nlohmann::json & v, const std::string & at, const std::string & what) {
    if (!v.is_string()) throw Error(at + ": " + what + " must be a string (found " + v.dump() + ")");
    return v.get<std::string>();
}

// The engine's metrics and every registered one (extensions.h), comma-separated.
std::string known_metrics() {
    std::set<std::string> names;
    for (const auto & [k, _] : builtin_metric_defaults()) names.insert(k);
    for (const auto & k : registered_metric_names()) names.insert(k);
    std::string out;
    for (const auto & k : names) out += (out.empty() ? "" : ", ") + k;
    return out;
}

std::vector<MetricSpec> parse_metrics(const Merged & m, OutputType type, std::vector<std::string> * warnings) {
    std::vector<MetricSpec> out;
    auto add = [&](const std::string & name, const nlohmann::json & o, const std::string & at) {
        MetricSpec s{name, "mean", true, {}};
        if (const auto d = builtin_metric_defaults().find(name); d != builtin_metric_defaults().end()) {
            std::tie(s.aggregation, s.higher_is_better) = d->second;
        } else if (const MetricInfo * info = find_metric(name)) {
            s.aggregation = info->aggregation;
            s.higher_is_better = info->higher_is_better;
        } else {
            throw Error(at + ": metric '" + name + "' is not supported; supported metrics: " + known_metrics());
        }
        if (o.contains("aggregation") && o["aggregation"].is_string()) s.aggregation = o["aggregation"];
        if (o.contains("higher_is_better") && o["higher_is_better"].is_boolean()) s.higher_is_better = o["higher_is_better"];
        if (o.contains("ignore_case")) s.exact_match.ignore_case = true_or_false(o["ignore_case"], at, "metric_list: ignore_case");
        if (o.contains("ignore_punctuation")) {
            s.exact_match.ignore_punctuation = true_or_false(o["ignore_punctuation"], at, "metric_list: ignore_punctuation");
        }
        if (o.contains("ignore_numbers")) s.exact_match.ignore_numbers = true_or_false(o["ignore_numbers"], at, "metric_list: ignore_numbers");
        if (o.contains("regexes_to_ignore")) s.exact_match.regexes_to_ignore = string_list(o["regexes_to_ignore"], at, "regexes_to_ignore");
        for (const auto & [k, _] : o.items()) {
            static const std::set<std::string> known = {"metric", "aggregation", "higher_is_better", "ignore_case",
                                                        "ignore_punctuation", "ignore_numbers", "regexes_to_ignore"};
            if (!known.count(k) && warnings) warnings->push_back(at + ": metric_list: unknown key '" + k + "' ignored");
        }
        out.push_back(std::move(s));
    };
    if (m.values.contains("metric_list") && !m.values["metric_list"].is_null()) {
        const auto & list = m.values["metric_list"];
        const std::string at = m.where.at("metric_list");
        if (!list.is_array()) throw Error(at + ": metric_list must be a list of {metric: NAME, …}");
        for (const auto & e : list) {
            if (!e.is_object() || !e.contains("metric") || !e["metric"].is_string()) {
                throw Error(at + ": every metric_list entry needs 'metric: NAME'");
            }
            add(e["metric"].get<std::string>(), e, at);
        }
        return out;
    }
    const nlohmann::json none = nlohmann::json::object();
    switch (type) {  // lm-eval's defaults per output type
        case OutputType::MultipleChoice: add("acc", none, ""); add("acc_norm", none, ""); break;
        case OutputType::GenerateUntil: add("exact_match", none, ""); break;
        case OutputType::Loglikelihood: add("perplexity", none, ""); add("acc", none, ""); break;
        case OutputType::LoglikelihoodRolling:
            add("word_perplexity", none, ""); add("byte_perplexity", none, ""); add("bits_per_byte", none, ""); break;
    }
    return out;
}

std::vector<FilterSpec> parse_filters(const Merged & m) {
    std::vector<FilterSpec> out;
    if (!m.values.contains("filter_list") || m.values["filter_list"].is_null()) return out;
    const std::string at = m.where.at("filter_list");
    const auto & list = m.values["filter_list"];
    if (!list.is_array()) throw Error(at + ": filter_list must be a list of {name: NAME, filter: [steps]}");
    for (const auto & e : list) {
        if (!e.is_object() || !e.contains("name") || !e.contains("filter") || !e["filter"].is_array()) {
            throw Error(at + ": every filter_list entry needs 'name:' and a 'filter:' list of {function: …} steps");
        }
        FilterSpec f;
        f.name = text(e["name"], at, "filter_list: name");
        for (const auto & step : e["filter"]) {
            if (!step.is_object() || !step.contains("function")) throw Error(at + ": filter '" + f.name + "': every step needs 'function:'");
            FilterStep s;
            const std::string where = "filter '" + f.name + "': ";
            s.function = text(step["function"], at, where + "function");
            if (s.function == "regex") {
                if (step.contains("regex_pattern")) s.regex.pattern = text(step["regex_pattern"], at, where + "regex_pattern");
                if (step.contains("group_select")) s.regex.group_select = whole_number(step["group_select"], at, where + "group_select");
                if (step.contains("fallback")) s.regex.fallback = text(step["fallback"], at, where + "fallback");
            }
            f.steps.push_back(std::move(s));
        }
        f.build();  // rejects unknown functions and bad regexes now, with the task's name
        out.push_back(std::move(f));
    }
    return out;
}

GenerationKwargs parse_generation_kwargs(const Merged & m, std::vector<std::string> * warnings) {
    GenerationKwargs gen;
    if (!m.values.contains("generation_kwargs") || !m.values["generation_kwargs"].is_object()) return gen;
    const std::string at = m.where.at("generation_kwargs");
    for (const auto & [k, v] : m.values["generation_kwargs"].items()) {
        if (k == "until") {
            gen.until = string_list(v, at, "generation_kwargs.until");
            gen.until_given = true;
        } else if (k == "max_gen_toks" || k == "max_new_tokens") {
            gen.max_gen_toks = whole_number(v, at, "generation_kwargs." + k);
        } else if (k == "temperature") {
            gen.temperature = real_number(v, at, "generation_kwargs.temperature");
        } else if (k == "do_sample") {
            gen.do_sample = true_or_false(v, at, "generation_kwargs.do_sample");
        } else if (k == "top_p") {
            gen.top_p = real_number(v, at, "generation_kwargs.top_p");
        } else if (k == "top_k") {
            gen.top_k = whole_number(v, at, "generation_kwargs.top_k");
        } else if (warnings) {
            warnings->push_back(at + ": generation_kwargs: unknown key '" + k + "' ignored");
        }
    }
    return gen;
}

TaskConfig build_config(const Merged & m, const std::string & name, std::vector<std::string> * warnings) {
    TaskConfig c;
    c.source = name;
    c.raw = m.values;
    for (const auto & [k, at] : m.where) {
        if (auto u = kUnsupportedKeys.find(k); u != kUnsupportedKeys.end()) throw Error(at + ": " + k + ": " + u->second);
        if (!kKnownKeys.count(k) && warnings) warnings->push_back(at + ": unknown key '" + k + "' ignored");
    }
    if (!m.values.contains("task") || !m.values["task"].is_string()) {
        throw Error(name + ": a task file needs 'task: NAME' (a group file lists its tasks under 'task:' with 'group:')");
    }
    c.task = m.values["task"].get<std::string>();
    if (m.values.contains("tag")) c.tags = string_list(m.values["tag"], m.where.at("tag"), "tag");
    c.dataset_path = get_string(m, "dataset_path");
    c.dataset_name = get_string(m, "dataset_name");
    if (m.values.contains("dataset_kwargs") && m.values["dataset_kwargs"].is_object()) {
        c.dataset_kwargs = m.values["dataset_kwargs"];
        if (c.dataset_kwargs.contains("data_files")) {
            const auto & df = c.dataset_kwargs["data_files"];
            const std::string at = m.where.at("dataset_kwargs");
            if (df.is_object()) {
                for (const auto & [split, files] : df.items()) c.data_files[split] = string_list(files, at, "data_files." + split);
            } else {
                c.data_files["train"] = string_list(df, at, "data_files");  // HF: bare files are the train split
            }
        }
    }
    c.training_split = get_string(m, "training_split");
    c.validation_split = get_string(m, "validation_split");
    c.test_split = get_string(m, "test_split");
    c.fewshot_split = get_string(m, "fewshot_split");
    if (c.eval_split().empty()) throw Error(name + ": no split to evaluate: give test_split, validation_split or training_split");
    c.process_docs = get_string(m, "process_docs");
    if (!c.process_docs.empty()) {
        const auto names = process_docs_names();
        if (std::find(names.begin(), names.end(), c.process_docs) == names.end()) {
            std::string list;
            for (const auto & n : names) list += (list.empty() ? "" : ", ") + n;
            throw Error(m.where.at("process_docs") + ": process_docs '" + c.process_docs + "' is not a built-in processor (" + list + ")");
        }
    }
    c.process_results = get_string(m, "process_results");
    if (!c.process_results.empty() && c.process_results != "mc2" && !find_result_processor(c.process_results)) {
        throw Error(m.where.at("process_results") + ": process_results '" + c.process_results + "' is not built in; the built-ins are " +
                    known_result_processors() + " (docs/tasks.md)");
    }
    c.description = doc_field(m, "description");
    c.doc_to_text = doc_field(m, "doc_to_text");
    c.doc_to_target = doc_field(m, "doc_to_target");
    c.doc_to_choice = doc_field(m, "doc_to_choice");
    if (!c.doc_to_text.present) throw Error(name + ": doc_to_text is required (the prompt template)");
    if (!c.doc_to_target.present) throw Error(name + ": doc_to_target is required (the answer template or field)");
    c.target_delimiter = get_string(m, "target_delimiter", " ");
    c.fewshot_delimiter = get_string(m, "fewshot_delimiter", "\n\n");
    if (m.values.contains("num_fewshot") && m.values["num_fewshot"].is_number_integer()) c.num_fewshot = m.values["num_fewshot"].get<int>();
    if (m.values.contains("fewshot_config") && m.values["fewshot_config"].is_object()) {
        const auto & fc = m.values["fewshot_config"];
        if (fc.contains("sampler")) {
            c.fewshot_sampler = text(fc["sampler"], m.where.at("fewshot_config"), "fewshot_config.sampler");
            if (c.fewshot_sampler != "default" && c.fewshot_sampler != "first_n") {
                throw Error(m.where.at("fewshot_config") + ": fewshot_config.sampler '" + c.fewshot_sampler +
                            "' is not supported (default or first_n)");
            }
        }
    }
    c.output_type = parse_output_type(m);
    if (c.output_type == OutputType::MultipleChoice && !c.doc_to_choice.present) {
        throw Error(m.where.at("output_type") + ": a multiple_choice task needs doc_to_choice (a list or a template giving one)");
    }
    c.generation = parse_generation_kwargs(m, warnings);
    c.filters = parse_filters(m);
    c.metrics = parse_metrics(m, c.output_type, warnings);
    if (m.values.contains("repeats") && m.values["repeats"].is_number_integer()) c.repeats = std::max(1, m.values["repeats"].get<int>());
    if (m.values.contains("metadata") && m.values["metadata"].is_object() && m.values["metadata"].contains("version")) {
        const auto & v = m.values["metadata"]["version"];
        if (v.is_number()) c.version = v.get<double>();
    }
    return c;
}

}  // namespace

TaskConfig parse_task_yaml_text(const std::string & text, const std::string & name, const std::string & dir,
                                std::vector<std::string> * warnings) {
    Merged m;
    merge_file(text, Source{name, dir}, m, 0);
    return build_config(m, name, warnings);
}

TaskConfig parse_task_yaml(const std::string & path, std::vector<std::string> * warnings) {
    return parse_task_yaml_text(read_text(path), path, fs::path(path).parent_path().string(), warnings);
}

}  // namespace rightsize
