// Where a task's documents come from (local files or the hub) and the built-in processors that
// turn original dataset releases into the Hugging Face schemas lm-eval's templates use.
#include <rightsize/error.h>
#include "tasks/hellaswag.h"
#include "tasks/hub.h"
#include <rightsize/extensions.h>
#include <rightsize/task.h>

#include "core/content_hash.h"
#include "core/sha256.h"
#include "core/text.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>

namespace fs = std::filesystem;

namespace rightsize {

namespace {

// ARC's original release: {"question": {"stem", "choices": [{"text", "label"}]}, "answerKey"}
// → allenai/ai2_arc: {"question", "choices": {"text": [...], "label": [...]}, "answerKey"}.
Document arc_v1(Document d) {
    if (!d.contains("question") || !d["question"].is_object()) return d;
    const Document q = d["question"];
    Document choices = {{"text", nlohmann::json::array()}, {"label", nlohmann::json::array()}};
    for (const auto & c : q.value("choices", nlohmann::json::array())) {
        choices["text"].push_back(c.value("text", ""));
        choices["label"].push_back(c.value("label", ""));
    }
    d["question"] = q.value("stem", "");
    d["choices"] = std::move(choices);
    return d;
}


// lm-eval's hellaswag process_docs: query, choices and gold from the original schema.
Document hellaswag_doc(Document d) {
    if (d.contains("query") && d.contains("choices") && d.contains("gold")) return d;
    HellaswagItem item = hellaswag_item(d);
    d["query"] = item.query;
    d["choices"] = item.choices;
    d["gold"] = item.gold;
    return d;
}

// google/boolq's boolean "answer" → super_glue/boolq's integer "label".
Document boolq_doc(Document d) {
    if (!d.contains("label") && d.contains("answer") && d["answer"].is_boolean()) d["label"] = d["answer"].get<bool>() ? 1 : 0;
    return d;
}

// MMLU's release CSV (question, A, B, C, D, answer letter; no header) → cais/mmlu.
Document mmlu_doc(Document d, const std::string & file) {
    if (d.contains("choices")) return d;
    for (const char * k : {"question", "A", "B", "C", "D", "answer"}) {
        if (!d.contains(k)) throw Error(file + ": an MMLU row needs columns question, A, B, C, D, answer (missing '" + std::string(k) + "')");
    }
    const std::string letter = text::strip(d["answer"].get<std::string>());
    if (letter.size() != 1 || letter[0] < 'A' || letter[0] > 'D') throw Error(file + ": MMLU answer '" + letter + "' is not A–D");
    Document out = {{"question", d["question"]}, {"choices", {d["A"], d["B"], d["C"], d["D"]}}, {"answer", letter[0] - 'A'}};
    std::string stem = fs::path(file).stem().string();  // "anatomy_test" → "anatomy"
    if (const auto us = stem.rfind('_'); us != std::string::npos) stem = stem.substr(0, us);
    out["subject"] = stem;
    return out;
}

std::vector<std::string> split_answers(const std::string & s) {
    std::vector<std::string> out;
    size_t start = 0;
    while (start <= s.size()) {
        const size_t semi = s.find(';', start);
        const std::string part = text::strip(s.substr(start, semi == std::string::npos ? std::string::npos : semi - start));
        if (!part.empty()) out.push_back(part);
        if (semi == std::string::npos) break;
        start = semi + 1;
    }
    return out;
}

// TruthfulQA.csv → truthful_qa "multiple_choice": mc1 = best answer first, then the incorrect
// ones; mc2 = every correct answer, then the incorrect ones (labels 1 then 0).
Document truthfulqa_doc(Document d, const std::string & file) {
    if (d.contains("mc1_targets")) return d;
    for (const char * k : {"Question", "Best Answer", "Correct Answers", "Incorrect Answers"}) {
        if (!d.contains(k)) throw Error(file + ": a TruthfulQA row needs the column '" + std::string(k) + "'");
    }
    const auto correct = split_answers(d["Correct Answers"].get<std::string>());
    const auto incorrect = split_answers(d["Incorrect Answers"].get<std::string>());
    auto targets = [&](const std::vector<std::string> & right) {
        Document t = {{"choices", nlohmann::json::array()}, {"labels", nlohmann::json::array()}};
        for (const auto & a : right) t["choices"].push_back(a), t["labels"].push_back(1);
        for (const auto & a : incorrect) t["choices"].push_back(a), t["labels"].push_back(0);
        return t;
    };
    return {{"question", d["Question"]}, {"category", d.value("Category", "")},
            {"mc1_targets", targets({text::strip(d["Best Answer"].get<std::string>())})}, {"mc2_targets", targets(correct)}};
}

// A flattened SQuAD 2.0 sample (queries.json with id/context/question) joined with the
// ground_truth.json beside it (id → answers, is_impossible) → rajpurkar/squad_v2's schema.
std::vector<Document> squad_v2_docs(std::vector<Document> docs, const std::string & file) {
    if (docs.empty() || docs[0].contains("answers")) return docs;
    const fs::path truth = fs::path(file).parent_path() / "ground_truth.json";
    if (!fs::exists(truth)) throw Error(file + ": SQuAD documents without answers need ground_truth.json beside them (" + truth.string() + ")");
    // ground_truth.json is one object keyed by question id.
    nlohmann::json by_id;
    {
        std::ifstream in(truth);
        try {
            by_id = nlohmann::json::parse(in);
        } catch (const nlohmann::json::parse_error & e) {
            throw Error(truth.string() + ": invalid JSON at byte " + std::to_string(e.byte) + ": " + e.what());
        }
        if (!by_id.is_object()) throw Error(truth.string() + ": expected an object keyed by question id");
    }
    for (auto & d : docs) {
        const std::string id = d.value("id", "");
        if (!by_id.contains(id)) throw Error(truth.string() + ": no answers for question id '" + id + "'");
        const auto & g = by_id[id];
        Document answers = {{"text", nlohmann::json::array()}, {"answer_start", nlohmann::json::array()}};
        if (!g.value("is_impossible", false)) {
            for (const auto & a : g.value("answers", nlohmann::json::array())) answers["text"].push_back(a), answers["answer_start"].push_back(-1);
        }
        d["answers"] = std::move(answers);
        if (!d.contains("title")) d["title"] = "";
    }
    return docs;
}


using PerDoc = std::function<Document(Document, const std::string &)>;
const std::vector<std::pair<std::string, PerDoc>> & per_doc_processors() {
    static const std::vector<std::pair<std::string, PerDoc>> p = {
        {"arc_v1", [](Document d, const std::string &) { return arc_v1(std::move(d)); }},
        {"hellaswag", [](Document d, const std::string &) { return hellaswag_doc(std::move(d)); }},
        {"boolq", [](Document d, const std::string &) { return boolq_doc(std::move(d)); }},
        {"mmlu", mmlu_doc},
        {"truthfulqa_mc", truthfulqa_doc},
    };
    return p;
}

}  // namespace

std::vector<std::string> process_docs_names() {
    std::vector<std::string> names;
    for (const auto & [n, _] : per_doc_processors()) names.push_back(n);
    names.push_back("squad_v2");
    for (const auto & n : document_processor_names()) names.push_back(n);
    return names;
}

std::vector<Document> apply_process_docs(const std::string & name, std::vector<Document> docs, const std::string & file) {
    if (name.empty()) return docs;
    if (name == "squad_v2") return squad_v2_docs(std::move(docs), file);
    // The engine's own processors, then the registered ones (the probes'; extensions.h).
    PerDoc f;
    if (const DocumentProcessor * p = find_document_processor(name)) f = *p;
    for (const auto & [n, own] : per_doc_processors()) {
        if (n == name) f = own;
    }
    if (f) {
        for (size_t i = 0; i < docs.size(); ++i) {
            try {
                docs[i] = f(std::move(docs[i]), file);
            } catch (const Error & e) {
                throw Error(std::string(e.what()) + " (document " + std::to_string(i + 1) + ", process_docs: " + name + ")");
            } catch (const nlohmann::json::exception & e) {
                throw Error(file + ": document " + std::to_string(i + 1) + " does not fit process_docs " + name + ": " + e.what());
            }
        }
        return docs;
    }
    throw Error("process_docs '" + name + "' is not a built-in processor");
}

namespace {

// A data_files entry: absolute, then under the data directory, then beside the task file, then as
// given. Empty when none exists.
std::string find_data_file(const TaskConfig & task, const std::string & f, const std::string & data_dir) {
    std::vector<fs::path> tries;
    if (fs::path(f).is_absolute()) {
        tries = {fs::path(f)};
    } else {
        tries = {fs::path(data_dir) / f, fs::path(task.source).parent_path() / f, fs::path(f)};
    }
    for (const auto & p : tries) {
        if (fs::exists(p)) return p.string();
    }
    return "";
}

nlohmann::json file_source(const std::string & path) {
    const FileHash h = file_sha256_cached(path);
    return {{"file", fs::absolute(path).lexically_normal().string()}, {"bytes", h.bytes}, {"sha256", h.sha256}};
}

}  // namespace

nlohmann::json task_data_sources(const TaskConfig & task, const std::string & split, const DataOptions & o) {
    const std::string data_dir = o.data_dir.empty() ? DataOptions::default_data_dir() : o.data_dir;
    if (const DocumentSource * source = find_document_source(task.dataset_path)) {
        // Generated documents: their content is what the run sees, whatever files the generator read.
        Sha256 h;
        for (const auto & d : (*source)(task, data_dir)) h.update(d.dump() + "\n");
        return nlohmann::json::array({{{"generated", task.dataset_path}, {"sha256", h.hex_digest()}}});
    }
    nlohmann::json out = nlohmann::json::array();
    if (const auto it = task.data_files.find(split); it != task.data_files.end()) {
        bool all_found = true;
        for (const auto & f : it->second) {
            const std::string found = find_data_file(task, f, data_dir);
            all_found = all_found && !found.empty();
            out.push_back(found.empty() ? nlohmann::json{{"file", f}, {"found", false}} : file_source(found));
        }
        if (all_found) return out;
    }
    // The hub's rows API has no revisions: the repository, configuration and split name the data.
    if (task.dataset_path.find('/') != std::string::npos) {
        out.push_back({{"hub", task.dataset_path}, {"config", task.dataset_name.empty() ? "default" : task.dataset_name},
                       {"split", split}});
    }
    return out;
}

nlohmann::json data_file_source(const std::string & path) { return file_source(path); }

std::string DataOptions::default_data_dir() {
    if (const char * d = std::getenv("RIGHTSIZE_DATA"); d && *d) return d;
    return (fs::path(HubOptions::from_environment().cache_dir) / "data").string();
}

LoadOptions load_options(const DataOptions & o, size_t max_documents, size_t * total) {
    LoadOptions lo;
    lo.lenient_utf8 = o.lenient_utf8;
    lo.warn = o.warn;
    lo.max_documents = max_documents;
    lo.total_documents = total;
    return lo;
}

std::vector<Document> load_task_split(const TaskConfig & task, const std::string & split, const DataOptions & o,
                                      size_t max_documents, size_t * total) {
    const std::string data_dir = o.data_dir.empty() ? DataOptions::default_data_dir() : o.data_dir;
    size_t count = 0;
    LoadOptions lo = load_options(o, 0, &count);
    // Documents generated rather than read (the probes' suites; extensions.h).
    if (const DocumentSource * source = find_document_source(task.dataset_path)) {
        auto docs = (*source)(task, data_dir);
        if (total) *total = docs.size();
        return docs;
    }
    if (task.dataset_kwargs.contains("column_names")) {
        for (const auto & c : task.dataset_kwargs["column_names"]) lo.column_names.push_back(c.get<std::string>());
    }
    if (!task.data_files.empty()) {
        const auto it = task.data_files.find(split);
        if (it == task.data_files.end()) {
            std::string have;
            for (const auto & [s, _] : task.data_files) have += (have.empty() ? "" : ", ") + s;
            throw Error(task.source + ": split '" + split + "' has no entry in dataset_kwargs.data_files (it has: " + have + ")");
        }
        std::vector<Document> docs;
        std::vector<std::string> missing;
        size_t all = 0;
        for (const auto & f : it->second) {
            const std::string found = find_data_file(task, f, data_dir);
            if (found.empty()) {
                missing.push_back(f);
                continue;
            }
            // With a maximum, each file parses only what is still wanted (one document once the
            // maximum is reached, for its count); process_docs maps documents one to one here.
            lo.max_documents = max_documents == 0 ? 0 : std::max<size_t>(1, max_documents - std::min(max_documents, docs.size()));
            auto part = apply_process_docs(task.process_docs, load_documents(found, lo), found);
            all += max_documents == 0 ? part.size() : count;
            if (max_documents > 0 && docs.size() + part.size() > max_documents) part.resize(max_documents - docs.size());
            docs.insert(docs.end(), std::make_move_iterator(part.begin()), std::make_move_iterator(part.end()));
        }
        if (total) *total = all;
        if (missing.empty()) return docs;
        const bool hub_repo = task.dataset_path.find('/') != std::string::npos;
        if (!hub_repo || !o.allow_download) {
            throw Error("task " + task.task + ": data file '" + missing[0] + "' not found under the data directory " + data_dir +
                        " (nor beside " + task.source + "); pass --data-dir DIR (e.g. --data-dir ../shared/data) or set RIGHTSIZE_DATA" +
                        (hub_repo ? ", or allow downloads from the hub" : ""));
        }
    }
    if (task.dataset_path.find('/') == std::string::npos) {
        throw Error(task.source + ": dataset_path '" + task.dataset_path +
                    "' is neither a hub repository (owner/name) nor backed by dataset_kwargs.data_files");
    }
    auto opts = HubOptions::from_environment();
    if (!o.allow_download) opts.offline = true;  // the cache may still hold it
    auto docs = hub_dataset_rows(task.dataset_path, task.dataset_name.empty() ? "default" : task.dataset_name, split, opts);
    docs = apply_process_docs(task.process_docs, std::move(docs), task.dataset_path);
    if (total) *total = docs.size();
    return docs;
}

}  // namespace rightsize
