// A tree-walking interpreter for the Jinja2 subset lm-eval task templates use. Values are
// nlohmann::json; every operation follows what Python (and Jinja's own filters) would do with the
// same value, because the rendered prompt must match lm-eval's byte for byte.
#include <rightsize/jinja.h>

#include <rightsize/error.h>

#include "core/text.h"
#include "jinja_values.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <vector>

namespace rightsize {

using text::lower;
using text::upper;
using namespace jinja_detail;

namespace {

// ---------------------------------------------------------------------------------------------
// Syntax tree.

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Expr {
    enum Kind { Literal, Name, Attr, Item, Slice, Call, Filter, Test, Neg, Pos, Not, And, Or, Binary, Compare, Cond,
                List, Dict };
    Kind kind;
    int line;
    json value;                        // Literal
    std::string name;                  // Name; Attr's key; Filter/Test's name; Binary's operator
    std::vector<ExprPtr> args;         // operands, elements, positional arguments (nullptr: absent)
    std::vector<std::pair<std::string, ExprPtr>> kwargs;
    std::vector<std::string> ops;      // Compare's operators between args
    bool negated = false;              // "is not"
};

struct Node;
using NodePtr = std::unique_ptr<Node>;
using Body = std::vector<NodePtr>;

struct Node {
    enum Kind { Text, Output, If, For, Set, SetBlock };
    Kind kind;
    int line;
    std::string text;                                // Text
    ExprPtr expr;                                    // Output, For's iterable, Set's value
    ExprPtr filter;                                  // For's "if" clause
    std::vector<std::pair<ExprPtr, Body>> branches;  // If/elif
    std::vector<std::string> targets;                // For/Set names
    std::string attr;                                // Set ns.attr
    Body body, else_body;
};

// A readable name for an expression in error messages: "choices.label", "doc['x']".
std::string describe(const Expr & e) {
    switch (e.kind) {
        case Expr::Name: return e.name;
        case Expr::Attr: return describe(*e.args[0]) + "." + e.name;
        case Expr::Item:
            if (e.args[1]->kind == Expr::Literal) return describe(*e.args[0]) + "[" + py_repr(e.args[1]->value) + "]";
            return describe(*e.args[0]) + "[...]";
        case Expr::Literal: return py_repr(e.value);
        default: return "value";
    }
}

// ---------------------------------------------------------------------------------------------
// Lexer: template text and the tokens inside {{ }} and {% %}, with whitespace control applied.

enum class Tok { Text, VarBegin, VarEnd, BlockBegin, BlockEnd, Name, String, Int, Float, Op, End };

struct Token {
    Tok type;
    std::string text;
    size_t pos;
};

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

// ---------------------------------------------------------------------------------------------
// Parser: recursive descent with Jinja's precedence (filters bind tighter than unary minus).

class Parser {
public:
    Parser(std::vector<Token> toks, std::string_view src, const std::string & name)
        : toks_(std::move(toks)), src_(src), name_(name) {}

    Body parse_template() {
        Body body;
        parse_nodes(body, {});
        return body;
    }

private:
    struct Open {
        std::string tag;
        int line;
    };

    const Token & peek(size_t k = 0) const { return toks_[std::min(i_ + k, toks_.size() - 1)]; }
    const Token & next() { return toks_[std::min(i_++, toks_.size() - 1)]; }
    bool at_op(std::string_view op) const { return peek().type == Tok::Op && peek().text == op; }
    bool at_name(std::string_view kw) const { return peek().type == Tok::Name && peek().text == kw; }
    bool accept_op(std::string_view op) { return at_op(op) ? (next(), true) : false; }
    bool accept_name(std::string_view kw) { return at_name(kw) ? (next(), true) : false; }
    int line(const Token & t) const { return line_col(src_, t.pos).first; }

    [[noreturn]] void error(const Token & t, const std::string & msg) const { syntax_error(src_, name_, t.pos, msg); }

    static std::string show(const Token & t) {
        switch (t.type) {
            case Tok::End: return "the end of the template";
            case Tok::Text: return "template text";
            case Tok::VarEnd: return "'}}'";
            case Tok::BlockEnd: return "'%}'";
            case Tok::VarBegin: return "'{{'";
            case Tok::BlockBegin: return "'{%'";
            case Tok::String: return "the string " + py_quote(t.text);
            default: return "'" + t.text + "'";
        }
    }

    void expect_op(std::string_view op) {
        if (!accept_op(op)) error(peek(), "expected '" + std::string(op) + "', found " + show(peek()));
    }

    std::string expect_name(const std::string & what) {
        if (peek().type != Tok::Name) error(peek(), "expected " + what + ", found " + show(peek()));
        return next().text;
    }

    void expect_block_end(const std::string & tag) {
        if (peek().type != Tok::BlockEnd)
            error(peek(), "expected '%}' to end the '{% " + tag + " %}' tag, found " + show(peek()));
        next();
    }

    ExprPtr make(Expr::Kind kind, const Token & at) const {
        auto e = std::make_unique<Expr>();
        e->kind = kind;
        e->line = line(at);
        return e;
    }

    NodePtr make_node(Node::Kind kind, const Token & at) const {
        auto n = std::make_unique<Node>();
        n->kind = kind;
        n->line = line(at);
        return n;
    }

    // Parses nodes into `out` until a {% tag %} named in `ends` (returned, with the parser after
    // the tag's name) or the end of the template (returns "").
    std::string parse_nodes(Body & out, std::initializer_list<std::string_view> ends) {
        for (;;) {
            const Token & t = peek();
            if (t.type == Tok::End) return "";
            if (t.type == Tok::Text) {
                auto n = make_node(Node::Text, next());
                n->text = t.text;
                out.push_back(std::move(n));
                continue;
            }
            if (t.type == Tok::VarBegin) {
                auto n = make_node(Node::Output, next());
                n->expr = parse_expr();
                if (peek().type != Tok::VarEnd)
                    error(peek(), "expected '}}' to end the expression, found " + show(peek()));
                next();
                out.push_back(std::move(n));
                continue;
            }
            const Token & begin = next();  // BlockBegin: the lexer produces nothing else here
            const std::string kw = expect_name("a tag name such as 'if', 'for' or 'set' after '{%'");
            if (std::find(ends.begin(), ends.end(), kw) != ends.end()) return kw;
            if (kw == "if") out.push_back(parse_if(begin));
            else if (kw == "for") out.push_back(parse_for(begin));
            else if (kw == "set") out.push_back(parse_set(begin));
            else if (!open_.empty() && (kw.rfind("end", 0) == 0 || kw == "elif" || kw == "else"))
                error(begin, "unexpected '{% " + kw + " %}': the '{% " + open_.back().tag + " %}' on line " +
                                 std::to_string(open_.back().line) + " must be closed with '{% end" + open_.back().tag +
                                 " %}' first");
            else if (kw.rfind("end", 0) == 0 || kw == "elif" || kw == "else")
                error(begin, "'{% " + kw + " %}' has no matching opening tag");
            else
                error(begin, "unknown tag '" + kw + "'; supported tags are if, for, set and raw");
        }
    }

    [[noreturn]] void unclosed(const Token & begin, const std::string & tag) const {
        error(begin, "'{% " + tag + " %}' is never closed: add '{% end" + tag + " %}'");
    }

    NodePtr parse_if(const Token & begin) {
        auto node = make_node(Node::If, begin);
        open_.push_back({"if", node->line});
        ExprPtr cond = parse_expr();
        expect_block_end("if");
        for (;;) {
            Body body;
            const std::string kw = parse_nodes(body, {"elif", "else", "endif"});
            if (kw.empty()) unclosed(begin, "if");
            node->branches.emplace_back(std::move(cond), std::move(body));
            if (kw == "elif") {
                cond = parse_expr();
                expect_block_end("elif");
                continue;
            }
            if (kw == "else") {
                expect_block_end("else");
                if (parse_nodes(node->else_body, {"endif"}).empty()) unclosed(begin, "if");
            }
            expect_block_end("endif");
            break;
        }
        open_.pop_back();
        return node;
    }

    NodePtr parse_for(const Token & begin) {
        auto node = make_node(Node::For, begin);
        open_.push_back({"for", node->line});
        const bool paren = accept_op("(");
        do node->targets.push_back(expect_name("a loop variable name after 'for'"));
        while (accept_op(","));
        if (paren) expect_op(")");
        if (!accept_name("in")) error(peek(), "expected 'in' after the loop variable, found " + show(peek()));
        node->expr = parse_or();  // not a conditional expression: a trailing "if" filters the items
        if (accept_name("if")) node->filter = parse_expr();
        expect_block_end("for");
        const std::string kw = parse_nodes(node->body, {"else", "endfor"});
        if (kw.empty()) unclosed(begin, "for");
        if (kw == "else") {
            expect_block_end("else");
            if (parse_nodes(node->else_body, {"endfor"}).empty()) unclosed(begin, "for");
        }
        expect_block_end("endfor");
        open_.pop_back();
        return node;
    }

    NodePtr parse_set(const Token & begin) {
        auto node = make_node(Node::Set, begin);
        node->targets.push_back(expect_name("a variable name after 'set'"));
        if (accept_op(".")) node->attr = expect_name("an attribute name after '.'");
        else while (accept_op(",")) node->targets.push_back(expect_name("a variable name after ','"));
        if (accept_op("=")) {
            node->expr = parse_expr();
            expect_block_end("set");
            return node;
        }
        if (peek().type != Tok::BlockEnd || node->targets.size() != 1 || !node->attr.empty())
            error(peek(), "expected '=' after the variable name in '{% set %}', found " + show(peek()));
        next();
        node->kind = Node::SetBlock;
        open_.push_back({"set", node->line});
        if (parse_nodes(node->body, {"endset"}).empty()) unclosed(begin, "set");
        expect_block_end("endset");
        open_.pop_back();
        return node;
    }

    ExprPtr parse_expr() {
        ExprPtr e = parse_or();
        while (at_name("if")) {
            auto c = make(Expr::Cond, next());
            c->args.push_back(std::move(e));
            c->args.push_back(parse_or());
            c->args.push_back(accept_name("else") ? parse_expr() : nullptr);
            e = std::move(c);
        }
        return e;
    }

    ExprPtr binary(Expr::Kind kind, const Token & at, ExprPtr l, ExprPtr r) const {
        auto e = make(kind, at);
        e->name = at.text;
        e->args.push_back(std::move(l));
        e->args.push_back(std::move(r));
        return e;
    }

    ExprPtr parse_or() {
        ExprPtr e = parse_and();
        while (at_name("or")) {
            const Token & t = next();
            e = binary(Expr::Or, t, std::move(e), parse_and());
        }
        return e;
    }

    ExprPtr parse_and() {
        ExprPtr e = parse_not();
        while (at_name("and")) {
            const Token & t = next();
            e = binary(Expr::And, t, std::move(e), parse_not());
        }
        return e;
    }

    ExprPtr parse_not() {
        if (!at_name("not")) return parse_compare();
        auto e = make(Expr::Not, next());
        e->args.push_back(parse_not());
        return e;
    }

    ExprPtr parse_compare() {
        ExprPtr first = parse_math1();
        ExprPtr cmp;
        for (;;) {
            std::string op;
            const Token & t = peek();
            if (t.type == Tok::Op && (t.text == "==" || t.text == "!=" || t.text == "<" || t.text == "<=" ||
                                      t.text == ">" || t.text == ">=")) {
                op = next().text;
            } else if (at_name("in")) {
                op = next().text;
            } else if (at_name("not") && peek(1).type == Tok::Name && peek(1).text == "in") {
                next();
                next();
                op = "not in";
            } else {
                break;
            }
            if (!cmp) {
                cmp = make(Expr::Compare, t);
                cmp->args.push_back(std::move(first));
            }
            cmp->ops.push_back(op);
            cmp->args.push_back(parse_math1());
        }
        return cmp ? std::move(cmp) : std::move(first);
    }

    template <typename F> ExprPtr binary_level(std::initializer_list<std::string_view> ops, F operand) {
        ExprPtr e = (this->*operand)();
        while (peek().type == Tok::Op && std::find(ops.begin(), ops.end(), peek().text) != ops.end()) {
            const Token & t = next();
            e = binary(Expr::Binary, t, std::move(e), (this->*operand)());
        }
        return e;
    }

    ExprPtr parse_math1() { return binary_level({"+", "-"}, &Parser::parse_concat); }
    ExprPtr parse_concat() { return binary_level({"~"}, &Parser::parse_math2); }
    ExprPtr parse_math2() { return binary_level({"*", "/", "//", "%"}, &Parser::parse_pow); }
    ExprPtr parse_pow() { return binary_level({"**"}, &Parser::parse_unary_filtered); }
    ExprPtr parse_unary_filtered() { return parse_unary(true); }

    ExprPtr parse_unary(bool with_filter) {
        ExprPtr node;
        if (at_op("-") || at_op("+")) {
            const Token & t = next();
            node = make(t.text == "-" ? Expr::Neg : Expr::Pos, t);
            node->args.push_back(parse_unary(false));
        } else {
            node = parse_primary();
        }
        node = parse_postfix(std::move(node));
        return with_filter ? parse_filters(std::move(node)) : std::move(node);
    }

    ExprPtr parse_primary() {
        const Token & t = peek();
        if (t.type == Tok::Name) {
            next();
            auto e = make(Expr::Literal, t);
            if (t.text == "true" || t.text == "True") e->value = true;
            else if (t.text == "false" || t.text == "False") e->value = false;
            else if (t.text == "none" || t.text == "None") e->value = nullptr;
            else {
                e->kind = Expr::Name;
                e->name = t.text;
            }
            return e;
        }
        if (t.type == Tok::String) {
            auto e = make(Expr::Literal, t);
            std::string s;
            while (peek().type == Tok::String) s += next().text;  // adjacent literals concatenate
            e->value = s;
            return e;
        }
        if (t.type == Tok::Int || t.type == Tok::Float) {
            auto e = make(Expr::Literal, next());
            if (t.type == Tok::Float) {
                e->value = std::strtod(t.text.c_str(), nullptr);
            } else {
                int64_t v = 0;
                if (std::from_chars(t.text.data(), t.text.data() + t.text.size(), v).ec != std::errc())
                    error(t, "the integer " + t.text + " is too large");
                e->value = v;
            }
            return e;
        }
        if (accept_op("(")) {
            if (accept_op(")")) return list_literal(t, {});
            ExprPtr e = parse_expr();
            if (!at_op(",")) {
                expect_op(")");
                return e;
            }
            std::vector<ExprPtr> items;  // a tuple; its values behave as a list
            items.push_back(std::move(e));
            while (accept_op(",") && !at_op(")")) items.push_back(parse_expr());
            expect_op(")");
            return list_literal(t, std::move(items));
        }
        if (accept_op("[")) {
            std::vector<ExprPtr> items;
            while (!at_op("]")) {
                items.push_back(parse_expr());
                if (!accept_op(",")) break;
            }
            expect_op("]");
            return list_literal(t, std::move(items));
        }
        if (accept_op("{")) {
            auto e = make(Expr::Dict, t);
            while (!at_op("}")) {
                e->args.push_back(parse_expr());
                expect_op(":");
                e->args.push_back(parse_expr());
                if (!accept_op(",")) break;
            }
            expect_op("}");
            return e;
        }
        error(t, "expected an expression, found " + show(t));
    }

    ExprPtr list_literal(const Token & at, std::vector<ExprPtr> items) const {
        auto e = make(Expr::List, at);
        e->args = std::move(items);
        return e;
    }

    ExprPtr parse_postfix(ExprPtr node) {
        for (;;) {
            if (at_op(".")) {
                const Token & dot = next();
                if (peek().type != Tok::Name && peek().type != Tok::Int)
                    error(peek(), "expected an attribute name after '.', found " + show(peek()));
                auto e = make(Expr::Attr, dot);
                e->name = next().text;
                e->args.push_back(std::move(node));
                node = std::move(e);
            } else if (at_op("[")) {
                node = parse_subscript(std::move(node));
            } else if (at_op("(")) {
                auto e = make(Expr::Call, peek());
                e->args.push_back(std::move(node));
                parse_call_args(*e);
                node = std::move(e);
            } else {
                return node;
            }
        }
    }

    ExprPtr parse_subscript(ExprPtr obj) {
        const Token & open = next();
        ExprPtr parts[3];
        const auto bound = [&] { return at_op(":") || at_op("]") ? nullptr : parse_expr(); };
        parts[0] = bound();
        if (!accept_op(":")) {
            if (!parts[0]) error(peek(), "expected an index inside '[]'");
            expect_op("]");
            auto e = make(Expr::Item, open);
            e->args.push_back(std::move(obj));
            e->args.push_back(std::move(parts[0]));
            return e;
        }
        parts[1] = bound();
        if (accept_op(":")) parts[2] = bound();
        expect_op("]");
        auto e = make(Expr::Slice, open);
        e->args.push_back(std::move(obj));
        for (auto & p : parts) e->args.push_back(std::move(p));
        return e;
    }

    void parse_call_args(Expr & call) {
        expect_op("(");
        while (!at_op(")")) {
            if (peek().type == Tok::Name && peek(1).type == Tok::Op && peek(1).text == "=") {
                std::string key = next().text;
                next();
                call.kwargs.emplace_back(std::move(key), parse_expr());
            } else {
                if (!call.kwargs.empty()) error(peek(), "a positional argument cannot follow a keyword argument");
                call.args.push_back(parse_expr());
            }
            if (!accept_op(",")) break;
        }
        expect_op(")");
    }

    ExprPtr parse_filters(ExprPtr node) {
        for (;;) {
            if (accept_op("|")) {
                const Token & t = peek();
                auto e = make(Expr::Filter, t);
                e->name = expect_name("a filter name after '|'");
                if (!is_filter(e->name))
                    error(t, "unknown filter '" + e->name + "'; supported filters are: " + filter_names());
                e->args.push_back(std::move(node));
                if (at_op("(")) parse_call_args(*e);
                node = std::move(e);
            } else if (at_name("is")) {
                next();
                const bool negated = accept_name("not");
                const Token & t = peek();
                auto e = make(Expr::Test, t);
                e->negated = negated;
                e->name = expect_name("a test name after 'is'");
                if (!is_test(e->name))
                    error(t, "unknown test '" + e->name + "'; supported tests are: " + test_names());
                e->args.push_back(std::move(node));
                const Token & a = peek();
                if (at_op("(")) {
                    parse_call_args(*e);
                } else if (a.type == Tok::String || a.type == Tok::Int || a.type == Tok::Float || at_op("[") ||
                           (a.type == Tok::Name && a.text != "else" && a.text != "or" && a.text != "and" &&
                            a.text != "if")) {
                    e->args.push_back(parse_postfix(parse_primary()));  // "x is divisibleby 3"
                }
                node = std::move(e);
            } else {
                return node;
            }
        }
    }

    std::vector<Token> toks_;
    std::string_view src_;
    const std::string & name_;
    size_t i_ = 0;
    std::vector<Open> open_;  // the blocks being parsed, for "close this first" messages
};

// ---------------------------------------------------------------------------------------------
// Evaluation.

class Renderer {
public:
    explicit Renderer(const json & context) : ctx_(context), frames_(1) {}

    void render(const Body & nodes, std::string & out) {
        for (const auto & n : nodes) {
            try {
                render(*n, out);
            } catch (RenderError & e) {
                if (e.line < 0) e.line = n->line;
                throw;
            }
        }
    }

    json eval(const Expr & e) {
        try {
            return eval_inner(e);
        } catch (RenderError & err) {
            if (err.line < 0) err.line = e.line;
            throw;
        }
    }

private:
    using Frame = std::map<std::string, json>;

    void render(const Node & n, std::string & out) {
        switch (n.kind) {
            case Node::Text: out += n.text; break;
            case Node::Output: out += py_str(eval(*n.expr)); break;
            case Node::If:
                for (const auto & [cond, body] : n.branches) {
                    if (truthy(eval(*cond))) return render(body, out);
                }
                render(n.else_body, out);
                break;
            case Node::For: render_for(n, out); break;
            case Node::Set:
                if (!n.attr.empty()) set_attribute(n.targets[0], n.attr, eval(*n.expr));
                else assign(n.targets, eval(*n.expr));
                break;
            case Node::SetBlock: {
                std::string s;
                render(n.body, s);
                assign(n.targets, s);
                break;
            }
        }
    }

    void render_for(const Node & n, std::string & out) {
        json items = iterate(eval(*n.expr));
        if (n.filter) {
            json kept = json::array();
            for (auto & item : items) {
                frames_.emplace_back();
                assign(n.targets, item);
                const bool keep = truthy(eval(*n.filter));
                frames_.pop_back();
                if (keep) kept.push_back(std::move(item));
            }
            items = std::move(kept);
        }
        if (items.empty()) return render(n.else_body, out);
        const auto len = int64_t(items.size());
        for (int64_t i = 0; i < len; ++i) {
            frames_.emplace_back();  // a fresh scope: sets inside the loop do not leak out
            assign(n.targets, items[size_t(i)]);
            frames_.back()["loop"] = {{"index", i + 1},        {"index0", i},       {"first", i == 0},
                                      {"last", i == len - 1},  {"length", len},     {"revindex", len - i},
                                      {"revindex0", len - i - 1}};
            render(n.body, out);
            frames_.pop_back();
        }
    }

    void assign(const std::vector<std::string> & targets, const json & value) {
        if (targets.size() == 1) {
            frames_.back()[targets[0]] = value;
            return;
        }
        if (!value.is_array() || value.size() != targets.size())
            fail("cannot unpack " + py_repr(value) + " into " + std::to_string(targets.size()) + " variables");
        for (size_t i = 0; i < targets.size(); ++i) frames_.back()[targets[i]] = value[i];
    }

    // {% set ns.attr = v %}: the one way Jinja lets a loop change a value outside it.
    void set_attribute(const std::string & name, const std::string & attr, const json & value) {
        for (auto f = frames_.rbegin(); f != frames_.rend(); ++f) {
            const auto it = f->find(name);
            if (it == f->end()) continue;
            if (!it->second.is_object())
                fail("cannot set '" + name + "." + attr + "': '" + name + "' is not a namespace()");
            it->second[attr] = value;
            return;
        }
        fail("cannot set '" + name + "." + attr + "': create it first with {% set " + name + " = namespace() %}");
    }

    json lookup(const std::string & name) const {
        for (auto f = frames_.rbegin(); f != frames_.rend(); ++f) {
            const auto it = f->find(name);
            if (it != f->end()) return it->second;
        }
        if (ctx_.is_object()) {
            const auto it = ctx_.find(name);
            if (it != ctx_.end()) return *it;
        }
        const bool has_fields = ctx_.is_object() && !ctx_.empty();
        fail_undefined("'" + name + "' is undefined; " +
                       (has_fields ? "the document's fields are: " + join_keys(ctx_) : "the document has no fields"));
    }

    Args eval_args(const Expr & e, size_t first, std::string what) {
        std::vector<json> pos;
        for (size_t i = first; i < e.args.size(); ++i) pos.push_back(eval(*e.args[i]));
        std::vector<std::pair<std::string, json>> kw;
        for (const auto & [k, v] : e.kwargs) kw.emplace_back(k, eval(*v));
        return Args(std::move(what), std::move(pos), std::move(kw));
    }

    // Evaluates `e`, or returns nullopt where Jinja would produce Undefined.
    std::optional<json> eval_or_undefined(const Expr & e) {
        try {
            return eval(e);
        } catch (const RenderError & err) {
            if (!err.undefined) throw;
            return std::nullopt;
        }
    }

    json eval_inner(const Expr & e) {
        switch (e.kind) {
            case Expr::Literal: return e.value;
            case Expr::Name: return lookup(e.name);
            case Expr::Attr: return get_attr(eval(*e.args[0]), e.name, describe(*e.args[0]));
            case Expr::Item: {
                const json obj = eval(*e.args[0]);
                return get_item(obj, eval(*e.args[1]), describe(*e.args[0]));
            }
            case Expr::Slice: {
                const json obj = eval(*e.args[0]);
                json bounds[3];
                for (size_t i = 0; i < 3; ++i)
                    if (e.args[i + 1]) bounds[i] = eval(*e.args[i + 1]);
                return py_slice(obj, bounds[0], bounds[1], bounds[2]);
            }
            case Expr::Call: return eval_call(e);
            case Expr::Filter: {
                if (e.name == "default" || e.name == "d") {
                    const auto v = eval_or_undefined(*e.args[0]);
                    Args a = eval_args(e, 1, "filter 'default'");
                    if (v) return apply_filter(e.name, *v, a);
                    const json r = a.get_or(0, "default_value", "");
                    a.get_or(1, "boolean", false);  // valid, and irrelevant for an undefined value
                    a.done();
                    return r;
                }
                const json v = eval(*e.args[0]);
                Args a = eval_args(e, 1, "filter '" + e.name + "'");
                return apply_filter(e.name, v, a);
            }
            case Expr::Test: {
                bool r;
                if (e.name == "defined" || e.name == "undefined") {
                    r = eval_or_undefined(*e.args[0]).has_value() == (e.name == "defined");
                } else {
                    const json v = eval(*e.args[0]);
                    Args a = eval_args(e, 1, "test '" + e.name + "'");
                    r = apply_test(e.name, v, a);
                }
                return r != e.negated;
            }
            case Expr::Neg:
            case Expr::Pos: {
                const json v = eval(*e.args[0]);
                if (!is_num(v))
                    fail(std::string("bad operand type for unary ") + (e.kind == Expr::Neg ? "-" : "+") + ": '" +
                         type_name(v) + "'");
                if (e.kind == Expr::Pos) return is_intlike(v) ? json(as_int(v)) : v;
                return is_intlike(v) ? json(-as_int(v)) : json(-as_double(v));
            }
            case Expr::Not: return !truthy(eval(*e.args[0]));
            case Expr::And: {
                json l = eval(*e.args[0]);
                return truthy(l) ? eval(*e.args[1]) : l;
            }
            case Expr::Or: {
                json l = eval(*e.args[0]);
                return truthy(l) ? l : eval(*e.args[1]);
            }
            case Expr::Binary: {
                const json l = eval(*e.args[0]);
                return binary_op(e.name, l, eval(*e.args[1]));
            }
            case Expr::Compare: {
                json l = eval(*e.args[0]);
                for (size_t i = 0; i < e.ops.size(); ++i) {  // a < b < c is a < b and b < c
                    json r = eval(*e.args[i + 1]);
                    const std::string & op = e.ops[i];
                    bool ok;
                    if (op == "==") ok = py_eq(l, r);
                    else if (op == "!=") ok = !py_eq(l, r);
                    else if (op == "in") ok = contains(r, l);
                    else if (op == "not in") ok = !contains(r, l);
                    else {
                        const int c = py_cmp(l, r, op);
                        ok = op == "<" ? c < 0 : op == "<=" ? c <= 0 : op == ">" ? c > 0 : c >= 0;
                    }
                    if (!ok) return false;
                    l = std::move(r);
                }
                return true;
            }
            case Expr::Cond:
                if (truthy(eval(*e.args[1]))) return eval(*e.args[0]);
                // Jinja gives a missing else a plain (not strict) Undefined, which prints as "".
                return e.args[2] ? eval(*e.args[2]) : json("");
            case Expr::List: {
                json out = json::array();
                for (const auto & item : e.args) out.push_back(eval(*item));
                return out;
            }
            case Expr::Dict: {
                json out = json::object();
                for (size_t i = 0; i + 1 < e.args.size(); i += 2) {
                    const json k = eval(*e.args[i]);
                    if (!k.is_string()) fail("dictionary keys must be strings here, not " + type_name(k));
                    out[as_str(k)] = eval(*e.args[i + 1]);
                }
                return out;
            }
        }
        fail("unsupported expression");
    }

    json eval_call(const Expr & e) {
        const Expr & callee = *e.args[0];
        if (callee.kind == Expr::Name) {
            Args a = eval_args(e, 1, callee.name + "()");
            return call_global(callee.name, a);
        }
        if (callee.kind != Expr::Attr) fail("only functions and methods can be called");
        const json obj = eval(*callee.args[0]);
        Args a = eval_args(e, 1, callee.name + "()");
        return call_method(obj, callee.name, a, describe(*callee.args[0]));
    }

    const json & ctx_;
    std::vector<Frame> frames_;  // innermost last; frame 0 holds the template's top-level sets
};

}  // namespace

// ---------------------------------------------------------------------------------------------

struct Template::Impl {
    std::string source;
    std::string name = "template";
    Body body;
    const Expr * single = nullptr;  // the template is just this {{ expression }}: evaluate() returns its value

    [[noreturn]] void rethrow(const RenderError & e) const {
        throw Error(name + ": line " + std::to_string(e.line) + ": " + e.message);
    }
};

Template Template::parse(std::string_view source, std::string name) {
    auto impl = std::make_shared<Impl>();
    impl->source = std::string(source);
    impl->name = std::move(name);
    impl->body = Parser(Lexer(impl->source, impl->name).run(), impl->source, impl->name).parse_template();
    const Node * output = nullptr;
    bool only_space_text = true;
    for (const auto & n : impl->body) {
        if (n->kind == Node::Output && !output) output = n.get();
        else if (n->kind != Node::Text || !strip(n->text, kPyWhitespace, true, true).empty()) only_space_text = false;
    }
    if (output && only_space_text) impl->single = output->expr.get();
    Template t;
    t.impl_ = std::move(impl);
    return t;
}

std::string Template::render(const json & context) const {
    std::string out;
    try {
        Renderer(context).render(impl_->body, out);
    } catch (const RenderError & e) {
        impl_->rethrow(e);
    }
    return out;
}

json Template::evaluate(const json & context) const {
    if (!impl_->single) return render(context);
    try {
        return Renderer(context).eval(*impl_->single);
    } catch (const RenderError & e) {
        impl_->rethrow(e);
    }
}

const std::string & Template::source() const { return impl_->source; }

Template::Template() : impl_(std::make_shared<const Impl>()) {}
Template::~Template() = default;
Template::Template(Template &&) noexcept = default;
Template & Template::operator=(Template &&) noexcept = default;
Template::Template(const Template &) = default;
Template & Template::operator=(const Template &) = default;

}  // namespace rightsize
