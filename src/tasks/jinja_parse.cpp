// The Jinja template parser: recursive descent over jinja_lex.h's tokens with Jinja's precedence,
// producing the tree of jinja_ast.h that jinja.cpp renders.
#include "jinja_ast.h"
#include "jinja_lex.h"

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

namespace rightsize::jinja_detail {

using text::lower;
using text::upper;

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

namespace {

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

}  // namespace

Body parse_template(std::string_view source, const std::string & name) {
    return Parser(lex_template(source, name), source, name).parse_template();
}

}  // namespace rightsize::jinja_detail