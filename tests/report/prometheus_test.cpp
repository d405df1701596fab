// A served model's energy and memory from a real Prometheus (Debian's) on 127.0.0.1 that scrapes an
// exporter the test advances: the counter's exact difference over a window, the query chosen when
// none is given, a counter that goes down, and a run in which llama-server's model gets its energy
// from Prometheus and its memory declared, each labelled so in results.json and the report.
#include "test_support.h"
#include "prometheus_server.h"
#include "../cli/run_test_support.h"

#include <rightsize/prometheus.h>
#include <rightsize/run.h>

#include <cmath>

using namespace rightsize;
using namespace rightsize::testing;
namespace fs = std::filesystem;

#ifdef RIGHTSIZE_PROMETHEUS

namespace {

const char * kGpu0 = "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{gpu=\"0\"}";
const char * kGpu1 = "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{gpu=\"1\"}";

// The meter, once Prometheus has scraped the exporter (its first scrape comes within a second).
std::unique_ptr<PrometheusMeter> meter_when_ready(const PrometheusOptions & o) {
    std::string last;
    for (int i = 0; i < 150; ++i) {
        try {
            return std::make_unique<PrometheusMeter>(o);
        } catch (const Error & e) {
            last = e.what();
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "Prometheus never had data: " << last;
    return nullptr;
}

// Waits until Prometheus' newest sample of the counter is `joules` (the exporter was just changed).
bool sees(PrometheusMeter & m, double joules) {
    for (int i = 0; i < 100; ++i) {
        if (std::fabs(m.energy_j_now() - joules) < 1e-9) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
}

}  // namespace

TEST(Prometheus, EnergyIsTheCountersExactDifferenceOverTheWindow) {
    const auto dir = fresh_subdir("prometheus-meter");
    Exporter exporter;
    exporter.set(kGpu0, 1'000'000);  // millijoules, as DCGM counts
    exporter.set(kGpu1, 2'000'000);
    exporter.set("DCGM_FI_DEV_FB_USED{gpu=\"0\"}", 4000);
    exporter.set("DCGM_FI_DEV_FB_USED{gpu=\"1\"}", 1000);
    Prometheus prom(RIGHTSIZE_PROMETHEUS, exporter.port(), dir);
    ASSERT_TRUE(prom.wait_ready(std::chrono::seconds(60))) << prom.log_text();
    PrometheusOptions o;
    o.url = prom.url();
    auto meter = meter_when_ready(o);
    ASSERT_TRUE(meter);
    EXPECT_EQ(meter->energy_query(), kDcgmEnergyQuery) << "DCGM's counter is found without being named";
    EXPECT_EQ(meter->memory_query(), kDcgmMemoryQuery);
    ASSERT_TRUE(sees(*meter, 3000.0)) << "3,000,000 mJ summed over both GPUs, in joules";
    EXPECT_EQ(meter->memory_mb_now(), 5000.0);

    meter->start();
    exporter.add(kGpu0, 5000);
    exporter.add(kGpu1, 2500);
    ASSERT_TRUE(sees(*meter, 3007.5));
    const EnergyReading r = meter->lap();
    EXPECT_DOUBLE_EQ(r.gpu_j, 7.5) << "the exact difference, not increase()'s extrapolation";
    EXPECT_DOUBLE_EQ(r.cpu_j, 0.0);
    EXPECT_EQ(r.source, "measured:prometheus");
    ASSERT_EQ(r.parts.size(), 1u);
    EXPECT_EQ(r.parts[0].name, kDcgmEnergyQuery);
    EXPECT_GT(r.seconds, 0.0);

    exporter.set(kGpu0, 0);  // the exporter restarted: the counter starts again
    ASSERT_TRUE(sees(*meter, 2002.5));
    const std::string down = error_message([&] { meter->lap(); });
    EXPECT_NE(down.find("the energy counter 'sum(DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION)' went down"), std::string::npos) << down;

    PrometheusOptions missing = o;
    missing.energy_query = "sum(no_such_counter_total)";
    EXPECT_NE(error_message([&] { PrometheusMeter m(missing); }).find("'sum(no_such_counter_total)' has no data now"), std::string::npos);
    PrometheusOptions wrong = o;
    wrong.energy_query = "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION";
    EXPECT_NE(error_message([&] { PrometheusMeter m(wrong); }).find("gives 2 series; wrap it in sum(...)"), std::string::npos);
    PrometheusOptions nowhere;
    nowhere.url = "http://127.0.0.1:" + std::to_string(free_port());
    nowhere.timeout_s = 2;
    EXPECT_NE(error_message([&] { PrometheusMeter m(nowhere); }).find(nowhere.url + "/api/v1/query"), std::string::npos);
}

#ifdef RIGHTSIZE_LLAMA_SERVER
TEST(Prometheus, AServedModelsEnergyIsMeasuredThereAndItsMemoryDeclared) {
    const auto dir = fresh_subdir("prometheus-run");
    Exporter exporter;
    const char * rapl = "node_rapl_package_joules_total{index=\"0\",path=\"/sys/class/powercap/intel-rapl:0\"}";
    exporter.set(rapl, 50'000);
    std::atomic<bool> running{true};
    std::thread power([&] {  // a 100 W package: 10 J every 100 ms
        while (running) {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            exporter.add(rapl, 10);
        }
    });
    Prometheus prom(RIGHTSIZE_PROMETHEUS, exporter.port(), dir / "prometheus");
    ASSERT_TRUE(prom.wait_ready(std::chrono::seconds(60))) << prom.log_text();
    PrometheusOptions po;
    po.url = prom.url();
    ASSERT_TRUE(meter_when_ready(po));
    const int port = free_port();
    LlamaServer server(RIGHTSIZE_LLAMA_SERVER, smollm2_path(), port, dir / "llama-server.log");
    ASSERT_TRUE(server.wait_ready(std::chrono::seconds(120))) << server.log_text();
    const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/v1";

    const auto tasks = run_cli::make_tasks();
    RunOptions o = run_cli::tiny_run_options(tasks, dir / "out", {"gen_colours"});
    o.models = {smollm2_path(), url};
    o.prometheus = po;
    o.declared_memory_mb[url] = 512;
    const RunOutcome r = RunSession(o).run();
    running = false;
    power.join();
    const auto & local = r.results[0]["efficiency"]["gen_colours"];
    const auto & served = r.results[1]["efficiency"]["gen_colours"];
    EXPECT_EQ(local["memory_source"], "measured:process");
    EXPECT_EQ(served["memory_source"], "declared");
    EXPECT_EQ(served["peak_rss_mb"], 512.0);
    EXPECT_EQ(served["not_measured"], nlohmann::json::array()) << "memory declared, energy measured";
    ASSERT_TRUE(served["energy"].is_object()) << served.dump(1);
    EXPECT_EQ(served["energy"]["source"], "measured:prometheus");
    EXPECT_EQ(served["energy"]["query"], kRaplEnergyQuery) << "node_exporter's RAPL counter, found without being named";
    const double wall = served["wall_s"], joules = served["energy"]["total_j"];
    EXPECT_NEAR(joules, 100.0 * wall, 100.0 * 0.5 + 0.25 * 100.0 * wall) << "100 W over the task's window, to a scrape or two";
    EXPECT_NE(local["energy"]["source"], "measured:prometheus") << "the local model's energy is this machine's";
    ASSERT_EQ(r.analysis["models"].size(), 2u);
    const std::string html = run_cli::read_text(dir / "out" / "report.html");
    EXPECT_NE(html.find("declared"), std::string::npos) << "the report labels the declared memory";
    EXPECT_NE(html.find("prometheus"), std::string::npos) << "and where the energy comes from";
}
#endif
#endif

#ifndef RIGHTSIZE_PROMETHEUS
TEST(Prometheus, IsInstalled) { FAIL() << "prometheus was not found when configuring: run scripts/install-deps.sh, then cmake again"; }
#endif
