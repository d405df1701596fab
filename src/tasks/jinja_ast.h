// The syntax tree of a parsed Jinja template, shared by the parser (jinja_parse.cpp) and the
// renderer (jinja.cpp). Private to src/tasks.
#pragma once

#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rightsize::jinja_detail {

using json = nlohmann::json;

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
std::string describe(const Expr & e);

// Lexes and parses a template; syntax errors are rightsize::Error naming `name`, line and column.
Body parse_template(std::string_view source, const std::string & name);

}  // namespace rightsize::jinja_detail
