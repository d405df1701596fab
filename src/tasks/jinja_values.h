// Python value semantics over JSON for the Jinja engine (jinja.cpp): str()/repr(), truthiness,
// comparisons, operators, indexing and slicing, str/list/dict methods, globals, and Jinja's
// built-in filters and tests. Internal to src/tasks.
#pragma once

#include "core/utf8.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rightsize::jinja_detail {

// UTF-8 helpers (core/utf8.h), for the engine's Python string semantics.
using rightsize::utf8_chars;
using rightsize::utf8_decode;
using rightsize::utf8_encode;
using rightsize::utf8_len;

using json = nlohmann::json;

// Runtime errors. `line` is -1 until the innermost expression or statement being evaluated fills
// it in, so the helpers need not know where they are called from. `undefined` marks what Jinja
// would turn into an Undefined value, which `is defined` and `default` absorb.
struct RenderError {
    std::string message;
    int line;
    bool undefined;
};

[[noreturn]] void fail(std::string message);
[[noreturn]] void fail_undefined(std::string message);

inline bool is_num(const json & v) { return v.is_number() || v.is_boolean(); }
inline bool is_intlike(const json & v) { return v.is_number_integer() || v.is_boolean(); }
inline int64_t as_int(const json & v) { return v.is_boolean() ? int64_t(v.get<bool>()) : v.get<int64_t>(); }
inline double as_double(const json & v) { return v.is_boolean() ? double(v.get<bool>()) : v.get<double>(); }
inline const std::string & as_str(const json & v) { return v.get_ref<const std::string &>(); }

// Python's str.isspace() set and identifier characters (ASCII).
inline const std::string kPyWhitespace = " \t\n\r\f\v\x1c\x1d\x1e\x1f";
inline bool is_py_space(char c) { return kPyWhitespace.find(c) != std::string::npos && c != '\0'; }
inline bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
inline bool is_digit(char c) { return c >= '0' && c <= '9'; }
inline bool is_name_char(char c) { return is_alpha(c) || is_digit(c) || c == '_'; }

std::string type_name(const json & v);
std::string py_float(double d);
std::string py_quote(const std::string & s);
std::string py_repr(const json & v);
std::string py_str(const json & v);  // str(): strings as they are, everything else as repr
bool truthy(const json & v);
bool py_eq(const json & a, const json & b);
int py_cmp(const json & a, const json & b, const std::string & op);
std::string strip(const std::string & s, const std::string & chars, bool left, bool right);
json iterate(const json & v);
json py_slice(const json & v, const json & start, const json & stop, const json & step);
json binary_op(const std::string & op, const json & a, const json & b);
bool contains(const json & haystack, const json & needle);
std::string join_keys(const json & obj);
json get_attr(const json & obj, const std::string & name, const std::string & desc);
json get_item(const json & obj, const json & key, const std::string & desc);
// Python's len(), int(), float(), str.replace, str.capitalize, Jinja's title filter, json.dumps;
// str_of: the value as a string or a RenderError naming `what`.
size_t py_len(const json & v);
int64_t py_int(const json & v);
double py_float_of(const json & v);
std::string py_replace(const std::string & s, const std::string & from, const std::string & to, int64_t count);
std::string capitalize(const std::string & s);
std::string jinja_title(const std::string & s);
std::string py_json(const json & v);
const std::string & str_of(const json & v, const std::string & what);
json py_split(const std::string & s, const json & sep, int64_t maxsplit);  // str.split
std::string py_title(const std::string & s);                              // str.title
size_t py_count(const std::string & s, const std::string & sub);          // str.count

// ---------------------------------------------------------------------------------------------
// Call arguments: positional and keyword, with Python's "unexpected argument" checking.

class Args {
public:
    Args(std::string what, std::vector<json> pos, std::vector<std::pair<std::string, json>> kw)
        : what_(std::move(what)), pos_(std::move(pos)), kw_(std::move(kw)), pos_used_(pos_.size()),
          kw_used_(kw_.size()) {}

    // The argument at `index`, or passed as `name=`; null when absent.
    const json * get(size_t index, std::string_view name) {
        if (index < pos_.size()) {
            pos_used_[index] = true;
            return &pos_[index];
        }
        for (size_t i = 0; i < kw_.size(); ++i) {
            if (kw_[i].first == name) {
                kw_used_[i] = true;
                return &kw_[i].second;
            }
        }
        return nullptr;
    }
    // Keyword-only arguments.
    const json * keyword(std::string_view name) { return get(SIZE_MAX, name); }
    json get_or(size_t index, std::string_view name, json dflt) {
        const json * p = get(index, name);
        return p ? *p : dflt;
    }
    const json & need(size_t index, std::string_view name) {
        if (const json * p = get(index, name)) return *p;
        fail(what_ + " needs the argument '" + std::string(name) + "'");
    }
    const std::string & need_str(size_t index, std::string_view name) {
        const json & v = need(index, name);
        if (!v.is_string()) fail(what_ + ": '" + std::string(name) + "' must be a str, not " + type_name(v));
        return as_str(v);
    }
    int64_t int_or(size_t index, std::string_view name, int64_t dflt) {
        const json * p = get(index, name);
        if (p && !is_intlike(*p)) fail(what_ + ": '" + std::string(name) + "' must be an int, not " + type_name(*p));
        return p ? as_int(*p) : dflt;
    }
    // Everything, for callers taking *args / **kwargs.
    std::vector<json> & positional() {
        std::fill(pos_used_.begin(), pos_used_.end(), true);
        return pos_;
    }
    const std::vector<std::pair<std::string, json>> & keywords() {
        std::fill(kw_used_.begin(), kw_used_.end(), true);
        return kw_;
    }
    void done() const {
        for (size_t i = 0; i < pos_.size(); ++i)
            if (!pos_used_[i]) fail(what_ + " got too many arguments (" + std::to_string(pos_.size()) + ")");
        for (size_t i = 0; i < kw_.size(); ++i)
            if (!kw_used_[i]) fail(what_ + " got an unexpected argument '" + kw_[i].first + "'");
    }
    const std::string & what() const { return what_; }

private:
    std::string what_;
    std::vector<json> pos_;
    std::vector<std::pair<std::string, json>> kw_;
    std::vector<bool> pos_used_, kw_used_;
};


json call_method(const json & obj, const std::string & name, Args & a, const std::string & desc);
json call_global(const std::string & name, Args & a);

// Jinja's built-in filters and tests of the same names.
bool is_filter(const std::string & name);
bool is_test(const std::string & name);
std::string filter_names();  // comma-separated, for error messages
std::string test_names();
json apply_filter(const std::string & name, const json & v, Args & a);
bool apply_test(const std::string & name, const json & v, Args & a);

}  // namespace rightsize::jinja_detail
