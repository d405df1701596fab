// Errors carry their context (file, line, field) so the CLI can print one clear message.
#pragma once

#include <stdexcept>
#include <string>

namespace rightsize {

// The one exception type the library throws for bad input or failed operations. `what()` is a
// complete sentence naming the file/field at fault and, where there is one, how to fix it.
class Error : public std::runtime_error {
public:
    explicit Error(const std::string & message) : std::runtime_error(message) {}
};

// An option that cannot be honoured as given (a missing model, a task --limit names that the run
// does not have): the caller's usage is wrong rather than a file. The CLI exits with 2 for these.
class OptionError : public Error {
public:
    using Error::Error;
};

// A run stopped on request (RunOptions::stop, set by a signal) after saving its last chunk. `signal`
// is the one that asked; the run resumes from the store when started again with the same options.
class RunInterrupted : public Error {
public:
    RunInterrupted(const std::string & message, int signal) : Error(message), signal(signal) {}
    int signal;
};

}  // namespace rightsize
