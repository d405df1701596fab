#include "chunk_turns.h"

namespace rightsize {

ChunkTurns::ChunkTurns(size_t participants) : active_(participants, true) {}

size_t ChunkTurns::next_after(size_t who) const {
    for (size_t k = 1; k <= active_.size(); ++k) {
        const size_t c = (who + k) % active_.size();
        if (active_[c]) return c;
    }
    return who;
}

void ChunkTurns::acquire(size_t who) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return aborted_ || turn_ == who; });
    if (aborted_) throw TurnsAborted();
    ++started_;
}

void ChunkTurns::pass(size_t who) {
    {
        std::lock_guard lock(mu_);
        if (turn_ == who) turn_ = next_after(who);
    }
    cv_.notify_all();
}

void ChunkTurns::leave(size_t who) {
    {
        std::lock_guard lock(mu_);
        active_[who] = false;
        if (turn_ == who) turn_ = next_after(who);
    }
    cv_.notify_all();
}

void ChunkTurns::abort() {
    {
        std::lock_guard lock(mu_);
        aborted_ = true;
    }
    cv_.notify_all();
}

size_t ChunkTurns::turns_started() const {
    std::lock_guard lock(mu_);
    return started_;
}

}  // namespace rightsize
