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

}  // namespace rightsize
