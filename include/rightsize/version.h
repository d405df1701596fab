#pragma once

namespace rightsize {

// rightsize's own version, e.g. "0.1.0 (git 1a2b3c4)".
const char * version();
// The git commit rightsize was built from ("1a2b3c4", "-dirty" when uncommitted changes were built).
const char * git_hash();

}  // namespace rightsize
