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

}  // namespace rightsize
