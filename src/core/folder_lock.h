// An advisory lock on an output folder (or a store), held for a run's lifetime, so two runs never
// write one folder at once. flock(2): released by the kernel when the process ends, even by SIGKILL,
// so a crashed run never leaves a stale lock behind.
#pragma once

#include <functional>
#include <string>

namespace rightsize {

class FolderLock {
public:
    enum class Wait { No, Yes };
    // Locks `lock_file` (created if missing) and writes this process's id, host, start time and
    // `what` into it. With Wait::No, throws rightsize::Error at once when another process holds it,
    // naming that process from what it wrote; with Wait::Yes, calls `waiting` once and blocks.
    FolderLock(const std::string & lock_file, const std::string & what, Wait wait = Wait::No,
               const std::function<void(const std::string & holder)> & waiting = {});
    ~FolderLock();
    FolderLock(const FolderLock &) = delete;
    FolderLock & operator=(const FolderLock &) = delete;

private:
    int fd_ = -1;
    std::string path_;
};

}  // namespace rightsize
