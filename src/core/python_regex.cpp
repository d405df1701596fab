#include "python_regex.h"
#include "utf8.h"

#include <rightsize/error.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <cctype>

namespace rightsize {

namespace python_regex_detail {

struct Compiled {
    std::string pattern;
    pcre2_code * code = nullptr;
    size_t groups = 0;
    std::map<std::string, size_t, std::less<>> names;
    Compiled() = default;
    Compiled(const Compiled &) = delete;
    Compiled & operator=(const Compiled &) = delete;
    ~Compiled() { pcre2_code_free(code); }
};

}  // namespace python_regex_detail

using python_regex_detail::Compiled;

namespace {

std::string pcre2_message(int code) {
    PCRE2_UCHAR buf[256];
    const int n = pcre2_get_error_message(code, buf, sizeof buf);
    return n < 0 ? "PCRE2 error " + std::to_string(code) : std::string(reinterpret_cast<const char *>(buf), size_t(n));
}

[[noreturn]] void fail(const std::string & pattern, const std::string & what) {
    throw Error("regular expression '" + pattern + "': " + what);
}

bool is_hex(std::string_view s) {
    for (char c : s)
        if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
    return true;
}

// The pattern PCRE2 compiles, and for each of its bytes the offset in the Python pattern it came
// from (one entry more: the end), so that errors point into what the user wrote.
struct Translation {
    std::string out;
    std::vector<size_t> origin;
    bool ascii = false;  // (?a): \d \w \s \b ASCII-only
    void emit(std::string_view s, size_t from) {
        out += s;
        origin.insert(origin.end(), s.size(), from);
    }
};

Translation translate(const std::string & p) {
    Translation t;
    const size_t n = p.size();
    size_t i = 0;
    // Python's global flags stand at the start of the pattern (Python 3.11 rejects them elsewhere).
    std::string kept;
    while (i + 2 < n && p.compare(i, 2, "(?") == 0) {
        const size_t close = p.find(')', i + 2);
        if (close == std::string::npos || close == i + 2) break;
        const std::string letters = p.substr(i + 2, close - i - 2);
        if (letters.find_first_not_of("aiLmsux") != std::string::npos) break;
        for (char c : letters) {
            if (c == 'L') fail(p, "the L (locale) flag is not valid for text patterns at offset " + std::to_string(i + 2));
            if (c == 'a') t.ascii = true;
            else if (c != 'u' && kept.find(c) == std::string::npos) kept += c;
        }
        i = close + 1;
    }
    if (!kept.empty()) t.emit("(?" + kept + ")", 0);

    bool in_class = false;
    size_t class_first = 0;  // where a ']' is still a literal (right after '[' or '[^')
    for (; i < n; ++i) {
        const char c = p[i];
        if (c == '\\') {
            if (i + 1 >= n) {
                t.emit("\\", i);  // PCRE2 reports the trailing backslash
                continue;
            }
            const char d = p[i + 1];
            if (d == 'Z' && !in_class) {
                t.emit("\\z", i);
            } else if (d == 'v') {
                t.emit("\\x0b", i);
            } else if (d == 'u' && i + 6 <= n && is_hex(std::string_view(p).substr(i + 2, 4))) {
                t.emit("\\x{" + p.substr(i + 2, 4) + "}", i);
                i += 4;
            } else if (d == 'U' && i + 10 <= n && is_hex(std::string_view(p).substr(i + 2, 8))) {
                t.emit("\\x{" + p.substr(i + 2, 8) + "}", i);
                i += 8;
            } else {
                t.emit(p.substr(i, 2), i);
            }
            ++i;
        } else if (in_class) {
            if (c == ']' && i != class_first) in_class = false;
            t.emit(c == '[' ? "\\[" : std::string(1, c), i);
        } else if (c == '[') {
            in_class = true;
            t.emit("[", i);
            if (i + 1 < n && p[i + 1] == '^') t.emit("^", ++i);
            class_first = i + 1;
        } else if (c == '{' && !t.out.empty() && i + 1 < n && p[i + 1] == ',') {
            size_t j = i + 2;
            while (j < n && std::isdigit(static_cast<unsigned char>(p[j]))) ++j;
            if (j < n && p[j] == '}') {
                t.emit("{0," + p.substr(i + 2, j - i - 2) + "}", i);
                i = j;
            } else {
                t.emit("{", i);
            }
        } else {
            t.emit(std::string(1, c), i);
        }
    }
    t.origin.push_back(n);
    return t;
}

struct MatchDataFree {
    void operator()(pcre2_match_data * m) const { pcre2_match_data_free(m); }
};
using MatchData = std::unique_ptr<pcre2_match_data, MatchDataFree>;

MatchData match_data(const Compiled & re) {
    MatchData md(pcre2_match_data_create_from_pattern(re.code, nullptr));
    if (!md) throw Error("out of memory for a regular-expression match");
    return md;
}

// One pcre2_match into groups and spans; false when there is no match.
bool run(const Compiled & re, pcre2_match_data * md, std::string_view s, size_t pos,
                              uint32_t options, std::vector<std::optional<std::string>> & groups,
                              std::vector<std::pair<size_t, size_t>> & spans) {
    if (pos > s.size()) return false;
    const int rc = pcre2_match(re.code, reinterpret_cast<PCRE2_SPTR>(s.data()), s.size(), pos, options, md, nullptr);
    if (rc == PCRE2_ERROR_NOMATCH) return false;
    if (rc < 0) fail(re.pattern, pcre2_message(rc) + " (while matching)");
    const PCRE2_SIZE * ov = pcre2_get_ovector_pointer(md);
    groups.assign(re.groups + 1, std::nullopt);
    spans.assign(re.groups + 1, {RegexMatch::npos, RegexMatch::npos});
    for (size_t g = 0; g <= re.groups && g < size_t(rc); ++g) {
        if (ov[2 * g] == PCRE2_UNSET) continue;
        spans[g] = {ov[2 * g], ov[2 * g + 1]};
        groups[g] = std::string(s.substr(ov[2 * g], ov[2 * g + 1] - ov[2 * g]));
    }
    return true;
}

// Python's replacement template (sre_parse.parse_template): literal pieces and group numbers.
struct Piece {
    std::string text;
    size_t group = 0;
    bool is_group = false;
};

std::vector<Piece> parse_template(const Compiled & re, std::string_view repl) {
    std::vector<Piece> pieces;
    auto literal = [&](std::string_view s) {
        if (pieces.empty() || pieces.back().is_group) pieces.push_back({});
        pieces.back().text += s;
    };
    auto bad = [&](const std::string & what) -> void { fail(re.pattern, "replacement '" + std::string(repl) + "': " + what); };
    auto group = [&](size_t g) {
        if (g > re.groups) bad("invalid group reference " + std::to_string(g));
        pieces.push_back({"", g, true});
    };
    auto octal = [](char c) { return c >= '0' && c <= '7'; };
    auto digit = [](char c) { return c >= '0' && c <= '9'; };
    const size_t n = repl.size();
    for (size_t i = 0; i < n; ++i) {
        if (repl[i] != '\\') {
            literal(repl.substr(i, 1));
            continue;
        }
        if (i + 1 >= n) bad("bad escape (end of pattern)");
        const char c = repl[++i];
        if (c == 'g') {
            if (i + 1 >= n || repl[i + 1] != '<') bad("missing < after \\g");
            const size_t close = repl.find('>', i + 2);
            if (close == std::string_view::npos) bad("missing > after \\g<");
            const std::string name(repl.substr(i + 2, close - i - 2));
            if (name.empty()) bad("missing group name");
            if (name.find_first_not_of("0123456789") == std::string::npos) {
                group(name.size() > 9 ? re.groups + 1 : size_t(std::stoul(name)));
            } else {
                const auto it = re.names.find(name);
                if (it == re.names.end()) bad("unknown group name '" + name + "'");
                group(it->second);
            }
            i = close;
        } else if (c == '0') {
            uint32_t v = 0;
            for (int k = 0; k < 2 && i + 1 < n && octal(repl[i + 1]); ++k) v = v * 8 + uint32_t(repl[++i] - '0');
            std::string s;
            append_utf8(s, v & 0xFF);
            literal(s);
        } else if (digit(c)) {
            if (i + 1 < n && digit(repl[i + 1])) {
                const char c2 = repl[++i];
                if (octal(c) && octal(c2) && i + 1 < n && octal(repl[i + 1])) {
                    const uint32_t v = uint32_t(c - '0') * 64 + uint32_t(c2 - '0') * 8 + uint32_t(repl[++i] - '0');
                    if (v > 0377) bad("octal escape value outside of range 0-0o377");
                    std::string s;
                    append_utf8(s, v);
                    literal(s);
                } else {
                    group(size_t(c - '0') * 10 + size_t(c2 - '0'));
                }
            } else {
                group(size_t(c - '0'));
            }
        } else {
            static const std::string_view from = "abfnrtv\\", to = "\a\b\f\n\r\t\v\\";
            const size_t e = from.find(c);
            if (e != std::string_view::npos) {
                literal(to.substr(e, 1));
            } else if (std::isalpha(static_cast<unsigned char>(c)) && static_cast<unsigned char>(c) < 0x80) {
                bad(std::string("bad escape \\") + c);
            } else {
                literal("\\");  // kept as written, as Python does
                --i;            // the character itself is read next, as a literal
            }
        }
    }
    return pieces;
}

}  // namespace

// --- RegexMatch --------------------------------------------------------------------------------

std::string RegexMatch::str(size_t g) const { return g < groups_.size() && groups_[g] ? *groups_[g] : std::string(); }

std::string RegexMatch::str(std::string_view name) const {
    const auto it = re_->names.find(name);
    if (it == re_->names.end()) fail(re_->pattern, "no group named '" + std::string(name) + "'");
    return str(it->second);
}

bool RegexMatch::matched(size_t g) const { return g < groups_.size() && groups_[g].has_value(); }
size_t RegexMatch::start(size_t g) const { return g < spans_.size() ? spans_[g].first : npos; }
size_t RegexMatch::end(size_t g) const { return g < spans_.size() ? spans_[g].second : npos; }

// --- PythonRegex -------------------------------------------------------------------------------

PythonRegex::PythonRegex(std::string_view pattern) {
    auto re = std::make_shared<Compiled>();
    re->pattern = std::string(pattern);
    const Translation t = translate(re->pattern);
    uint32_t options = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF;
    if (!t.ascii) options |= PCRE2_UCP;
    pcre2_compile_context * cc = pcre2_compile_context_create(nullptr);
    if (!cc) throw Error("out of memory compiling a regular expression");
    pcre2_set_newline(cc, PCRE2_NEWLINE_LF);  // Python: '.', '$' and (?m) know only '\n'
    int err = 0;
    PCRE2_SIZE offset = 0;
    re->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(t.out.data()), t.out.size(), options, &err, &offset, cc);
    pcre2_compile_context_free(cc);
    if (!re->code) {
        const size_t at = t.origin[std::min<size_t>(offset, t.origin.size() - 1)];
        fail(re->pattern, pcre2_message(err) + " at offset " + std::to_string(at));
    }
    uint32_t count = 0, names = 0, entry = 0;
    pcre2_pattern_info(re->code, PCRE2_INFO_CAPTURECOUNT, &count);
    re->groups = count;
    pcre2_pattern_info(re->code, PCRE2_INFO_NAMECOUNT, &names);
    if (names > 0) {
        PCRE2_SPTR table = nullptr;
        pcre2_pattern_info(re->code, PCRE2_INFO_NAMEENTRYSIZE, &entry);
        pcre2_pattern_info(re->code, PCRE2_INFO_NAMETABLE, &table);
        for (uint32_t k = 0; k < names; ++k) {
            const PCRE2_SPTR e = table + size_t(k) * entry;
            re->names.emplace(reinterpret_cast<const char *>(e + 2), size_t(e[0]) << 8 | e[1]);
        }
    }
    re_ = std::move(re);
}

const std::string & PythonRegex::pattern() const { return re_->pattern; }
size_t PythonRegex::group_count() const { return re_->groups; }

size_t PythonRegex::group_index(std::string_view name) const {
    const auto it = re_->names.find(name);
    if (it == re_->names.end()) fail(re_->pattern, "no group named '" + std::string(name) + "'");
    return it->second;
}

std::optional<RegexMatch> PythonRegex::search(std::string_view subject, size_t pos) const {
    const MatchData md = match_data(*re_);
    RegexMatch m;
    if (!run(*re_, md.get(), subject, pos, 0, m.groups_, m.spans_)) return std::nullopt;
    m.re_ = re_;
    return m;
}

std::optional<RegexMatch> PythonRegex::fullmatch(std::string_view subject) const {
    const MatchData md = match_data(*re_);
    RegexMatch m;
    if (!run(*re_, md.get(), subject, 0, PCRE2_ANCHORED | PCRE2_ENDANCHORED, m.groups_, m.spans_)) return std::nullopt;
    m.re_ = re_;
    return m;
}

std::vector<RegexMatch> PythonRegex::finditer(std::string_view subject) const {
    const MatchData md = match_data(*re_);
    std::vector<RegexMatch> out;
    size_t pos = 0;
    uint32_t options = 0;
    for (;;) {
        RegexMatch m;
        if (!run(*re_, md.get(), subject, pos, options, m.groups_, m.spans_)) break;
        m.re_ = re_;
        pos = m.end();
        // After an empty match the next one may not be empty at the same place (Python 3.7+).
        options = m.start() == m.end() ? PCRE2_NOTEMPTY_ATSTART : 0;
        out.push_back(std::move(m));
    }
    return out;
}

std::vector<PythonRegex::Found> PythonRegex::find_all(std::string_view subject) const {
    std::vector<Found> out;
    for (const auto & m : finditer(subject)) {
        if (re_->groups == 0) {
            out.emplace_back(m.str(0));
        } else if (re_->groups == 1) {
            out.emplace_back(m.str(1));
        } else {
            std::vector<std::string> tuple;
            for (size_t g = 1; g <= re_->groups; ++g) tuple.push_back(m.str(g));
            out.emplace_back(std::move(tuple));
        }
    }
    return out;
}

std::string PythonRegex::substitute(std::string_view repl, std::string_view subject, size_t count) const {
    const std::vector<Piece> pieces = parse_template(*re_, repl);
    std::string out;
    size_t last = 0, done = 0;
    for (const auto & m : finditer(subject)) {
        if (count != 0 && done == count) break;
        out += subject.substr(last, m.start() - last);
        for (const auto & p : pieces) out += p.is_group ? m.str(p.group) : p.text;
        last = m.end();
        ++done;
    }
    out += subject.substr(last);
    return out;
}

}  // namespace rightsize
