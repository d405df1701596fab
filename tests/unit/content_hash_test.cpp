// Content hashes of models, adapters and data (core/content_hash.h): computed once, remembered by
// path, size and modification time, recomputed when the file changes.
#include "test_support.h"

#include "core/content_hash.h"
#include "core/sha256.h"

#include <cstdlib>
#include <fstream>
#include <thread>

using namespace rightsize;
using namespace rightsize::testing;

TEST(ContentHash, IsRememberedUntilTheFileChanges) {
    const auto dir = fresh_subdir("content-hash");
    ::setenv("RIGHTSIZE_CACHE", (dir / "cache").c_str(), 1);
    const auto file = dir / "model.gguf";
    std::ofstream(file, std::ios::binary) << "first contents";
    const FileHash a = file_sha256_cached(file.string());
    EXPECT_FALSE(a.cached);
    EXPECT_EQ(a.sha256, sha256_hex("first contents"));
    EXPECT_EQ(a.bytes, 14u);
    EXPECT_TRUE(std::filesystem::exists(dir / "cache" / "file-sha256.tsv"));
    const FileHash again = file_sha256_cached(file.string());
    EXPECT_TRUE(again.cached) << "the second look reads the cache, not the file";
    EXPECT_EQ(again.sha256, a.sha256);

    std::ofstream(file, std::ios::binary) << "second contents, longer";
    const FileHash changed = file_sha256_cached(file.string());
    EXPECT_FALSE(changed.cached);
    EXPECT_EQ(changed.sha256, sha256_hex("second contents, longer"));

    // A cache that cannot be written only costs the re-reading.
    ::setenv("RIGHTSIZE_CACHE", "/proc/no-such-place", 1);
    EXPECT_EQ(file_sha256_cached(file.string()).sha256, changed.sha256);
    ::unsetenv("RIGHTSIZE_CACHE");
    const std::string msg = error_message([&] { file_sha256_cached((dir / "missing.gguf").string()); });
    EXPECT_NE(msg.find("missing.gguf: cannot be read"), std::string::npos) << msg;
}
