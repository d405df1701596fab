// The carbon-intensity tables behind --country and --cloud. Project-owned tables of facts: each
// entry names where its figure comes from; docs/carbon.md lists them all and explains the choices.
#include <rightsize/carbon.h>

#include <rightsize/error.h>

#include <string>
#include <vector>

namespace rightsize {

namespace {

// One primary source for countries, so that every country is measured the same way: Ember's
// generation intensity (lifecycle emissions of the generation mix, imports excluded), 2023, as
// Our World in Data publishes it. Rounded to whole grams.
constexpr const char * kEmber2023 =
    "Ember Yearly Electricity Data, 2023, via Our World in Data 'Carbon intensity of electricity generation'";
// A few countries have no 2023 figure in that series; their latest year is used and said.
constexpr const char * kEmber2022 =
    "Ember Yearly Electricity Data, 2022 (latest year in the series), via Our World in Data "
    "'Carbon intensity of electricity generation'";
// Google publishes a grid figure per region (location-based, hourly grid mix from Electricity
// Maps); it is finer than a country average (Québec vs Canada, Iowa vs the USA).
constexpr const char * kGoogle2023 =
    "Google Cloud, 'Carbon free energy for Google Cloud regions', grid carbon intensity, 2023 "
    "(GoogleCloudPlatform/region-carbon-info data/yearly/2023.csv)";

struct Country {
    const char * iso3;
    const char * name;
    double g_per_kwh;
    bool latest_2022;
};

// Sorted by ISO3 code.
constexpr Country kCountries[] = {
    {"ARE", "United Arab Emirates", 561, true},
    {"ARG", "Argentina", 354, false},
    {"AUS", "Australia", 549, false},
    {"AUT", "Austria", 111, false},
    {"BEL", "Belgium", 138, false},
    {"BGD", "Bangladesh", 691, false},
    {"BGR", "Bulgaria", 335, false},
    {"BRA", "Brazil", 98, false},
    {"CAN", "Canada", 170, false},
    {"CHE", "Switzerland", 35, false},
    {"CHL", "Chile", 291, false},
    {"CHN", "China", 582, false},
    {"COL", "Colombia", 260, false},
    {"CRI", "Costa Rica", 53, false},
    {"CYP", "Cyprus", 534, false},
    {"CZE", "Czechia", 450, false},
    {"DEU", "Germany", 381, false},
    {"DNK", "Denmark", 152, false},
    {"ECU", "Ecuador", 150, false},
    {"EGY", "Egypt", 570, false},
    {"ESP", "Spain", 174, false},
    {"EST", "Estonia", 417, false},
    {"FIN", "Finland", 79, false},
    {"FRA", "France", 56, false},
    {"GBR", "United Kingdom", 238, false},
    {"GEO", "Georgia", 168, false},
    {"GRC", "Greece", 337, false},
    {"HKG", "Hong Kong", 699, true},
    {"HRV", "Croatia", 205, false},
    {"HUN", "Hungary", 204, false},
    {"IDN", "Indonesia", 676, true},
    {"IND", "India", 713, false},
    {"IRL", "Ireland", 291, false},
    {"IRN", "Iran", 655, false},
    {"ISL", "Iceland", 28, true},
    {"ISR", "Israel", 583, true},
    {"ITA", "Italy", 331, false},
    {"JPN", "Japan", 485, false},
    {"KAZ", "Kazakhstan", 821, false},
    {"KEN", "Kenya", 70, false},
    {"KOR", "South Korea", 431, false},
    {"LTU", "Lithuania", 160, false},
    {"LUX", "Luxembourg", 105, false},
    {"LVA", "Latvia", 123, false},
    {"MAR", "Morocco", 630, false},
    {"MEX", "Mexico", 507, false},
    {"MLT", "Malta", 459, false},
    {"MYS", "Malaysia", 606, true},
    {"NGA", "Nigeria", 523, false},
    {"NLD", "Netherlands", 268, false},
    {"NOR", "Norway", 30, false},
    {"NZL", "New Zealand", 113, false},
    {"PAK", "Pakistan", 441, false},
    {"PER", "Peru", 266, false},
    {"PHL", "Philippines", 611, false},
    {"POL", "Poland", 662, false},
    {"PRT", "Portugal", 166, false},
    {"QAT", "Qatar", 603, false},
    {"ROU", "Romania", 241, false},
    {"RUS", "Russia", 441, false},
    {"SAU", "Saudi Arabia", 707, true},
    {"SGP", "Singapore", 471, false},
    {"SRB", "Serbia", 636, false},
    {"SVK", "Slovakia", 117, false},
    {"SVN", "Slovenia", 231, false},
    {"SWE", "Sweden", 41, false},
    {"THA", "Thailand", 550, false},
    {"TUR", "Turkey", 465, false},
    {"TWN", "Taiwan", 642, false},
    {"UKR", "Ukraine", 260, true},
    {"URY", "Uruguay", 129, false},
    {"USA", "United States", 369, false},
    {"VNM", "Vietnam", 475, false},
    {"ZAF", "South Africa", 708, false},
};

struct GcpRegion {
    const char * region;
    const char * location;
    double g_per_kwh;
};

// Every region in Google's 2023 file, in its order.
constexpr GcpRegion kGcp2023[] = {
    {"africa-south1", "Johannesburg, South Africa", 646},
    {"asia-east1", "Changhua County, Taiwan", 451},
    {"asia-east2", "Hong Kong", 360},
    {"asia-northeast1", "Tokyo, Japan", 459},
    {"asia-northeast2", "Osaka, Japan", 385},
    {"asia-northeast3", "Seoul, South Korea", 378},
    {"asia-south1", "Mumbai, India", 648},
    {"asia-south2", "Delhi, India", 529},
    {"asia-southeast1", "Singapore", 369},
    {"asia-southeast2", "Jakarta, Indonesia", 580},
    {"australia-southeast1", "Sydney, Australia", 501},
    {"australia-southeast2", "Melbourne, Australia", 456},
    {"europe-central2", "Warsaw, Poland", 723},
    {"europe-north1", "Hamina, Finland", 46},
    {"europe-southwest1", "Madrid, Spain", 131},
    {"europe-west1", "St. Ghislain, Belgium", 122},
    {"europe-west2", "London, United Kingdom", 136},
    {"europe-west3", "Frankfurt, Germany", 345},
    {"europe-west4", "Eemshaven, Netherlands", 236},
    {"europe-west6", "Zurich, Switzerland", 59},
    {"europe-west8", "Milan, Italy", 249},
    {"europe-west9", "Paris, France", 34},
    {"europe-west10", "Berlin, Germany", 345},
    {"europe-west12", "Turin, Italy", 249},
    {"me-central1", "Doha, Qatar", 575},
    {"me-central2", "Dammam, Saudi Arabia", 569},
    {"me-west1", "Tel Aviv, Israel", 463},
    {"northamerica-northeast1", "Montréal, Québec, Canada", 2},
    {"northamerica-northeast2", "Toronto, Ontario, Canada", 47},
    {"southamerica-east1", "São Paulo, Brazil", 56},
    {"southamerica-west1", "Santiago, Chile", 138},
    {"us-central1", "Council Bluffs, Iowa, USA", 430},
    {"us-east1", "Moncks Corner, South Carolina, USA", 560},
    {"us-east4", "Ashburn, Northern Virginia, USA", 322},
    {"us-east5", "Columbus, Ohio, USA", 322},
    {"us-south1", "Dallas, Texas, USA", 321},
    {"us-west1", "The Dalles, Oregon, USA", 94},
    {"us-west2", "Los Angeles, California, USA", 198},
    {"us-west3", "Salt Lake City, Utah, USA", 588},
    {"us-west4", "Las Vegas, Nevada, USA", 373},
};

// AWS and Azure publish no per-region grid figure, so each region is mapped to the grid it draws
// from: the Google region on the same grid where there is one (same city or same grid operator,
// so one grid has one number whichever provider runs on it), else the country.
struct MappedRegion {
    const char * key;       // "aws:us-east-1"
    const char * location;
    const char * grid;      // "gcp:us-east4" or an ISO3 code
    const char * why;       // why that grid, when it is not the same city
};

constexpr MappedRegion kMapped[] = {
    // AWS
    {"aws:us-east-1", "Northern Virginia, USA", "gcp:us-east4", ""},
    {"aws:us-east-2", "Ohio, USA", "gcp:us-east5", ""},
    {"aws:us-west-1", "Northern California, USA", "gcp:us-west2", "California grid (CAISO)"},
    {"aws:us-west-2", "Oregon, USA", "gcp:us-west1", ""},
    {"aws:ca-central-1", "Montréal, Québec, Canada", "gcp:northamerica-northeast1", ""},
    {"aws:sa-east-1", "São Paulo, Brazil", "gcp:southamerica-east1", ""},
    {"aws:eu-west-1", "Ireland", "IRL", ""},
    {"aws:eu-west-2", "London, United Kingdom", "gcp:europe-west2", ""},
    {"aws:eu-west-3", "Paris, France", "gcp:europe-west9", ""},
    {"aws:eu-central-1", "Frankfurt, Germany", "gcp:europe-west3", ""},
    {"aws:eu-central-2", "Zurich, Switzerland", "gcp:europe-west6", ""},
    {"aws:eu-north-1", "Stockholm, Sweden", "SWE", ""},
    {"aws:eu-south-1", "Milan, Italy", "gcp:europe-west8", ""},
    {"aws:eu-south-2", "Aragón, Spain", "gcp:europe-southwest1", "Spanish national grid"},
    {"aws:ap-northeast-1", "Tokyo, Japan", "gcp:asia-northeast1", ""},
    {"aws:ap-northeast-2", "Seoul, South Korea", "gcp:asia-northeast3", ""},
    {"aws:ap-northeast-3", "Osaka, Japan", "gcp:asia-northeast2", ""},
    {"aws:ap-southeast-1", "Singapore", "gcp:asia-southeast1", ""},
    {"aws:ap-southeast-2", "Sydney, Australia", "gcp:australia-southeast1", ""},
    {"aws:ap-southeast-3", "Jakarta, Indonesia", "gcp:asia-southeast2", ""},
    {"aws:ap-south-1", "Mumbai, India", "gcp:asia-south1", ""},
    {"aws:ap-south-2", "Hyderabad, India", "IND", ""},
    {"aws:ap-east-1", "Hong Kong", "gcp:asia-east2", ""},
    {"aws:af-south-1", "Cape Town, South Africa", "gcp:africa-south1", "one national grid (Eskom)"},
    {"aws:me-central-1", "United Arab Emirates", "ARE", ""},
    {"aws:il-central-1", "Tel Aviv, Israel", "gcp:me-west1", ""},
    // Azure
    {"azure:eastus", "Virginia, USA", "gcp:us-east4", ""},
    {"azure:eastus2", "Virginia, USA", "gcp:us-east4", ""},
    {"azure:centralus", "Iowa, USA", "gcp:us-central1", ""},
    {"azure:southcentralus", "Texas, USA", "gcp:us-south1", "Texas grid (ERCOT)"},
    {"azure:westus", "California, USA", "gcp:us-west2", "California grid (CAISO)"},
    {"azure:westus2", "Washington, USA", "gcp:us-west1", "Pacific Northwest grid"},
    {"azure:westus3", "Arizona, USA", "USA", "no sub-national figure in these sources"},
    {"azure:canadacentral", "Toronto, Ontario, Canada", "gcp:northamerica-northeast2", ""},
    {"azure:canadaeast", "Québec City, Québec, Canada", "gcp:northamerica-northeast1", "Québec grid"},
    {"azure:brazilsouth", "São Paulo, Brazil", "gcp:southamerica-east1", ""},
    {"azure:northeurope", "Ireland", "IRL", ""},
    {"azure:westeurope", "Netherlands", "gcp:europe-west4", "Dutch national grid"},
    {"azure:uksouth", "London, United Kingdom", "gcp:europe-west2", ""},
    {"azure:francecentral", "Paris, France", "gcp:europe-west9", ""},
    {"azure:germanywestcentral", "Frankfurt, Germany", "gcp:europe-west3", ""},
    {"azure:switzerlandnorth", "Zurich, Switzerland", "gcp:europe-west6", ""},
    {"azure:swedencentral", "Gävle, Sweden", "SWE", ""},
    {"azure:norwayeast", "Oslo, Norway", "NOR", ""},
    {"azure:polandcentral", "Warsaw, Poland", "gcp:europe-central2", ""},
    {"azure:italynorth", "Milan, Italy", "gcp:europe-west8", ""},
    {"azure:spaincentral", "Madrid, Spain", "gcp:europe-southwest1", ""},
    {"azure:japaneast", "Tokyo, Japan", "gcp:asia-northeast1", ""},
    {"azure:japanwest", "Osaka, Japan", "gcp:asia-northeast2", ""},
    {"azure:koreacentral", "Seoul, South Korea", "gcp:asia-northeast3", ""},
    {"azure:southeastasia", "Singapore", "gcp:asia-southeast1", ""},
    {"azure:eastasia", "Hong Kong", "gcp:asia-east2", ""},
    {"azure:australiaeast", "New South Wales, Australia", "gcp:australia-southeast1", "New South Wales grid"},
    {"azure:australiasoutheast", "Victoria, Australia", "gcp:australia-southeast2", "Victoria grid"},
    {"azure:centralindia", "Pune, India", "gcp:asia-south1", "Maharashtra grid"},
    {"azure:southindia", "Chennai, India", "IND", ""},
    {"azure:southafricanorth", "Johannesburg, South Africa", "gcp:africa-south1", ""},
    {"azure:uaenorth", "Dubai, United Arab Emirates", "ARE", ""},
    {"azure:qatarcentral", "Doha, Qatar", "gcp:me-central1", ""},
    {"azure:israelcentral", "Israel", "gcp:me-west1", "Israeli national grid"},
};

const IntensityEntry & entry_for(const std::vector<IntensityEntry> & table, const std::string & key) {
    for (const IntensityEntry & e : table)
        if (e.key == key) return e;
    // Only reachable through a typo in kMapped; the table test builds every entry.
    throw Error("carbon tables: region mapping refers to unknown grid '" + key + "'");
}

std::vector<IntensityEntry> build_cloud_table() {
    std::vector<IntensityEntry> gcp;
    for (const GcpRegion & g : kGcp2023)
        gcp.push_back({std::string("gcp:") + g.region, g.location, g.g_per_kwh, kGoogle2023});
    std::vector<IntensityEntry> out = gcp;
    for (const MappedRegion & m : kMapped) {
        const std::string grid = m.grid;
        const bool via_gcp = grid.rfind("gcp:", 0) == 0;
        const IntensityEntry & g = entry_for(via_gcp ? gcp : country_intensities(), grid);
        std::string source = (via_gcp ? "grid of " : "country ") + grid + ": " + g.source;
        if (*m.why) source = std::string(m.why) + "; " + source;
        out.push_back({m.key, m.location, g.g_per_kwh, source});
    }
    return out;
}

}  // namespace

const std::vector<IntensityEntry> & country_intensities() {
    static const std::vector<IntensityEntry> table = [] {
        std::vector<IntensityEntry> out;
        for (const Country & c : kCountries)
            out.push_back({c.iso3, c.name, c.g_per_kwh, c.latest_2022 ? kEmber2022 : kEmber2023});
        return out;
    }();
    return table;
}

const std::vector<IntensityEntry> & cloud_intensities() {
    static const std::vector<IntensityEntry> table = build_cloud_table();
    return table;
}

}  // namespace rightsize
