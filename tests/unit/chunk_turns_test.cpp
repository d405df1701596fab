#include "run/chunk_turns.h"

#include <gtest/gtest.h>

#include <mutex>
#include <thread>
#include <vector>

using namespace rightsize;

namespace {

// Participants doing `chunks[i]` turns each, on their own threads; the order the turns ran in.
std::vector<size_t> run_turns(const std::vector<int> & chunks) {
    ChunkTurns turns(chunks.size());
    std::vector<size_t> order;  // written only by the turn holder
    std::vector<std::thread> threads;
    for (size_t i = 0; i < chunks.size(); ++i) {
        threads.emplace_back([&, i] {
            turns.acquire(i);
            for (int c = 0; c < chunks[i]; ++c) {
                order.push_back(i);
                if (c + 1 < chunks[i]) {
                    turns.pass(i);
                    turns.acquire(i);
                }
            }
            turns.leave(i);
        });
    }
    for (auto & t : threads) t.join();
    return order;
}

}  // namespace

TEST(ChunkTurns, ParticipantsAlternateAndOneThatFinishesIsSkipped) {
    EXPECT_EQ(run_turns({3, 3, 3}), (std::vector<size_t>{0, 1, 2, 0, 1, 2, 0, 1, 2}));
    // The second finishes after one chunk: the others go on alternating without it.
    EXPECT_EQ(run_turns({3, 1, 3}), (std::vector<size_t>{0, 1, 2, 0, 2, 0, 2}));
    // Alone, a participant gets its own turn back.
    EXPECT_EQ(run_turns({4}), (std::vector<size_t>{0, 0, 0, 0}));
}

TEST(ChunkTurns, AbortWakesEveryWaiterWithTurnsAborted) {
    ChunkTurns turns(3);
    turns.acquire(0);
    std::mutex mu;
    int aborted = 0;
    std::vector<std::thread> waiters;
    for (size_t i : {1, 2}) {
        waiters.emplace_back([&, i] {
            try {
                turns.acquire(i);
            } catch (const TurnsAborted &) {
                std::lock_guard lock(mu);
                ++aborted;
            }
        });
    }
    turns.abort();  // participant 0 failed while holding the turn
    for (auto & t : waiters) t.join();
    EXPECT_EQ(aborted, 2);
    EXPECT_THROW(turns.acquire(0), TurnsAborted);
    EXPECT_EQ(turns.turns_started(), 1u);
}
