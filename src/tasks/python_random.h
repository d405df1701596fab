// Python's random.Random, to the bit: Mersenne Twister seeded by init_by_array with the seed's
// 32-bit words, getrandbits, _randbelow and random.sample. lm-eval picks few-shot examples with
// random.Random(1234).sample, so reproducing it gives the same few-shot prompts as lm-eval.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <unordered_set>
#include <vector>

namespace rightsize {

class PythonRandom {
public:
    explicit PythonRandom(uint32_t seed) { init_by_array(seed); }

    uint32_t genrand_uint32() {
        if (index_ >= kN) twist();
        uint32_t y = mt_[index_++];
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c5680u;
        y ^= (y << 15) & 0xefc60000u;
        y ^= y >> 18;
        return y;
    }
    // random.getrandbits(k) for 1 ≤ k ≤ 32.
    uint32_t getrandbits(int k) { return genrand_uint32() >> (32 - k); }
    // random._randbelow(n): rejection sampling on n.bit_length() bits.
    size_t randbelow(size_t n) {
        if (n == 0) return 0;
        int k = 0;
        while ((size_t(1) << k) <= n && k < 32) ++k;
        uint32_t r = getrandbits(k);
        while (r >= n) r = getrandbits(k);
        return r;
    }
    // random.sample(range(n), k): the indices Python would pick, in its order.
    std::vector<size_t> sample(size_t n, size_t k) {
        std::vector<size_t> result(k);
        size_t setsize = 21;
        if (k > 5) setsize += size_t(std::pow(4.0, std::ceil(std::log(double(k) * 3) / std::log(4.0))));
        if (n <= setsize) {
            std::vector<size_t> pool(n);
            for (size_t i = 0; i < n; ++i) pool[i] = i;
            for (size_t i = 0; i < k; ++i) {
                const size_t j = randbelow(n - i);
                result[i] = pool[j];
                pool[j] = pool[n - i - 1];
            }
        } else {
            std::unordered_set<size_t> selected;
            for (size_t i = 0; i < k; ++i) {
                size_t j = randbelow(n);
                while (selected.count(j)) j = randbelow(n);
                selected.insert(j);
                result[i] = j;
            }
        }
        return result;
    }

private:
    static constexpr int kN = 624;
    void init_genrand(uint32_t s) {
        mt_[0] = s;
        for (int i = 1; i < kN; ++i) mt_[i] = 1812433253u * (mt_[i - 1] ^ (mt_[i - 1] >> 30)) + uint32_t(i);
        index_ = kN;
    }
    void init_by_array(uint32_t key0) {
        // Python seeds with the absolute value's 32-bit words; one word for seeds below 2^32.
        init_genrand(19650218u);
        int i = 1, j = 0;
        const int key_length = 1;
        for (int k = kN > key_length ? kN : key_length; k; --k) {
            mt_[i] = (mt_[i] ^ ((mt_[i - 1] ^ (mt_[i - 1] >> 30)) * 1664525u)) + key0 + uint32_t(j);
            ++i;
            ++j;
            if (i >= kN) {
                mt_[0] = mt_[kN - 1];
                i = 1;
            }
            if (j >= key_length) j = 0;
        }
        for (int k = kN - 1; k; --k) {
            mt_[i] = (mt_[i] ^ ((mt_[i - 1] ^ (mt_[i - 1] >> 30)) * 1566083941u)) - uint32_t(i);
            ++i;
            if (i >= kN) {
                mt_[0] = mt_[kN - 1];
                i = 1;
            }
        }
        mt_[0] = 0x80000000u;
        index_ = kN;
    }
    void twist() {
        for (int i = 0; i < kN; ++i) {
            const uint32_t y = (mt_[i] & 0x80000000u) | (mt_[(i + 1) % kN] & 0x7fffffffu);
            mt_[i] = mt_[(i + 397) % kN] ^ (y >> 1) ^ ((y & 1u) ? 0x9908b0dfu : 0u);
        }
        index_ = 0;
    }
    std::array<uint32_t, kN> mt_{};
    int index_ = kN;
};

}  // namespace rightsize
