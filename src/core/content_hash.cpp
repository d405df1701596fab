// Content hashes, cached by path, size and modification time (content_hash.h).
#include "content_hash.h"

#include "core/sha256.h"
#include "core/text.h"
#include <rightsize/error.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;

namespace rightsize {

namespace {

// One cache line: sha256 \t bytes \t mtime (ns since the epoch) \t absolute path.
std::string cache_line(const std::string & sha, uint64_t bytes, long long mtime, const std::string & path) {
    return sha + '\t' + std::to_string(bytes) + '\t' + std::to_string(mtime) + '\t' + path + '\n';
}

std::string cached_hash(const fs::path & cache, const std::string & path, uint64_t bytes, long long mtime) {
    std::ifstream in(cache);
    std::string line, found;
    const std::string tail = '\t' + std::to_string(bytes) + '\t' + std::to_string(mtime) + '\t' + path;
    while (std::getline(in, line)) {
        // The newest line for the file wins; a line cut short by a crash fails the length check.
        if (line.size() == 64 + tail.size() && line.compare(64, std::string::npos, tail) == 0) found = line.substr(0, 64);
    }
    return found;
}

void remember(const fs::path & cache, const std::string & line) {
    std::error_code ec;
    fs::create_directories(cache.parent_path(), ec);
    // One write(2) with O_APPEND: concurrent runs append whole lines, never interleaved ones.
    const int fd = ::open(cache.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return;
    [[maybe_unused]] const auto n = ::write(fd, line.data(), line.size());
    ::close(fd);
}

}  // namespace

std::string default_cache_dir() {
    if (const std::string c = text::env_value("RIGHTSIZE_CACHE"); !c.empty()) return c;
    if (const std::string x = text::env_value("XDG_CACHE_HOME"); !x.empty()) return x + "/rightsize";
    return text::env_value("HOME") + "/.cache/rightsize";
}

FileHash file_sha256_cached(const std::string & path) {
    std::error_code ec;
    const std::string abs = fs::absolute(path, ec).lexically_normal().string();
    FileHash h;
    h.bytes = fs::file_size(abs, ec);
    if (ec) throw Error(path + ": cannot be read to compute its checksum (" + ec.message() + ")");
    const long long mtime = (long long)fs::last_write_time(abs, ec).time_since_epoch().count();
    const fs::path cache = fs::path(default_cache_dir()) / "file-sha256.tsv";
    if (abs.find('\n') == std::string::npos) h.sha256 = cached_hash(cache, abs, h.bytes, mtime);
    h.cached = !h.sha256.empty();
    if (h.cached) return h;
    h.sha256 = sha256_file(abs);
    if (abs.find('\n') == std::string::npos) remember(cache, cache_line(h.sha256, h.bytes, mtime, abs));
    return h;
}

}  // namespace rightsize
