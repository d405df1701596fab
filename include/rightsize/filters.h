// Response filters with lm-evaluation-harness's names and behaviour: a pipeline turns each
// document's raw responses (one per repeat) into the answers that metrics score.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace rightsize {

class Filter {
public:
    virtual ~Filter() = default;
    virtual std::vector<std::string> apply(std::vector<std::string> responses) const = 0;
};

// regex: lm-eval's RegexFilter. All matches are found; group_select picks one (negative counts
// from the end); with capture groups the first non-empty group is taken; the result is
// stripped. No match (or group_select out of range) gives `fallback`.
struct RegexFilterOptions {
    std::string pattern = R"(#### (\-?[0-9\.\,]+))";
    int group_select = 0;
    std::string fallback = "[invalid]";
};
std::unique_ptr<Filter> make_regex_filter(const RegexFilterOptions & o);

// Filters by lm-eval name: take_first, lowercase, uppercase, remove_whitespace (leading
// whitespace), strip. Throws rightsize::Error for an unknown name, listing the known ones.
std::unique_ptr<Filter> make_filter(const std::string & name);

class FilterPipeline {
public:
    std::string name = "none";
    std::vector<std::unique_ptr<Filter>> steps;
    std::vector<std::string> apply(std::vector<std::string> responses) const;
};

}  // namespace rightsize
