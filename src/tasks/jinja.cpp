// A tree-walking interpreter for the Jinja2 subset lm-eval task templates use. Values are
// nlohmann::json; every operation follows what Python (and Jinja's own filters) would do with the
// same value, because the rendered prompt must match lm-eval's byte for byte. The parser is in
// jinja_parse.cpp; this file evaluates its tree.
#include <rightsize/jinja.h>

#include <rightsize/error.h>

#include "core/text.h"
#include "jinja_ast.h"
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
            case Expr::Slice: return eval_slice(e);
            case Expr::Call: return eval_call(e);
            case Expr::Filter: return eval_filter(e);
            case Expr::Test: return eval_test(e);
            case Expr::Neg:
            case Expr::Pos: return eval_sign(e);
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
            case Expr::Compare: return eval_compare(e);
            case Expr::Cond:
                if (truthy(eval(*e.args[1]))) return eval(*e.args[0]);
                // Jinja gives a missing else a plain (not strict) Undefined, which prints as "".
                return e.args[2] ? eval(*e.args[2]) : json("");
            case Expr::List: {
                json out = json::array();
                for (const auto & item : e.args) out.push_back(eval(*item));
                return out;
            }
            case Expr::Dict: return eval_dict(e);
        }
        fail("unsupported expression");
    }

    json eval_slice(const Expr & e) {
        const json obj = eval(*e.args[0]);
        json bounds[3];
        for (size_t i = 0; i < 3; ++i)
            if (e.args[i + 1]) bounds[i] = eval(*e.args[i + 1]);
        return py_slice(obj, bounds[0], bounds[1], bounds[2]);
    }

    json eval_filter(const Expr & e) {
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

    bool eval_test(const Expr & e) {
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

    // Unary minus and plus.
    json eval_sign(const Expr & e) {
        const json v = eval(*e.args[0]);
        if (!is_num(v))
            fail(std::string("bad operand type for unary ") + (e.kind == Expr::Neg ? "-" : "+") + ": '" + type_name(v) + "'");
        if (e.kind == Expr::Pos) return is_intlike(v) ? json(as_int(v)) : v;
        return is_intlike(v) ? json(-as_int(v)) : json(-as_double(v));
    }

    bool eval_compare(const Expr & e) {
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

    json eval_dict(const Expr & e) {
        json out = json::object();
        for (size_t i = 0; i + 1 < e.args.size(); i += 2) {
            const json k = eval(*e.args[i]);
            if (!k.is_string()) fail("dictionary keys must be strings here, not " + type_name(k));
            out[as_str(k)] = eval(*e.args[i + 1]);
        }
        return out;
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
    impl->body = parse_template(impl->source, impl->name);
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