// Plain-text and Markdown tables for terminal output.
#pragma once

#include <string>
#include <vector>

namespace rightsize {

struct Table {
    std::vector<std::string> header;
    std::vector<std::vector<std::string>> rows;
    std::vector<bool> right_align;  // per column; numbers read better right-aligned

    std::string to_text() const;      // aligned columns with a rule under the header
    std::string to_markdown() const;  // GitHub-flavoured
    std::string to_csv() const;       // RFC 4180 quoting
};

std::string format_fixed(double v, int decimals);
std::string format_pm(double v, double sd, int decimals);  // "v ± sd"

}  // namespace rightsize
