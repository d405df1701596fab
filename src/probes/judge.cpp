// Model judges for human-likeness: the instruction, reading a reply, the in-process judge (scores
// the digits "1" and "2") and the run over a store's pairs in both orders. The endpoint judge is
// in judge_endpoint.cpp.
#include <rightsize/error.h>
#include "probes/judge.h"

#include <algorithm>
#include <utility>

namespace rightsize {

std::string judge_instruction(const JudgePrompt & p) {
    // Plain labels and no model names; the answers are quoted as given (already emoji-stripped
    // by load_vote_pairs). The question is the one a person voting would read.
    const auto text = [](const std::string & s) { return s.empty() ? std::string("(no answer)") : s; };
    return "Here is a question someone asked in a casual conversation, and two answers to it.\n\n"
           "Question: " + p.question + "\n\n"
           "Answer 1:\n" + text(p.answer_1) + "\n\n"
           "Answer 2:\n" + text(p.answer_2) + "\n\n"
           "Which answer sounds more like a real person wrote it? Reply with the number 1 or 2 only.";
}

std::vector<ChatMessage> judge_messages(const JudgePrompt & prompt) {
    // Written for this project. Each example pairs a casual first-person answer with an
    // assistant-style one, so the examples teach the format and not a subtle taste.
    static const JudgePrompt kHumanFirst{
        "Are you a morning person?", "Not really. I need two coffees before I can talk to anyone.",
        "Many people find that their productivity peaks in the morning, although this varies between individuals."};
    static const JudgePrompt kHumanSecond{
        "What did you do last weekend?",
        "As an AI, I don't have weekends, but popular weekend activities include hiking, reading and cooking.",
        "Went hiking with friends, got rained on halfway, still had a great time."};
    return {{"user", judge_instruction(kHumanFirst)}, {"assistant", "1"},
            {"user", judge_instruction(kHumanSecond)}, {"assistant", "2"},
            {"user", judge_instruction(prompt)}};
}

JudgeDecision parse_judge_reply(std::string_view reply) {
    JudgeDecision d;
    d.raw = std::string(reply);
    const size_t at = reply.find_first_of("12");
    if (at == std::string_view::npos) {
        d.choice = VoteChoice::Tie;
        d.parsed = false;
    } else {
        d.choice = reply[at] == '1' ? VoteChoice::Left : VoteChoice::Right;
    }
    return d;
}

namespace {

class BackendJudge final : public Judge {
public:
    BackendJudge(Backend & backend, std::string name) : backend_(backend), name_(std::move(name)) {
        if (name_.empty()) throw Error("a judge needs a name (it is stored as judge:<name>)");
    }

    const std::string & name() const override { return name_; }

    std::vector<JudgeDecision> decide(std::span<const JudgePrompt> prompts) override {
        // Two requests per prompt with the same context: the backend evaluates the context once
        // and both digits in the same batch, so a decision costs one prompt's prefill.
        std::vector<LoglikelihoodRequest> requests;
        requests.reserve(prompts.size() * 2);
        for (const auto & p : prompts) {
            const std::string context = backend_.apply_chat_template(judge_messages(p), true);
            requests.push_back({context, "1"});
            requests.push_back({context, "2"});
        }
        const auto scores = backend_.loglikelihood(requests);
        std::vector<JudgeDecision> out;
        out.reserve(prompts.size());
        for (size_t i = 0; i < prompts.size(); ++i) {
            const auto & one = scores[2 * i];
            const auto & two = scores[2 * i + 1];
            if (one.truncated || two.truncated) {
                // Cut from the left, the prompt would lose the question and the first answer
                // while the judge still "decides": a wrong vote that looks like a right one.
                throw Error("judge " + name_ + ": a prompt with both answers is longer than the model's context window "
                            "and would lose its beginning; raise the context size (-c)");
            }
            JudgeDecision d;
            d.margin = one.logprob - two.logprob;
            d.choice = *d.margin > 0 ? VoteChoice::Left : *d.margin < 0 ? VoteChoice::Right : VoteChoice::Tie;
            d.raw = d.choice == VoteChoice::Left ? "1" : d.choice == VoteChoice::Right ? "2" : "";
            out.push_back(std::move(d));
        }
        return out;
    }

private:
    Backend & backend_;
    std::string name_;
};

}  // namespace

std::unique_ptr<Judge> make_backend_judge(Backend & backend, std::string name) {
    return std::make_unique<BackendJudge>(backend, std::move(name));
}

JudgeRunSummary run_judge(Judge & judge, const JudgeRunOptions & o) {
    if (o.batch == 0) throw Error("run_judge: batch must be at least 1");
    JudgeRunSummary summary;
    summary.voter = "judge:" + judge.name();
    const auto pairs = load_vote_pairs(o.db_path, o.run_id, o.task, o.model_a, o.model_b, 0);
    summary.n_pairs = pairs.size();
    const auto done = voted_orders(o.db_path, o.run_id, o.task, summary.voter, o.model_a, o.model_b);

    // One job per (document, order) still to ask: model_a's answer first, then model_b's.
    struct Job {
        long long doc_id;
        std::string left, right;
        JudgePrompt prompt;
    };
    std::vector<Job> jobs;
    for (const auto & p : pairs) {
        const std::string & text_a = p.left_model == o.model_a ? p.left_text : p.right_text;
        const std::string & text_b = p.left_model == o.model_a ? p.right_text : p.left_text;
        for (const bool a_first : {true, false}) {
            const std::string & left = a_first ? o.model_a : o.model_b;
            if (done.contains({p.doc_id, left})) {
                ++summary.n_already;
                continue;
            }
            jobs.push_back({p.doc_id, left, a_first ? o.model_b : o.model_a,
                            {p.prompt, a_first ? text_a : text_b, a_first ? text_b : text_a}});
        }
    }

    if (o.progress) o.progress(0, jobs.size());
    for (size_t start = 0; start < jobs.size(); start += o.batch) {
        const size_t end = std::min(jobs.size(), start + o.batch);
        std::vector<JudgePrompt> prompts;
        for (size_t i = start; i < end; ++i) prompts.push_back(jobs[i].prompt);
        const auto decisions = judge.decide(prompts);
        if (decisions.size() != prompts.size()) {
            throw Error("judge " + judge.name() + " returned " + std::to_string(decisions.size()) + " decisions for " +
                        std::to_string(prompts.size()) + " prompts");
        }
        for (size_t i = start; i < end; ++i) {
            const auto & d = decisions[i - start];
            // A vote already there (another process judging the same run) is not overwritten.
            if (record_vote(o.db_path, o.run_id, o.task, jobs[i].doc_id, jobs[i].left, jobs[i].right, d.choice, summary.voter,
                            d.margin)) {
                ++summary.n_decisions;
                summary.n_unparsed += !d.parsed;
            } else {
                ++summary.n_already;
            }
        }
        if (o.progress) o.progress(end, jobs.size());
    }
    return summary;
}

}  // namespace rightsize
