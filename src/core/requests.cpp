// The request contract's own helpers (include/rightsize/requests.h), apart from any backend.
#include <rightsize/requests.h>

namespace rightsize {

const char * to_string(FinishReason r) {
    switch (r) {
        case FinishReason::Stop: return "stop";
        case FinishReason::Length: return "length";
        case FinishReason::EndOfGeneration: return "eog";
    }
    return "?";
}

}  // namespace rightsize
