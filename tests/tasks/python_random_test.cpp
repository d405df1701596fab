// PythonRandom against CPython's random module. Every expected value below was printed by
// CPython 3.11's `random` (python3 -c "import random; r = random.Random(SEED); print(...)"),
// so a mismatch means rightsize's few-shot examples differ from lm-eval's.
#include "tasks/python_random.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

using rightsize::PythonRandom;

TEST(PythonRandom, GetrandbitsMatchesCPython) {
    // r = random.Random(1234); r.getrandbits(32), r.getrandbits(32), r.getrandbits(7)
    PythonRandom r(1234);
    EXPECT_EQ(r.getrandbits(32), 4150886329u);
    EXPECT_EQ(r.getrandbits(32), 3342196574u);
    EXPECT_EQ(r.getrandbits(7), 56u);

    // r = random.Random(0); [r.getrandbits(32) for _ in range(3)]
    PythonRandom zero(0);
    EXPECT_EQ(zero.genrand_uint32(), 3626764237u);
    EXPECT_EQ(zero.genrand_uint32(), 1654615998u);
    EXPECT_EQ(zero.genrand_uint32(), 3255389356u);
}

TEST(PythonRandom, SampleMatchesLmEvalSeed) {
    // r = random.Random(1234); r.sample(range(10), 3); then r.sample(range(1000), 6)
    PythonRandom r(1234);
    EXPECT_EQ(r.sample(10, 3), (std::vector<size_t>{7, 1, 0}));
    // k > 5 and n above the set-size threshold (21 + 4**ceil(log(18, 4)) = 85): the set-based branch.
    EXPECT_EQ(r.sample(1000, 6), (std::vector<size_t>{92, 932, 965, 961, 826, 596}));
}

TEST(PythonRandom, SampleBothBranchesWithLargeK) {
    // k = 8: setsize = 21 + 4**ceil(log(24, 4)) = 85.
    // r = random.Random(1234); r.sample(range(20), 8); then r.sample(range(30), 8)  (pool branch)
    PythonRandom pool(1234);
    EXPECT_EQ(pool.sample(20, 8), (std::vector<size_t>{14, 3, 0, 2, 1, 10, 11, 15}));
    EXPECT_EQ(pool.sample(30, 8), (std::vector<size_t>{3, 24, 11, 7, 0, 25, 28, 27}));
    // random.Random(1234).sample(range(200), 10)  (n > setsize = 85: set branch)
    PythonRandom set(1234);
    EXPECT_EQ(set.sample(200, 10), (std::vector<size_t>{199, 112, 29, 1, 23, 149, 8, 171, 177, 21}));
}

TEST(PythonRandom, RandbelowMatchesCPython) {
    // r = random.Random(42); [r._randbelow(n) for n in (1, 2, 3, 7, 10, 100, 1000, 1319, 2**31)]
    PythonRandom r(42);
    const std::vector<size_t> ns = {1, 2, 3, 7, 10, 100, 1000, 1319, size_t(1) << 31};
    const std::vector<size_t> want = {0, 0, 2, 2, 3, 28, 142, 209, 373399426};
    for (size_t i = 0; i < ns.size(); ++i) EXPECT_EQ(r.randbelow(ns[i]), want[i]) << "n=" << ns[i];
}

TEST(PythonRandom, SampleIsDistinctAndInRange) {
    PythonRandom r(7);
    for (size_t n : {5u, 50u, 5000u}) {
        const auto s = r.sample(n, 5);
        ASSERT_EQ(s.size(), 5u);
        EXPECT_EQ(std::set<size_t>(s.begin(), s.end()).size(), 5u);
        EXPECT_TRUE(std::all_of(s.begin(), s.end(), [n](size_t x) { return x < n; }));
    }
    // sample(n, n) is a permutation.
    auto all = r.sample(12, 12);
    std::sort(all.begin(), all.end());
    for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i], i);
}

TEST(PythonRandom, SameSeedSameSequence) {
    PythonRandom a(1234), b(1234), c(1235);
    const auto sa = a.sample(1319, 5);
    EXPECT_EQ(sa, b.sample(1319, 5));
    EXPECT_NE(sa, c.sample(1319, 5));
}
