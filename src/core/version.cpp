#include <rightsize/version.h>

namespace rightsize {

const char * version() { return RIGHTSIZE_VERSION " (git " RIGHTSIZE_GIT_HASH ")"; }

}  // namespace rightsize
