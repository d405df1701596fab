// The Jinja2 subset lm-evaluation-harness task configs use (doc_to_text, doc_to_target,
// doc_to_choice, ...), evaluated over one dataset document with Python value semantics, so a
// prompt rendered here is byte-identical to the one lm-eval builds.
#pragma once

#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <string_view>

namespace rightsize {

class Template {
public:
    // Parses `source`. `name` (e.g. "arc_easy.yaml: doc_to_text") prefixes every error message.
    // Throws rightsize::Error with "<name>: line L, column C: <what is wrong>" on syntax errors.
    static Template parse(std::string_view source, std::string name = "template");

    // Renders to text. Values print as Python's str(): lists/dicts as Python repr (['a', 'b'],
    // {'k': 1}), True/False/None, floats like Python repr (1.0, 0.5), strings unquoted at top level.
    // Runtime errors (undefined names, as lm-eval's StrictUndefined) throw rightsize::Error with
    // "<name>: line L: <what is wrong>".
    std::string render(const nlohmann::json & context) const;

    // If the whole template is a single {{ expression }} (surrounding whitespace allowed), returns
    // that expression's value as JSON (so "{{choices.text}}" gives an array, "{{label}}" an int).
    // Otherwise returns the rendered string as a JSON string.
    nlohmann::json evaluate(const nlohmann::json & context) const;

    const std::string & source() const;

    Template();
    ~Template();
    Template(Template &&) noexcept;
    Template & operator=(Template &&) noexcept;
    // Copies share the immutable parsed template.
    Template(const Template &);
    Template & operator=(const Template &);

private:
    struct Impl;
    std::shared_ptr<const Impl> impl_;
};

}  // namespace rightsize
