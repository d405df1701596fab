// rightsize serve's engine: one thread owns the LlamaBackend and serves every HTTP request through
// it. Scoring requests (echoed prompts) that wait together are scored in one score_prompts call,
// so prompts from many HTTP requests share their leading tokens exactly as in `rightsize run`;
// generation requests join a continuous-batching GenerationSession (-np sequences). Scoring and
// generation use different KV layouts, so a waiting scoring batch lets the running generations
// finish, runs, and then new generations start; when both kinds wait they take turns, and a
// scoring batch takes at most 512 prompts (whole requests), so neither kind starves the other.
#pragma once

#include <rightsize/llama_backend.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace rightsize::serve {

// A generation request for the engine. on_token runs on the engine thread; on_done runs exactly
// once, with the result, or with an error message (the result then empty).
struct EngineJob {
    GenerateRequest request;
    StreamCallback on_token;
    std::function<void(GenerateResult &&, const std::string & error)> on_done;
};

class Engine {
public:
    // max_waiting: requests beyond the running ones that may wait; more are refused (503).
    Engine(LlamaBackend & backend, int max_waiting);
    ~Engine();
    Engine(const Engine &) = delete;
    Engine & operator=(const Engine &) = delete;

    // Scores the prompts in the next scoring batch; blocks until done. Throws ApiError 503 when the
    // queue is full (or the engine is stopping), rightsize::Error when scoring failed.
    std::vector<PromptScores> score(std::vector<PromptScoreRequest> prompts);
    // Queues a generation. Throws ApiError 503 when the queue is full (nothing queued then).
    void generate(EngineJob job);

    // Stops taking requests, finishes every accepted one, then ends the engine thread.
    void stop();

    int sequence_window() const { return window_; }
    // For /metrics: requests accepted and not finished; scoring batches run; prompts they held.
    size_t unfinished() const { return unfinished_.load(); }
    uint64_t scoring_batches() const { return scoring_batches_.load(); }
    uint64_t scored_prompts() const { return scored_prompts_.load(); }
    size_t running_sequences() const { return running_.load(); }

private:
    struct ScoreJob {
        std::vector<PromptScoreRequest> prompts;
        std::promise<std::vector<PromptScores>> done;
    };
    void admit_or_refuse();
    void loop();
    std::vector<std::unique_ptr<ScoreJob>> take_scoring();
    void run_scoring(std::vector<std::unique_ptr<ScoreJob>> & batch);
    void start_generations(std::vector<EngineJob> & jobs);
    void step_generation();

    LlamaBackend & backend_;
    std::unique_ptr<GenerationSession> session_;
    const int max_unfinished_;
    const int window_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<std::unique_ptr<ScoreJob>> scoring_;
    std::deque<EngineJob> generating_;
    bool stopping_ = false;
    std::atomic<size_t> unfinished_{0};
    std::atomic<uint64_t> scoring_batches_{0}, scored_prompts_{0};
    std::atomic<size_t> running_{0};
    // Engine thread only: the error path of every generation in the session, by id.
    std::map<size_t, std::function<void(const std::string &)>> in_session_;
    size_t next_id_ = 0;
    std::thread thread_;
};

}  // namespace rightsize::serve
