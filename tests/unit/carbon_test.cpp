#include <rightsize/carbon.h>
#include <rightsize/dataset.h>
#include <rightsize/error.h>

#include <gtest/gtest.h>

#include <cctype>
#include <cmath>
#include <set>
#include <string>

using namespace rightsize;

namespace {

// The Error message of `f`, or "" when it does not throw rightsize::Error.
template <class F>
std::string error_of(F f) {
    try {
        f();
    } catch (const Error & e) {
        return e.what();
    }
    return "";
}

bool contains(const std::string & s, const std::string & part) { return s.find(part) != std::string::npos; }

double table_value(const std::vector<IntensityEntry> & table, const std::string & key) {
    for (const IntensityEntry & e : table)
        if (e.key == key) return e.g_per_kwh;
    return -1;
}

}  // namespace

TEST(Carbon, WorldAverageIsTheDefault) {
    const CarbonIntensity ci = resolve_carbon_intensity({});
    EXPECT_DOUBLE_EQ(ci.g_per_kwh, 475.0);
    EXPECT_EQ(ci.origin, "world average (default)");
    EXPECT_TRUE(contains(ci.source, "IEA"));
}

TEST(Carbon, EachOptionResolvesAndSaysWhereTheFigureCameFrom) {
    CarbonOptions user;
    user.g_per_kwh = 123.5;
    EXPECT_DOUBLE_EQ(resolve_carbon_intensity(user).g_per_kwh, 123.5);
    EXPECT_EQ(resolve_carbon_intensity(user).origin, "user (--carbon-intensity)");

    CarbonOptions zero;  // a fully renewable supply is a legitimate 0
    zero.g_per_kwh = 0.0;
    EXPECT_DOUBLE_EQ(resolve_carbon_intensity(zero).g_per_kwh, 0.0);

    CarbonOptions country;
    country.country = " fra ";  // case and surrounding spaces do not matter
    const CarbonIntensity fr = resolve_carbon_intensity(country);
    EXPECT_DOUBLE_EQ(fr.g_per_kwh, 56.0);  // Ember 2023 via OWID: France 56 g/kWh
    EXPECT_EQ(fr.origin, "country FRA");
    EXPECT_TRUE(contains(fr.source, "Ember"));
    EXPECT_TRUE(contains(fr.source, "2023"));

    CarbonOptions cloud;
    cloud.cloud = "GCP:Europe-West1";
    const CarbonIntensity be = resolve_carbon_intensity(cloud);
    EXPECT_DOUBLE_EQ(be.g_per_kwh, 122.0);  // Google region-carbon-info 2023: europe-west1 122
    EXPECT_EQ(be.origin, "cloud gcp:europe-west1");
    EXPECT_TRUE(contains(be.source, "Google"));
}

TEST(Carbon, MoreThanOneSourceOfIntensityIsRefusedNamingThem) {
    CarbonOptions o;
    o.g_per_kwh = 100;
    o.country = "USA";
    std::string m = error_of([&] { resolve_carbon_intensity(o); });
    EXPECT_TRUE(contains(m, "--carbon-intensity and --country")) << m;
    EXPECT_TRUE(contains(m, "at most one")) << m;

    o.cloud = "gcp:us-west1";
    m = error_of([&] { resolve_carbon_intensity(o); });
    EXPECT_TRUE(contains(m, "--carbon-intensity, --country and --cloud")) << m;

    CarbonOptions c;
    c.country = "USA";
    c.cloud = "aws:us-east-1";
    m = error_of([&] { resolve_carbon_intensity(c); });
    EXPECT_TRUE(contains(m, "--country and --cloud")) << m;
}

TEST(Carbon, UnknownCountryOrRegionPointsToTheList) {
    CarbonOptions o;
    o.country = "XYZ";
    std::string m = error_of([&] { resolve_carbon_intensity(o); });
    EXPECT_TRUE(contains(m, "--country 'XYZ'")) << m;
    EXPECT_TRUE(contains(m, "USA")) << m;
    EXPECT_TRUE(contains(m, "docs/carbon.md")) << m;

    o.country = "US";  // a two-letter code gets told the format
    m = error_of([&] { resolve_carbon_intensity(o); });
    EXPECT_TRUE(contains(m, "alpha-3")) << m;

    CarbonOptions c;
    c.cloud = "gcp:mars-north1";
    m = error_of([&] { resolve_carbon_intensity(c); });
    EXPECT_TRUE(contains(m, "--cloud 'gcp:mars-north1'")) << m;
    EXPECT_TRUE(contains(m, "PROVIDER:REGION")) << m;
    EXPECT_TRUE(contains(m, "docs/carbon.md")) << m;

    c.cloud = "europe-west1";  // provider missing
    EXPECT_TRUE(contains(error_of([&] { resolve_carbon_intensity(c); }), "--cloud"));
}

TEST(Carbon, PueAndNegativeIntensityAreChecked) {
    CarbonOptions o;
    o.pue = 0.9;
    std::string m = error_of([&] { resolve_carbon_intensity(o); });
    EXPECT_TRUE(contains(m, "--pue")) << m;
    EXPECT_TRUE(contains(m, "0.9")) << m;
    o.pue = NAN;
    EXPECT_TRUE(contains(error_of([&] { resolve_carbon_intensity(o); }), "--pue"));
    o.pue = 1.0;  // the boundary is allowed
    EXPECT_EQ(error_of([&] { resolve_carbon_intensity(o); }), "");

    CarbonOptions neg;
    neg.g_per_kwh = -5;
    m = error_of([&] { resolve_carbon_intensity(neg); });
    EXPECT_TRUE(contains(m, "--carbon-intensity")) << m;
    EXPECT_TRUE(contains(m, "-5")) << m;
}

TEST(Carbon, CountryTableSpotChecksAgainstEmber2023) {
    const auto & t = country_intensities();
    // Values from Our World in Data's "Carbon intensity of electricity generation" table, 2023
    // column (Ember): India 713, China 582, Germany 381, Canada 170, Brazil 98, Ireland 291.
    EXPECT_DOUBLE_EQ(table_value(t, "IND"), 713);
    EXPECT_DOUBLE_EQ(table_value(t, "CHN"), 582);
    EXPECT_DOUBLE_EQ(table_value(t, "DEU"), 381);
    EXPECT_DOUBLE_EQ(table_value(t, "CAN"), 170);
    EXPECT_DOUBLE_EQ(table_value(t, "BRA"), 98);
    EXPECT_DOUBLE_EQ(table_value(t, "IRL"), 291);
    // Norway 30 g/kWh (Ember 2023, as Statista quotes it).
    EXPECT_DOUBLE_EQ(table_value(t, "NOR"), 30);

    // Coverage the docs promise: all G20 countries, every EU member, the Nordics, cloud hubs.
    const char * required[] = {
        "ARG", "AUS", "BRA", "CAN", "CHN", "FRA", "DEU", "IND", "IDN", "ITA", "JPN", "KOR", "MEX", "RUS",
        "SAU", "ZAF", "TUR", "GBR", "USA",                                                  // G20
        "AUT", "BEL", "BGR", "HRV", "CYP", "CZE", "DNK", "EST", "FIN", "GRC", "HUN", "IRL", "LVA", "LTU",
        "LUX", "MLT", "NLD", "POL", "PRT", "ROU", "SVK", "SVN", "ESP", "SWE",                // EU
        "NOR", "ISL", "CHE", "SGP", "TWN", "HKG", "ARE", "ISR"};
    for (const char * k : required) EXPECT_GT(table_value(t, k), 0) << k;
    EXPECT_GE(t.size(), 60u);

    std::set<std::string> keys;
    for (const IntensityEntry & e : t) {
        EXPECT_EQ(e.key.size(), 3u) << e.key;
        EXPECT_TRUE(keys.insert(e.key).second) << "duplicate " << e.key;
        EXPECT_FALSE(e.name.empty()) << e.key;
        EXPECT_TRUE(contains(e.source, "Ember")) << e.key;
        // No grid is cleaner than hydro's lifecycle figure or dirtier than coal's.
        EXPECT_GT(e.g_per_kwh, 10) << e.key;
        EXPECT_LT(e.g_per_kwh, 1000) << e.key;
    }
}

TEST(Carbon, CloudTableSpotChecksAndGridMapping) {
    const auto & t = cloud_intensities();
    // Google's 2023 file: us-central1 430, northamerica-northeast1 2, europe-north1 46.
    EXPECT_DOUBLE_EQ(table_value(t, "gcp:us-central1"), 430);
    EXPECT_DOUBLE_EQ(table_value(t, "gcp:northamerica-northeast1"), 2);
    EXPECT_DOUBLE_EQ(table_value(t, "gcp:europe-north1"), 46);
    // AWS/Azure regions take the figure of the grid they sit on.
    EXPECT_DOUBLE_EQ(table_value(t, "aws:us-east-1"), table_value(t, "gcp:us-east4"));
    EXPECT_DOUBLE_EQ(table_value(t, "azure:westeurope"), table_value(t, "gcp:europe-west4"));
    EXPECT_DOUBLE_EQ(table_value(t, "aws:eu-west-1"), table_value(country_intensities(), "IRL"));
    EXPECT_DOUBLE_EQ(table_value(t, "azure:norwayeast"), table_value(country_intensities(), "NOR"));

    std::set<std::string> keys, providers;
    for (const IntensityEntry & e : t) {
        const auto colon = e.key.find(':');
        ASSERT_NE(colon, std::string::npos) << e.key;
        providers.insert(e.key.substr(0, colon));
        EXPECT_TRUE(keys.insert(e.key).second) << "duplicate " << e.key;
        EXPECT_EQ(e.key, [&] { std::string k = e.key; for (char & c : k) c = char(std::tolower(c)); return k; }());
        EXPECT_FALSE(e.source.empty()) << e.key;
        EXPECT_GE(e.g_per_kwh, 0) << e.key;
    }
    EXPECT_EQ(providers, (std::set<std::string>{"aws", "azure", "gcp"}));
    EXPECT_GE(t.size(), 40u);
}

TEST(Carbon, Co2eGramsByHand) {
    // 0.5 kWh × 400 g/kWh × PUE 1.2 = 240 g
    EXPECT_DOUBLE_EQ(co2e_grams(0.5, 400, 1.2), 240.0);
    EXPECT_DOUBLE_EQ(co2e_grams(0.0, 400, 1.2), 0.0);
    // 3.6 MJ = 1 kWh at the world average, no overhead: 475 g
    EXPECT_DOUBLE_EQ(co2e_grams(3.6e6 / 3.6e6, kWorldAverageIntensity, 1.0), 475.0);
}

TEST(Carbon, Co2eFiguresPerUse) {
    CarbonIntensity ci;
    ci.g_per_kwh = 400;
    // 0.5 kWh × 400 × 1.2 = 240 g; 240 g / 200 queries × 1000 = 1200 g per 1000 queries;
    // 240 / 150 correct = 1.6 g; 240 / 48000 tokens × 1e6 = 5000 g per 1M tokens.
    const Co2eFigures f = co2e_figures(0.5, ci, 1.2, 200, 150, 48000);
    EXPECT_DOUBLE_EQ(f.energy_kwh, 0.5);
    EXPECT_DOUBLE_EQ(f.co2e_g, 240.0);
    EXPECT_DOUBLE_EQ(f.g_per_1000_queries, 1200.0);
    ASSERT_TRUE(f.g_per_correct.has_value());
    EXPECT_DOUBLE_EQ(*f.g_per_correct, 1.6);
    ASSERT_TRUE(f.g_per_1m_tokens.has_value());
    EXPECT_DOUBLE_EQ(*f.g_per_1m_tokens, 5000.0);
    const nlohmann::json j = f.to_json();
    EXPECT_DOUBLE_EQ(j.at("g_per_correct").get<double>(), 1.6);
    EXPECT_DOUBLE_EQ(j.at("co2e_g").get<double>(), 240.0);

    // No correct answers and no tokens: those figures are null, not 0 or infinity.
    const Co2eFigures none = co2e_figures(0.5, ci, 1.2, 200, 0, 0);
    EXPECT_FALSE(none.g_per_correct.has_value());
    EXPECT_FALSE(none.g_per_1m_tokens.has_value());
    EXPECT_TRUE(none.to_json().at("g_per_correct").is_null());
    EXPECT_TRUE(none.to_json().at("g_per_1m_tokens").is_null());
    EXPECT_DOUBLE_EQ(none.g_per_1000_queries, 1200.0);
}

TEST(Carbon, AmortiseAGivenTrainingFootprint) {
    TrainingFootprint t;
    t.kg_co2e = 500.0;
    // 500 kg = 500 000 g over 1e6 queries = 0.5 g per query; + 0.25 g inference = 0.75 g.
    const Lifecycle l = amortise(t, 1e6, 0.25);
    EXPECT_DOUBLE_EQ(l.training_kg, 500.0);
    EXPECT_FALSE(l.estimated);
    EXPECT_DOUBLE_EQ(l.training_g_per_query, 0.5);
    EXPECT_DOUBLE_EQ(l.inference_g_per_query, 0.25);
    EXPECT_DOUBLE_EQ(l.total_g_per_query, 0.75);
    EXPECT_TRUE(contains(l.method, "as given")) << l.method;
    EXPECT_EQ(l.to_json().at("estimated"), false);
    EXPECT_DOUBLE_EQ(l.to_json().at("total_g_per_query").get<double>(), 0.75);
}

TEST(Carbon, AmortiseAnEstimatedTrainingFootprint) {
    TrainingFootprint t;
    t.n_params = 1e9;
    t.n_tokens = 1.5e10;
    t.hw_flops = 1e14;
    t.utilisation = 0.5;
    t.hw_watts = 500;
    t.pue = 1.2;
    t.g_per_kwh = 500;
    // FLOPs = 6 × 1e9 × 1.5e10 = 9e19; time = 9e19 / (1e14 × 0.5) = 1.8e6 s (500 h);
    // energy = 1.8e6 s × 500 W × 1.2 / 3.6e6 = 300 kWh; CO2e = 300 × 500 / 1000 = 150 kg;
    // over 3e5 queries: 150 000 g / 3e5 = 0.5 g per query; + 0.1 g inference = 0.6 g.
    const Lifecycle l = amortise(t, 3e5, 0.1);
    EXPECT_TRUE(l.estimated);
    EXPECT_NEAR(l.training_kg, 150.0, 1e-9);
    EXPECT_NEAR(l.training_g_per_query, 0.5, 1e-12);
    EXPECT_NEAR(l.total_g_per_query, 0.6, 1e-12);
    // The sentence shows the formula and its numbers.
    EXPECT_TRUE(contains(l.method, "6·N·D")) << l.method;
    EXPECT_TRUE(contains(l.method, "9e19 FLOPs")) << l.method;
    EXPECT_TRUE(contains(l.method, "500 accelerator-hours")) << l.method;
    EXPECT_TRUE(contains(l.method, "300 kWh")) << l.method;
    EXPECT_TRUE(contains(l.method, "150 kg")) << l.method;
    EXPECT_TRUE(contains(l.method, "Kaplan")) << l.method;

    // The defaults (A100 BF16 312 TFLOP/s at 40 %, 400 W, PUE 1.1, 475 g/kWh):
    // 6 × 1e9 × 2e10 = 1.2e20 FLOPs / 1.248e14 = 961 538.46 s × 400 W × 1.1 / 3.6e6
    // = 117.521 kWh × 0.475 = 55.8226 kg.
    TrainingFootprint d;
    d.n_params = 1e9;
    d.n_tokens = 2e10;
    EXPECT_NEAR(amortise(d, 1, 0).training_kg, 55.8226, 1e-3);
}

TEST(Carbon, AmortiseRefusesMissingInputs) {
    TrainingFootprint t;
    t.kg_co2e = 10;
    EXPECT_TRUE(contains(error_of([&] { amortise(t, 0, 0.1); }), "expected number of queries"));
    EXPECT_TRUE(contains(error_of([&] { amortise(t, -3, 0.1); }), "> 0"));

    TrainingFootprint nothing;  // neither kg nor N and D
    EXPECT_TRUE(contains(error_of([&] { amortise(nothing, 1000, 0.1); }), "no training footprint"));

    TrainingFootprint half;
    half.n_params = 7e9;  // tokens missing
    EXPECT_TRUE(contains(error_of([&] { amortise(half, 1000, 0.1); }), "training tokens"));
}

TEST(Carbon, EmissionsCsvHeaderUsesCodeCarbonNames) {
    const std::string h = emissions_csv_header();
    // CodeCarbon's emissions.csv begins with these columns in this order.
    EXPECT_EQ(h.rfind("timestamp,project_name,run_id,duration,emissions,emissions_rate,cpu_power,gpu_power,"
                      "ram_power,cpu_energy,gpu_energy,ram_energy,energy_consumed,country_name,country_iso_code,"
                      "region,cloud_provider,cloud_region,os,",
                      0),
              0u)
        << h;
    for (const char * c : {"cpu_count", "cpu_model", "gpu_count", "gpu_model", "ram_total_size", "tracking_mode",
                           "on_cloud", "pue", "model", "task", "energy_source", "carbon_intensity_g_per_kwh",
                           "intensity_origin"})
        EXPECT_TRUE(contains(h, std::string(",") + c)) << c;
    // One record, newline-terminated, so lines can be appended to it as they are.
    EXPECT_EQ(h.find('\n'), h.size() - 1);
}

TEST(Carbon, EmissionsCsvLineParsesBackWithTheRightValues) {
    EmissionsRow r;
    r.timestamp = "2025-01-02T03:04:05";
    r.run_id = "run-1";
    r.model = "tiny, \"quoted\" model";  // a comma and quotes must survive
    r.task = "hellaswag";
    r.duration_s = 100;
    r.cpu_j = 3.6e6;  // 1 kWh
    r.gpu_j = 7.2e6;  // 2 kWh
    r.ram_j = 3.6e5;  // 0.1 kWh
    r.energy_source = "measured:rapl+nvml";
    r.intensity.g_per_kwh = 400;
    r.intensity.origin = "cloud gcp:us-central1";
    r.pue = 1.5;
    r.country_iso = "usa";
    r.cloud_provider = "gcp";
    r.cloud_region = "us-central1";
    r.os = "Linux-6.1";
    r.cpu_model = "AMD EPYC 7B13";
    r.gpu_model = "1 x NVIDIA H100\nline two";  // a line break must survive too
    r.cpu_count = 16;
    r.gpu_count = 1;
    r.ram_total_gb = 62.5;

    const std::string csv = emissions_csv_header() + emissions_csv_line(r);
    const std::vector<Document> docs = parse_delimited(csv, ',', "emissions.csv");
    ASSERT_EQ(docs.size(), 1u);
    const Document & d = docs[0];
    size_t n_header = 1;
    for (char c : emissions_csv_header()) n_header += c == ',';
    EXPECT_EQ(d.size(), n_header);

    auto num = [&](const char * k) { return std::stod(d.at(k).get<std::string>()); };
    EXPECT_EQ(d.at("model"), "tiny, \"quoted\" model");
    EXPECT_EQ(d.at("gpu_model"), "1 x NVIDIA H100\nline two");
    EXPECT_EQ(d.at("project_name"), "rightsize");
    EXPECT_EQ(d.at("run_id"), "run-1");
    EXPECT_DOUBLE_EQ(num("duration"), 100);
    // 3.1 kWh IT energy × 400 g/kWh × 1.5 = 1860 g = 1.86 kg; rate 1.86 / 100 s.
    EXPECT_DOUBLE_EQ(num("cpu_energy"), 1.0);
    EXPECT_DOUBLE_EQ(num("gpu_energy"), 2.0);
    EXPECT_DOUBLE_EQ(num("ram_energy"), 0.1);
    EXPECT_NEAR(num("energy_consumed"), 3.1, 1e-12);
    EXPECT_NEAR(num("emissions"), 1.86, 1e-12);
    EXPECT_NEAR(num("emissions_rate"), 0.0186, 1e-14);
    // Mean powers: 3.6 MJ / 100 s = 36 kW, 72 kW, 3.6 kW.
    EXPECT_DOUBLE_EQ(num("cpu_power"), 36000);
    EXPECT_DOUBLE_EQ(num("gpu_power"), 72000);
    EXPECT_DOUBLE_EQ(num("ram_power"), 3600);
    EXPECT_EQ(d.at("country_name"), "United States");
    EXPECT_EQ(d.at("country_iso_code"), "USA");
    EXPECT_EQ(d.at("region"), "Council Bluffs, Iowa, USA");
    EXPECT_EQ(d.at("cloud_provider"), "gcp");
    EXPECT_EQ(d.at("on_cloud"), "Y");
    EXPECT_EQ(d.at("tracking_mode"), "machine");
    EXPECT_EQ(d.at("cpu_count"), "16");
    EXPECT_DOUBLE_EQ(num("ram_total_size"), 62.5);
    EXPECT_DOUBLE_EQ(num("pue"), 1.5);
    EXPECT_EQ(d.at("energy_source"), "measured:rapl+nvml");
    EXPECT_DOUBLE_EQ(num("carbon_intensity_g_per_kwh"), 400);
    EXPECT_EQ(d.at("intensity_origin"), "cloud gcp:us-central1");
}

TEST(Carbon, EmissionsCsvLineOffCloudAndEstimated) {
    EmissionsRow r;
    r.energy_source = "estimated:tdp";
    r.duration_s = 0;  // an empty window: rates are 0, not NaN
    r.model = "second";
    EmissionsRow first = r;
    first.model = "first";
    // Lines append to the header and to each other as they are.
    const std::string csv = emissions_csv_header() + emissions_csv_line(first) + emissions_csv_line(r);
    const std::vector<Document> docs = parse_delimited(csv, ',', "emissions.csv");
    ASSERT_EQ(docs.size(), 2u);
    EXPECT_EQ(docs[0].at("model"), "first");
    const Document & d = docs[1];
    EXPECT_EQ(d.at("model"), "second");
    EXPECT_EQ(d.at("on_cloud"), "N");
    EXPECT_EQ(d.at("tracking_mode"), "process");
    EXPECT_EQ(d.at("emissions_rate"), "0");
    EXPECT_EQ(d.at("cpu_power"), "0");
    EXPECT_EQ(d.at("country_name"), "");
    EXPECT_DOUBLE_EQ(std::stod(d.at("carbon_intensity_g_per_kwh").get<std::string>()), 475);
}
