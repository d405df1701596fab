#include <rightsize/version.h>

#include "git_hash.h"  // generated at build time

namespace rightsize {

const char * git_hash() { return RIGHTSIZE_GIT_HASH; }

const char * version() { return RIGHTSIZE_VERSION " (git " RIGHTSIZE_GIT_HASH ")"; }

}  // namespace rightsize
