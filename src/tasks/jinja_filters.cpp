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

namespace {

// Each filter takes the name it was called by: some names share one (lower and upper, first
// and last). The caller checks that every argument was used.
using Filter = json (*)(const std::string & name, const json & v, Args & a);

json length_filter(const std::string &, const json & v, Args &) { return py_len(v); }

json default_filter(const std::string &, const json & v, Args & a) {
    const json dflt = a.get_or(0, "default_value", ""), boolean = a.get_or(1, "boolean", false);
    return truthy(boolean) && !truthy(v) ? dflt : v;
}

json join_filter(const std::string &, const json & v, Args & a) {
    const std::string sep = str_of(a.get_or(0, "d", ""), "join");
    const json attribute = a.get_or(1, "attribute", nullptr);
    std::string out;
    const json items = iterate(v);
    for (size_t i = 0; i < items.size(); ++i) {
        const json item = attribute.is_null() ? items[i] : attribute_path(items[i], str_of(attribute, "join"));
        out += (i ? sep : "") + py_str(item);
    }
    return out;
}

json case_filter(const std::string & name, const json & v, Args &) {
    const std::string s = py_str(v);
    if (name == "lower") return lower(s);
    if (name == "upper") return upper(s);
    if (name == "capitalize") return capitalize(s);
    return jinja_title(s);
}

json trim_filter(const std::string &, const json & v, Args & a) {
    const std::string s = py_str(v);
    const json chars = a.get_or(0, "chars", nullptr);
    return strip(s, chars.is_null() ? kPyWhitespace : str_of(chars, "trim"), true, true);
}

json replace_filter(const std::string &, const json & v, Args & a) {
    return py_replace(py_str(v), py_str(a.need(0, "old")), py_str(a.need(1, "new")), a.int_or(2, "count", -1));
}

json first_last_filter(const std::string & name, const json & v, Args &) {
    const json items = iterate(v);
    if (items.empty()) fail_undefined("'" + name + "' of an empty sequence");
    return name == "first" ? items.front() : items.back();
}

json list_filter(const std::string &, const json & v, Args &) { return iterate(v); }
json string_filter(const std::string &, const json & v, Args &) { return py_str(v); }
json safe_filter(const std::string &, const json & v, Args &) { return v; }

// int and float. Jinja never fails here: int("3.7") is 3 and anything unparsable becomes the default.
json number_filter(const std::string & name, const json & v, Args & a) {
    try {
        return name == "int" ? json(py_int(v)) : json(py_float_of(v));
    } catch (const RenderError &) {
        try {
            if (name != "int" || !v.is_string()) throw;
            return py_int(py_float_of(v));
        } catch (const RenderError &) {
            return a.get_or(0, "default", name == "int" ? json(0) : json(0.0));
        }
    }
}

json abs_filter(const std::string &, const json & v, Args &) {
    Args x("abs", std::vector<json>{v}, {});
    return call_global("abs", x);
}

json round_filter(const std::string &, const json & v, Args & a) {
    const int64_t precision = a.int_or(0, "precision", 0);
    const std::string method = str_of(a.get_or(1, "method", "common"), "round");
    if (!is_num(v)) fail("round needs a number, not " + type_name(v));
    if (method == "common") {
        if (is_intlike(v)) return as_int(v);  // Python's round(int, n) keeps the int
        // printf rounds the exact binary value half-to-even, like Python's round().
        char buf[512];
        std::snprintf(buf, sizeof buf, "%.*f", int(std::clamp<int64_t>(precision, 0, 300)), as_double(v));
        return std::strtod(buf, nullptr);
    }
    if (method == "ceil" || method == "floor") {
        const double scale = std::pow(10.0, double(precision));
        const double x = as_double(v) * scale;
        return (method == "ceil" ? std::ceil(x) : std::floor(x)) / scale;
    }
    fail("round: method must be 'common', 'ceil' or 'floor', not " + py_quote(method));
}

json reverse_filter(const std::string &, const json & v, Args &) {
    if (v.is_string()) {
        auto chars = utf8_chars(as_str(v));
        std::string out;
        for (auto it = chars.rbegin(); it != chars.rend(); ++it) out += *it;
        return out;
    }
    json r = iterate(v);
    std::reverse(r.begin(), r.end());
    return r;
}

json sort_filter(const std::string &, const json & v, Args & a) {
    json r = iterate(v);
    const bool reverse = truthy(a.get_or(0, "reverse", false));
    std::stable_sort(r.begin(), r.end(), [&](const json & x, const json & y) {
        const int c = py_cmp(sort_key(x, a, 1), sort_key(y, a, 1), "<");
        return reverse ? c > 0 : c < 0;
    });
    return r;
}

json unique_filter(const std::string &, const json & v, Args & a) {
    json r = json::array();
    json seen = json::array();
    for (const json & item : iterate(v)) {
        const json key = sort_key(item, a, 0);
        if (contains(seen, key)) continue;
        seen.push_back(key);
        r.push_back(item);
    }
    return r;
}

json min_max_filter(const std::string & name, const json & v, Args & a) { return extreme(v, a, name == "max"); }

json sum_filter(const std::string &, const json & v, Args & a) {
    const json attribute = a.get_or(0, "attribute", nullptr);
    json r = a.get_or(1, "start", 0);
    for (const json & item : iterate(v))
        r = binary_op("+", r, attribute.is_null() ? item : attribute_path(item, str_of(attribute, "sum")));
    return r;
}

json map_filter(const std::string &, const json & v, Args & a) {
    json r = json::array();
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
        return r;
    }
    std::vector<json> rest = a.positional();
    if (rest.empty() || !rest[0].is_string()) fail("map needs a filter name or attribute='...'");
    const std::string filter = as_str(rest[0]);
    if (!is_filter(filter) || filter == "map") fail("map: unknown filter '" + filter + "'");
    rest.erase(rest.begin());
    for (const json & item : iterate(v)) {
        Args inner("filter '" + filter + "'", rest, a.keywords());
        r.push_back(apply_filter(filter, item, inner));
    }
    return r;
}

json items_filter(const std::string &, const json & v, Args &) {
    if (!v.is_object()) fail("items needs a dict, not " + type_name(v));
    Args none("items", {}, {});
    return call_method(v, "items", none, "value");
}

// Jinja counts \w+ runs; bytes of multi-byte UTF-8 characters count as word characters.
json wordcount_filter(const std::string &, const json & v, Args &) {
    int64_t n = 0;
    bool in_word = false;
    for (const char c : py_str(v)) {
        const bool w = is_alpha(c) || is_digit(c) || c == '_' || static_cast<unsigned char>(c) >= 0x80;
        n += w && !in_word;
        in_word = w;
    }
    return n;
}

json tojson_filter(const std::string &, const json & v, Args &) { return py_json(v); }

struct NamedFilter {
    const char * name;
    Filter apply;
};

// In name order, as filter_names() lists them.
const NamedFilter kFilters[] = {
    {"abs", abs_filter},         {"capitalize", case_filter},   {"count", length_filter},     {"d", default_filter},
    {"default", default_filter}, {"first", first_last_filter},  {"float", number_filter},     {"int", number_filter},
    {"items", items_filter},     {"join", join_filter},         {"last", first_last_filter},  {"length", length_filter},
    {"list", list_filter},       {"lower", case_filter},        {"map", map_filter},          {"max", min_max_filter},
    {"min", min_max_filter},     {"replace", replace_filter},   {"reverse", reverse_filter},  {"round", round_filter},
    {"safe", safe_filter},       {"sort", sort_filter},         {"string", string_filter},    {"sum", sum_filter},
    {"title", case_filter},      {"tojson", tojson_filter},     {"trim", trim_filter},        {"unique", unique_filter},
    {"upper", case_filter},      {"wordcount", wordcount_filter}};

const NamedFilter * find_filter(const std::string & name) {
    const auto it = std::find_if(std::begin(kFilters), std::end(kFilters), [&](const NamedFilter & f) { return name == f.name; });
    return it == std::end(kFilters) ? nullptr : it;
}

}  // namespace

json apply_filter(const std::string & name, const json & v, Args & a) {
    const NamedFilter * f = find_filter(name);
    json r = f ? f->apply(name, v, a) : json();
    a.done();
    return r;
}

// ---------------------------------------------------------------------------------------------
// Tests, with the semantics of Jinja's built-ins of the same name.

const char * const kTests[] = {"boolean", "defined", "divisibleby", "eq", "even", "false", "float", "in", "integer",
                               "iterable", "lower", "mapping", "none", "number", "odd", "sequence", "string", "true",
                               "undefined", "upper"};

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

bool is_filter(const std::string & name) { return find_filter(name) != nullptr; }

bool is_test(const std::string & name) {
    return std::any_of(std::begin(kTests), std::end(kTests), [&](const char * n) { return name == n; });
}

std::string filter_names() {
    std::string out;
    for (const NamedFilter & f : kFilters) out += (out.empty() ? "" : ", ") + std::string(f.name);
    return out;
}

std::string test_names() {
    std::string out;
    for (const char * n : kTests) out += (out.empty() ? "" : ", ") + std::string(n);
    return out;
}

}  // namespace rightsize::jinja_detail
