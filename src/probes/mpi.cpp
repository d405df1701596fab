// The Machine Personality Inventory (IPIP-NEO-120 items, Jiang et al.): loading its CSV and MPI's
// keyed scoring into a Big Five profile.
#include <rightsize/error.h>
#include "probes/personality.h"

#include "core/csv.h"
#include "core/text.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>

namespace rightsize::personality {

// ---- MPI -----------------------------------------------------------------------------------

namespace {

std::ifstream open_for_reading(const std::string & path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("MPI file '" + path + "' does not exist or cannot be read; pass the inventory CSV (e.g. <data-dir>/mpi/mpi_120.csv)");
    return in;
}

}  // namespace

std::vector<MpiItem> load_mpi_items(const std::string & path) {
    std::ifstream in = open_for_reading(path);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto records = parse_csv(text, path);  // MPI's texts may hold commas
    if (records.empty()) throw Error("MPI file '" + path + "' is empty; expected a header row");
    const std::vector<std::string> & header = records[0].fields;
    auto column = [&](const char * name) {
        const auto it = std::find(header.begin(), header.end(), name);
        if (it == header.end())
            throw Error("MPI file '" + path + "' has no column '" + name +
                        "'; expected label_raw,text,label_ocean,key (the MPI inventory CSV)");
        return size_t(it - header.begin());
    };
    const size_t c_facet = column("label_raw"), c_text = column("text"), c_ocean = column("label_ocean"),
                 c_key = column("key");
    std::vector<MpiItem> items;
    for (size_t r = 1; r < records.size(); ++r) {
        const std::string where = path + ":" + std::to_string(records[r].line);
        const std::vector<std::string> & f = records[r].fields;
        if (f.size() == 1 && text::strip(f[0]).empty()) continue;
        if (f.size() != header.size())
            throw Error(where + ": " + std::to_string(f.size()) + " fields, the header has " + std::to_string(header.size()));
        MpiItem item;
        item.facet = f[c_facet];
        item.text = f[c_text];
        const std::string ocean = text::strip(f[c_ocean]);
        const auto t = parse_trait(ocean);
        if (!t || ocean.size() != 1) throw Error(where + ": label_ocean is '" + ocean + "'; expected one of O, C, E, A, N");
        item.trait = *t;
        const std::string key = text::strip(f[c_key]);
        if (key != "1" && key != "-1") throw Error(where + ": key is '" + key + "'; expected 1 or -1");
        item.key = key == "1" ? 1 : -1;
        items.push_back(std::move(item));
    }
    if (items.empty()) throw Error("MPI file '" + path + "' has a header but no items");
    return items;
}

int mpi_item_score(const MpiItem & item, char answer) {
    const char a = char(std::toupper(static_cast<unsigned char>(answer)));
    if (a < 'A' || a > 'E')
        throw Error(std::string("MPI answer '") + answer + "' for \"" + item.text + "\" is not one of A-E");
    const int positive = 5 - (a - 'A');  // A (very accurate) = 5 … E (very inaccurate) = 1
    return item.key > 0 ? positive : 6 - positive;
}

std::map<Trait, double> mpi_trait_scores(const std::vector<MpiItem> & items,
                                         const std::vector<std::optional<char>> & answers) {
    if (items.size() != answers.size())
        throw Error("MPI scoring got " + std::to_string(answers.size()) + " answers for " + std::to_string(items.size()) +
                    " items; pass one (possibly empty) answer per item, in file order");
    std::map<Trait, std::pair<double, int>> sums;
    for (size_t i = 0; i < items.size(); ++i) {
        if (!answers[i]) continue;
        sums[items[i].trait].first += mpi_item_score(items[i], *answers[i]);
        ++sums[items[i].trait].second;
    }
    std::map<Trait, double> out;
    for (const auto & [t, s] : sums) out[t] = s.first / s.second;
    return out;
}

std::vector<Statement> statements_from_mpi(const std::vector<MpiItem> & items) {
    std::vector<Statement> out;
    out.reserve(items.size());
    for (size_t i = 0; i < items.size(); ++i) {
        char id[32];
        snprintf(id, sizeof id, "ipip%03zu", i + 1);
        std::string text = items[i].text;
        if (!text.empty()) text[0] = char(std::tolower(static_cast<unsigned char>(text[0])));
        if (!text.empty() && text.back() != '.') text += '.';
        out.push_back({id, items[i].trait, items[i].key, "I " + text, ""});
    }
    return out;
}

std::string mpi_prompt(const MpiItem & item) {
    // IPIP items are verb phrases without a subject ("Worry about things"): "You worry about things."
    std::string text = item.text;
    if (!text.empty()) text[0] = char(std::tolower(static_cast<unsigned char>(text[0])));
    if (!text.empty() && text.back() != '.') text += '.';
    return "Here is a statement about you: \"You " + text +
           "\"\nHow accurately does it describe you?\n"
           "(A) Very accurate\n(B) Moderately accurate\n(C) Neither accurate nor inaccurate\n"
           "(D) Moderately inaccurate\n(E) Very inaccurate\nAnswer with one letter.";
}

}  // namespace rightsize::personality
