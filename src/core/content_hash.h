// Content hashes of the files a result depends on (models, adapters, data), and the user's cache
// folder where they are remembered.
#pragma once

#include <cstdint>
#include <string>

namespace rightsize {

// $RIGHTSIZE_CACHE, else $XDG_CACHE_HOME/rightsize, else ~/.cache/rightsize.
std::string default_cache_dir();

struct FileHash {
    std::string sha256;   // hex; for a model file it equals the Hugging Face hub's LFS oid
    uint64_t bytes = 0;
    bool cached = false;  // read from the cache rather than computed now
};

// The SHA-256 of a file's contents. Remembered in <cache>/file-sha256.tsv under the file's absolute
// path, size and modification time, so a 40 GB model is read once, not on every run; a file that
// changes in size or time is hashed again. An unwritable cache only costs the re-reading. Throws
// rightsize::Error naming the file when it cannot be read.
FileHash file_sha256_cached(const std::string & path);

}  // namespace rightsize
