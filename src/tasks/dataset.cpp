#include <rightsize/dataset.h>

#include <rightsize/error.h>

#include "core/csv.h"
#include "core/utf8.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace rightsize {

namespace {

std::vector<Document> parse_delimited_first(const std::string & text, char delim, const std::string & name, bool infer_types,
                                            const std::vector<std::string> & column_names, size_t max_documents, size_t * total);

bool read_file_checks(const std::string & path) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) throw Error("data file '" + path + "' does not exist");
    if (std::filesystem::is_directory(path, ec)) throw Error("data path '" + path + "' is a directory, not a file");
    if (!std::ifstream(path, std::ios::binary)) throw Error("data file '" + path + "' cannot be opened for reading");
    return true;
}

std::string read_file(const std::string & path) {
    (void)read_file_checks(path);
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("data file '" + path + "' cannot be opened for reading");
    std::ostringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    if (text.rfind("\xEF\xBB\xBF", 0) == 0) text.erase(0, 3);  // UTF-8 byte-order mark
    return text;
}

const char * kNumberTooLarge = "a number is too large for a double; write it as a string or smaller";

// Text that is not UTF-8 fails here, naming the file, line and byte offset (JSON strings and the
// report's output must be UTF-8), unless lenient, when bad bytes become U+FFFD with a warning.
void require_utf8(std::string & text, const std::string & path, const LoadOptions & o, size_t line_base = 0, size_t byte_base = 0);

// 1-based line number of a byte offset.
size_t line_of(const std::string & text, size_t offset) {
    return size_t(std::count(text.begin(), text.begin() + long(std::min(offset, text.size())), '\n')) + 1;
}

bool blank(const std::string & s) {
    return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isspace(c); });
}

// SQuAD's nested layout becomes one document per question, in the Hugging Face squad_v2 schema.
std::vector<Document> flatten_squad(const nlohmann::json & root) {
    std::vector<Document> docs;
    for (const auto & article : root.at("data")) {
        const std::string title = article.value("title", "");
        for (const auto & para : article.at("paragraphs")) {
            const std::string context = para.at("context").get<std::string>();
            for (const auto & qa : para.at("qas")) {
                nlohmann::json texts = nlohmann::json::array(), starts = nlohmann::json::array();
                for (const auto & a : qa.value("answers", nlohmann::json::array())) {
                    texts.push_back(a.at("text"));
                    starts.push_back(a.value("answer_start", -1));
                }
                docs.push_back({{"id", qa.value("id", "")},
                                {"title", title},
                                {"context", context},
                                {"question", qa.at("question")},
                                {"is_impossible", qa.value("is_impossible", texts.empty())},
                                {"answers", {{"text", texts}, {"answer_start", starts}}}});
            }
        }
    }
    return docs;
}

Document infer(const std::string & cell) {
    if (cell == "true" || cell == "True") return true;
    if (cell == "false" || cell == "False") return false;
    if (!cell.empty()) {
        char * end = nullptr;
        const long long i = std::strtoll(cell.c_str(), &end, 10);
        if (*end == '\0') return i;
        const double d = std::strtod(cell.c_str(), &end);
        if (*end == '\0') return d;
    }
    return cell;
}

[[noreturn]] void not_utf8(const std::string & text, size_t bad, const std::string & path, size_t line_base, size_t byte_base) {
    char hex[8];
    snprintf(hex, sizeof hex, "0x%02X", unsigned(static_cast<unsigned char>(text[bad])));
    throw Error(path + ":" + std::to_string(line_base + line_of(text, bad)) + ": invalid UTF-8 (byte " + hex + " at byte offset " +
                std::to_string(byte_base + bad) + "); save the file as UTF-8, or pass --lenient-utf8 to replace bad bytes with U+FFFD");
}

void require_utf8(std::string & text, const std::string & path, const LoadOptions & o, size_t line_base, size_t byte_base) {
    const size_t bad = utf8_invalid_at(text);
    if (bad == std::string::npos) return;
    if (!o.lenient_utf8) not_utf8(text, bad, path, line_base, byte_base);
    size_t replaced = 0;
    text = utf8_replace_invalid(text, replaced);
    if (o.warn) o.warn(path + ": " + std::to_string(replaced) + " invalid UTF-8 byte(s) replaced with U+FFFD (--lenient-utf8)");
}

Document parse_jsonl_line(const std::string & row, const std::string & name, size_t line) {
    Document d;
    try {
        d = nlohmann::json::parse(row);
    } catch (const nlohmann::json::parse_error & e) {
        throw Error(name + ":" + std::to_string(line) + ": invalid JSON (" + e.what() + "); a JSONL file holds one JSON object per line");
    } catch (const nlohmann::json::out_of_range & e) {  // a number beyond a double (1e400)
        throw Error(name + ":" + std::to_string(line) + ": " + kNumberTooLarge + " (" + e.what() + ")");
    }
    if (!d.is_object()) {
        throw Error(name + ":" + std::to_string(line) + ": expected a JSON object, found " + d.type_name() +
                    "; a JSONL file holds one JSON object per line");
    }
    return d;
}

// A JSONL file read line by line: the first max documents parsed, the rest only counted.
std::vector<Document> stream_jsonl(const std::string & path, const LoadOptions & o) {
    (void)read_file_checks(path);
    std::ifstream in(path, std::ios::binary);
    std::vector<Document> docs;
    std::string row;
    size_t line = 0, offset = 0, total = 0;
    while (std::getline(in, row)) {
        ++line;
        const size_t row_offset = offset;
        offset += row.size() + 1;
        if (line == 1 && row.rfind("\xEF\xBB\xBF", 0) == 0) row.erase(0, 3);
        if (!row.empty() && row.back() == '\r') row.pop_back();
        if (blank(row)) continue;
        if (++total > o.max_documents) continue;  // counted, never parsed
        require_utf8(row, path, o, line - 1, row_offset);
        docs.push_back(parse_jsonl_line(row, path, line));
    }
    if (o.total_documents) *o.total_documents = total;
    return docs;
}

}  // namespace

DataFormat format_from_extension(const std::string & path) {
    std::string ext = std::filesystem::path(path).extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    if (ext == ".jsonl" || ext == ".ndjson") return DataFormat::Jsonl;
    if (ext == ".json") return DataFormat::Json;
    if (ext == ".csv") return DataFormat::Csv;
    if (ext == ".tsv") return DataFormat::Tsv;
    throw Error("cannot tell the format of data file '" + path +
                "' from its extension; use .jsonl, .json, .csv or .tsv (or name the format)");
}

std::vector<Document> parse_jsonl(const std::string & text, const std::string & name) {
    std::vector<Document> docs;
    size_t start = 0, line = 0;
    while (start <= text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        ++line;
        std::string row = text.substr(start, end - start);
        if (!row.empty() && row.back() == '\r') row.pop_back();
        if (!blank(row)) docs.push_back(parse_jsonl_line(row, name, line));
        if (end == text.size()) break;
        start = end + 1;
    }
    return docs;
}

std::vector<Document> parse_json_documents(const std::string & text, const std::string & name) {
    nlohmann::json root;
    try {
        root = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error & e) {
        throw Error(name + ":" + std::to_string(line_of(text, e.byte > 0 ? e.byte - 1 : 0)) + ": invalid JSON (" +
                    e.what() + ")");
    } catch (const nlohmann::json::out_of_range & e) {
        throw Error(name + ": " + kNumberTooLarge + " (" + e.what() + ")");
    }
    auto from_array = [&](const nlohmann::json & arr, const std::string & where) {
        std::vector<Document> docs;
        for (size_t i = 0; i < arr.size(); ++i) {
            if (!arr[i].is_object()) {
                throw Error(name + ": " + where + "[" + std::to_string(i) + "] is " + arr[i].type_name() +
                            ", expected an object per document");
            }
            docs.push_back(arr[i]);
        }
        return docs;
    };
    if (root.is_array()) return from_array(root, "item");
    if (!root.is_object()) throw Error(name + ": expected a list of documents or an object holding one");
    if (root.contains("data") && root["data"].is_array() && !root["data"].empty() && root["data"][0].is_object() &&
        root["data"][0].contains("paragraphs")) {
        try {
            return flatten_squad(root);
        } catch (const nlohmann::json::exception & e) {
            throw Error(name + ": SQuAD-style file (data/paragraphs/qas) is malformed: " + std::string(e.what()));
        }
    }
    std::string list_key;
    for (const auto & [k, v] : root.items()) {
        if (v.is_array() && !v.empty() && v[0].is_object()) {
            if (!list_key.empty()) {
                throw Error(name + ": the object holds several lists of documents ('" + list_key + "', '" + k +
                            "'); give a file with one list");
            }
            list_key = k;
        }
    }
    if (list_key.empty()) throw Error(name + ": no list of documents found (expected an array of objects)");
    return from_array(root[list_key], "'" + list_key + "'");
}

std::vector<Document> parse_delimited(const std::string & text, char delim, const std::string & name, bool infer_types,
                                      const std::vector<std::string> & column_names) {
    return parse_delimited_first(text, delim, name, infer_types, column_names, 0, nullptr);
}

namespace {

std::vector<Document> parse_delimited_first(const std::string & text, char delim, const std::string & name, bool infer_types,
                                            const std::vector<std::string> & column_names, size_t max_documents, size_t * total) {
    // Text handed in directly must be UTF-8 too: it ends up in JSON (samples, results).
    if (const size_t bad = utf8_invalid_at(text); bad != std::string::npos) not_utf8(text, bad, name, 0, 0);
    const bool has_header = column_names.empty();
    CsvOptions co;
    co.delimiter = delim;
    co.max_records = max_documents > 0 ? max_documents + (has_header ? 1 : 0) : 0;
    size_t records = 0;
    co.total_records = &records;
    std::vector<std::vector<std::string>> rows;
    std::vector<size_t> row_lines;
    for (auto & r : parse_csv(text, name, co)) {
        rows.push_back(std::move(r.fields));
        row_lines.push_back(r.line);
    }
    if (total) *total = records > 0 && has_header ? records - 1 : records;
    if (rows.empty() && has_header) throw Error(name + ": the file is empty; expected a header row and data rows");
    const auto & header = has_header ? rows[0] : column_names;
    for (size_t c = 0; c < header.size(); ++c) {
        if (header[c].empty()) throw Error(name + ":1: column " + std::to_string(c + 1) + " has an empty name in the header");
    }
    std::vector<Document> docs;
    for (size_t r = has_header ? 1 : 0; r < rows.size(); ++r) {
        if (rows[r].size() != header.size()) {
            throw Error(name + ":" + std::to_string(row_lines[r]) + ": expected " + std::to_string(header.size()) +
                        " fields (as in the " + std::string(has_header ? "header" : "column_names") + "), found " + std::to_string(rows[r].size()) +
                        "; quote fields that contain the delimiter");
        }
        Document d = Document::object();
        for (size_t c = 0; c < header.size(); ++c) {
            d[header[c]] = infer_types ? infer(rows[r][c]) : Document(rows[r][c]);
        }
        docs.push_back(std::move(d));
    }
    return docs;
}

}  // namespace

std::vector<Document> load_documents(const std::string & path, const LoadOptions & o) {
    const DataFormat fmt = o.format == DataFormat::Auto ? format_from_extension(path) : o.format;
    std::vector<Document> docs;
    if (fmt == DataFormat::Jsonl && o.max_documents > 0) {
        docs = stream_jsonl(path, o);
    } else {
        std::string text = read_file(path);
        require_utf8(text, path, o);
        size_t total = 0;
        switch (fmt) {
            case DataFormat::Jsonl: docs = parse_jsonl(text, path); break;
            case DataFormat::Json: docs = parse_json_documents(text, path); break;
            case DataFormat::Csv:
                docs = parse_delimited_first(text, ',', path, o.infer_types, o.column_names, o.max_documents, &total);
                break;
            case DataFormat::Tsv:
                docs = parse_delimited_first(text, '\t', path, o.infer_types, o.column_names, o.max_documents, &total);
                break;
            case DataFormat::Auto: break;
        }
        if (o.total_documents) *o.total_documents = fmt == DataFormat::Csv || fmt == DataFormat::Tsv ? total : docs.size();
    }
    if (docs.empty()) {
        throw Error(path + ": holds no documents" + std::string(fmt == DataFormat::Csv || fmt == DataFormat::Tsv ? " (only a header row)" : "") +
                    "; give a file with at least one document");
    }
    if (!o.rename.empty()) {
        for (size_t i = 0; i < docs.size(); ++i) {
            for (const auto & [from, to] : o.rename) {
                if (!docs[i].contains(from)) {
                    throw Error(path + ": document " + std::to_string(i + 1) + " has no field '" + from +
                                "' to rename to '" + to + "'");
                }
                docs[i][to] = std::move(docs[i][from]);
                if (to != from) docs[i].erase(from);
            }
        }
    }
    return docs;
}

}  // namespace rightsize
