// The CPU TDP table behind the energy estimate. Each figure names where it comes from: the vendor's
// own specification page where one exists (Intel ARK "TDP" / "Processor Base Power", AMD's product
// pages "Default TDP"), otherwise the basis of the figure is stated (cloud-only parts, Apple, AWS).
// Only the estimate uses this table; measured meters (RAPL, NVML) never do.
#include <rightsize/energy.h>

#include "core/python_regex.h"

#include <algorithm>
#include <cctype>
#include <string_view>

namespace rightsize {

namespace {

constexpr const char * kIntel = "Intel ARK product specification (TDP / Processor Base Power)";
constexpr const char * kAmd = "AMD product specification page (Default TDP)";
// Cloud providers' custom parts have no vendor page; CodeCarbon's cpu_power.csv is the only public
// list that carries them, so it is named as the source of these few figures.
constexpr const char * kCloudSku = "cloud-only part without a vendor page; figure as listed in CodeCarbon's cpu_power.csv";
constexpr const char * kApple =
    "APPROXIMATE: Apple publishes no TDP; order of magnitude of all-core CPU package power reported by public reviews";
constexpr const char * kGraviton =
    "APPROXIMATE: AWS publishes no TDP; order of magnitude of published press estimates for the chip";

struct Entry {
    const char * key;  // normalised (see normalise_cpu_name), matched on word boundaries
    double watts;
    const char * source;
    bool generic = false;
    int cores = 0;  // cores per package where the name does not say (cloud parts, the family entry)
};

// Keys are written already normalised: lower case, no "(R)"/"(TM)", no "CPU", no frequency.
const Entry kTable[] = {
    // Intel Xeon Scalable, 1st generation (Skylake-SP)
    {"xeon platinum 8180", 205, kIntel}, {"xeon platinum 8176", 165, kIntel}, {"xeon platinum 8168", 205, kIntel},
    {"xeon platinum 8160", 150, kIntel}, {"xeon gold 6154", 200, kIntel}, {"xeon gold 6152", 140, kIntel},
    {"xeon gold 6148", 150, kIntel}, {"xeon gold 6140", 140, kIntel}, {"xeon gold 6138", 125, kIntel},
    {"xeon gold 6132", 140, kIntel}, {"xeon gold 6130", 125, kIntel}, {"xeon gold 6126", 125, kIntel},
    {"xeon gold 5120", 105, kIntel}, {"xeon gold 5118", 105, kIntel}, {"xeon silver 4116", 85, kIntel},
    {"xeon silver 4114", 85, kIntel}, {"xeon silver 4110", 85, kIntel}, {"xeon silver 4108", 85, kIntel},
    {"xeon platinum 8124m", 240, kCloudSku, false, 18}, {"xeon platinum 8175m", 240, kCloudSku, false, 24},
    {"xeon platinum 8171m", 165, kCloudSku, false, 26},
    // 2nd generation (Cascade Lake)
    {"xeon platinum 8280", 205, kIntel}, {"xeon platinum 8276", 165, kIntel}, {"xeon platinum 8270", 205, kIntel},
    {"xeon platinum 8268", 205, kIntel}, {"xeon platinum 8260", 165, kIntel}, {"xeon platinum 8253", 125, kIntel},
    {"xeon gold 6258r", 205, kIntel}, {"xeon gold 6254", 200, kIntel}, {"xeon gold 6252", 150, kIntel},
    {"xeon gold 6248r", 205, kIntel}, {"xeon gold 6248", 150, kIntel}, {"xeon gold 6246", 165, kIntel},
    {"xeon gold 6242", 150, kIntel}, {"xeon gold 6240", 150, kIntel}, {"xeon gold 6238", 140, kIntel},
    {"xeon gold 6230r", 150, kIntel}, {"xeon gold 6230", 125, kIntel}, {"xeon gold 6226r", 150, kIntel},
    {"xeon gold 5220", 125, kIntel}, {"xeon gold 5218", 125, kIntel}, {"xeon gold 5217", 115, kIntel},
    {"xeon gold 5215", 85, kIntel}, {"xeon silver 4216", 100, kIntel}, {"xeon silver 4214", 85, kIntel},
    {"xeon silver 4210r", 100, kIntel}, {"xeon silver 4210", 85, kIntel}, {"xeon silver 4208", 85, kIntel},
    {"xeon platinum 8259cl", 210, kCloudSku, false, 24}, {"xeon platinum 8275cl", 240, kCloudSku, false, 24},
    {"xeon platinum 8272cl", 195, kCloudSku, false, 26},
    // 3rd generation (Ice Lake-SP)
    {"xeon platinum 8380", 270, kIntel}, {"xeon platinum 8368", 270, kIntel}, {"xeon platinum 8360y", 250, kIntel},
    {"xeon platinum 8358", 250, kIntel}, {"xeon platinum 8352y", 205, kIntel}, {"xeon gold 6354", 205, kIntel},
    {"xeon gold 6348", 235, kIntel}, {"xeon gold 6342", 230, kIntel}, {"xeon gold 6338", 205, kIntel},
    {"xeon gold 6336y", 185, kIntel}, {"xeon gold 6330", 205, kIntel}, {"xeon gold 5320", 185, kIntel},
    {"xeon gold 5318y", 165, kIntel}, {"xeon silver 4316", 150, kIntel}, {"xeon silver 4314", 135, kIntel},
    {"xeon silver 4310", 120, kIntel}, {"xeon platinum 8375c", 300, kCloudSku, false, 32},
    {"xeon platinum 8373c", 300, kCloudSku}, {"xeon platinum 8370c", 205, kCloudSku},
    // 4th generation (Sapphire Rapids)
    {"xeon platinum 8490h", 350, kIntel}, {"xeon platinum 8480+", 350, kIntel}, {"xeon platinum 8470", 350, kIntel},
    {"xeon platinum 8468", 350, kIntel}, {"xeon platinum 8462y+", 300, kIntel}, {"xeon platinum 8460y+", 300, kIntel},
    {"xeon gold 6454s", 270, kIntel}, {"xeon gold 6448y", 225, kIntel}, {"xeon gold 6438y+", 205, kIntel},
    {"xeon gold 6430", 270, kIntel}, {"xeon gold 5420+", 205, kIntel}, {"xeon gold 5418y", 185, kIntel},
    {"xeon gold 5415+", 150, kIntel}, {"xeon silver 4416+", 165, kIntel}, {"xeon silver 4410y", 150, kIntel},
    // 5th generation (Emerald Rapids)
    {"xeon platinum 8592+", 350, kIntel}, {"xeon platinum 8580", 350, kIntel}, {"xeon platinum 8568y+", 350, kIntel},
    {"xeon platinum 8558", 330, kIntel}, {"xeon gold 6548y+", 250, kIntel}, {"xeon gold 6530", 270, kIntel},
    {"xeon gold 5520+", 205, kIntel}, {"xeon silver 4514y", 150, kIntel}, {"xeon silver 4510", 150, kIntel},
    // Xeon E5 v3 (Haswell-EP) and v4 (Broadwell-EP)
    {"e5-2699 v3", 145, kIntel}, {"e5-2698 v3", 135, kIntel}, {"e5-2697 v3", 145, kIntel},
    {"e5-2690 v3", 135, kIntel}, {"e5-2680 v3", 120, kIntel}, {"e5-2670 v3", 120, kIntel},
    {"e5-2660 v3", 105, kIntel}, {"e5-2650 v3", 105, kIntel}, {"e5-2640 v3", 90, kIntel},
    {"e5-2630 v3", 85, kIntel}, {"e5-2620 v3", 85, kIntel}, {"e5-2699 v4", 145, kIntel},
    {"e5-2698 v4", 135, kIntel}, {"e5-2697 v4", 145, kIntel}, {"e5-2695 v4", 120, kIntel},
    {"e5-2690 v4", 135, kIntel}, {"e5-2683 v4", 120, kIntel}, {"e5-2680 v4", 120, kIntel},
    {"e5-2660 v4", 105, kIntel}, {"e5-2650 v4", 105, kIntel}, {"e5-2640 v4", 90, kIntel},
    {"e5-2630 v4", 85, kIntel}, {"e5-2620 v4", 85, kIntel}, {"e5-2686 v4", 145, kCloudSku},
    // Intel Core, desktop (8th–14th generation, Core Ultra 200S)
    {"i7-8700k", 95, kIntel}, {"i7-8700", 65, kIntel}, {"i5-8400", 65, kIntel},
    {"i9-9900k", 95, kIntel}, {"i7-9700k", 95, kIntel}, {"i5-9600k", 95, kIntel},
    {"i9-10900k", 125, kIntel}, {"i7-10700k", 125, kIntel}, {"i5-10400", 65, kIntel},
    {"i9-11900k", 125, kIntel}, {"i7-11700k", 125, kIntel}, {"i5-11600k", 125, kIntel}, {"i5-11400", 65, kIntel},
    {"i9-12900k", 125, kIntel}, {"i9-12900", 65, kIntel}, {"i7-12700k", 125, kIntel}, {"i7-12700", 65, kIntel},
    {"i5-12600k", 125, kIntel}, {"i5-12400", 65, kIntel}, {"i3-12100", 60, kIntel},
    {"i9-13900k", 125, kIntel}, {"i7-13700k", 125, kIntel}, {"i5-13600k", 125, kIntel}, {"i5-13400", 65, kIntel},
    {"i3-13100", 60, kIntel}, {"i9-14900k", 125, kIntel}, {"i7-14700k", 125, kIntel}, {"i5-14600k", 125, kIntel},
    {"i5-14400", 65, kIntel}, {"core ultra 9 285k", 125, kIntel}, {"core ultra 7 265k", 125, kIntel},
    // Intel Core, laptop
    {"i7-8550u", 15, kIntel}, {"i5-8250u", 15, kIntel}, {"i7-10510u", 15, kIntel}, {"i5-10210u", 15, kIntel},
    {"i7-10750h", 45, kIntel}, {"i7-1165g7", 28, kIntel}, {"i5-1135g7", 28, kIntel},
    {"i9-12900h", 45, kIntel}, {"i7-12700h", 45, kIntel}, {"i7-1260p", 28, kIntel}, {"i5-1240p", 28, kIntel},
    {"i7-1255u", 15, kIntel}, {"i5-1235u", 15, kIntel}, {"i7-13700h", 45, kIntel}, {"i7-1360p", 28, kIntel},
    {"i7-1355u", 15, kIntel}, {"i5-1335u", 15, kIntel}, {"core ultra 7 155h", 28, kIntel},
    {"core ultra 5 125h", 28, kIntel}, {"core ultra 7 165u", 15, kIntel},
    // AMD EPYC 7001 (Naples)
    {"epyc 7601", 180, kAmd}, {"epyc 7551", 180, kAmd}, {"epyc 7501", 170, kAmd}, {"epyc 7451", 180, kAmd},
    {"epyc 7401", 170, kAmd}, {"epyc 7351", 170, kAmd}, {"epyc 7301", 170, kAmd}, {"epyc 7281", 170, kAmd},
    {"epyc 7251", 120, kAmd},
    // EPYC 7002 (Rome)
    {"epyc 7h12", 280, kAmd}, {"epyc 7742", 225, kAmd}, {"epyc 7702", 200, kAmd}, {"epyc 7662", 225, kAmd},
    {"epyc 7642", 225, kAmd}, {"epyc 7552", 200, kAmd}, {"epyc 7542", 225, kAmd}, {"epyc 7532", 200, kAmd},
    {"epyc 7502", 180, kAmd}, {"epyc 7452", 155, kAmd}, {"epyc 7402", 180, kAmd}, {"epyc 7352", 155, kAmd},
    {"epyc 7302", 155, kAmd}, {"epyc 7282", 120, kAmd}, {"epyc 7272", 120, kAmd}, {"epyc 7262", 155, kAmd},
    {"epyc 7252", 120, kAmd}, {"epyc 7b12", 240, kCloudSku, false, 64},
    // EPYC 7003 (Milan)
    {"epyc 7763", 280, kAmd}, {"epyc 7713", 225, kAmd}, {"epyc 7663", 240, kAmd}, {"epyc 7643", 225, kAmd},
    {"epyc 75f3", 280, kAmd}, {"epyc 7543", 225, kAmd}, {"epyc 7513", 200, kAmd}, {"epyc 74f3", 240, kAmd},
    {"epyc 7453", 225, kAmd}, {"epyc 7443", 200, kAmd}, {"epyc 7413", 180, kAmd}, {"epyc 73f3", 240, kAmd},
    {"epyc 7343", 190, kAmd}, {"epyc 7313", 155, kAmd}, {"epyc 72f3", 180, kAmd},
    {"epyc 7r13", 225, kCloudSku},
    {"epyc 7b13", 240,
     "cloud-only part (Google Cloud, 64-core Milan) without a vendor page; ASSUMED equal to its Rome "
     "predecessor 7B12 (240 W in CodeCarbon's cpu_power.csv)", false, 64},
    // EPYC 9004 (Genoa / Bergamo / Genoa-X)
    {"epyc 9654", 360, kAmd}, {"epyc 9554", 360, kAmd}, {"epyc 9534", 280, kAmd}, {"epyc 9474f", 360, kAmd},
    {"epyc 9454", 290, kAmd}, {"epyc 9374f", 320, kAmd}, {"epyc 9354", 280, kAmd}, {"epyc 9334", 210, kAmd},
    {"epyc 9274f", 320, kAmd}, {"epyc 9254", 200, kAmd}, {"epyc 9224", 200, kAmd}, {"epyc 9124", 200, kAmd},
    {"epyc 9754", 360, kAmd}, {"epyc 9734", 340, kAmd}, {"epyc 9684x", 400, kAmd},
    // Some VMs report only "AMD EPYC": the family figure is the default TDP most 32–64-core EPYC
    // 7002/7003 parts share (7542, 7543, 7643, 7713, 7742: 225 W). Flagged generic in every note.
    {"epyc", 225, "GENERIC family figure (model not reported): the 225 W default TDP shared by most 32-64-core "
                  "EPYC 7002/7003 parts on AMD's product pages", true, 64},
    // AMD Ryzen, desktop
    {"ryzen 5 3600", 65, kAmd}, {"ryzen 5 3600x", 95, kAmd}, {"ryzen 7 3700x", 65, kAmd},
    {"ryzen 7 3800x", 105, kAmd}, {"ryzen 9 3900x", 105, kAmd}, {"ryzen 9 3950x", 105, kAmd},
    {"ryzen 5 5600", 65, kAmd}, {"ryzen 5 5600x", 65, kAmd}, {"ryzen 7 5700x", 65, kAmd},
    {"ryzen 7 5800x", 105, kAmd}, {"ryzen 7 5800x3d", 105, kAmd}, {"ryzen 9 5900x", 105, kAmd},
    {"ryzen 9 5950x", 105, kAmd}, {"ryzen 5 7600", 65, kAmd}, {"ryzen 5 7600x", 105, kAmd},
    {"ryzen 7 7700", 65, kAmd}, {"ryzen 7 7700x", 105, kAmd}, {"ryzen 7 7800x3d", 120, kAmd},
    {"ryzen 9 7900x", 170, kAmd}, {"ryzen 9 7950x", 170, kAmd}, {"ryzen 9 7950x3d", 120, kAmd},
    {"ryzen 5 9600x", 65, kAmd}, {"ryzen 7 9700x", 65, kAmd}, {"ryzen 9 9950x", 170, kAmd},
    // AMD Ryzen, laptop (where AMD gives a Default TDP range, its lower figure)
    {"ryzen 5 5600u", 15, kAmd}, {"ryzen 7 5800u", 15, kAmd}, {"ryzen 7 5800h", 45, kAmd},
    {"ryzen 7 7840u", 28, kAmd}, {"ryzen 7 7840hs", 35, kAmd},
    // Apple silicon (names as users give them; Linux on these machines reports no model name)
    {"apple m1", 20, kApple}, {"apple m1 pro", 30, kApple}, {"apple m1 max", 40, kApple},
    {"apple m2", 20, kApple}, {"apple m2 pro", 30, kApple}, {"apple m2 max", 40, kApple},
    {"apple m3", 20, kApple}, {"apple m3 pro", 30, kApple}, {"apple m3 max", 40, kApple},
    // AWS Graviton (Linux on Arm reports no model name: give it with --cpu-model or cpu_model)
    {"graviton2", 110, kGraviton}, {"graviton3", 100, kGraviton},
};

bool is_word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// True when `key` occurs in `text` as whole words ("i7-8700" is not inside "i7-8700k").
bool contains_words(std::string_view text, std::string_view key) {
    for (size_t pos = text.find(key); pos != std::string_view::npos; pos = text.find(key, pos + 1)) {
        const bool left = pos == 0 || !is_word_char(text[pos - 1]);
        const size_t end = pos + key.size();
        const bool right = end == text.size() || !is_word_char(text[end]);
        if (left && right) return true;
    }
    return false;
}

}  // namespace

// "Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz" → "intel xeon gold 6248";
// "AMD EPYC 7B13 64-Core Processor" → "amd epyc 7b13".
std::string normalise_cpu_name(const std::string & name) {
    std::string s;
    for (char c : name) s += char(std::tolower(static_cast<unsigned char>(c)));
    static const PythonRegex noise(
        R"(\((r|tm)\)|®|™|@.*$|\b\d+-core processor\b|\bprocessor\b|\bcpu\b|\bwith radeon( \w+)? graphics\b)");
    s = noise.substitute(" ", s);
    std::string out;
    for (char c : s) {
        if (c == ' ' || c == '\t') {
            if (!out.empty() && out.back() != ' ') out += ' ';
        } else {
            out += c;
        }
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out;
}

std::optional<TdpMatch> lookup_cpu_tdp(const std::string & cpu_model_name) {
    const std::string name = normalise_cpu_name(cpu_model_name);
    // A specific model always beats a family-generic entry; among equals the longest key wins, so
    // "ryzen 7 5800x3d" beats "ryzen 7 5800x" (word boundaries already keep "5800x" from "5800").
    const Entry * best = nullptr;
    for (const Entry & e : kTable) {
        if (!contains_words(name, e.key)) continue;
        if (!best || (best->generic && !e.generic) ||
            (best->generic == e.generic && std::string_view(e.key).size() > std::string_view(best->key).size()))
            best = &e;
    }
    if (!best) return std::nullopt;
    TdpMatch m;
    m.watts = best->watts;
    m.entry = best->key;
    m.source = best->source;
    m.generic = best->generic;
    m.cores = best->cores;
    return m;
}

}  // namespace rightsize
