#include <rightsize/filters.h>

#include <rightsize/error.h>

#include "core/python_regex.h"
#include "core/text.h"

#include <algorithm>
#include <cctype>
#include <functional>
#include <variant>

namespace rightsize {

using text::strip;

namespace {

class RegexFilter final : public Filter {
public:
    explicit RegexFilter(const RegexFilterOptions & o) : o_(o), re_(compile(o.pattern)) {}
    std::vector<std::string> apply(std::vector<std::string> responses) const override {
        for (auto & r : responses) r = extract(r);
        return responses;
    }

private:
    static PythonRegex compile(const std::string & pattern) {
        try {
            return PythonRegex(pattern);
        } catch (const Error & e) {
            throw Error(std::string("filter regex: ") + e.what());
        }
    }
    std::string extract(const std::string & text) const {
        // Python's re.findall: whole matches without groups, a group's text with one, tuples with
        // several; of a tuple lm-eval takes the first non-empty group.
        const std::vector<PythonRegex::Found> found = re_.find_all(text);
        if (found.empty()) return o_.fallback;
        const long n = long(found.size());
        const long idx = o_.group_select < 0 ? n + o_.group_select : o_.group_select;
        if (idx < 0 || idx >= n) return o_.fallback;
        const PythonRegex::Found & f = found[size_t(idx)];
        if (const auto * s = std::get_if<std::string>(&f)) return strip(*s);
        for (const auto & g : std::get<std::vector<std::string>>(f))
            if (!g.empty()) return strip(g);
        return "";
    }
    RegexFilterOptions o_;
    PythonRegex re_;
};

class MapFilter final : public Filter {
public:
    explicit MapFilter(std::function<std::string(const std::string &)> f) : f_(std::move(f)) {}
    std::vector<std::string> apply(std::vector<std::string> responses) const override {
        for (auto & r : responses) r = f_(r);
        return responses;
    }

private:
    std::function<std::string(const std::string &)> f_;
};

class TakeFirstFilter final : public Filter {
public:
    std::vector<std::string> apply(std::vector<std::string> responses) const override {
        if (responses.size() > 1) responses.resize(1);
        return responses;
    }
};

}  // namespace

std::unique_ptr<Filter> make_regex_filter(const RegexFilterOptions & o) { return std::make_unique<RegexFilter>(o); }

std::unique_ptr<Filter> make_filter(const std::string & name) {
    if (name == "take_first") return std::make_unique<TakeFirstFilter>();
    if (name == "lowercase") return std::make_unique<MapFilter>(text::lower);
    if (name == "uppercase") return std::make_unique<MapFilter>(text::upper);
    if (name == "remove_whitespace") {
        return std::make_unique<MapFilter>([](const std::string & s) {
            const auto b = s.find_first_not_of(" \t\n\r\f\v");
            return b == std::string::npos ? std::string() : s.substr(b);
        });
    }
    if (name == "strip") return std::make_unique<MapFilter>(strip);
    throw Error("unknown filter '" + name + "'; known: regex, take_first, lowercase, uppercase, remove_whitespace, strip");
}

std::vector<std::string> FilterPipeline::apply(std::vector<std::string> responses) const {
    for (const auto & f : steps) responses = f->apply(std::move(responses));
    return responses;
}

}  // namespace rightsize
