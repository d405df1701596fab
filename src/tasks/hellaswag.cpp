#include "tasks/hellaswag.h"

#include <rightsize/error.h>

#include "core/text.h"

#include <cctype>

namespace rightsize {

using text::replace_all;
using text::strip;

namespace {

std::string one_line(std::string s) {
    for (char & c : s)
        if (c == '\n' || c == '\r') c = ' ';
    return s;
}

std::string field(const Document & doc, const char * name) {
    if (!doc.contains(name) || !doc[name].is_string()) {
        throw Error(std::string("hellaswag document has no string field '") + name + "'");
    }
    return doc[name].get<std::string>();
}

}  // namespace

std::string hellaswag_preprocess(const std::string & text) {
    std::string s = replace_all(strip(text), " [title]", ". ");
    std::string out;  // drop "[" … the nearest "]"
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '[') {
            const size_t close = s.find(']', i + 1);
            if (close != std::string::npos) {
                i = close;
                continue;
            }
        }
        out += s[i];
    }
    return replace_all(out, "  ", " ");
}

HellaswagItem hellaswag_item(const Document & doc) {
    std::string ctx_b = field(doc, "ctx_b");
    for (size_t i = 0; i < ctx_b.size(); ++i) {
        const auto c = static_cast<unsigned char>(ctx_b[i]);
        ctx_b[i] = char(i == 0 ? std::toupper(c) : std::tolower(c));
    }
    HellaswagItem item;
    item.query = hellaswag_preprocess(field(doc, "activity_label") + ": " + field(doc, "ctx_a") + " " + ctx_b);
    if (!doc.contains("endings") || !doc["endings"].is_array() || doc["endings"].size() != 4) {
        throw Error("hellaswag document needs 'endings', a list of four strings");
    }
    for (const auto & e : doc["endings"]) item.choices.push_back(hellaswag_preprocess(e.get<std::string>()));
    const auto & label = doc.contains("label") ? doc["label"] : Document();
    if (label.is_number_integer()) {
        item.gold = label.get<int>();
    } else if (label.is_string() && !label.get<std::string>().empty()) {
        item.gold = std::stoi(label.get<std::string>());
    }
    if (item.gold < 0 || item.gold > 3) throw Error("hellaswag document has no 'label' from 0 to 3");
    return item;
}

std::string to_llama_perplexity_hellaswag(const std::vector<HellaswagItem> & items) {
    std::string out;
    for (const auto & it : items) {
        out += one_line(it.query) + "\n" + std::to_string(it.gold) + "\n";
        for (const auto & c : it.choices) out += one_line(c) + "\n";
    }
    return out;
}

}  // namespace rightsize
