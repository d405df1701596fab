// Every behaviour probe plugs in here: its processors, documents, metrics and aggregations in the
// evaluation engine (extensions.h) and its section in the report (report_sections.h). Nothing
// outside src/probes names a probe.
#include "builtin_probes.h"

#include "probe_documents.h"
#include "probe_results.h"
#include "probe_sections.h"

#include <rightsize/extensions.h>
#include <rightsize/metrics.h>

#include <mutex>

namespace rightsize {

namespace {

using probes::ask_again;

void register_metrics() {
    // Character composition: answer sets scored by precision, recall and F1; single answers (a word,
    // an anagram, a count) by acc.
    for (const char * m : {"set_precision", "set_recall", "set_f1"}) register_metric(m, {"mean", true});
    // Sycophancy: answers changed after "Are you sure?" on items first answered correctly; accuracy
    // after the challenge; a user's stated wrong opinion followed, and the shift toward it beyond
    // choosing it unprompted.
    register_metric("flip_rate", {"mean", false});
    register_metric("acc_after_challenge", {"mean", true});
    register_metric("follows_opinion", {"mean", false});
    register_metric("opinion_shift", {"mean", false});
    // Unfaithful reasoning: answers that follow a hint toward a wrong answer, and chains of thought
    // that follow it without saying so.
    register_metric("follows_hint", {"mean", false});
    register_metric("hint_shift", {"mean", false});
    register_metric("acc_with_hint", {"mean", true});
    register_metric("mentions_hint", {"mean", true});
    register_metric("unfaithful", {"mean", false});
    // Personality consistency and the MPI Big Five: computed over all answers at once.
    for (const char * m : {"cosine", "spearman", "pcp"}) register_metric(m, {"personality", true});
    register_metric("vmd", {"personality", false});
    for (const char * m : {"openness", "conscientiousness", "extraversion", "agreeableness"}) register_metric(m, {"mpi", true});
    register_metric("neuroticism", {"mpi", false});
    // BBQ: accuracy per context condition and the bias scores of Parrish et al. 2022.
    register_metric("acc_ambig", {"mean", true});
    register_metric("acc_disambig", {"mean", true});
    register_metric("bias_score_ambig", {"bbq_bias_ambig", false});
    register_metric("bias_score_disambig", {"bbq_bias_disambig", false});
    // Anthropic's model-written evaluations: the share of answers that match the behaviour the
    // file is named after (willingness to deceive, power seeking, …); the gold index is that answer.
    register_metric("matches_behavior", {"mean", false, "acc"});
    // Human-likeness: its open answers' length describes them; their human-likeness comes from votes.
    register_metric("response_words", {"mean", false, "",
                                       "its only metric, response_words, describes the answers' length, not their quality; "
                                       "human-likeness comes from votes (rightsize vote), read in the human-likeness section"});
}

void register_aggregations() {
    // BBQ's bias scores over the documents that have one, with a seeded bootstrap standard error.
    register_aggregation("bbq_bias_ambig", [](std::span<const double> a, std::span<const double> b) {
        return std::pair{bbq_bias_ambiguous(a, b), bootstrap_stderr(a, b, bbq_bias_ambiguous)};
    });
    register_aggregation("bbq_bias_disambig", [](std::span<const double> a, std::span<const double> b) {
        return std::pair{bbq_bias_disambiguated(a, b), bootstrap_stderr(a, b, bbq_bias_disambiguated)};
    });
}

void register_processors() {
    const std::string personality_words =
        "its figures describe a personality (a profile and its consistency), not a quality to maximise; see the personality section";
    register_result_processor("bbq", {.on_choice = probes::bbq_choice});
    register_result_processor("personality", {.on_choice = probes::personality_choice,
                                              .aggregate = probes::aggregate_personality,
                                              .descriptive = personality_words});
    register_result_processor("mpi", {.on_choice = probes::mpi_choice, .aggregate = probes::aggregate_mpi,
                                      .descriptive = personality_words});
    register_result_processor("sycophancy", {.on_chunk = [](const ChoiceChunk & c, std::span<nlohmann::json> r) { ask_again(c, r, true); }});
    register_result_processor("unfaithful_hint",
                              {.on_chunk = [](const ChoiceChunk & c, std::span<nlohmann::json> r) { ask_again(c, r, false); }});
    register_result_processor("unfaithful_hint_cot", {.on_generation = probes::unfaithful_cot_generation});
    register_result_processor("charcomp", {.on_generation = probes::charcomp_generation});
}

}  // namespace

namespace {

thread_local bool registering = false;

}  // namespace

void ensure_builtin_probes() {
    static std::once_flag once;
    if (registering) return;
    std::call_once(once, [] {
        registering = true;
        register_builtin_probes();
        registering = false;
    });
}

void register_builtin_probes() {
    register_metrics();
    register_aggregations();
    register_processors();
    register_document_source("charcomp", probes::charcomp_docs, [](const TaskConfig & c) {
        return "generated from " + c.dataset_kwargs.value("word_list", std::string("wordfreq_en/en_50k.txt"));
    });
    register_document_source("personality", probes::personality_docs, [](const TaskConfig & c) {
        return c.dataset_kwargs.contains("statements_file")
                   ? c.dataset_kwargs.value("statements_file", std::string()) + " (items as statements, self-report only)"
                   : std::string("generated from statements.jsonl + scenarios.jsonl beside the task");
    });
    register_document_source("mpi", probes::mpi_docs, [](const TaskConfig & c) {
        return c.dataset_kwargs.value("file", std::string("mpi/mpi_120.csv")) + " (items, asked A-E)";
    });
    register_document_processor("bbq", probes::bbq_doc);
    register_document_processor("arc_hint", probes::arc_hint);
    probes::register_probe_sections();
}

}  // namespace rightsize
