// The report's registry of probe sections (report_sections.h), filled with the behaviour probes'
// sections on first use.
#include <rightsize/report_sections.h>

#include "probes/builtin_probes.h"
#include "report_probes.h"
#include "report_probes_common.h"

namespace rightsize {

namespace {

std::vector<ReportSection> & storage() {
    static std::vector<ReportSection> s;
    return s;
}

std::vector<ReportSection> & sections() {
    ensure_builtin_probes();
    return storage();
}

}  // namespace

void register_report_section(ReportSection section) {
    auto & all = sections();
    for (auto & s : all) {
        if (s.id == section.id) {
            s = std::move(section);
            return;
        }
    }
    all.push_back(std::move(section));
}

const std::vector<ReportSection> & report_sections() { return sections(); }

const ReportSection * find_report_section(const std::string & id) {
    for (const auto & s : sections()) {
        if (s.id == id) return &s;
    }
    return nullptr;
}

nlohmann::json analyse_probes(const ReportInput & input, const std::vector<std::string> & model_keys) {
    nlohmann::json families = nlohmann::json::array();
    for (const auto & section : report_sections()) {
        if (!section.analyse) continue;
        nlohmann::json f = section.analyse(input, model_keys);
        if (f.is_null()) continue;
        const auto caveat = report_probes::few_documents(f["tables"]);
        if (!caveat.empty()) f["readings"].insert(f["readings"].begin(), caveat);
        families.push_back(std::move(f));
    }
    return {{"families", families}};
}

}  // namespace rightsize
