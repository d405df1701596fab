// Small string helpers shared by the task code (ASCII semantics, as lm-eval's Python uses for
// these operations on English text).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace rightsize::text {

std::string strip(const std::string & s);                        // Python's str.strip()
std::string lower(std::string s);                                // ASCII lower-case
std::string upper(std::string s);                                // ASCII upper-case
std::vector<std::string> split_ws(const std::string & s);        // Python's str.split()
// Python's str.replace: one left-to-right pass over non-overlapping occurrences.
std::string replace_all(const std::string & s, const std::string & from, const std::string & to);

// HTML/XML text and attribute escaping (& < > " ').
std::string html_escape(std::string_view s);
// An environment variable's value; empty when unset.
std::string env_value(const char * name);

}  // namespace rightsize::text
