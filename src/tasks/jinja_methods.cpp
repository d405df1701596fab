// Python methods (str.format, str.split, dict.items, …) and globals (range, namespace, …) callable
// from templates (jinja_values.h: call_method, call_global).
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

// Python's str.format with automatic ({}), numbered ({0}) and named ({name}) fields.
std::string py_format(const std::string & fmt, Args & args) {
    const auto & pos = args.positional();
    const auto & kw = args.keywords();
    std::string out;
    size_t next_auto = 0;
    for (size_t i = 0; i < fmt.size(); ++i) {
        if (fmt[i] == '}') {
            if (i + 1 < fmt.size() && fmt[i + 1] == '}') ++i;
            else fail("format(): single '}' encountered in format string");
            out += '}';
            continue;
        }
        if (fmt[i] != '{') {
            out += fmt[i];
            continue;
        }
        if (i + 1 < fmt.size() && fmt[i + 1] == '{') {
            out += '{';
            ++i;
            continue;
        }
        const size_t close = fmt.find('}', i);
        if (close == std::string::npos) fail("format(): single '{' encountered in format string");
        const std::string field = fmt.substr(i + 1, close - i - 1);
        i = close;
        if (field.find_first_of(":![.") != std::string::npos)
            fail("format(): the field '{" + field + "}' uses format specs or lookups, which are not supported");
        if (field.empty() || std::all_of(field.begin(), field.end(), is_digit)) {
            const size_t n = field.empty() ? next_auto++ : size_t(std::stoul(field));
            if (n >= pos.size())
                fail("format(): replacement index " + std::to_string(n) + " out of range (" +
                     std::to_string(pos.size()) + " arguments given)");
            out += py_str(pos[n]);
            continue;
        }
        const auto it = std::find_if(kw.begin(), kw.end(), [&](const auto & p) { return p.first == field; });
        if (it == kw.end()) fail("format(): no argument named '" + field + "'");
        out += py_str(it->second);
    }
    return out;
}

json string_method(const std::string & s, const std::string & name, Args & a) {
    const auto chars_arg = [&] {
        const json c = a.get_or(0, "chars", nullptr);
        return c.is_null() ? kPyWhitespace : str_of(c, a.what());
    };
    const auto affix = [&](bool prefix) {
        const json & p = a.need(0, prefix ? "prefix" : "suffix");
        const json options = p.is_array() ? p : json::array({p});
        return std::any_of(options.begin(), options.end(), [&](const json & o) {
            const std::string & x = str_of(o, a.what());
            return s.size() >= x.size() && s.compare(prefix ? 0 : s.size() - x.size(), x.size(), x) == 0;
        });
    };
    const auto all = [&](auto pred) { return !s.empty() && std::all_of(s.begin(), s.end(), pred); };
    json r;
    if (name == "strip") r = strip(s, chars_arg(), true, true);
    else if (name == "lstrip") r = strip(s, chars_arg(), true, false);
    else if (name == "rstrip") r = strip(s, chars_arg(), false, true);
    else if (name == "split") r = py_split(s, a.get_or(0, "sep", nullptr), a.int_or(1, "maxsplit", -1));
    else if (name == "replace")
        r = py_replace(s, a.need_str(0, "old"), a.need_str(1, "new"), a.int_or(2, "count", -1));
    else if (name == "lower") r = lower(s);
    else if (name == "upper") r = upper(s);
    else if (name == "capitalize") r = capitalize(s);
    else if (name == "title") r = py_title(s);
    else if (name == "startswith") r = affix(true);
    else if (name == "endswith") r = affix(false);
    else if (name == "find" || name == "rfind" || name == "index") {
        const std::string & sub = a.need_str(0, "sub");
        const size_t at = name == "rfind" ? s.rfind(sub) : s.find(sub);
        if (at == std::string::npos && name == "index") fail("index(): substring " + py_quote(sub) + " not found");
        r = at == std::string::npos ? int64_t(-1) : int64_t(utf8_len(std::string_view(s).substr(0, at)));
    } else if (name == "count") r = py_count(s, a.need_str(0, "sub"));
    else if (name == "join") {
        std::string out;
        const json items = iterate(a.need(0, "iterable"));
        for (size_t i = 0; i < items.size(); ++i) {
            if (!items[i].is_string())
                fail("join(): sequence item " + std::to_string(i) + ": expected str instance, " +
                     type_name(items[i]) + " found");
            out += (i ? s : "") + as_str(items[i]);
        }
        r = out;
    } else if (name == "format") r = py_format(s, a);
    else if (name == "isdigit") r = all(is_digit);
    else if (name == "isalpha") r = all(is_alpha);
    else if (name == "isalnum") r = all([](char c) { return is_alpha(c) || is_digit(c); });
    else if (name == "isspace") r = all(is_py_space);
    else if (name == "islower") r = std::any_of(s.begin(), s.end(), is_alpha) && lower(s) == s;
    else if (name == "isupper") r = std::any_of(s.begin(), s.end(), is_alpha) && upper(s) == s;
    else if (name == "zfill") {
        const int64_t width = a.int_or(0, "width", 0), len = int64_t(utf8_len(s));
        if (width <= len) r = s;
        else if (!s.empty() && (s[0] == '-' || s[0] == '+')) r = s[0] + std::string(width - len, '0') + s.substr(1);
        else r = std::string(width - len, '0') + s;
    } else {
        fail("str has no method '" + name + "'; supported: capitalize, count, endswith, find, format, index, "
             "isalnum, isalpha, isdigit, islower, isspace, isupper, join, lower, lstrip, replace, rfind, rstrip, "
             "split, startswith, strip, title, upper, zfill");
    }
    return r;
}

json call_method(const json & obj, const std::string & name, Args & a, const std::string & desc) {
    json r;
    if (obj.is_string()) {
        r = string_method(as_str(obj), name, a);
    } else if (obj.is_array() && (name == "index" || name == "count")) {
        const json & x = a.need(0, "value");
        const auto pos = std::find_if(obj.begin(), obj.end(), [&](const json & v) { return py_eq(v, x); });
        if (name == "count") r = std::count_if(obj.begin(), obj.end(), [&](const json & v) { return py_eq(v, x); });
        else if (pos != obj.end()) r = int64_t(pos - obj.begin());
        else fail(desc + ".index(): " + py_repr(x) + " is not in the list " + py_repr(obj));
    } else if (obj.is_object() && (name == "keys" || name == "values" || name == "items")) {
        r = json::array();
        for (auto it = obj.begin(); it != obj.end(); ++it) {
            if (name == "keys") r.push_back(it.key());
            else if (name == "values") r.push_back(it.value());
            else r.push_back(json::array({it.key(), it.value()}));
        }
    } else if (obj.is_object() && name == "get") {
        const json & key = a.need(0, "key");
        const auto it = key.is_string() ? obj.find(as_str(key)) : obj.end();
        r = it != obj.end() ? *it : a.get_or(1, "default", nullptr);
    } else {
        const std::string supported = obj.is_array()    ? "; list methods supported here: count, index"
                                      : obj.is_object() ? "; dict methods supported here: get, items, keys, values"
                                                        : "";
        fail("'" + desc + "' is of type " + type_name(obj) + ", which has no method '" + name + "'" + supported);
    }
    a.done();
    return r;
}

json call_global(const std::string & name, Args & a) {
    json r;
    if (name == "range") {
        int64_t start = 0, stop = 0, step = 1;
        const size_t n = a.positional().size();
        for (const auto & v : a.positional())
            if (!is_intlike(v)) fail("range() arguments must be ints, not " + type_name(v));
        if (n == 1) stop = as_int(a.positional()[0]);
        else if (n == 2 || n == 3) start = as_int(a.positional()[0]), stop = as_int(a.positional()[1]);
        else fail("range() takes 1 to 3 arguments");
        if (n == 3) step = as_int(a.positional()[2]);
        if (step == 0) fail("range() arg 3 must not be zero");
        r = json::array();
        for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
            if (r.size() >= 1000000) fail("range() is too large (at most 1000000 items)");
            r.push_back(i);
        }
    } else if (name == "namespace" || name == "dict") {
        r = json::object();
        for (const auto & [k, v] : a.keywords()) r[k] = v;
    } else if (name == "len") r = py_len(a.need(0, "obj"));
    else if (name == "str") r = py_str(a.get_or(0, "object", ""));
    else if (name == "int") r = py_int(a.get_or(0, "x", 0));
    else if (name == "float") r = py_float_of(a.get_or(0, "x", 0.0));
    else if (name == "bool") r = truthy(a.get_or(0, "x", false));
    else if (name == "list") r = iterate(a.get_or(0, "iterable", json::array()));
    else if (name == "abs") {
        const json & x = a.need(0, "x");
        if (!is_num(x)) fail("bad operand type for abs(): '" + type_name(x) + "'");
        r = is_intlike(x) ? json(std::abs(as_int(x))) : json(std::fabs(as_double(x)));
    } else if (name == "chr") r = utf8_encode(uint32_t(a.int_or(0, "i", 0)));
    else if (name == "ord") {
        const auto cps = utf8_decode(a.need_str(0, "c"));
        if (cps.size() != 1)
            fail("ord() expected a character, but string of length " + std::to_string(cps.size()) + " found");
        r = int64_t(cps[0]);
    } else {
        fail("'" + name + "' is not a function; available: abs, bool, chr, dict, float, int, len, list, namespace, "
             "ord, range, str");
    }
    a.done();
    return r;
}

}  // namespace rightsize::jinja_detail
