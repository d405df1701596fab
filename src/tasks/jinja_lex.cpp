// The Jinja lexer (jinja_lex.h).
#include "jinja_lex.h"

#include <rightsize/error.h>

#include "core/text.h"
#include "jinja_values.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <string>

namespace rightsize::jinja_detail {

std::pair<int, int> line_col(std::string_view src, size_t pos) {
    pos = std::min(pos, src.size());
    const int line = 1 + int(std::count(src.begin(), src.begin() + long(pos), '\n'));
    const size_t nl = src.rfind('\n', pos == 0 ? std::string_view::npos : pos - 1);
    const size_t line_start = nl == std::string_view::npos || pos == 0 ? 0 : nl + 1;
    return {line, int(pos - line_start) + 1};
}

[[noreturn]] void syntax_error(std::string_view src, const std::string & name, size_t pos, const std::string & msg) {
    const auto [line, col] = line_col(src, pos);
    throw Error(name + ": line " + std::to_string(line) + ", column " + std::to_string(col) + ": " + msg);
}

namespace {

class Lexer {
public:
    Lexer(std::string_view src, const std::string & name) : src_(src), name_(name) {}

    std::vector<Token> run() {
        const size_t n = src_.size();
        while (pos_ < n) {
            size_t open = pos_;
            while ((open = src_.find('{', open)) != std::string_view::npos &&
                   (open + 1 >= n || std::string_view("{%#").find(src_[open + 1]) == std::string_view::npos))
                ++open;
            if (open == std::string_view::npos) {
                text(pos_, n, false);
                break;
            }
            const bool strip_before = open + 2 < n && src_[open + 2] == '-';
            text(pos_, open, strip_before);
            const char kind = src_[open + 1];
            pos_ = open + 2 + strip_before;
            if (kind == '#') {
                const size_t close = src_.find("#}", pos_);
                if (close == std::string_view::npos) error(open, "the comment '{#' is never closed with '#}'");
                lstrip_next_ = close > pos_ && src_[close - 1] == '-';
                pos_ = close + 2;
            } else if (kind == '{' || !raw(open)) {
                tag(kind == '{' ? Tok::VarBegin : Tok::BlockBegin, open);
            }
        }
        out_.push_back({Tok::End, "", n});
        return std::move(out_);
    }

private:
    [[noreturn]] void error(size_t pos, const std::string & msg) const { syntax_error(src_, name_, pos, msg); }

    void text(size_t b, size_t e, bool rstrip) {
        std::string t(src_.substr(b, e - b));
        if (lstrip_next_) t = strip(t, kPyWhitespace, true, false);
        if (rstrip) t = strip(t, kPyWhitespace, false, true);
        lstrip_next_ = false;
        if (!t.empty()) out_.push_back({Tok::Text, std::move(t), b});
    }

    void skip_space(size_t & p) const {
        while (p < src_.size() && is_py_space(src_[p])) ++p;
    }

    bool at(size_t p, std::string_view s) const { return src_.substr(p, s.size()) == s; }

    // {% raw %}...{% endraw %} becomes one text token; false when this tag is not "raw".
    bool raw(size_t open) {
        size_t p = pos_;
        skip_space(p);
        if (!at(p, "raw") || (p + 3 < src_.size() && is_name_char(src_[p + 3])))
            return false;
        p += 3;
        skip_space(p);
        const bool strip_after = at(p, "-");
        p += strip_after;
        if (!at(p, "%}")) error(p, "expected '%}' after 'raw'");
        p += 2;
        for (size_t search = p;;) {
            const size_t tag = src_.find("{%", search);
            if (tag == std::string_view::npos) error(open, "'{% raw %}' is never closed with '{% endraw %}'");
            size_t q = tag + 2;
            const bool strip_before = at(q, "-");
            q += strip_before;
            skip_space(q);
            if (at(q, "endraw")) {
                q += 6;
                skip_space(q);
                const bool strip_end = at(q, "-");
                q += strip_end;
                if (at(q, "%}")) {
                    lstrip_next_ = strip_after;
                    text(p, tag, strip_before);
                    lstrip_next_ = strip_end;
                    pos_ = q + 2;
                    return true;
                }
            }
            search = tag + 2;
        }
    }

    void tag(Tok begin, size_t open) {
        out_.push_back({begin, "", open});
        const std::string close = begin == Tok::VarBegin ? "}}" : "%}";
        int depth = 0;  // brackets open inside the tag, so a nested dict's "}}" does not end it
        for (;;) {
            skip_space(pos_);
            if (pos_ >= src_.size())
                error(open, std::string(begin == Tok::VarBegin ? "'{{'" : "'{%'") + " is never closed with '" + close +
                                "'");
            if (depth == 0 && (at(pos_, close) || at(pos_, "-" + close))) {
                out_.push_back({begin == Tok::VarBegin ? Tok::VarEnd : Tok::BlockEnd, close, pos_});
                lstrip_next_ = src_[pos_] == '-';
                pos_ += close.size() + lstrip_next_;
                return;
            }
            const size_t start = pos_;
            const char c = src_[pos_];
            if (is_alpha(c) || c == '_') {
                while (pos_ < src_.size() && is_name_char(src_[pos_])) ++pos_;
                out_.push_back({Tok::Name, std::string(src_.substr(start, pos_ - start)), start});
            } else if (is_digit(c)) {
                number(start);
            } else if (c == '\'' || c == '"') {
                string(start);
            } else {
                static const char * const ops[] = {"**", "//", "==", "!=", "<=", ">=", "+", "-", "*",
                                                   "/",  "%",  "~",  "<",  ">",  "=",  "(", ")", "[",
                                                   "]",  "{",  "}",  ",",  ".",  ":",  "|"};
                const auto op =
                    std::find_if(std::begin(ops), std::end(ops), [&](const char * o) { return at(pos_, o); });
                if (op == std::end(ops)) error(pos_, std::string("unexpected character '") + c + "'");
                const std::string_view o = *op;
                if (o == "(" || o == "[" || o == "{") ++depth;
                if ((o == ")" || o == "]" || o == "}") && depth > 0) --depth;
                pos_ += o.size();
                out_.push_back({Tok::Op, std::string(o), start});
            }
        }
    }

    void number(size_t start) {
        const auto digits = [&] {
            while (pos_ < src_.size() && (is_digit(src_[pos_]) || src_[pos_] == '_')) ++pos_;
        };
        digits();
        bool is_float = false;
        if (pos_ + 1 < src_.size() && src_[pos_] == '.' && is_digit(src_[pos_ + 1])) {
            ++pos_;
            digits();
            is_float = true;
        }
        if (pos_ < src_.size() && (src_[pos_] == 'e' || src_[pos_] == 'E')) {
            size_t p = pos_ + 1;
            if (p < src_.size() && (src_[p] == '+' || src_[p] == '-')) ++p;
            if (p < src_.size() && is_digit(src_[p])) {
                pos_ = p;
                digits();
                is_float = true;
            }
        }
        std::string t(src_.substr(start, pos_ - start));
        t.erase(std::remove(t.begin(), t.end(), '_'), t.end());
        out_.push_back({is_float ? Tok::Float : Tok::Int, t, start});
    }

    void string(size_t start) {
        const char q = src_[pos_++];
        std::string s;
        const auto hex = [&](int n) {
            if (pos_ + size_t(n) > src_.size()) error(pos_, "truncated escape sequence");
            uint32_t v = 0;
            const auto res = std::from_chars(src_.data() + pos_, src_.data() + pos_ + n, v, 16);
            if (res.ptr != src_.data() + pos_ + n) error(pos_, "bad hexadecimal escape sequence");
            pos_ += size_t(n);
            return v;
        };
        for (;;) {
            if (pos_ >= src_.size()) error(start, "the string literal is never closed");
            const char c = src_[pos_++];
            if (c == q) break;
            if (c != '\\' || pos_ >= src_.size()) {
                s += c;
                continue;
            }
            const char e = src_[pos_++];
            switch (e) {
                case 'n': s += '\n'; break;
                case 't': s += '\t'; break;
                case 'r': s += '\r'; break;
                case '0': s += '\0'; break;
                case '\\': s += '\\'; break;
                case '\'': s += '\''; break;
                case '"': s += '"'; break;
                case '\n': break;  // a backslash-newline continues the literal
                case 'x': s += utf8_encode(hex(2)); break;
                case 'u': s += utf8_encode(hex(4)); break;
                case 'U': s += utf8_encode(hex(8)); break;
                default: s += '\\'; s += e;  // Python keeps unknown escapes as written
            }
        }
        out_.push_back({Tok::String, std::move(s), start});
    }

    std::string_view src_;
    const std::string & name_;
    std::vector<Token> out_;
    size_t pos_ = 0;
    bool lstrip_next_ = false;  // the previous tag ended with '-': strip the next text's leading space
};

}  // namespace

std::vector<Token> lex_template(std::string_view src, const std::string & name) { return Lexer(src, name).run(); }

}  // namespace rightsize::jinja_detail
