#include "core/atomic_file.h"
#include <rightsize/error.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace fs = std::filesystem;

namespace rightsize {

void write_file_atomic(const std::string & path, const std::function<void(std::ostream &)> & fill) {
    const fs::path dest(path);
    std::error_code ec;
    if (dest.has_parent_path()) fs::create_directories(dest.parent_path(), ec);
    // The process id keeps two writers of the same file from sharing a temporary.
    const fs::path tmp = path + ".part." + std::to_string(getpid());
    try {
        {
            std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
            if (!out) throw Error("cannot write " + tmp.string() + " (is the folder writable?)");
            fill(out);
            out.flush();
            if (!out) throw Error("writing " + tmp.string() + " failed (disk full?)");
        }
        fs::rename(tmp, dest);
    } catch (...) {
        fs::remove(tmp, ec);
        throw;
    }
}

void write_file_atomic(const std::string & path, std::string_view content) {
    write_file_atomic(path, [&](std::ostream & out) { out.write(content.data(), std::streamsize(content.size())); });
}

}  // namespace rightsize
