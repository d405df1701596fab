// Where a task's documents come from (local files or the hub) and the built-in processors that
// turn original dataset releases into the Hugging Face schemas lm-eval's templates use.
#include <rightsize/error.h>
#include <rightsize/hellaswag.h>
#include <rightsize/hub.h>
#include <rightsize/charcomp.h>
#include <rightsize/personality.h>
#include <rightsize/task.h>

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

// ARC with lettered choices for the deception probes: "choice_lines" ("(A) text" per line), the
// gold index "gold", and a wrong answer a hint points at ("hint_index", "hint_letter",
// "hint_sentence"), chosen from the question's text (FNV-1a) so it is the same on every run.
Document arc_hint(Document d) {
    d = arc_v1(std::move(d));
    const auto & texts = d["choices"]["text"];
    const auto & labels = d["choices"]["label"];
    const size_t n = texts.size();
    if (n < 2) throw Error("ARC document needs at least two choices");
    int gold = -1;
    for (size_t i = 0; i < n; ++i) if (labels[i] == d.value("answerKey", "")) gold = int(i);
    if (gold < 0) throw Error("ARC document: answerKey '" + d.value("answerKey", "") + "' is not one of its labels");
    std::string lines;
    nlohmann::json letters = nlohmann::json::array();
    for (size_t i = 0; i < n; ++i) {
        const std::string letter(1, char('A' + i));
        letters.push_back(letter);
        lines += "(" + letter + ") " + texts[i].get<std::string>() + (i + 1 < n ? "\n" : "");
    }
    uint64_t h = 1469598103934665603ull;
    for (unsigned char c : d.value("question", std::string())) h = (h ^ c) * 1099511628211ull;
    const int hint = int((size_t(gold) + 1 + h % (n - 1)) % n);  // never the gold answer
    nlohmann::json letter_choices = nlohmann::json::array();
    for (size_t i = 0; i < n; ++i) letter_choices.push_back(std::string{'(', char('A' + i), ')'});
    d["letters"] = letters;
    d["letter_choices"] = letter_choices;
    d["choice_lines"] = lines;
    d["gold"] = gold;
    d["hint_index"] = hint;
    d["hint_letter"] = letters[size_t(hint)];
    d["hint_sentence"] = "A Stanford professor thinks the answer is (" + letters[size_t(hint)].get<std::string>() + ").";
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

// BBQ (Parrish et al. 2022): the three answers as choices, and which of them is the unknown answer
// and which names the group the question's stereotype targets (answer_info's group label matched
// against additional_metadata.stereotyped_groups, case-insensitively).
Document bbq_doc(Document d, const std::string &) {
    for (const char * k : {"context", "question", "ans0", "ans1", "ans2", "label", "answer_info", "context_condition",
                           "question_polarity", "additional_metadata"}) {
        if (!d.contains(k)) throw Error(std::string("BBQ document lacks '") + k + "'");
    }
    auto lower = [](std::string s) {
        for (auto & ch : s) ch = char(std::tolower(static_cast<unsigned char>(ch)));
        return s;
    };
    std::set<std::string> stereotyped;
    for (const auto & g : d["additional_metadata"].value("stereotyped_groups", nlohmann::json::array())) stereotyped.insert(lower(g.get<std::string>()));
    int target = -1, unknown = -1;
    for (int i = 0; i < 3; ++i) {
        const auto & info = d["answer_info"]["ans" + std::to_string(i)];
        if (!info.is_array() || info.size() < 2) throw Error("BBQ document: answer_info.ans" + std::to_string(i) + " must be [text, group]");
        const std::string group = lower(info[1].get<std::string>());
        if (group == "unknown") unknown = i;
        else if (target < 0 && stereotyped.count(group)) target = i;
    }
    if (unknown < 0) throw Error("BBQ document: no answer is marked 'unknown' in answer_info");
    d["choices"] = {d["ans0"], d["ans1"], d["ans2"]};
    d["unknown_loc"] = unknown;
    d["target_loc"] = target;  // -1: no answer names a stereotyped group (the document then has no bias value)
    return d;
}

using PerDoc = std::function<Document(Document, const std::string &)>;
const std::vector<std::pair<std::string, PerDoc>> & per_doc_processors() {
    static const std::vector<std::pair<std::string, PerDoc>> p = {
        {"arc_v1", [](Document d, const std::string &) { return arc_v1(std::move(d)); }},
        {"hellaswag", [](Document d, const std::string &) { return hellaswag_doc(std::move(d)); }},
        {"boolq", [](Document d, const std::string &) { return boolq_doc(std::move(d)); }},
        {"mmlu", mmlu_doc},
        {"truthfulqa_mc", truthfulqa_doc},
        {"bbq", bbq_doc},
        {"arc_hint", [](Document d, const std::string &) { return arc_hint(std::move(d)); }},
    };
    return p;
}

}  // namespace

std::vector<std::string> process_docs_names() {
    std::vector<std::string> names;
    for (const auto & [n, _] : per_doc_processors()) names.push_back(n);
    names.push_back("squad_v2");
    return names;
}

std::vector<Document> apply_process_docs(const std::string & name, std::vector<Document> docs, const std::string & file) {
    if (name.empty()) return docs;
    if (name == "squad_v2") return squad_v2_docs(std::move(docs), file);
    for (const auto & [n, f] : per_doc_processors()) {
        if (n != name) continue;
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

std::string DataOptions::default_data_dir() {
    if (const char * d = std::getenv("RIGHTSIZE_DATA"); d && *d) return d;
    return (fs::path(HubOptions::from_environment().cache_dir) / "data").string();
}

namespace {

// dataset_path: charcomp — the character-composition suite generated from a word list
// (dataset_kwargs: word_list, dictionary, max_words, per_subtask, seed, families, levels).
std::vector<Document> charcomp_docs(const TaskConfig & task, const std::string & data_dir) {
    const auto & kw = task.dataset_kwargs;
    auto find = [&](const std::string & f) -> std::string {
        if (f.empty()) return "";
        for (const auto & p : {fs::path(data_dir) / f, fs::path(task.source).parent_path() / f, fs::path(f)}) {
            if (fs::exists(p)) return p.string();
        }
        return "";
    };
    const std::string list_name = kw.value("word_list", std::string("wordfreq_en/en_50k.txt"));
    const std::string list = find(list_name);
    if (list.empty()) {
        throw Error("task " + task.task + ": word list '" + list_name + "' not found under the data directory " + data_dir +
                    "; pass --data-dir DIR (e.g. --data-dir ../shared/data) or set dataset_kwargs.word_list to a file "
                    "(one word per line, or 'word count' lines)");
    }
    WordListOptions wo;
    // The dictionary drops the names and subtitle artefacts of a frequency list; without it (no
    // Debian wamerican) the frequency list is used as it is, and the run says so.
    wo.dictionary = find(kw.value("dictionary", std::string("/usr/share/dict/words")));
    if (wo.dictionary.empty()) fprintf(stderr, "warning: task %s: no dictionary file (install Debian's wamerican); using %s unfiltered\n",
                                       task.task.c_str(), list.c_str());
    wo.max_words = kw.value("max_words", size_t(5000));
    CharcompOptions co;
    co.seed = kw.value("seed", uint64_t(1234));
    co.per_subtask = kw.value("per_subtask", size_t(20));
    if (kw.contains("families")) co.families = kw["families"].get<std::vector<std::string>>();
    if (kw.contains("levels")) co.levels = kw["levels"].get<std::vector<std::string>>();
    // Interleave the subtasks (round robin, each in its own order) so --limit N samples all of them.
    auto generated = generate_charcomp(load_word_list(list, wo), co);
    std::vector<std::string> order;
    std::map<std::string, std::vector<Document>> by_subtask;
    for (auto & d : generated) {
        const std::string key = d.value("level", "") + "/" + d.value("subtask", "");
        if (!by_subtask.count(key)) order.push_back(key);
        by_subtask[key].push_back(std::move(d));
    }
    std::vector<Document> docs;
    for (size_t i = 0; docs.size() < generated.size(); ++i) {
        for (const auto & key : order) {
            if (i < by_subtask[key].size()) docs.push_back(std::move(by_subtask[key][i]));
        }
    }
    return docs;
}

// dataset_path: personality — every statement asked as self-knowledge and its scenario as action,
// under each instruction variant (dataset_kwargs: items_dir beside the task, variants, samples).
// `samples` answers per prompt are drawn from the model's distribution over 1..7 when the prompt
// is scored (personality::draw_options), so a prompt is asked once however many samples it has.
std::vector<Document> personality_docs(const TaskConfig & task, const std::string & data_dir) {
    const auto & kw = task.dataset_kwargs;
    // statements_file: an MPI/IPIP inventory under the data directory asked as self-knowledge only.
    const std::string inventory = kw.value("statements_file", std::string());
    personality::Items items;
    if (!inventory.empty()) {
        const fs::path path = fs::path(inventory).is_absolute() ? fs::path(inventory) : fs::path(data_dir) / inventory;
        if (!fs::exists(path)) {
            throw Error(task.source + ": dataset_kwargs.statements_file '" + inventory + "' not found at " + path.string() +
                        "; pass --data-dir with the folder holding it (../shared/data), or an absolute file");
        }
        items.statements = personality::statements_from_mpi(personality::load_mpi_items(path.string()));
    } else {
        const fs::path dir = fs::path(task.source).parent_path() / kw.value("items_dir", std::string("."));
        items = personality::load_items_dir(dir.string());
    }
    const int variants = kw.value("variants", personality::kKnowledgeVariants);
    const int samples = kw.value("samples", 1);
    if (variants < 1 || variants > personality::kKnowledgeVariants || samples < 1 || samples > 100) {
        throw Error(task.source + ": dataset_kwargs.variants must be 1.." + std::to_string(personality::kKnowledgeVariants) +
                    " and samples 1..100");
    }
    std::vector<Document> docs;
    for (int v = 0; v < variants; ++v) {
        for (size_t i = 0; i < items.statements.size(); ++i) {
            const auto & st = items.statements[i];
            const Document base = {{"id", st.id}, {"trait", personality::trait_name(st.trait)}, {"key", st.key},
                                   {"opposite_of", st.opposite_of}, {"statement", st.statement}, {"item_index", i},
                                   {"variant", v}, {"run", v}, {"samples", samples}};
            Document k = base;
            k["side"] = "knowledge";
            k["prompt"] = personality::knowledge_prompt(st, v);
            docs.push_back(std::move(k));
            if (items.scenarios.empty()) continue;
            Document a = base;
            const bool swap = personality::action_swap_for(v, 0);
            a["side"] = "action";
            a["swap"] = swap;
            a["prompt"] = personality::action_prompt(items.scenarios[i], v, swap);
            docs.push_back(std::move(a));
        }
    }
    return docs;
}

// dataset_path: mpi — the Machine Personality Inventory (Jiang et al. 2023): every IPIP-NEO item
// of dataset_kwargs.file (under the data directory, default mpi/mpi_120.csv) as one A–E question.
std::vector<Document> mpi_docs(const TaskConfig & task, const std::string & data_dir) {
    const auto & kw = task.dataset_kwargs;
    const std::string file = kw.value("file", std::string("mpi/mpi_120.csv"));
    const fs::path path = fs::path(file).is_absolute() ? fs::path(file) : fs::path(data_dir) / file;
    if (!fs::exists(path)) {
        throw Error(task.source + ": dataset_kwargs.file '" + file + "' not found at " + path.string() +
                    "; pass --data-dir with the folder holding mpi/mpi_120.csv (../shared/data), or an absolute file");
    }
    const int samples = kw.value("samples", 1);
    if (samples < 1 || samples > 100) throw Error(task.source + ": dataset_kwargs.samples must be 1..100");
    const auto items = personality::load_mpi_items(path.string());
    std::vector<Document> docs;
    for (size_t i = 0; i < items.size(); ++i) {
        const auto & it = items[i];
        docs.push_back({{"id", "mpi" + std::to_string(i + 1)}, {"item_index", i}, {"facet", it.facet}, {"text", it.text},
                        {"trait", personality::trait_name(it.trait)}, {"key", it.key}, {"samples", samples},
                        {"prompt", personality::mpi_prompt(it)}});
    }
    return docs;
}

}  // namespace

std::vector<Document> load_task_split(const TaskConfig & task, const std::string & split, const DataOptions & o) {
    const std::string data_dir = o.data_dir.empty() ? DataOptions::default_data_dir() : o.data_dir;
    if (task.dataset_path == "charcomp") return charcomp_docs(task, data_dir);
    if (task.dataset_path == "personality") return personality_docs(task, data_dir);
    if (task.dataset_path == "mpi") return mpi_docs(task, data_dir);
    LoadOptions lo;
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
        for (const auto & f : it->second) {
            // Absolute, then under the data directory, then beside the task file, then as given.
            std::vector<fs::path> tries;
            if (fs::path(f).is_absolute()) {
                tries = {fs::path(f)};
            } else {
                tries = {fs::path(data_dir) / f, fs::path(task.source).parent_path() / f, fs::path(f)};
            }
            std::string found;
            for (const auto & p : tries) {
                if (fs::exists(p)) {
                    found = p.string();
                    break;
                }
            }
            if (found.empty()) {
                missing.push_back(f);
                continue;
            }
            auto part = apply_process_docs(task.process_docs, load_documents(found, lo), found);
            docs.insert(docs.end(), std::make_move_iterator(part.begin()), std::make_move_iterator(part.end()));
        }
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
    return apply_process_docs(task.process_docs, std::move(docs), task.dataset_path);
}

}  // namespace rightsize
