#include "measure/process_memory.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

using namespace rightsize;

TEST(ProcessMemory, PeakFollowsATouchedAllocationAndResets) {
    const ProcessMemory before = read_process_memory();
    ASSERT_GT(before.rss_bytes, 0u);
    ASSERT_GE(before.peak_rss_bytes, before.rss_bytes);
    {
        std::vector<char> block(64u << 20);
        std::memset(block.data(), 1, block.size());  // touch every page
        const ProcessMemory during = read_process_memory();
        EXPECT_GE(during.peak_rss_bytes, before.rss_bytes + (60u << 20));
    }
#ifndef __SANITIZE_ADDRESS__
    // (Not under AddressSanitizer: its quarantine keeps freed blocks, this one too, resident.)
    if (reset_peak_rss()) {
        const ProcessMemory after = read_process_memory();
        // After the block is freed and the peak reset, the peak is near the current RSS again.
        EXPECT_LT(after.peak_rss_bytes, before.rss_bytes + (32u << 20));
    }
#endif
}
