// Advisory folder locks (folder_lock.h).
#include "folder_lock.h"

#include "time_format.h"
#include <rightsize/error.h>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace rightsize {

namespace {

std::string read_all(int fd) {
    std::string s;
    char buf[512];
    ::lseek(fd, 0, SEEK_SET);
    for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) s.append(buf, size_t(n));
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

std::string holder_text(int fd) {
    const std::string s = read_all(fd);
    return s.empty() ? std::string("another process (it has not written its id yet)") : s;
}

}  // namespace

FolderLock::FolderLock(const std::string & lock_file, const std::string & what, Wait wait,
                       const std::function<void(const std::string & holder)> & waiting)
    : path_(lock_file) {
    fd_ = ::open(lock_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw Error(lock_file + ": cannot create the run lock (" + std::strerror(errno) + "); is the folder writable?");
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
        const int err = errno;
        const std::string holder = holder_text(fd_);
        if (err != EWOULDBLOCK || wait == Wait::No) {
            ::close(fd_);
            fd_ = -1;
            if (err != EWOULDBLOCK) throw Error(lock_file + ": cannot lock (" + std::strerror(err) + ")");
            throw Error(lock_file + ": another run is using this folder: " + holder +
                        ". Wait for it to finish (or pass --wait to queue behind it), or give this run its own -o folder");
        }
        if (waiting) waiting(holder);
        while (::flock(fd_, LOCK_EX) != 0) {
            if (errno != EINTR) throw Error(lock_file + ": cannot lock (" + std::strerror(errno) + ")");
        }
    }
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    const std::string me = "pid " + std::to_string(::getpid()) + " on " + host + ", since " + iso8601_utc() + ": " + what + "\n";
    if (::ftruncate(fd_, 0) == 0) {
        ::lseek(fd_, 0, SEEK_SET);
        [[maybe_unused]] const auto n = ::write(fd_, me.data(), me.size());
    }
}

FolderLock::~FolderLock() {
    if (fd_ < 0) return;
    // Left in place (removing it would race a process about to lock it); emptied so a reader sees no holder.
    [[maybe_unused]] const int rc = ::ftruncate(fd_, 0);
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
}

}  // namespace rightsize
