#pragma once

namespace rightsize {

// rightsize's own version, e.g. "0.1.0 (git 1a2b3c4)".
const char * version();

}  // namespace rightsize
