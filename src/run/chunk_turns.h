// Turns between the models of an interleaved run: one model at a time evaluates one chunk, then
// the next model in -m order does, round-robin (A, B, A, B …). Each model runs on a thread of its
// own, but only the one holding the turn does anything, so slow drift and bursts of outside load
// fall on every model alike while no two models ever share the CPU.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <stdexcept>
#include <vector>

namespace rightsize {

// Thrown by ChunkTurns::acquire once abort() was called: another model's thread failed or the run
// was stopped, so this one ends without evaluating anything more.
struct TurnsAborted : std::runtime_error {
    TurnsAborted() : std::runtime_error("interleaved run aborted") {}
};

class ChunkTurns {
public:
    explicit ChunkTurns(size_t participants);

    // Blocks until it is `who`'s turn. Throws TurnsAborted after abort().
    void acquire(size_t who);
    // Ends `who`'s turn and hands it to the next participant still running (back to `who` when it
    // is the only one). `who` must hold the turn.
    void pass(size_t who);
    // `who` has finished (or failed): it is skipped from now on; if it held the turn, the turn passes.
    void leave(size_t who);
    // Every waiting and future acquire throws TurnsAborted.
    void abort();
    // Turns started so far (a participant's first acquire counts): 1, 2, 3 …
    size_t turns_started() const;

private:
    size_t next_after(size_t who) const;  // the next active participant after `who`, cyclically
    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::vector<bool> active_;
    size_t turn_ = 0;
    size_t started_ = 0;
    bool aborted_ = false;
};

}  // namespace rightsize
