// Delimited text (CSV, TSV) read once, by RFC 4180: quoted fields may hold the delimiter, doubled
// quotes and line breaks; CRLF and LF both end a record; a UTF-8 byte-order mark is dropped.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace rightsize {

struct CsvRecord {
    size_t line = 0;                  // where the record starts (1-based), for messages
    std::vector<std::string> fields;
};

struct CsvOptions {
    char delimiter = ',';
    // Trim spaces and tabs around unquoted fields (a hand-written CSV's "a, b"); a quote after
    // leading spaces then opens a quoted field.
    bool trim_unquoted = false;
    // Keep only the first max_records records (0: all); the rest are still scanned, so that a
    // quote left open is found, and counted into *total_records when given, but never stored.
    size_t max_records = 0;
    size_t * total_records = nullptr;
};

// Every record of text, blank lines skipped. Throws rightsize::Error "NAME:LINE: a quoted field
// is never closed (missing '"')" for a quote left open.
std::vector<CsvRecord> parse_csv(std::string_view text, const std::string & name, const CsvOptions & options = {});

}  // namespace rightsize
