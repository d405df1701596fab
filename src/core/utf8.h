// UTF-8, once: decoding with replacement of malformed bytes, encoding, counting and splitting
// characters (Python's str semantics for text that is valid UTF-8).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rightsize {

// Decodes the code point starting at s[pos] and advances pos past it. A malformed sequence
// (stray continuation byte, truncated sequence, overlong form, surrogate, beyond U+10FFFF) yields
// U+FFFD and advances one byte, so decoding always makes progress.
char32_t next_code_point(std::string_view s, size_t & pos);
// Every code point of s (malformed bytes as U+FFFD).
std::vector<uint32_t> utf8_decode(std::string_view s);

void append_utf8(std::string & out, char32_t cp);
std::string utf8_encode(char32_t cp);

// Characters: a lead byte and the continuation bytes after it (malformed input is split the same
// way, never dropped), so that indexing, slicing and len() count what Python counts.
std::vector<std::string> utf8_chars(std::string_view s);
size_t utf8_len(std::string_view s);

// The byte offset of the first malformed UTF-8 sequence in s, or npos when s is valid UTF-8.
size_t utf8_invalid_at(std::string_view s);
// s with each malformed byte replaced by U+FFFD; `replaced` counts them.
std::string utf8_replace_invalid(std::string_view s, size_t & replaced);

}  // namespace rightsize
