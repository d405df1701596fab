// rightsize serve's engine (serve_engine.h).
#include "serve_engine.h"

#include "serve_request.h"

#include <rightsize/error.h>

namespace rightsize::serve {

// Prompts one scoring batch takes at most (whole requests; one request larger than this is
// scored alone): enough for lm-eval's concurrent requests to share their contexts.
constexpr size_t kMaxBatchPrompts = 512;

Engine::Engine(LlamaBackend & backend, int max_waiting)
    : backend_(backend), session_(backend.open_generation_session()),
      max_unfinished_(std::max(1, backend.options().n_parallel) + std::max(0, max_waiting)), window_(session_->sequence_window()) {
    thread_ = std::thread([this] { loop(); });
}

Engine::~Engine() { stop(); }

void Engine::admit_or_refuse() {
    if (stopping_) throw ApiError(503, "the server is shutting down", "", "shutting_down");
    if (int(unfinished_.load()) >= max_unfinished_) {
        throw ApiError(503, "the server is busy: " + std::to_string(max_unfinished_) +
                                " requests are running or waiting (-np + --queue); retry after a second", "", "queue_full");
    }
    ++unfinished_;
}

std::vector<PromptScores> Engine::score(std::vector<PromptScoreRequest> prompts) {
    auto job = std::make_unique<ScoreJob>();
    job->prompts = std::move(prompts);
    auto result = job->done.get_future();
    {
        std::lock_guard lock(mu_);
        admit_or_refuse();
        scoring_.push_back(std::move(job));
    }
    cv_.notify_all();
    return result.get();
}

void Engine::generate(EngineJob job) {
    {
        std::lock_guard lock(mu_);
        admit_or_refuse();
        generating_.push_back(std::move(job));
    }
    cv_.notify_all();
}

void Engine::stop() {
    {
        std::lock_guard lock(mu_);
        if (stopping_ && !thread_.joinable()) return;
        stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
}

// One scoring batch: every waiting request's prompts in one score_prompts call, split back.
void Engine::run_scoring(std::vector<std::unique_ptr<ScoreJob>> & batch) {
    std::vector<PromptScoreRequest> all;
    for (const auto & job : batch) all.insert(all.end(), job->prompts.begin(), job->prompts.end());
    try {
        std::vector<PromptScores> scores = backend_.score_prompts(all);
        size_t at = 0;
        for (auto & job : batch) {
            std::vector<PromptScores> mine(std::make_move_iterator(scores.begin() + long(at)),
                                           std::make_move_iterator(scores.begin() + long(at + job->prompts.size())));
            at += job->prompts.size();
            job->done.set_value(std::move(mine));
        }
    } catch (...) {
        for (auto & job : batch) job->done.set_exception(std::current_exception());
    }
    scoring_batches_ += 1;
    scored_prompts_ += all.size();
    unfinished_ -= batch.size();
}

void Engine::start_generations(std::vector<EngineJob> & jobs) {
    for (EngineJob & job : jobs) {
        const size_t id = next_id_++;
        auto done = std::move(job.on_done);
        auto shared = std::make_shared<decltype(done)>(std::move(done));
        try {
            session_->submit(id, {std::move(job.request), std::move(job.on_token), [this, id, shared](GenerateResult && r) {
                                      in_session_.erase(id);
                                      --unfinished_;
                                      (*shared)(std::move(r), "");
                                  }});
            in_session_[id] = [this, shared](const std::string & error) {
                --unfinished_;
                (*shared)(GenerateResult{}, error);
            };
        } catch (const std::exception & e) {
            --unfinished_;
            (*shared)(GenerateResult{}, e.what());
        }
    }
}

void Engine::step_generation() {
    try {
        session_->step();
    } catch (const std::exception & e) {
        // A failed decode ends every request in the session with its message; the server goes on.
        const std::string message = e.what();
        for (size_t id : session_->cancel_all()) {
            if (auto it = in_session_.find(id); it != in_session_.end()) {
                auto fail = std::move(it->second);
                in_session_.erase(it);
                fail(message);
            }
        }
    }
    running_ = session_->active();
}

// Takes the next scoring batch: whole requests, up to kMaxBatchPrompts prompts (at least one).
std::vector<std::unique_ptr<Engine::ScoreJob>> Engine::take_scoring() {
    std::vector<std::unique_ptr<ScoreJob>> batch;
    size_t prompts = 0;
    while (!scoring_.empty() && (batch.empty() || prompts + scoring_.front()->prompts.size() <= kMaxBatchPrompts)) {
        prompts += scoring_.front()->prompts.size();
        batch.push_back(std::move(scoring_.front()));
        scoring_.pop_front();
    }
    return batch;
}

void Engine::loop() {
    bool scored_last = false;  // scoring and generation take turns when both wait
    for (;;) {
        std::vector<std::unique_ptr<ScoreJob>> scoring;
        std::vector<EngineJob> starting;
        {
            std::unique_lock lock(mu_);
            const auto busy = [&] { return session_->active() + session_->queued() > 0; };
            cv_.wait(lock, [&] { return stopping_ || !scoring_.empty() || !generating_.empty() || busy(); });
            if (stopping_ && scoring_.empty() && generating_.empty() && !busy()) break;
            const bool generation_turn = scored_last && !generating_.empty();
            if (!scoring_.empty() && !busy() && !generation_turn) {
                scoring = take_scoring();
            } else if (scoring_.empty() || generation_turn) {  // otherwise a waiting scoring batch holds new generations back
                while (!generating_.empty()) {
                    starting.push_back(std::move(generating_.front()));
                    generating_.pop_front();
                }
            }
        }
        scored_last = !scoring.empty();
        if (scored_last) {
            run_scoring(scoring);
            continue;
        }
        start_generations(starting);
        if (session_->active() + session_->queued() > 0) step_generation();
    }
}

}  // namespace rightsize::serve
