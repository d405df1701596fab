// Whole-file-or-nothing writes: content goes to a temporary file beside the destination and is
// renamed into place only when complete, so a crash never leaves a half-written result.
#pragma once

#include <functional>
#include <ostream>
#include <string>
#include <string_view>

namespace rightsize {

// Creates missing parent folders. Throws rightsize::Error naming the path on failure.
void write_file_atomic(const std::string & path, const std::function<void(std::ostream &)> & fill);
void write_file_atomic(const std::string & path, std::string_view content);

}  // namespace rightsize
