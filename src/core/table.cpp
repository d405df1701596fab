#include "table.h"

#include <algorithm>
#include <cstdio>

namespace rightsize {

namespace {
// Display width: count UTF-8 code points, not bytes ("±" is one column).
size_t width(const std::string & s) {
    size_t n = 0;
    for (unsigned char c : s) n += (c & 0xC0) != 0x80;
    return n;
}
std::string pad(const std::string & s, size_t w, bool right) {
    const std::string fill(w - std::min(w, width(s)), ' ');
    return right ? fill + s : s + fill;
}
}  // namespace

std::string Table::to_text() const {
    std::vector<size_t> w(header.size(), 0);
    for (size_t c = 0; c < header.size(); ++c) w[c] = width(header[c]);
    for (const auto & r : rows)
        for (size_t c = 0; c < r.size() && c < w.size(); ++c) w[c] = std::max(w[c], width(r[c]));
    auto line = [&](const std::vector<std::string> & cells) {
        std::string out;
        for (size_t c = 0; c < w.size(); ++c) {
            const bool right = c < right_align.size() && right_align[c];
            out += pad(c < cells.size() ? cells[c] : "", w[c], right);
            if (c + 1 < w.size()) out += "  ";
        }
        while (!out.empty() && out.back() == ' ') out.pop_back();
        return out + "\n";
    };
    std::string out = line(header);
    std::string rule;
    for (size_t c = 0; c < w.size(); ++c) rule += std::string(w[c], '-') + (c + 1 < w.size() ? "  " : "");
    out += rule + "\n";
    for (const auto & r : rows) out += line(r);
    return out;
}

std::string Table::to_markdown() const {
    auto line = [](const std::vector<std::string> & cells) {
        std::string out = "|";
        for (const auto & c : cells) out += " " + c + " |";
        return out + "\n";
    };
    std::string out = line(header) + "|";
    for (size_t c = 0; c < header.size(); ++c) out += (c < right_align.size() && right_align[c]) ? " ---: |" : " --- |";
    out += "\n";
    for (const auto & r : rows) out += line(r);
    return out;
}

std::string Table::to_csv() const {
    auto cell = [](const std::string & s) {
        if (s.find_first_of(",\"\n") == std::string::npos) return s;
        std::string q = "\"";
        for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
        return q + "\"";
    };
    auto line = [&](const std::vector<std::string> & cells) {
        std::string out;
        for (size_t c = 0; c < cells.size(); ++c) out += (c ? "," : "") + cell(cells[c]);
        return out + "\n";
    };
    std::string out = line(header);
    for (const auto & r : rows) out += line(r);
    return out;
}

std::string format_fixed(double v, int decimals) {
    char buf[64];
    snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

std::string format_pm(double v, double sd, int decimals) {
    return format_fixed(v, decimals) + " ± " + format_fixed(sd, decimals);
}

}  // namespace rightsize
