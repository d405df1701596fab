// The serving load test's arithmetic (load_test.h): arrivals from a gamma process, vLLM's figures
// (TTFT, TPOT, ITL, E2EL, throughputs, goodput) from finished requests, and its JSON keys.
#include "test_support.h"

#include <rightsize/load_test.h>

#include <cmath>

using namespace rightsize;
using namespace rightsize::testing;

namespace {

// Mean and coefficient of variation of the gaps between arrivals.
std::pair<double, double> gap_mean_cv(const std::vector<double> & t) {
    std::vector<double> gaps = {t[0]};
    for (size_t i = 1; i < t.size(); ++i) gaps.push_back(t[i] - t[i - 1]);
    const double m = mean(gaps);
    double sq = 0;
    for (double g : gaps) sq += (g - m) * (g - m);
    return {m, std::sqrt(sq / double(gaps.size())) / m};
}

RequestRecord done(double ttft, double e2el, int out, std::vector<double> itl, int in = 10) {
    RequestRecord r;
    r.ok = true;
    r.ttft_ms = ttft;
    r.e2el_ms = e2el;
    r.output_tokens = out;
    r.input_tokens = in;
    r.itl_ms = std::move(itl);
    return r;
}

}  // namespace

TEST(LoadArrivals, PoissonAtTheRateAskedAndBurstinessShapesTheGaps) {
    const auto poisson = arrival_times(20000, 8.0, 1.0, 42);
    const auto [m1, cv1] = gap_mean_cv(poisson);
    EXPECT_NEAR(m1, 1.0 / 8, 0.01 / 8 * 3) << "mean gap 1/rate";
    EXPECT_NEAR(cv1, 1.0, 0.03) << "exponential gaps: coefficient of variation 1";
    const auto regular = arrival_times(20000, 8.0, 4.0, 42);
    const auto [m4, cv4] = gap_mean_cv(regular);
    EXPECT_NEAR(m4, 1.0 / 8, 0.01 / 8 * 3);
    EXPECT_NEAR(cv4, 0.5, 0.02) << "gamma shape k: CV = 1/sqrt(k)";
    const auto bursty = arrival_times(20000, 8.0, 0.25, 42);
    EXPECT_NEAR(gap_mean_cv(bursty).second, 2.0, 0.15);
    EXPECT_TRUE(std::is_sorted(poisson.begin(), poisson.end()));
    EXPECT_EQ(arrival_times(50, 8.0, 1.0, 42), arrival_times(50, 8.0, 1.0, 42)) << "a seed gives the same arrivals";
    EXPECT_NE(arrival_times(50, 8.0, 1.0, 42), arrival_times(50, 8.0, 1.0, 43));
    EXPECT_EQ(arrival_times(5, std::numeric_limits<double>::infinity(), 1.0, 0), std::vector<double>(5, 0.0)) << "inf: all at once";
    EXPECT_NE(error_message([] { arrival_times(5, 0.0, 1.0, 0); }).find("--request-rate must be above 0"), std::string::npos);
    EXPECT_NE(error_message([] { arrival_times(5, 1.0, -1.0, 0); }).find("--burstiness"), std::string::npos);
}

TEST(LoadFigures, FollowVllmBenchDefinitions) {
    LoadTestOptions o;
    o.slo.ttft_ms = 100;
    o.slo.tpot_ms = 20;
    std::vector<RequestRecord> rs;
    rs.push_back(done(50, 250, 11, {20, 20, 20, 20, 20, 20, 20, 20, 20, 20}));  // TPOT (250-50)/10 = 20: good
    rs.push_back(done(150, 310, 9, {20, 20, 20, 20, 20, 20, 20, 20}));          // TPOT 20, TTFT 150 > 100: not good
    rs.push_back(done(80, 80, 1, {}));                                            // one token: no TPOT, good on TTFT
    RequestRecord failed;
    failed.error = "http://x/v1/completions: HTTP 503 (busy)";
    rs.push_back(failed);
    const LoadResult r = summarize_load(rs, 2.0, o);
    EXPECT_EQ(r.completed, 3u);
    EXPECT_EQ(r.failed, 1u);
    EXPECT_EQ(r.errors, std::vector<std::string>{failed.error});
    EXPECT_EQ(r.total_output_tokens, 21);
    EXPECT_EQ(r.total_input_tokens, 30);
    EXPECT_DOUBLE_EQ(r.request_throughput, 1.5) << "completed / duration";
    EXPECT_DOUBLE_EQ(r.output_throughput, 10.5);
    EXPECT_DOUBLE_EQ(r.total_token_throughput, 25.5);
    EXPECT_EQ(r.good, 2u);
    EXPECT_DOUBLE_EQ(r.request_goodput, 1.0);
    EXPECT_EQ(r.tpot.n, 2u) << "TPOT only for requests with more than one output token";
    EXPECT_DOUBLE_EQ(r.tpot.mean, 20.0);
    EXPECT_EQ(r.itl.n, 18u) << "every request's gaps, pooled";
    EXPECT_DOUBLE_EQ(r.ttft.mean, (50 + 150 + 80) / 3.0);
    EXPECT_DOUBLE_EQ(r.ttft.median, 80);
    EXPECT_NEAR(r.ttft.std, std::sqrt(((50 - 93.333333) * (50 - 93.333333) + (150 - 93.333333) * (150 - 93.333333) +
                                       (80 - 93.333333) * (80 - 93.333333)) / 3),
                1e-4)
        << "numpy's std (ddof 0), as vLLM reports it";
    EXPECT_DOUBLE_EQ(r.ttft.p99, 80 + (150 - 80) * 0.98) << "linear interpolation between ranks";
    EXPECT_DOUBLE_EQ(r.e2el.max, 310);
}

TEST(LoadFigures, JsonCarriesVllmKeysWithPerRequestSeconds) {
    LoadTestOptions o;
    o.max_concurrency = 4;
    LoadResult r = summarize_load({done(50, 250, 11, {20, 30})}, 1.0, o);
    r.label = "load";
    const auto j = to_json(r);
    for (const char * k : {"duration", "completed", "total_input_tokens", "total_output_tokens", "request_throughput", "output_throughput",
                           "total_token_throughput", "mean_ttft_ms", "median_ttft_ms", "std_ttft_ms", "p99_ttft_ms", "mean_tpot_ms",
                           "p99_itl_ms", "mean_e2el_ms", "input_lens", "output_lens", "ttfts", "itls", "errors"}) {
        EXPECT_TRUE(j.contains(k)) << k;
    }
    EXPECT_EQ(j["request_rate"], "inf");
    EXPECT_EQ(j["max_concurrency"], 4);
    EXPECT_DOUBLE_EQ(j["ttfts"][0].get<double>(), 0.05) << "per-request figures in seconds, as vLLM writes them";
    EXPECT_DOUBLE_EQ(j["itls"][0][1].get<double>(), 0.03);
    EXPECT_FALSE(j.contains("request_goodput")) << "no SLO, no goodput";
    EXPECT_FALSE(to_json(r, false).contains("ttfts"));
    const std::string text = load_summary_text(r);
    EXPECT_NE(text.find("Successful requests:                     1"), std::string::npos) << text;
    EXPECT_NE(text.find("Mean TPOT (ms):                          20.00"), std::string::npos) << text;
}

TEST(LoadFigures, SloParsesEveryKeyAndNamesWhatIsWrong) {
    const Slo s = parse_slo("tpot=50,ttft=500");
    EXPECT_EQ(s.ttft_ms, 500.0);
    EXPECT_EQ(s.tpot_ms, 50.0);
    EXPECT_FALSE(s.e2el_ms);
    EXPECT_EQ(parse_slo("e2el=2000.5").e2el_ms, 2000.5);
    EXPECT_NE(error_message([] { parse_slo("ttft=fast"); }).find("'ttft=fast': ttft must be a positive number of milliseconds"),
              std::string::npos);
    EXPECT_NE(error_message([] { parse_slo("latency=5"); }).find("KEY one of ttft, tpot, e2el"), std::string::npos);
    EXPECT_NE(error_message([] { parse_slo("ttft=-1"); }).find("positive"), std::string::npos);
}
