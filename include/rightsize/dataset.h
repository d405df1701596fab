// Documents for tasks: local JSONL, JSON (a list, an object holding one, or SQuAD's nested
// data/paragraphs/qas), CSV and TSV. Every document is a JSON object (field → value).
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace rightsize {

using Document = nlohmann::json;

enum class DataFormat { Auto, Jsonl, Json, Csv, Tsv };

struct LoadOptions {
    DataFormat format = DataFormat::Auto;  // Auto: from the extension (.jsonl/.json/.csv/.tsv)
    // Renames fields after loading: {"sentence": "text"} makes column "sentence" field "text".
    std::map<std::string, std::string> rename;
    // CSV/TSV only: numbers and true/false stay strings unless this is set.
    bool infer_types = false;
    // CSV/TSV only: the file has no header row; these name its columns (Hugging Face's csv
    // builder's column_names).
    std::vector<std::string> column_names;
    // Invalid UTF-8 is an error naming the file, line and byte offset; lenient: each bad byte becomes
    // U+FFFD and `warn` is told how many were replaced.
    bool lenient_utf8 = false;
    std::function<void(const std::string &)> warn;
    // JSONL, CSV and TSV: keep only the first max_documents documents (0: all). Later documents are
    // counted (into *total_documents) but not parsed or kept; a JSONL file is read line by line.
    size_t max_documents = 0;
    size_t * total_documents = nullptr;  // every document in the file, kept or not
};

// Loads every document of a file. Throws rightsize::Error naming the file and line (and the
// field where one is at fault) with how to fix it; nothing is returned half-read.
std::vector<Document> load_documents(const std::string & path, const LoadOptions & options = {});

// Parsers on text already in memory; `name` is used in error messages.
std::vector<Document> parse_jsonl(const std::string & text, const std::string & name);
std::vector<Document> parse_json_documents(const std::string & text, const std::string & name);
std::vector<Document> parse_delimited(const std::string & text, char delimiter, const std::string & name,
                                      bool infer_types = false, const std::vector<std::string> & column_names = {});

DataFormat format_from_extension(const std::string & path);

}  // namespace rightsize
