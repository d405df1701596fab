// Jinja's built-in filters and tests over Python-semantics values (jinja_values.h).
#include "jinja_values.h"

#include <rightsize/error.h>

#include "core/text.h"

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

// ---------------------------------------------------------------------------------------------
// Filters, with the semantics of Jinja's built-ins of the same name.

const char * const kFilters[] = {"abs", "capitalize", "count", "d", "default", "first", "float", "int", "items",
                                 "join", "last", "length", "list", "lower", "map", "max", "min", "replace", "reverse",
                                 "round", "safe", "sort", "string", "sum", "title", "tojson", "trim", "unique", "upper",
                                 "wordcount"};
const char * const kTests[] = {"boolean", "defined", "divisibleby", "eq", "even", "false", "float", "in", "integer",
                               "iterable", "lower", "mapping", "none", "number", "odd", "sequence", "string", "true",
                               "undefined", "upper"};

template <size_t N> bool known(const char * const (&names)[N], const std::string & name) {
    return std::any_of(std::begin(names), std::end(names), [&](const char * n) { return name == n; });
}

template <size_t N> std::string list_names(const char * const (&names)[N]) {
    std::string out;
    for (const char * n : names) out += (out.empty() ? "" : ", ") + std::string(n);
    return out;
}

// Jinja's attribute= argument: a dotted path of keys (or list indices) into each item.
json attribute_path(const json & item, const std::string & path) {
    json v = item;
    for (size_t b = 0;;) {
        const size_t e = path.find('.', b);
        v = get_attr(v, path.substr(b, e - b), path);
        if (e == std::string::npos) return v;
        b = e + 1;
    }
}

// The sort/unique/min/max key: Jinja compares strings case-insensitively unless told otherwise.
// `first` is the position of the filter's case_sensitive argument; attribute follows it.
json sort_key(const json & item, Args & a, size_t first) {
    const json attribute = a.get_or(first + 1, "attribute", nullptr);
    json k = attribute.is_null() ? item : attribute_path(item, str_of(attribute, a.what()));
    if (k.is_string() && !truthy(a.get_or(first, "case_sensitive", false))) k = lower(as_str(k));
    return k;
}

json apply_filter(const std::string & name, const json & v, Args & a);

json extreme(const json & v, Args & a, bool want_max) {
    const json items = iterate(v);
    if (items.empty()) fail_undefined(std::string("no ") + (want_max ? "max" : "min") + " of an empty sequence");
    size_t best = 0;
    for (size_t i = 1; i < items.size(); ++i) {
        const int c = py_cmp(sort_key(items[i], a, 0), sort_key(items[best], a, 0), want_max ? ">" : "<");
        if (want_max ? c > 0 : c < 0) best = i;
    }
    return items[best];
}

json apply_filter(const std::string & name, const json & v, Args & a) {
    json r;
    if (name == "length" || name == "count") r = py_len(v);
    else if (name == "default" || name == "d") {
        const json dflt = a.get_or(0, "default_value", ""), boolean = a.get_or(1, "boolean", false);
        r = truthy(boolean) && !truthy(v) ? dflt : v;
    }
    else if (name == "join") {
        const std::string sep = str_of(a.get_or(0, "d", ""), "join");
        const json attribute = a.get_or(1, "attribute", nullptr);
        std::string out;
        const json items = iterate(v);
        for (size_t i = 0; i < items.size(); ++i) {
            const json item = attribute.is_null() ? items[i] : attribute_path(items[i], str_of(attribute, "join"));
            out += (i ? sep : "") + py_str(item);
        }
        r = out;
    } else if (name == "lower" || name == "upper" || name == "capitalize" || name == "title" || name == "trim") {
        const std::string s = py_str(v);
        if (name == "lower") r = lower(s);
        else if (name == "upper") r = upper(s);
        else if (name == "capitalize") r = capitalize(s);
        else if (name == "title") r = jinja_title(s);
        else {
            const json chars = a.get_or(0, "chars", nullptr);
            r = strip(s, chars.is_null() ? kPyWhitespace : str_of(chars, "trim"), true, true);
        }
    } else if (name == "replace") {
        r = py_replace(py_str(v), py_str(a.need(0, "old")), py_str(a.need(1, "new")), a.int_or(2, "count", -1));
    } else if (name == "first" || name == "last") {
        const json items = iterate(v);
        if (items.empty()) fail_undefined("'" + name + "' of an empty sequence");
        r = name == "first" ? items.front() : items.back();
    } else if (name == "list") r = iterate(v);
    else if (name == "string") r = py_str(v);
    else if (name == "safe") r = v;
    else if (name == "int" || name == "float") {
        // Jinja never fails here: int("3.7") is 3 and anything unparsable becomes the default.
        try {
            r = name == "int" ? json(py_int(v)) : json(py_float_of(v));
        } catch (const RenderError &) {
            try {
                if (name != "int" || !v.is_string()) throw;
                r = py_int(py_float_of(v));
            } catch (const RenderError &) {
                r = a.get_or(0, "default", name == "int" ? json(0) : json(0.0));
            }
        }
    } else if (name == "abs") {
        Args x("abs", std::vector<json>{v}, {});
        r = call_global("abs", x);
    } else if (name == "round") {
        const int64_t precision = a.int_or(0, "precision", 0);
        const std::string method = str_of(a.get_or(1, "method", "common"), "round");
        if (!is_num(v)) fail("round needs a number, not " + type_name(v));
        if (method == "common") {
            if (is_intlike(v)) r = as_int(v);  // Python's round(int, n) keeps the int
            else {
                // printf rounds the exact binary value half-to-even, like Python's round().
                char buf[512];
                std::snprintf(buf, sizeof buf, "%.*f", int(std::clamp<int64_t>(precision, 0, 300)), as_double(v));
                r = std::strtod(buf, nullptr);
            }
        } else if (method == "ceil" || method == "floor") {
            const double scale = std::pow(10.0, double(precision));
            const double x = as_double(v) * scale;
            r = (method == "ceil" ? std::ceil(x) : std::floor(x)) / scale;
        } else {
            fail("round: method must be 'common', 'ceil' or 'floor', not " + py_quote(method));
        }
    } else if (name == "reverse") {
        if (v.is_string()) {
            auto chars = utf8_chars(as_str(v));
            std::string out;
            for (auto it = chars.rbegin(); it != chars.rend(); ++it) out += *it;
            r = out;
        } else {
            r = iterate(v);
            std::reverse(r.begin(), r.end());
        }
    } else if (name == "sort") {
        r = iterate(v);
        const bool reverse = truthy(a.get_or(0, "reverse", false));
        std::stable_sort(r.begin(), r.end(), [&](const json & x, const json & y) {
            const int c = py_cmp(sort_key(x, a, 1), sort_key(y, a, 1), "<");
            return reverse ? c > 0 : c < 0;
        });
    } else if (name == "unique") {
        r = json::array();
        json seen = json::array();
        for (const json & item : iterate(v)) {
            const json key = sort_key(item, a, 0);
            if (contains(seen, key)) continue;
            seen.push_back(key);
            r.push_back(item);
        }
    } else if (name == "min" || name == "max") {
        r = extreme(v, a, name == "max");
    } else if (name == "sum") {
        const json attribute = a.get_or(0, "attribute", nullptr);
        r = a.get_or(1, "start", 0);
        for (const json & item : iterate(v))
            r = binary_op("+", r, attribute.is_null() ? item : attribute_path(item, str_of(attribute, "sum")));
    } else if (name == "map") {
        r = json::array();
        if (const json * attribute = a.keyword("attribute")) {
            const json * dflt = a.keyword("default");
            for (const json & item : iterate(v)) {
                try {
                    r.push_back(attribute_path(item, str_of(*attribute, "map")));
                } catch (const RenderError & e) {
                    if (!e.undefined || !dflt) throw;
                    r.push_back(*dflt);
                }
            }
        } else {
            std::vector<json> rest = a.positional();
            if (rest.empty() || !rest[0].is_string()) fail("map needs a filter name or attribute='...'");
            const std::string filter = as_str(rest[0]);
            if (!known(kFilters, filter) || filter == "map") fail("map: unknown filter '" + filter + "'");
            rest.erase(rest.begin());
            for (const json & item : iterate(v)) {
                Args inner("filter '" + filter + "'", rest, a.keywords());
                r.push_back(apply_filter(filter, item, inner));
            }
        }
    } else if (name == "items") {
        if (!v.is_object()) fail("items needs a dict, not " + type_name(v));
        Args none("items", {}, {});
        r = call_method(v, "items", none, "value");
    } else if (name == "wordcount") {
        // Jinja counts \w+ runs; bytes of multi-byte UTF-8 characters count as word characters.
        int64_t n = 0;
        bool in_word = false;
        for (const char c : py_str(v)) {
            const bool w = is_alpha(c) || is_digit(c) || c == '_' || static_cast<unsigned char>(c) >= 0x80;
            n += w && !in_word;
            in_word = w;
        }
        r = n;
    } else if (name == "tojson") {
        r = py_json(v);
    }
    a.done();
    return r;
}

bool apply_test(const std::string & name, const json & v, Args & a) {
    bool r = false;
    if (name == "none") r = v.is_null();
    else if (name == "string") r = v.is_string();
    else if (name == "number") r = is_num(v);
    else if (name == "integer") r = v.is_number_integer();
    else if (name == "float") r = v.is_number_float();
    else if (name == "boolean") r = v.is_boolean();
    else if (name == "true") r = v.is_boolean() && v.get<bool>();
    else if (name == "false") r = v.is_boolean() && !v.get<bool>();
    else if (name == "mapping") r = v.is_object();
    else if (name == "sequence" || name == "iterable") r = v.is_string() || v.is_array() || v.is_object();
    else if (name == "lower") r = v.is_string() && lower(as_str(v)) == as_str(v);
    else if (name == "upper") r = v.is_string() && upper(as_str(v)) == as_str(v);
    else if (name == "eq") r = py_eq(v, a.need(0, "other"));
    else if (name == "in") r = contains(a.need(0, "seq"), v);
    else if (name == "even" || name == "odd" || name == "divisibleby") {
        if (!is_intlike(v)) fail("'" + name + "' test needs an int, not " + type_name(v));
        const int64_t d = name == "divisibleby" ? a.int_or(0, "num", 1) : 2;
        if (d == 0) fail("divisibleby 0");
        r = (as_int(v) % d == 0) == (name != "odd");
    }
    a.done();
    return r;
}

bool is_filter(const std::string & name) { return known(kFilters, name); }
bool is_test(const std::string & name) { return known(kTests, name); }
std::string filter_names() { return list_names(kFilters); }
std::string test_names() { return list_names(kTests); }

}  // namespace rightsize::jinja_detail
