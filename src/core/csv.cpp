// Delimited text (csv.h).
#include "csv.h"

#include "utf8.h"

#include <rightsize/error.h>

#include <algorithm>
#include <cstdio>

namespace rightsize {

namespace {

bool blank(std::string_view s) { return s.find_first_not_of(" \t") == std::string_view::npos; }

std::string trimmed(const std::string & s) {
    const auto a = s.find_first_not_of(" \t");
    if (a == std::string::npos) return "";
    return s.substr(a, s.find_last_not_of(" \t") - a + 1);
}

}  // namespace

std::vector<CsvRecord> parse_csv(std::string_view text, const std::string & name, const CsvOptions & o) {
    if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // spreadsheet programs write a BOM
    // Every field ends up in JSON or a report, which must be UTF-8.
    if (const size_t bad = utf8_invalid_at(text); bad != std::string_view::npos) {
        char hex[8];
        snprintf(hex, sizeof hex, "0x%02X", unsigned(static_cast<unsigned char>(text[bad])));
        const size_t line = size_t(std::count(text.begin(), text.begin() + long(bad), '\n')) + 1;
        throw Error(name + ":" + std::to_string(line) + ": invalid UTF-8 (byte " + hex + " at byte offset " + std::to_string(bad) +
                    "); save the file as UTF-8");
    }
    std::vector<CsvRecord> out;
    CsvRecord rec{1, {}};
    std::string field;
    bool quoted = false, was_quoted = false;
    size_t line = 1;
    size_t total = 0, fields_seen = 0;
    bool first_empty = false;  // a record of one empty field is a blank line, not a record
    const auto keeping = [&] { return o.max_records == 0 || out.size() < o.max_records; };
    const auto end_field = [&] {
        std::string value = was_quoted || !o.trim_unquoted ? std::move(field) : trimmed(field);
        if (fields_seen++ == 0) first_empty = value.empty();
        if (keeping()) rec.fields.push_back(std::move(value));
        field.clear();
        was_quoted = false;
    };
    const auto end_record = [&] {
        end_field();
        if (!(fields_seen == 1 && first_empty)) {
            ++total;
            if (keeping()) out.push_back(std::move(rec));
        }
        rec = CsvRecord{line, {}};
        fields_seen = 0;
    };
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quoted) {
            if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
                field += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                if (c == '\n') ++line;
                field += c;
            }
        } else if (c == '"' && !was_quoted && (field.empty() || (o.trim_unquoted && blank(field)))) {
            quoted = was_quoted = true;
            field.clear();
        } else if (was_quoted && o.trim_unquoted && (c == ' ' || c == '\t')) {
            // spaces between a closing quote and the delimiter
        } else if (c == o.delimiter) {
            end_field();
        } else if (c == '\n' || c == '\r') {
            if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
            ++line;
            end_record();
        } else {
            field += c;
        }
    }
    if (quoted) throw Error(name + ":" + std::to_string(rec.line) + ": a quoted field is never closed (missing '\"')");
    if (!field.empty() || fields_seen > 0) end_record();
    if (o.total_records) *o.total_records = total;
    return out;
}

}  // namespace rightsize
