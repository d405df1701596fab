// The HTML report in a real browser: headless Chromium loads it from disk, and the test checks
// what a reader would see — no console errors, the charts in the DOM, the numbers of the input,
// and a screenshot with real content in the models' colours.
#include "report/probe_fixture.h"
#include "report/report_fixture.h"
#include "test_support.h"

#include <rightsize/report.h>
#include <rightsize/results_store.h>
#include "probes/vote.h"

#include <gtest/gtest.h>
#include <png.h>

#include <set>

using namespace rightsize;
using namespace rightsize::testing;
namespace fs = std::filesystem;

namespace {

const char * kChromium = "/usr/bin/chromium";

// One Chromium run with its own profile folder (no state shared between runs or with a user).
CommandResult chromium(const fs::path & html, const std::string & mode, const std::string & name) {
    const auto profile = fresh_subdir("chromium-profile-" + name);
    return run_command(std::string("timeout 180 ") + kChromium + " --headless --no-sandbox --disable-gpu --enable-logging=stderr --v=0 " +
                       "--no-first-run --user-data-dir=" + profile.string() + " " + mode + " file://" + html.string());
}

// Chromium prints page console messages to stderr as `…:INFO:CONSOLE:12] "message", source: URL (12)`
// (console.error and uncaught exceptions alike). The report has no script, so any is a fault.
std::vector<std::string> console_lines(const std::string & err) {
    std::vector<std::string> out;
    std::istringstream in(err);
    for (std::string line; std::getline(in, line);) {
        if (line.find(":CONSOLE") != std::string::npos || line.find("Uncaught") != std::string::npos) out.push_back(line);
    }
    return out;
}

struct Image {
    unsigned width = 0, height = 0;
    std::vector<unsigned char> rgb;
};

Image read_png(const fs::path & path) {
    png_image img{};
    img.version = PNG_IMAGE_VERSION;
    Image out;
    if (!png_image_begin_read_from_file(&img, path.c_str())) {
        ADD_FAILURE() << path << ": " << img.message;
        return out;
    }
    img.format = PNG_FORMAT_RGB;
    out.width = img.width;
    out.height = img.height;
    out.rgb.resize(PNG_IMAGE_SIZE(img));
    if (!png_image_finish_read(&img, nullptr, out.rgb.data(), 0, nullptr)) {
        ADD_FAILURE() << path << ": " << img.message;
        out.rgb.clear();
    }
    return out;
}

size_t count(const std::string & s, const std::string & what) {
    size_t n = 0;
    for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
    return n;
}

class Chromium : public ::testing::Test {
protected:
    void SetUp() override {
        if (!fs::exists(kChromium)) GTEST_SKIP() << kChromium << " is not installed (Debian: apt-get install chromium); the browser checks are skipped";
    }
};

}  // namespace

// Guards the console check itself: a page with a broken script must be caught, so a Chromium that
// logs differently cannot make the report test pass vacuously.
TEST_F(Chromium, ConsoleErrorsAreDetected) {
    const auto dir = fresh_subdir("chromium-broken");
    const auto page = dir / "broken.html";
    write_file_atomic(page.string(), "<!DOCTYPE html><html><body><p>x</p><script>undefinedFunction();</script></body></html>");
    const auto r = chromium(page, "--dump-dom", "broken");
    ASSERT_EQ(r.status, 0) << r.err;
    const auto lines = console_lines(r.err);
    ASSERT_EQ(lines.size(), 1u) << r.err;
    EXPECT_NE(lines[0].find("Uncaught ReferenceError: undefinedFunction"), std::string::npos) << lines[0];
}

TEST_F(Chromium, ReportRendersWithChartsNumbersAndColours) {
    const auto dir = fresh_subdir("chromium-report");
    const auto inputs = fixture_results();
    write_run_dir(dir / "run", inputs);
    const auto page = dir / "report.html";
    write_file_atomic(page.string(), render_html(analyse(load_report_input((dir / "run").string()))));

    // The DOM after load: charts with their marks, and the input's numbers.
    const auto dom = chromium(page, "--dump-dom", "dom");
    ASSERT_EQ(dom.status, 0) << dom.err;
    EXPECT_TRUE(console_lines(dom.err).empty()) << dom.err;
    // Per task: PER bars, energy, latency and memory scatter plots; gsm8k adds TTFT and TPOT, arc_easy ms/sample.
    EXPECT_EQ(count(dom.out, "<svg class=\"chart\""), 2u * 4 + 3);
    EXPECT_GE(count(dom.out, "<circle"), 2u * 3 * 3);  // 3 models in 3 scatter plots per task
    EXPECT_GE(count(dom.out, "<rect"), 30u);
    EXPECT_GE(count(dom.out, "class=\"pareto-front\""), 1u);
    EXPECT_GE(check_data_values(dom.out, inputs), 3u * 2 * 11);
    EXPECT_NE(dom.out.find("Energy is estimated, not measured."), std::string::npos);

    // The screenshot: a page with content, not a blank or an error page.
    const auto png = dir / "report.png";
    const auto shot = chromium(page, "--screenshot=" + png.string() + " --window-size=1280,4000", "shot");
    ASSERT_EQ(shot.status, 0) << shot.err;
    EXPECT_TRUE(console_lines(shot.err).empty()) << shot.err;
    const auto img = read_png(png);
    ASSERT_EQ(img.width, 1280u);
    ASSERT_EQ(img.height, 4000u);
    size_t ink = 0;
    std::set<unsigned> colours;
    size_t blue = 0, vermillion = 0, green = 0;  // the first three models' colours (report_svg.cpp)
    for (size_t i = 0; i + 2 < img.rgb.size(); i += 3) {
        const unsigned r = img.rgb[i], g = img.rgb[i + 1], b = img.rgb[i + 2];
        if (r < 235 || g < 235 || b < 235) ++ink;
        colours.insert((r >> 4) << 8 | (g >> 4) << 4 | (b >> 4));
        blue += r == 0x00 && g == 0x72 && b == 0xB2;
        vermillion += r == 0xD5 && g == 0x5E && b == 0x00;
        green += r == 0x00 && g == 0x9E && b == 0x73;
    }
    const size_t pixels = size_t(img.width) * img.height;
    EXPECT_GT(ink, pixels / 50) << "the screenshot is nearly blank";
    EXPECT_GT(colours.size(), 50u) << "too few distinct colours for text, tables and charts";
    // Bars and points are solid fills: each model's colour covers many pixels exactly.
    EXPECT_GT(blue, 500u);
    EXPECT_GT(vermillion, 500u);
    EXPECT_GT(green, 500u);
}

// The behaviour-probe sections in the browser: every family's section, the BBQ and win-rate
// charts, and every figure in the DOM equal to the input (results.json), the analysis (derived
// figures) or the vote tallies read from the run's store.
TEST_F(Chromium, ProbeSectionsCarryTheirNumbers) {
    const auto dir = fresh_subdir("chromium-probes");
    const auto inputs = probe_fixture_results();
    write_run_dir(dir / "run", inputs);
    const std::string db = (dir / "run" / "rightsize.sqlite").string();
    const std::string run_id = inputs[0]["run_id"];
    {
        ResultsStore store(db);  // creates the store; the votes table comes with the first vote
    }
    const std::string a = "alpha-1b-q4", b = "beta-500m-q4";
    for (long long d = 0; d < 6; ++d) {
        ASSERT_TRUE(record_vote(db, run_id, "humanlike", d, d % 2 ? b : a, d % 2 ? a : b, d < 4 ? VoteChoice::Left : VoteChoice::Tie, "ann"));
        ASSERT_TRUE(record_vote(db, run_id, "humanlike", d, a, b, VoteChoice::Left, "judge:gemma"));
        ASSERT_TRUE(record_vote(db, run_id, "humanlike", d, b, a, VoteChoice::Left, "judge:gemma"));
    }
    const auto in = load_report_input((dir / "run").string());
    ASSERT_EQ(in.votes.size(), 1u);
    const auto analysis = analyse(in);
    ASSERT_TRUE(analysis.contains("probes"));
    const auto page = dir / "report.html";
    write_file_atomic(page.string(), render_html(analysis));

    const auto dom = chromium(page, "--dump-dom", "probes-dom");
    ASSERT_EQ(dom.status, 0) << dom.err;
    EXPECT_TRUE(console_lines(dom.err).empty()) << dom.err;
    for (const char * id : {"probe-charcomp", "probe-personality", "probe-deception", "probe-bias", "probe-humanlike", "chart-bbq-bias",
                            "chart-winrate-humanlike"})
        EXPECT_NE(dom.out.find("id=\"" + std::string(id) + "\""), std::string::npos) << id;
    EXPECT_EQ(count(dom.out, "<svg class=\"chart\""), 2u * 4 + 3 + 2);
    EXPECT_GE(count(dom.out, "class=\"whisker\""), 2u + 4);  // two win rates, four BBQ bias scores

    size_t probe_cells = 0;
    for (const auto & f : analysis["probes"]["families"])
        for (const auto & t : f["tables"])
            for (const auto & r : t["rows"])
                for (const auto & c : r["cells"]) probe_cells += c["value"].is_number();
    std::set<std::string> metrics;
    // The efficiency tables, every probe figure, and 2 vote rows × (rate, votes, wins, wins, ties, Answer 1 share) + the judge's consistency.
    EXPECT_GE(check_data_values(dom.out, inputs, &metrics, &analysis, &in.votes), 3u * 2 * 11 + probe_cells + 2 * 6 + 1);
    for (const char * m : {"gap", "screen.knowledge.parse_rate", "bias_score_ambig,none", "win_rate_a.rate", "order_consistency"})
        EXPECT_TRUE(metrics.count(m)) << m;
}
