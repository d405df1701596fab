// Python `re` patterns (as lm-eval task files and their metrics write them) matched with PCRE2.
//
// Patterns are compiled in UTF mode with Unicode properties (UCP), so \d, \w, \s and \b follow
// Unicode as they do for Python 3 str patterns (\d matches '٣'); case-insensitive matching folds
// Unicode case. The few Python spellings PCRE2 reads differently are translated first:
//   \Z  (end of string)                  -> \z     (PCRE2's \Z also matches before a final newline)
//   \v  (the vertical-tab character)     -> \x0b   (PCRE2's \v is any vertical whitespace)
//   \uXXXX, \UXXXXXXXX                   -> \x{...}
//   x{,n}, x{,}  (0 to n, 0 or more)     -> x{0,n}, x{0,}
//   '[' inside a class (a literal)       -> \[      (PCRE2 would read [:alpha:] as a POSIX class)
//   leading global flags (?aiLmsux)      -> a: ASCII \d\w\s\b; u: dropped (the default); L: error
// (?P<name>...), (?P=name), lookbehind, (?i) (?s) (?m) (?x), scoped (?i:...) are PCRE2 syntax too.
// Subjects that are not valid UTF-8 are searched as they are: an invalid byte never matches.
//
// Iteration (find_all, finditer, substitute) follows Python 3.7+: an empty match may directly follow
// a non-empty one, and after an empty match the next one may not be empty at the same position.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace rightsize {

namespace python_regex_detail {
struct Compiled;
}

// One match: Python's re.Match with byte offsets into the subject.
class RegexMatch {
public:
    static constexpr size_t npos = std::string::npos;
    size_t size() const { return groups_.size(); }  // 1 + the number of groups
    // m.group(g); "" for a group that did not take part (Python: None).
    std::string str(size_t g = 0) const;
    std::string str(std::string_view name) const;  // m.group('name'); throws Error for an unknown name
    bool matched(size_t g) const;                  // m.group(g) is not None
    size_t start(size_t g = 0) const;              // npos when the group did not take part
    size_t end(size_t g = 0) const;

private:
    friend class PythonRegex;
    std::shared_ptr<const python_regex_detail::Compiled> re_;
    std::vector<std::optional<std::string>> groups_;
    std::vector<std::pair<size_t, size_t>> spans_;
};

class PythonRegex {
public:
    // re.findall's items: the whole match without groups, the group's text with one, a tuple
    // (every group's text, "" for those that did not take part) with several.
    using Found = std::variant<std::string, std::vector<std::string>>;

    // Throws rightsize::Error naming the pattern, the offset in it and PCRE2's message.
    explicit PythonRegex(std::string_view pattern);

    const std::string & pattern() const;
    size_t group_count() const;
    // The number of a named group; throws rightsize::Error for an unknown name.
    size_t group_index(std::string_view name) const;

    // re.search from byte offset pos (lookbehind and \b still see what lies before pos).
    std::optional<RegexMatch> search(std::string_view subject, size_t pos = 0) const;
    // re.fullmatch: the pattern must match the whole subject.
    std::optional<RegexMatch> fullmatch(std::string_view subject) const;
    // re.finditer, collected.
    std::vector<RegexMatch> finditer(std::string_view subject) const;
    // re.findall.
    std::vector<Found> find_all(std::string_view subject) const;
    // re.sub(pattern, repl, subject, count): repl as Python's template, with \1 .. \99, \g<n>,
    // \g<name> and the escapes \n \t \r \f \v \a \b \\ (an unmatched group inserts ""). count 0 =
    // every match. Throws rightsize::Error for a bad template (unknown group, bad escape).
    std::string substitute(std::string_view repl, std::string_view subject, size_t count = 0) const;

private:
    std::shared_ptr<const python_regex_detail::Compiled> re_;
};

}  // namespace rightsize
