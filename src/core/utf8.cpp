// UTF-8 (utf8.h).
#include "utf8.h"

#include <algorithm>

namespace rightsize {

char32_t next_code_point(std::string_view s, size_t & pos) {
    const auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
    const unsigned char b0 = byte(pos);
    if (b0 < 0x80) {
        ++pos;
        return b0;
    }
    size_t len;
    char32_t cp, min;
    if ((b0 & 0xE0) == 0xC0) len = 2, cp = b0 & 0x1F, min = 0x80;
    else if ((b0 & 0xF0) == 0xE0) len = 3, cp = b0 & 0x0F, min = 0x800;
    else if ((b0 & 0xF8) == 0xF0) len = 4, cp = b0 & 0x07, min = 0x10000;
    else {  // a continuation byte with no lead, or 0xF8–0xFF
        ++pos;
        return 0xFFFD;
    }
    if (pos + len > s.size()) {
        ++pos;
        return 0xFFFD;
    }
    for (size_t i = 1; i < len; ++i) {
        const unsigned char b = byte(pos + i);
        if ((b & 0xC0) != 0x80) {
            ++pos;
            return 0xFFFD;
        }
        cp = cp << 6 | (b & 0x3F);
    }
    // Overlong forms and surrogates are not UTF-8 (RFC 3629 §3); accepting them would let one
    // character hide behind several spellings.
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        ++pos;
        return 0xFFFD;
    }
    pos += len;
    return cp;
}

void append_utf8(std::string & out, char32_t cp) {
    if (cp < 0x80) {
        out += char(cp);
    } else if (cp < 0x800) {
        out += char(0xC0 | cp >> 6);
        out += char(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += char(0xE0 | cp >> 12);
        out += char(0x80 | (cp >> 6 & 0x3F));
        out += char(0x80 | (cp & 0x3F));
    } else {
        out += char(0xF0 | cp >> 18);
        out += char(0x80 | (cp >> 12 & 0x3F));
        out += char(0x80 | (cp >> 6 & 0x3F));
        out += char(0x80 | (cp & 0x3F));
    }
}

std::string utf8_encode(char32_t cp) {
    std::string out;
    append_utf8(out, cp);
    return out;
}

std::vector<uint32_t> utf8_decode(std::string_view s) {
    std::vector<uint32_t> out;
    for (size_t pos = 0; pos < s.size();) out.push_back(uint32_t(next_code_point(s, pos)));
    return out;
}

std::vector<std::string> utf8_chars(std::string_view s) {
    std::vector<std::string> out;
    for (size_t i = 0; i < s.size();) {
        size_t n = 1;
        while (i + n < s.size() && (static_cast<unsigned char>(s[i + n]) & 0xC0) == 0x80) ++n;
        out.emplace_back(s.substr(i, n));
        i += n;
    }
    return out;
}

size_t utf8_len(std::string_view s) {
    const auto starts_char = [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; };
    return size_t(std::count_if(s.begin(), s.end(), starts_char));
}

namespace {

// Whether the code point decoded from s[pos..next) is a replacement for a malformed byte (a real
// U+FFFD in the text is three bytes long).
bool malformed(char32_t cp, size_t pos, size_t next) { return cp == 0xFFFD && next - pos == 1; }

}  // namespace

size_t utf8_invalid_at(std::string_view s) {
    for (size_t pos = 0; pos < s.size();) {
        if (static_cast<unsigned char>(s[pos]) < 0x80) {  // ASCII, the common case
            ++pos;
            continue;
        }
        const size_t at = pos;
        const char32_t cp = next_code_point(s, pos);
        if (malformed(cp, at, pos)) return at;
    }
    return std::string_view::npos;
}

std::string utf8_replace_invalid(std::string_view s, size_t & replaced) {
    std::string out;
    out.reserve(s.size());
    replaced = 0;
    for (size_t pos = 0; pos < s.size();) {
        const size_t at = pos;
        const char32_t cp = next_code_point(s, pos);
        if (malformed(cp, at, pos)) ++replaced;
        if (cp < 0x80) out += char(cp);
        else if (malformed(cp, at, pos)) append_utf8(out, 0xFFFD);
        else out.append(s.substr(at, pos - at));
    }
    return out;
}

}  // namespace rightsize
