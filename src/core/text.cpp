#include "text.h"

#include <algorithm>
#include <cctype>
#include <sstream>

namespace rightsize::text {

std::string strip(const std::string & s) {
    const auto b = s.find_first_not_of(" \t\n\r\f\v");
    if (b == std::string::npos) return "";
    return s.substr(b, s.find_last_not_of(" \t\n\r\f\v") - b + 1);
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return s;
}

std::string upper(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::toupper(c)); });
    return s;
}

std::vector<std::string> split_ws(const std::string & s) {
    std::istringstream in(s);
    std::vector<std::string> out;
    for (std::string w; in >> w;) out.push_back(w);
    return out;
}

std::string replace_all(const std::string & s, const std::string & from, const std::string & to) {
    std::string out;
    size_t i = 0;
    for (size_t at; (at = s.find(from, i)) != std::string::npos; i = at + from.size()) out += s.substr(i, at - i) + to;
    return out + s.substr(i);
}

std::regex python_regex(const std::string & pattern) {
    std::string p = pattern;
    bool dotall = false, icase = false;
    while (p.size() >= 4 && p.compare(0, 2, "(?") == 0) {
        const auto close = p.find(')');
        const std::string flags = p.substr(2, close - 2);
        if (close == std::string::npos || flags.find_first_not_of("si") != std::string::npos) break;
        dotall |= flags.find('s') != std::string::npos;
        icase |= flags.find('i') != std::string::npos;
        p.erase(0, close + 1);
    }
    if (dotall) {
        // ECMAScript has no dot-all flag: an unescaped '.' outside a class becomes [\s\S].
        std::string out;
        bool escaped = false, in_class = false;
        for (char c : p) {
            if (escaped) {
                out += c;
                escaped = false;
            } else if (c == '\\') {
                out += c;
                escaped = true;
            } else if (in_class) {
                out += c;
                in_class = c != ']';
            } else if (c == '[') {
                out += c;
                in_class = true;
            } else if (c == '.') {
                out += "[\\s\\S]";
            } else {
                out += c;
            }
        }
        p = out;
    }
    auto flags = std::regex::ECMAScript;
    if (icase) flags |= std::regex::icase;
    return std::regex(p, flags);
}

std::string html_escape(std::string_view s) {
    std::string out;
    out.reserve(s.size() + s.size() / 8);
    for (char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default: out += c;
        }
    }
    return out;
}

}  // namespace rightsize::text
