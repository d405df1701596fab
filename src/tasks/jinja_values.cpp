// Python value semantics for the Jinja engine; see jinja_values.h.
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

[[noreturn]] void fail(std::string message) { throw RenderError{std::move(message), -1, false}; }
[[noreturn]] void fail_undefined(std::string message) { throw RenderError{std::move(message), -1, true}; }

// ---------------------------------------------------------------------------------------------
// Python value semantics over JSON.


std::string type_name(const json & v) {
    switch (v.type()) {
        case json::value_t::null: return "NoneType";
        case json::value_t::boolean: return "bool";
        case json::value_t::number_integer:
        case json::value_t::number_unsigned: return "int";
        case json::value_t::number_float: return "float";
        case json::value_t::string: return "str";
        case json::value_t::array: return "list";
        case json::value_t::object: return "dict";
        default: return "value";
    }
}

// Python's repr(float): the shortest digits that round-trip, positional for exponents in
// [-4, 16), scientific with a two-digit exponent otherwise.
std::string py_float(double d) {
    if (std::isnan(d)) return "nan";
    if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
    if (d == 0) return std::signbit(d) ? "-0.0" : "0.0";
    char buf[64];
    const auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
    std::string s(buf, res.ptr);
    std::string sign;
    if (s[0] == '-') {
        sign = "-";
        s.erase(0, 1);
    }
    const auto e = s.find('e');
    const int exp = std::stoi(s.substr(e + 1));
    std::string digits = s.substr(0, e);
    digits.erase(std::remove(digits.begin(), digits.end(), '.'), digits.end());
    if (exp >= -4 && exp < 16) {
        if (exp < 0) return sign + "0." + std::string(-exp - 1, '0') + digits;
        if (digits.size() <= size_t(exp) + 1) return sign + digits + std::string(exp + 1 - digits.size(), '0') + ".0";
        return sign + digits.substr(0, exp + 1) + "." + digits.substr(exp + 1);
    }
    std::string mantissa = digits.substr(0, 1) + (digits.size() > 1 ? "." + digits.substr(1) : "");
    const std::string e_digits = std::to_string(std::abs(exp));
    return sign + mantissa + "e" + (exp < 0 ? "-" : "+") + (e_digits.size() < 2 ? "0" : "") + e_digits;
}

// Python's repr(str): single quotes unless the text has a single quote and no double quote.
std::string py_quote(const std::string & s) {
    const char q = s.find('\'') != std::string::npos && s.find('"') == std::string::npos ? '"' : '\'';
    std::string out(1, q);
    for (const unsigned char c : s) {
        if (c == q || c == '\\') {
            out += '\\';
            out += char(c);
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else if (c == '\t') {
            out += "\\t";
        } else if (c < 0x20 || c == 0x7f) {
            char b[8];
            std::snprintf(b, sizeof b, "\\x%02x", c);
            out += b;
        } else {
            out += char(c);
        }
    }
    return out + q;
}

std::string py_repr(const json & v) {
    switch (v.type()) {
        case json::value_t::null: return "None";
        case json::value_t::boolean: return v.get<bool>() ? "True" : "False";
        case json::value_t::number_integer: return std::to_string(v.get<int64_t>());
        case json::value_t::number_unsigned: return std::to_string(v.get<uint64_t>());
        case json::value_t::number_float: return py_float(v.get<double>());
        case json::value_t::string: return py_quote(as_str(v));
        case json::value_t::array: {
            std::string out = "[";
            for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + py_repr(v[i]);
            return out + "]";
        }
        case json::value_t::object: {
            std::string out = "{";
            for (auto it = v.begin(); it != v.end(); ++it)
                out += (it == v.begin() ? "" : ", ") + py_quote(it.key()) + ": " + py_repr(it.value());
            return out + "}";
        }
        default: return "<binary>";
    }
}

std::string py_str(const json & v) { return v.is_string() ? as_str(v) : py_repr(v); }

bool truthy(const json & v) {
    switch (v.type()) {
        case json::value_t::null: return false;
        case json::value_t::boolean: return v.get<bool>();
        case json::value_t::number_integer:
        case json::value_t::number_unsigned: return v.get<int64_t>() != 0;
        case json::value_t::number_float: return v.get<double>() != 0;
        case json::value_t::string: return !as_str(v).empty();  // json::empty() is false for any string
        default: return !v.empty();
    }
}

// Python ==: numbers compare by value across int/float/bool; other types only with themselves.
bool py_eq(const json & a, const json & b) {
    if (is_num(a) && is_num(b)) {
        if (is_intlike(a) && is_intlike(b)) return as_int(a) == as_int(b);
        return as_double(a) == as_double(b);
    }
    if (a.type() != b.type()) return false;
    if (a.is_array()) {
        if (a.size() != b.size()) return false;
        for (size_t i = 0; i < a.size(); ++i)
            if (!py_eq(a[i], b[i])) return false;
        return true;
    }
    if (a.is_object()) {
        if (a.size() != b.size()) return false;
        for (auto it = a.begin(); it != a.end(); ++it) {
            const auto other = b.find(it.key());
            if (other == b.end() || !py_eq(it.value(), *other)) return false;
        }
        return true;
    }
    return a == b;
}

// Python's ordering: -1, 0 or 1; a TypeError for types Python cannot order.
int py_cmp(const json & a, const json & b, const std::string & op) {
    if (is_num(a) && is_num(b)) {
        if (is_intlike(a) && is_intlike(b)) return as_int(a) < as_int(b) ? -1 : as_int(a) > as_int(b);
        return as_double(a) < as_double(b) ? -1 : as_double(a) > as_double(b);
    }
    if (a.is_string() && b.is_string()) {
        const int c = as_str(a).compare(as_str(b));  // UTF-8 byte order is code point order
        return c < 0 ? -1 : c > 0;
    }
    if (a.is_array() && b.is_array()) {
        for (size_t i = 0; i < a.size() && i < b.size(); ++i)
            if (!py_eq(a[i], b[i])) return py_cmp(a[i], b[i], op);
        return a.size() < b.size() ? -1 : a.size() > b.size();
    }
    fail("'" + op + "' not supported between instances of '" + type_name(a) + "' and '" + type_name(b) + "'");
}

// ---------------------------------------------------------------------------------------------
// UTF-8: Python indexes strings by code point, so len(), s[i] and slices work on these.


// ---------------------------------------------------------------------------------------------
// Python string operations (ASCII case rules, as the text helpers elsewhere in the project).

char to_lower(char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; }
char to_upper(char c) { return c >= 'a' && c <= 'z' ? char(c - 'a' + 'A') : c; }

std::string strip(const std::string & s, const std::string & chars, bool left, bool right) {
    size_t b = 0, e = s.size();
    while (left && b < e && chars.find(s[b]) != std::string::npos) ++b;
    while (right && e > b && chars.find(s[e - 1]) != std::string::npos) --e;
    return s.substr(b, e - b);
}

std::string capitalize(const std::string & s) {
    std::string out = lower(s);
    if (!out.empty()) out[0] = to_upper(out[0]);
    return out;
}

// Python's str.title(): a letter is upper-cased when the character before it is not a letter.
std::string py_title(const std::string & s) {
    std::string out = s;
    bool prev_cased = false;
    for (char & c : out) {
        c = prev_cased ? to_lower(c) : to_upper(c);
        prev_cased = is_alpha(c);
    }
    return out;
}

// Jinja's title filter differs from str.title(): words start only after whitespace, '-' or an
// opening bracket, so "3rd" stays "3rd".
std::string jinja_title(const std::string & s) {
    std::string out = s;
    bool word_start = true;
    for (char & c : out) {
        const bool delimiter = is_py_space(c) || std::string_view("-({[<").find(c) != std::string_view::npos;
        if (!delimiter) c = word_start ? to_upper(c) : to_lower(c);
        word_start = delimiter;
    }
    return out;
}

// Python's str.split(sep=None, maxsplit).
json py_split(const std::string & s, const json & sep, int64_t maxsplit) {
    json out = json::array();
    if (maxsplit < 0) maxsplit = INT64_MAX;
    if (sep.is_null()) {
        size_t i = 0;
        for (; maxsplit > 0; --maxsplit) {
            while (i < s.size() && is_py_space(s[i])) ++i;
            if (i == s.size()) break;
            const size_t j = i;
            while (i < s.size() && !is_py_space(s[i])) ++i;
            out.push_back(s.substr(j, i - j));
        }
        while (i < s.size() && is_py_space(s[i])) ++i;
        if (i < s.size()) out.push_back(s.substr(i));
        return out;
    }
    if (!sep.is_string()) fail("split(): the separator must be a str or None, not " + type_name(sep));
    const std::string & d = as_str(sep);
    if (d.empty()) fail("split(): empty separator");
    size_t i = 0;
    for (size_t at; maxsplit > 0 && (at = s.find(d, i)) != std::string::npos; --maxsplit, i = at + d.size())
        out.push_back(s.substr(i, at - i));
    out.push_back(s.substr(i));
    return out;
}

std::string py_replace(const std::string & s, const std::string & from, const std::string & to, int64_t count) {
    if (count < 0) count = INT64_MAX;
    std::string out;
    if (from.empty()) {  // Python inserts `to` at every character boundary
        const auto chars = utf8_chars(s);
        for (size_t i = 0; i <= chars.size(); ++i) {
            if (count-- > 0) out += to;
            if (i < chars.size()) out += chars[i];
        }
        return out;
    }
    size_t i = 0;
    for (size_t at; count > 0 && (at = s.find(from, i)) != std::string::npos; --count, i = at + from.size())
        out += s.substr(i, at - i) + to;
    return out + s.substr(i);
}

size_t py_count(const std::string & s, const std::string & sub) {
    if (sub.empty()) return utf8_len(s) + 1;
    size_t n = 0;
    for (size_t at = s.find(sub); at != std::string::npos; at = s.find(sub, at + sub.size())) ++n;
    return n;
}

// Python's int(): ints as they are, floats truncated, strings parsed strictly in base 10.
int64_t py_int(const json & v) {
    if (is_intlike(v)) return as_int(v);
    if (v.is_number_float()) {
        const double d = v.get<double>();
        if (!std::isfinite(d)) fail("cannot convert float " + py_float(d) + " to integer");
        return int64_t(std::trunc(d));
    }
    if (!v.is_string()) fail("int() argument must be a string or a number, not '" + type_name(v) + "'");
    std::string s = strip(as_str(v), kPyWhitespace, true, true);
    s.erase(std::remove(s.begin(), s.end(), '_'), s.end());
    int64_t out = 0;
    const char * b = s.data() + (!s.empty() && s[0] == '+');
    const auto res = std::from_chars(b, s.data() + s.size(), out);
    if (s.empty() || res.ec != std::errc() || res.ptr != s.data() + s.size())
        fail("invalid literal for int() with base 10: " + py_quote(as_str(v)));
    return out;
}

double py_float_of(const json & v) {
    if (is_num(v)) return as_double(v);
    if (!v.is_string()) fail("float() argument must be a string or a number, not '" + type_name(v) + "'");
    const std::string s = lower(strip(as_str(v), kPyWhitespace, true, true));
    const std::string body = !s.empty() && (s[0] == '-' || s[0] == '+') ? s.substr(1) : s;
    const double sign = !s.empty() && s[0] == '-' ? -1 : 1;
    if (body == "inf" || body == "infinity") return sign * INFINITY;
    if (body == "nan") return NAN;
    char * end = nullptr;
    const double d = std::strtod(s.c_str(), &end);
    if (s.empty() || end != s.c_str() + s.size() || body.find_first_of("xp") != std::string::npos)
        fail("could not convert string to float: " + py_quote(as_str(v)));
    return d;
}

// Python's json.dumps as Jinja's tojson calls it: ASCII-only, ", "/": " separators, sorted keys,
// and <, >, &, ' escaped so the output is safe inside HTML.
std::string py_json(const json & v) {
    switch (v.type()) {
        case json::value_t::null: return "null";
        case json::value_t::boolean: return v.get<bool>() ? "true" : "false";
        case json::value_t::number_float: {
            const double d = v.get<double>();
            if (std::isnan(d)) return "NaN";
            if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
            return py_float(d);
        }
        case json::value_t::string: {
            std::string out = "\"";
            for (const uint32_t cp : utf8_decode(as_str(v))) {
                const auto esc = [&](uint32_t u) {
                    char b[16];
                    std::snprintf(b, sizeof b, "\\u%04x", u);
                    out += b;
                };
                if (cp == '"') out += "\\\"";
                else if (cp == '\\') out += "\\\\";
                else if (cp == '\n') out += "\\n";
                else if (cp == '\r') out += "\\r";
                else if (cp == '\t') out += "\\t";
                else if (cp == '\b') out += "\\b";
                else if (cp == '\f') out += "\\f";
                else if (cp >= 0x10000) {
                    esc(0xD800 + ((cp - 0x10000) >> 10));
                    esc(0xDC00 + ((cp - 0x10000) & 0x3FF));
                } else if (cp < 0x20 || cp > 0x7e || cp == '<' || cp == '>' || cp == '&' || cp == '\'') {
                    esc(cp);
                } else {
                    out += char(cp);
                }
            }
            return out + "\"";
        }
        case json::value_t::array: {
            std::string out = "[";
            for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + py_json(v[i]);
            return out + "]";
        }
        case json::value_t::object: {
            std::string out = "{";
            for (auto it = v.begin(); it != v.end(); ++it)
                out += (it == v.begin() ? "" : ", ") + py_json(json(it.key())) + ": " + py_json(it.value());
            return out + "}";
        }
        default: return py_repr(v);
    }
}

// ---------------------------------------------------------------------------------------------
// Sequences, indexing, arithmetic.

// What a for loop or list() sees: a list's items, a dict's keys, a string's characters.
json iterate(const json & v) {
    if (v.is_array()) return v;
    json out = json::array();
    if (v.is_object()) {
        for (auto it = v.begin(); it != v.end(); ++it) out.push_back(it.key());
    } else if (v.is_string()) {
        for (auto & c : utf8_chars(as_str(v))) out.push_back(std::move(c));
    } else {
        fail("'" + type_name(v) + "' object is not iterable");
    }
    return out;
}

size_t py_len(const json & v) {
    if (v.is_string()) return utf8_len(as_str(v));
    if (v.is_array() || v.is_object()) return v.size();
    fail("object of type '" + type_name(v) + "' has no len()");
}

std::optional<size_t> normalize_index(int64_t i, size_t n) {
    if (i < 0) i += int64_t(n);
    if (i < 0 || i >= int64_t(n)) return std::nullopt;
    return size_t(i);
}

// Python's slice of a list or string.
json py_slice(const json & v, const json & start, const json & stop, const json & step) {
    for (const json * p : {&start, &stop, &step})
        if (!p->is_null() && !is_intlike(*p)) fail("slice indices must be integers or None, not " + type_name(*p));
    const int64_t st = step.is_null() ? 1 : as_int(step);
    if (st == 0) fail("slice step cannot be zero");
    std::vector<std::string> chars;
    if (v.is_string()) chars = utf8_chars(as_str(v));
    else if (!v.is_array()) fail("'" + type_name(v) + "' object is not subscriptable");
    const int64_t len = int64_t(v.is_string() ? chars.size() : v.size());
    const auto adjust = [&](const json & x, int64_t dflt) {
        if (x.is_null()) return dflt;
        int64_t i = as_int(x);
        if (i < 0) {
            i += len;
            if (i < 0) i = st < 0 ? -1 : 0;
        } else if (i >= len) {
            i = st < 0 ? len - 1 : len;
        }
        return i;
    };
    const int64_t b = adjust(start, st < 0 ? len - 1 : 0), e = adjust(stop, st < 0 ? -1 : len);
    std::string s;
    json out = json::array();
    for (int64_t i = b; st > 0 ? i < e : i > e; i += st) {
        if (v.is_string()) s += chars[size_t(i)];
        else out.push_back(v[size_t(i)]);
    }
    return v.is_string() ? json(s) : out;
}

json repeat(const json & seq, int64_t n) {
    if (seq.is_string()) {
        std::string out;
        for (int64_t i = 0; i < n; ++i) out += as_str(seq);
        return out;
    }
    json out = json::array();
    for (int64_t i = 0; i < n; ++i) out.insert(out.end(), seq.begin(), seq.end());
    return out;
}

json binary_op(const std::string & op, const json & a, const json & b) {
    if (op == "~") return py_str(a) + py_str(b);
    if (op == "+" && a.is_string() && b.is_string()) return as_str(a) + as_str(b);
    if (op == "+" && a.is_array() && b.is_array()) {
        json out = a;
        out.insert(out.end(), b.begin(), b.end());
        return out;
    }
    if (op == "*" && (a.is_string() || a.is_array()) && is_intlike(b)) return repeat(a, as_int(b));
    if (op == "*" && is_intlike(a) && (b.is_string() || b.is_array())) return repeat(b, as_int(a));
    if (!is_num(a) || !is_num(b))
        fail("unsupported operand types for " + op + ": '" + type_name(a) + "' and '" + type_name(b) + "'");
    if (is_intlike(a) && is_intlike(b) && op != "/") {
        const int64_t x = as_int(a), y = as_int(b);
        if (op == "+") return x + y;
        if (op == "-") return x - y;
        if (op == "*") return x * y;
        if (op == "**") {
            if (y < 0) return std::pow(double(x), double(y));
            int64_t r = 1;
            for (int64_t i = 0; i < y; ++i) r *= x;
            return r;
        }
        if (y == 0) fail("integer division or modulo by zero");
        // Python rounds // towards negative infinity and gives % the sign of the divisor.
        if (op == "//") return x / y - ((x % y != 0) && ((x < 0) != (y < 0)));
        const int64_t r = x % y;
        return r != 0 && ((r < 0) != (y < 0)) ? r + y : r;
    }
    const double x = as_double(a), y = as_double(b);
    if (op == "+") return x + y;
    if (op == "-") return x - y;
    if (op == "*") return x * y;
    if (op == "**") return std::pow(x, y);
    if (y == 0) fail("float division by zero");
    if (op == "/") return x / y;
    if (op == "//") return std::floor(x / y);
    const double r = std::fmod(x, y);
    if (r == 0) return std::copysign(0.0, y);  // Python: a zero remainder takes the divisor's sign
    return (r < 0) != (y < 0) ? r + y : r;
}

bool contains(const json & haystack, const json & needle) {
    if (haystack.is_string()) {
        if (!needle.is_string()) fail("'in <string>' requires string as left operand, not " + type_name(needle));
        return as_str(haystack).find(as_str(needle)) != std::string::npos;
    }
    if (haystack.is_array())
        return std::any_of(haystack.begin(), haystack.end(), [&](const json & x) { return py_eq(x, needle); });
    if (haystack.is_object()) return needle.is_string() && haystack.contains(as_str(needle));
    fail("argument of type '" + type_name(haystack) + "' is not iterable");
}

std::string join_keys(const json & obj) {
    std::string out;
    for (auto it = obj.begin(); it != obj.end(); ++it) out += (out.empty() ? "" : ", ") + it.key();
    return out;
}

// a.b: a dict's key (Jinja's attribute fallback) or a list's a.0 element.
json get_attr(const json & obj, const std::string & name, const std::string & desc) {
    if (obj.is_object()) {
        const auto it = obj.find(name);
        if (it != obj.end()) return *it;
        fail_undefined("'" + desc + "' has no key '" + name + "'" +
                       (obj.empty() ? std::string("; it is empty") : "; its keys are: " + join_keys(obj)));
    }
    if (obj.is_array() && !name.empty() && std::all_of(name.begin(), name.end(), is_digit)) {
        int64_t index = INT64_MAX;
        std::from_chars(name.data(), name.data() + name.size(), index);
        if (const auto i = normalize_index(index, obj.size())) return obj[*i];
        fail_undefined("index " + name + " is out of range for '" + desc + "', which has " +
                       std::to_string(obj.size()) + " items");
    }
    fail_undefined("'" + desc + "' is of type " + type_name(obj) + ", which has no attribute '" + name + "'");
}

json get_item(const json & obj, const json & key, const std::string & desc) {
    if (obj.is_object()) {
        if (key.is_string()) return get_attr(obj, as_str(key), desc);
        fail_undefined("'" + desc + "' has no key " + py_repr(key) + "; its keys are: " + join_keys(obj));
    }
    if (obj.is_array() || obj.is_string()) {
        if (!is_intlike(key))
            fail_undefined("'" + desc + "' is of type " + type_name(obj) + ", so its index must be an int, not " +
                           type_name(key) + " " + py_repr(key));
        const size_t n = py_len(obj);
        const auto i = normalize_index(as_int(key), n);
        if (!i)
            fail_undefined("index " + std::to_string(as_int(key)) + " is out of range for '" + desc + "', which has " +
                           std::to_string(n) + (obj.is_string() ? " characters" : " items"));
        return obj.is_array() ? obj[*i] : json(utf8_chars(as_str(obj))[*i]);
    }
    fail_undefined("'" + desc + "' is of type " + type_name(obj) + " and cannot be indexed with " + py_repr(key));
}

const std::string & str_of(const json & v, const std::string & what) {
    if (!v.is_string()) fail(what + " needs a str, not " + type_name(v));
    return as_str(v);
}

}  // namespace rightsize::jinja_detail
