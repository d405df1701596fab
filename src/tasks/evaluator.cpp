#include <rightsize/error.h>
#include <rightsize/evaluator.h>
#include <rightsize/extensions.h>
#include <rightsize/stats.h>


#include "python_random.h"
#include "core/utf8.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <numeric>
#include <tuple>

namespace rightsize {

namespace {

std::string as_text(const nlohmann::json & v) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_null()) return "";
    return v.dump();
}

bool is_digits(const std::string & s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

// The gold answers of a generation task, as strings (a target may be a string or a list).
std::vector<std::string> gold_strings(const nlohmann::json & target) {
    std::vector<std::string> out;
    if (target.is_array()) {
        for (const auto & t : target) out.push_back(as_text(t));
    } else {
        out.push_back(as_text(target));
    }
    return out;
}

double elapsed_ms(std::chrono::steady_clock::time_point since) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - since).count();
}

// acc_norm_tokens is llama-perplexity's HellaSwag score: the mean log-probability of each
// choice's tokens after the tokens every choice shares. The scores of choices [first, first + n).
ChoiceScores after_shared_tokens(std::span<const LoglikelihoodResult> res, size_t first, size_t n, const ChoiceScores & whole) {
    auto all_share = [&](size_t pos) {
        const auto & t0 = res[first].tokens;
        for (size_t c = 0; c < n; ++c) {
            const auto & t = res[first + c].tokens;
            if (pos >= t.size() || pos >= t0.size() || t[pos] != t0[pos]) return false;
        }
        return n > 1;
    };
    size_t shared = 0;
    while (all_share(shared)) ++shared;
    ChoiceScores tail = whole;
    for (size_t c = 0; c < n; ++c) {
        const auto & lp = res[first + c].token_logprobs;
        if (shared >= lp.size()) continue;  // a choice inside another: score it whole
        tail.logprob[c] = std::accumulate(lp.begin() + long(shared), lp.end(), 0.0);
        tail.n_tokens[c] = lp.size() - shared;
    }
    return tail;
}

}  // namespace

namespace {

// The documents a task evaluates, before --limit (only the first `limit` when that is all that is
// needed), how many the split has, and where they come from (for messages).
struct EvaluatedSplit {
    std::vector<Document> docs;
    size_t n_original = 0;
    std::string origin;
    bool fewshot_is_eval_split = false;
    int n_shot = 0;
};

EvaluatedSplit load_evaluated_split(const TaskConfig & task, const EvalOptions & options) {
    EvaluatedSplit out;
    const std::string split = task.eval_split();
    out.n_shot = options.num_fewshot.value_or(task.num_fewshot.value_or(0));
    const std::string fs = task.fewshot_source_split();
    out.fewshot_is_eval_split = out.n_shot > 0 && (fs.empty() || fs == split);
    // A whole --limit count is all that is parsed and kept: later documents are only counted.
    // Not when examples are drawn from the evaluated split (they come from all of it, before
    // --limit), and not for squad_v2's nested JSON.
    const bool first_only = options.limit >= 1 && !out.fewshot_is_eval_split && task.process_docs != "squad_v2";
    const size_t max_docs = first_only ? size_t(options.limit) : 0;
    size_t total = 0;
    if (auto o = options.data_file_overrides.find(task.task); o != options.data_file_overrides.end()) {
        out.docs = apply_process_docs(task.process_docs, load_documents(o->second, load_options(options.data, max_docs, &total)), o->second);
        out.origin = o->second;
    } else {
        out.docs = load_task_split(task, split, options.data, max_docs, &total);
        const auto files = task.data_files.find(split);
        out.origin = files == task.data_files.end() || files->second.empty() ? task.dataset_path : files->second[0];
        if (files != task.data_files.end() && files->second.size() > 1) out.origin += " and " + std::to_string(files->second.size() - 1) + " more file(s)";
    }
    if (out.docs.empty()) throw Error("task " + task.task + ": split '" + split + "' has no documents (" + out.origin + ")");
    out.n_original = max_docs > 0 ? total : out.docs.size();
    return out;
}

// The number of documents --limit keeps of `n_original`.
size_t limited_count(double limit, size_t n_original, size_t loaded) {
    if (limit <= 0) return loaded;
    const size_t n = limit < 1 ? size_t(std::ceil(limit * double(n_original))) : size_t(limit);
    return std::min(n, loaded);
}

}  // namespace

size_t evaluated_document_count(const TaskConfig & task, const EvalOptions & options) {
    const EvaluatedSplit split = load_evaluated_split(task, options);
    return limited_count(options.limit, split.n_original, split.docs.size());
}

TaskEvaluator::TaskEvaluator(Backend & backend, TaskConfig task, const EvalOptions & options)
    : backend_(backend), task_(std::move(task)), options_(options) {
    if (!task_.process_results.empty()) processor_ = find_result_processor(task_.process_results);
    EvaluatedSplit split = load_evaluated_split(task_, options_);
    docs_ = std::move(split.docs);
    n_original_ = split.n_original;
    data_origin_ = std::move(split.origin);
    fewshot_is_eval_split_ = split.fewshot_is_eval_split;
    n_shot_ = split.n_shot;
    const std::string fs = task_.fewshot_source_split();
    // Examples drawn from the evaluated split come from all of it (before --limit), as loaded
    // above (a --data-file included), so the file is read once.
    if (fewshot_is_eval_split_) fewshot_docs_ = docs_;
    docs_.resize(limited_count(options_.limit, n_original_, docs_.size()));
    if (n_shot_ > 0) {
        // lm-eval: fewshot_split, else the training split, else the validation split; with none,
        // the evaluated split itself (the document is never its own example).
        if (!fewshot_is_eval_split_) fewshot_docs_ = load_task_split(task_, fs, options_.data);
        const size_t need = size_t(n_shot_) + (fewshot_is_eval_split_ ? 1 : 0);
        if (fewshot_docs_.size() < need) {
            throw Error("task " + task_.task + ": " + std::to_string(n_shot_) + "-shot needs " + std::to_string(need) +
                        " few-shot documents; the few-shot split has " + std::to_string(fewshot_docs_.size()));
        }
        // One generator for the whole task, drawn in document order, exactly as lm-eval does;
        // so a resumed run draws the same examples.
        PythonRandom rnd(options_.fewshot_seed);
        fewshot_choice_.resize(docs_.size());
        for (size_t i = 0; i < docs_.size(); ++i) {
            std::vector<size_t> pick;
            if (task_.fewshot_sampler == "first_n") {
                for (size_t j = 0; pick.size() < size_t(n_shot_) && j < fewshot_docs_.size(); ++j) {
                    if (!(fewshot_is_eval_split_ && fewshot_docs_[j] == docs_[i])) pick.push_back(j);
                }
            } else {
                for (size_t j : rnd.sample(fewshot_docs_.size(), need)) {
                    if (fewshot_is_eval_split_ && fewshot_docs_[j] == docs_[i]) continue;
                    if (pick.size() < size_t(n_shot_)) pick.push_back(j);
                }
            }
            fewshot_choice_[i] = std::move(pick);
        }
    }
    if (task_.filters.empty()) {
        FilterPipeline none;
        none.name = "none";
        filters_.push_back(std::move(none));
    } else {
        for (const auto & f : task_.filters) filters_.push_back(f.build());
    }
    // Templates are checked on the first document now, so a bad field fails before any model work.
    try {
        (void)build_prompt(0);
        if (task_.output_type == OutputType::MultipleChoice) (void)target_of(docs_[0], choices_of(docs_[0]));
    } catch (const Error & e) {
        throw at_document(0, e);
    }
}

std::vector<std::string> TaskEvaluator::choices_of(const Document & doc) const {
    if (!task_.doc_to_choice.present) return {};
    const auto v = task_.doc_to_choice.value(doc);
    if (!v.is_array()) {
        throw Error(task_.source + ": doc_to_choice must give a list of choices; it gave " + as_text(v).substr(0, 80));
    }
    std::vector<std::string> out;
    for (const auto & c : v) out.push_back(as_text(c));
    return out;
}

Error TaskEvaluator::at_document(size_t i, const std::exception & e) const {
    return Error(data_origin_ + ": document " + std::to_string(i + 1) + " (task " + task_.task + "): " + e.what());
}

nlohmann::json TaskEvaluator::target_of(const Document & doc, const std::vector<std::string> & choices) const {
    nlohmann::json t = task_.doc_to_target.value(doc);
    if (!task_.doc_to_choice.present) return t;
    // lm-eval: a digit string is an index; a choice's text is its index.
    auto to_index = [&](const nlohmann::json & v) -> nlohmann::json {
        if (v.is_number_integer()) return v;
        if (v.is_boolean()) return v.get<bool>() ? 1 : 0;
        const std::string s = as_text(v);
        if (is_digits(s)) return std::stoi(s);
        auto it = std::find(choices.begin(), choices.end(), s);
        if (it == choices.end()) {
            throw Error(task_.source + ": doc_to_target gave '" + s + "', which is neither an index nor one of the choices");
        }
        return int(it - choices.begin());
    };
    if (t.is_array()) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto & e : t) out.push_back(to_index(e));
        return out;
    }
    auto idx = to_index(t);
    if (idx.get<int>() < 0 || size_t(idx.get<int>()) >= choices.size()) {
        throw Error(task_.source + ": doc_to_target index " + idx.dump() + " is out of range for " + std::to_string(choices.size()) + " choices");
    }
    return idx;
}

std::string TaskEvaluator::target_text(const Document & doc) const {
    const auto choices = choices_of(doc);
    nlohmann::json t = target_of(doc, choices);
    if (t.is_array()) t = t.empty() ? nlohmann::json("") : t[0];
    if (!choices.empty() && t.is_number_integer()) return choices.at(size_t(t.get<int>()));
    return as_text(t);
}

std::vector<size_t> TaskEvaluator::fewshot_for(size_t i) const {
    return fewshot_choice_.empty() ? std::vector<size_t>{} : fewshot_choice_[i];
}

std::vector<ChatMessage> TaskEvaluator::chat_messages(size_t i) const {
    const Document & doc = docs_[i];
    const std::string description = task_.description.present ? as_text(task_.description.value(doc)) : "";
    std::vector<ChatMessage> messages;
    std::string system = options_.system_prompt;
    if (!description.empty()) system += (system.empty() ? "" : task_.fewshot_delimiter) + description;
    if (!system.empty()) messages.push_back({"system", system});
    std::string block;  // few-shot examples in one user turn when not multi-turn
    for (size_t j : fewshot_for(i)) {
        const Document & ex = fewshot_docs_[j];
        const std::string q = as_text(task_.doc_to_text.value(ex)), a = target_text(ex);
        if (options_.fewshot_as_multiturn) {
            messages.push_back({"user", q});
            messages.push_back({"assistant", a});
        } else {
            block += q + task_.target_delimiter + a + task_.fewshot_delimiter;
        }
    }
    messages.push_back({"user", block + as_text(task_.doc_to_text.value(doc))});
    return messages;
}

std::string TaskEvaluator::build_prompt(size_t i) const {
    if (options_.apply_chat_template) return backend_.apply_chat_template(chat_messages(i), true);
    const Document & doc = docs_[i];
    const std::string description = task_.description.present ? as_text(task_.description.value(doc)) : "";
    const std::string text = as_text(task_.doc_to_text.value(doc));
    std::string ctx;
    if (!options_.system_prompt.empty()) ctx += options_.system_prompt + task_.fewshot_delimiter;
    ctx += description;
    for (size_t j : fewshot_for(i)) {
        const Document & ex = fewshot_docs_[j];
        ctx += as_text(task_.doc_to_text.value(ex)) + task_.target_delimiter + target_text(ex) + task_.fewshot_delimiter;
    }
    return ctx + text;
}

std::string TaskEvaluator::prompt(size_t i) const { return build_prompt(i); }

std::vector<SampleRecord> TaskEvaluator::evaluate_chunk(std::span<const size_t> ids,
                                                        const std::function<void(size_t)> & on_doc_done) {
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<SampleRecord> out(ids.size());
    std::vector<std::string> prompts(ids.size());
    for (size_t k = 0; k < ids.size(); ++k) {
        try {
            prompts[k] = build_prompt(ids[k]);
        } catch (const Error & e) {
            throw at_document(ids[k], e);
        }
        out[k] = {{"doc_id", ids[k]}, {"doc", docs_[ids[k]]}, {"prompt", prompts[k]}};
    }
    if (task_.output_type == OutputType::MultipleChoice || task_.output_type == OutputType::Loglikelihood) {
        score_choices(ids, prompts, out);
    } else if (task_.output_type == OutputType::LoglikelihoodRolling) {
        score_rolling(ids, out);
    } else {
        generate_answers(ids, prompts, on_doc_done, out);
    }
    const double per_doc = elapsed_ms(t0) / double(ids.size());
    for (auto & rec : out) rec["cost_ms"] = per_doc;
    return out;
}

// Multiple choice and loglikelihood: every choice of every document scored in one backend call.
void TaskEvaluator::score_choices(std::span<const size_t> ids, std::span<const std::string> prompts, std::vector<SampleRecord> & out) {
    // In chat mode the assistant turn is already open: no separator before the answer.
    const std::string delim = options_.apply_chat_template ? "" : task_.target_delimiter;
    std::vector<LoglikelihoodRequest> reqs;
    std::vector<size_t> first(ids.size());
    std::vector<std::vector<std::string>> choices(ids.size());
    for (size_t k = 0; k < ids.size(); ++k) {
        const Document & doc = docs_[ids[k]];
        first[k] = reqs.size();
        try {
            choices[k] = task_.output_type == OutputType::MultipleChoice ? choices_of(doc)
                                                                         : std::vector<std::string>{target_text(doc)};
            if (task_.output_type == OutputType::MultipleChoice) (void)target_of(doc, choices[k]);  // fail before scoring
        } catch (const Error & e) {
            throw at_document(ids[k], e);
        }
        // lm-eval: a loglikelihood task's target carries its own spacing (no delimiter).
        const std::string & sep = task_.output_type == OutputType::MultipleChoice ? delim : std::string();
        for (const auto & c : choices[k]) reqs.push_back({prompts[k], sep + c});
    }
    const auto res = backend_.loglikelihood(reqs);
    for (size_t k = 0; k < ids.size(); ++k) {
        auto & rec = out[k];
        const Document & doc = docs_[ids[k]];
        ChoiceScores s;
        nlohmann::json resps = nlohmann::json::array();
        int context_tokens = 0, scored_tokens = 0;
        bool truncated = false;
        std::string route;
        for (size_t c = 0; c < choices[k].size(); ++c) {
            const auto & r = res[first[k] + c];
            truncated = truncated || r.truncated;
            if (!r.route.empty()) route = r.route;
            s.logprob.push_back(r.logprob);
            s.n_chars.push_back(utf8_len(choices[k][c]));
            s.n_tokens.push_back(r.token_logprobs.size());
            resps.push_back({r.logprob, r.is_greedy});
            context_tokens = r.n_context_tokens;
            scored_tokens += int(r.token_logprobs.size());
        }
        rec["resps"] = resps;
        rec["n_tokens"] = context_tokens + scored_tokens;
        rec["truncated"] = truncated;
        if (!route.empty()) rec["route"] = route;  // e.g. next-token: how a served model's scores were read
        nlohmann::json m = nlohmann::json::object();
        if (task_.output_type == OutputType::Loglikelihood) {
            rec["target"] = choices[k][0];
            m["perplexity"] = s.logprob[0];
            m["acc"] = res[first[k]].is_greedy ? 1.0 : 0.0;
        } else {
            const nlohmann::json gold = target_of(doc, choices[k]);
            rec["target"] = gold;
            rec["choices"] = choices[k];
            std::vector<int> golds;
            if (gold.is_array()) {
                for (const auto & g : gold) golds.push_back(g.get<int>());
            } else {
                golds.push_back(gold.get<int>());
            }
            auto hit = [&](size_t pred) { return std::find(golds.begin(), golds.end(), int(pred)) != golds.end() ? 1.0 : 0.0; };
            const ChoiceScores tail = after_shared_tokens(res, first[k], choices[k].size(), s);
            const size_t pred = argmax_raw(s), pred_norm = argmax_per_char(s), pred_tok = argmax_per_token(tail);
            rec["pred"] = pred;
            for (const auto & spec : task_.metrics) {
                const MetricInfo * info = find_metric(spec.name);
                const std::string & as = info && !info->same_as.empty() ? info->same_as : spec.name;
                if (as == "acc" || as == "mc1") m[spec.name] = hit(pred);
                else if (as == "acc_norm") m[spec.name] = hit(pred_norm);
                else if (as == "acc_norm_tokens") m[spec.name] = hit(pred_tok);
                else if (as == "f1") m[spec.name] = {double(golds[0]), double(pred)};
            }
            if (processor_ && processor_->on_choice) {
                processor_->on_choice({task_, doc, pred, hit(pred) > 0, s.logprob, options_.sampling_seed}, m, rec);
            }
            if (task_.process_results == "mc2") {
                // TruthfulQA MC2: probability mass on the true answers (labels 1 come first).
                const auto labels = doc.value("mc2_targets", nlohmann::json::object()).value("labels", nlohmann::json::array());
                size_t split = 0;
                while (split < labels.size() && labels[split].get<int>() == 1) ++split;
                double p_true = 0, p_false = 0;
                for (size_t c = 0; c < s.logprob.size(); ++c) (c < split ? p_true : p_false) += std::exp(s.logprob[c]);
                const double mc2 = p_true + p_false > 0 ? p_true / (p_true + p_false) : 0.0;
                for (const auto & spec : task_.metrics) if (spec.name == "acc" || spec.name == "mc2") m[spec.name] = mc2;
            }
        }
        rec["filtered_resps"] = resps;
        rec["metrics"] = {{"none", m}};
    }
    if (processor_ && processor_->on_chunk) {
        std::vector<std::reference_wrapper<const Document>> chunk_docs;
        for (size_t id : ids) chunk_docs.emplace_back(docs_[id]);
        processor_->on_chunk({task_, backend_, chunk_docs, prompts, choices, delim}, out);
    }
}

// Rolling log-likelihood (perplexity): each document's whole text.
void TaskEvaluator::score_rolling(std::span<const size_t> ids, std::vector<SampleRecord> & out) {
    std::vector<RollingRequest> reqs;
    std::vector<std::string> texts;
    for (size_t id : ids) {
        texts.push_back(target_text(docs_[id]));
        reqs.push_back({texts.back()});
    }
    const auto res = backend_.loglikelihood_rolling(reqs);
    for (size_t k = 0; k < ids.size(); ++k) {
        const double ll = res[k].logprob;
        const double words = double(count_words(texts[k])), bytes = double(texts[k].size());
        out[k]["target"] = texts[k];
        out[k]["resps"] = {ll};
        out[k]["filtered_resps"] = {ll};
        out[k]["n_tokens"] = res[k].n_tokens;
        nlohmann::json m = nlohmann::json::object();
        m["word_perplexity"] = {ll, words};
        m["byte_perplexity"] = {ll, bytes};
        m["bits_per_byte"] = {ll, bytes};
        out[k]["metrics"] = nlohmann::json::object();
        out[k]["metrics"]["none"] = std::move(m);
    }
}

// Generation: every repeat of every document in one backend call, then filters and metrics.
void TaskEvaluator::generate_answers(std::span<const size_t> ids, std::span<const std::string> prompts,
                                     const std::function<void(size_t)> & on_doc_done, std::vector<SampleRecord> & out) {
    std::vector<GenerateRequest> reqs;
    const auto & g = task_.generation;
    const std::vector<std::string> until = g.until_given ? g.until : std::vector<std::string>{task_.fewshot_delimiter};
    for (size_t k = 0; k < ids.size(); ++k) {
        for (int r = 0; r < task_.repeats; ++r) {
            GenerateRequest q;
            q.prompt = prompts[k];
            if (options_.apply_chat_template) q.messages = chat_messages(ids[k]);
            q.until = until;
            q.max_tokens = g.max_gen_toks;
            if (g.do_sample || g.temperature > 0) {
                q.sampling.temperature = float(g.temperature > 0 ? g.temperature : 1.0);
                q.sampling.top_p = float(g.top_p);
                q.sampling.top_k = g.top_k;
                q.sampling.seed = options_.sampling_seed + uint32_t(ids[k] * size_t(task_.repeats) + size_t(r));
            }
            reqs.push_back(std::move(q));
        }
    }
    // Targets first: a bad document fails before minutes of generation.
    std::vector<nlohmann::json> targets(ids.size());
    for (size_t k = 0; k < ids.size(); ++k) {
        try {
            targets[k] = target_of(docs_[ids[k]], {});
        } catch (const Error & e) {
            throw at_document(ids[k], e);
        }
    }
    // Progress per document as its last repeat finishes, not per chunk: a chunk of 5-shot
    // generations can take minutes.
    std::vector<int> left(ids.size(), task_.repeats);
    const auto res = backend_.generate(reqs, {}, [&](size_t r) {
        const size_t k = r / size_t(task_.repeats);
        if (--left[k] == 0 && on_doc_done) on_doc_done(1);
    });
    for (size_t k = 0; k < ids.size(); ++k) {
        auto & rec = out[k];
        const Document & doc = docs_[ids[k]];
        const nlohmann::json & target = targets[k];
        const auto golds = gold_strings(target);
        std::vector<std::string> resps;
        nlohmann::json timing = nlohmann::json::array();
        int gen_tokens = 0, prompt_tokens = 0;
        bool truncated = false;
        for (int r = 0; r < task_.repeats; ++r) {
            const auto & gr = res[k * size_t(task_.repeats) + size_t(r)];
            truncated = truncated || gr.truncated;
            resps.push_back(gr.text);
            gen_tokens += gr.n_generated_tokens;
            prompt_tokens = gr.n_prompt_tokens;
            const double tpot = gr.n_generated_tokens > 1 ? (gr.e2e_ms - gr.ttft_ms) / (gr.n_generated_tokens - 1) : 0.0;
            timing.push_back({{"ttft_ms", gr.ttft_ms}, {"tpot_ms", tpot}, {"e2e_ms", gr.e2e_ms},
                              {"generated_tokens", gr.n_generated_tokens}, {"finish", to_string(gr.finish)}});
            if (gr.server_predicted_ms >= 0) {  // the server's own account (llama-server's timings)
                timing.back()["server"] = {{"prompt_ms", gr.server_prompt_ms}, {"prompt_tokens", gr.server_prompt_tokens},
                                           {"predicted_ms", gr.server_predicted_ms}, {"predicted_tokens", gr.server_predicted_tokens}};
            }
        }
        rec["target"] = target;
        rec["resps"] = resps;
        rec["timing"] = timing;
        rec["generated_tokens"] = gen_tokens;
        rec["n_tokens"] = prompt_tokens + gen_tokens;
        rec["truncated"] = truncated;
        nlohmann::json filtered = nlohmann::json::object(), metrics = nlohmann::json::object();
        for (const auto & f : filters_) {
            const auto answers = f.apply(resps);
            const std::string answer = answers.empty() ? "" : answers[0];
            filtered[f.name] = answer;
            nlohmann::json m = nlohmann::json::object();
            for (const auto & spec : task_.metrics) {
                if (spec.name == "exact_match") {
                    double best = 0;
                    for (const auto & gold : golds) best = std::max(best, exact_match(answer, gold, spec.exact_match) ? 1.0 : 0.0);
                    m["exact_match"] = best;
                } else if (spec.name == "squad_exact" || spec.name == "squad_f1") {
                    // "unanswerable" (any case) is the model saying there is no answer.
                    const std::string pred = squad_normalize(answer) == "unanswerable" ? "" : answer;
                    // A list target is the gold answers (empty: unanswerable); a string is one answer.
                    const auto gs = target.is_array() || golds[0].empty() ? (target.is_array() ? golds : std::vector<std::string>{}) : golds;
                    m[spec.name] = spec.name == "squad_exact" ? squad_exact(pred, gs) : squad_f1(pred, gs);
                } else if (spec.name == "f1") {
                    m["f1"] = {golds.empty() ? "" : golds[0], answer};
                } else if (spec.name == "response_words") {
                    m["response_words"] = double(count_words(answer));
                }
            }
            if (processor_ && processor_->on_generation) processor_->on_generation({task_, doc, answer}, m, rec);
            metrics[f.name] = m;
        }
        rec["filtered_resps"] = filtered;
        rec["metrics"] = metrics;
    }
}

std::vector<SampleRecord> TaskEvaluator::run(std::map<size_t, SampleRecord> done,
                                             const std::function<void(std::span<SampleRecord>)> & on_chunk,
                                             const std::function<void(size_t)> & on_progress) {
    const size_t chunk = std::max<size_t>(1, options_.chunk_docs);
    const auto selected = [&](size_t i) { return !options_.chunk_selected || options_.chunk_selected(i / chunk); };
    std::vector<size_t> todo;
    size_t share = 0;  // documents this run evaluates (all, or a shard's)
    for (size_t i = 0; i < docs_.size(); ++i) {
        if (!selected(i)) continue;
        ++share;
        if (!done.count(i)) todo.push_back(i);
    }
    size_t finished = share - todo.size();
    if (on_progress) on_progress(finished);
    for (size_t start = 0; start < todo.size(); start += chunk) {
        const std::span<const size_t> ids(todo.data() + start, std::min(chunk, todo.size() - start));
        size_t in_chunk = 0;  // documents of this chunk already reported
        auto recs = evaluate_chunk(ids, [&](size_t n) {
            in_chunk += n;
            if (on_progress) on_progress(finished + in_chunk);
        });
        // The batch a document was measured in (its first document): the unit of efficiency's intervals.
        for (auto & r : recs) r["chunk"] = ids.front();
        if (on_chunk) on_chunk(recs);
        for (auto & r : recs) {
            const size_t id = r["doc_id"].get<size_t>();  // before the move: json's operator= takes its argument by value
            done[id] = std::move(r);
        }
        finished += ids.size();
        if (on_progress) on_progress(finished);
    }
    std::vector<SampleRecord> all;
    all.reserve(done.size());
    for (auto & [id, r] : done) if (id < docs_.size() && selected(id)) all.push_back(std::move(r));
    return all;
}

}  // namespace rightsize
