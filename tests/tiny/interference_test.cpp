// Interference (issue 16): a run on two small generated models with a CPU hog started halfway
// finds the windows the hog disturbed and labels them in the samples, the results, the store and
// the report; the windows before it are not labelled.
#include "cli/run_test_support.h"

#include <rightsize/interference.h>
#include <rightsize/results_store.h>
#include <rightsize/run.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

using namespace rightsize;
using namespace rightsize::testing;
using namespace rightsize::testing::run_cli;

namespace {

// Counters as the kernel would show them: `busy` and `steal` seconds over 2 CPUs.
MachineCounters counters(double wall, double busy, double own, double steal = 0) {
    MachineCounters c;
    c.wall_s = wall;
    c.busy_s = busy;
    c.own_cpu_s = own;
    c.steal_s = steal;
    c.total_s = wall * 2;
    c.logical_cpus = 2;
    c.load1 = 0.5;
    return c;
}

// A generated model big enough that one document's generation takes a measurable window.
std::string small_model(const std::string & name, uint32_t seed) {
    fixture::TinyLlamaSpec spec;
    spec.seed = seed;
    spec.n_embd = 256;
    spec.n_layer = 4;
    spec.n_ff = 1024;
    spec.n_ctx_train = 1024;
    const auto path = (temp_dir() / (name + ".gguf")).string();
    fixture::write_tiny_llama(path, spec);
    return path;
}

// Processes that keep every CPU busy until stopped.
struct CpuHog {
    std::vector<pid_t> pids;
    void start(int n) {
        for (int i = 0; i < n; ++i) {
            const pid_t p = fork();
            if (p == 0) {
                volatile unsigned long x = 0;
                for (;;) x = x + 1;
            }
            pids.push_back(p);
        }
    }
    ~CpuHog() {
        for (pid_t p : pids) kill(p, SIGKILL);
        for (pid_t p : pids) waitpid(p, nullptr, 0);
    }
};

}  // namespace

TEST(Interference, WindowsAreJudgedFromTheKernelsCounters) {
    // Others used 1.0 of 2 CPU-seconds per second: 50 %.
    const auto busy = interference_between(counters(100, 50, 10), counters(101, 52, 11));
    EXPECT_TRUE(busy.judged);
    EXPECT_NEAR(busy.outside_cpu_share, 0.5, 1e-9);
    EXPECT_NEAR(busy.own_cpu_share, 0.5, 1e-9);
    EXPECT_TRUE(busy.disturbed);
    EXPECT_EQ(busy.reason, "other processes used 50% of the CPU");
    // Only this process worked: quiet.
    const auto quiet = interference_between(counters(100, 50, 10), counters(101, 51.9, 11.85));
    EXPECT_FALSE(quiet.disturbed) << quiet.reason;
    // Steal above 5 %.
    const auto stolen = interference_between(counters(100, 50, 10, 1), counters(101, 51, 11, 1.2));
    EXPECT_TRUE(stolen.disturbed);
    EXPECT_NE(stolen.reason.find("the hypervisor stole 10%"), std::string::npos) << stolen.reason;
    // Too short to judge from 10 ms ticks.
    EXPECT_FALSE(interference_between(counters(100, 50, 10), counters(100.1, 50.2, 10)).judged);
    // The task's summary counts each chunk's window once, however many documents share it.
    std::vector<nlohmann::json> samples;
    for (int i = 0; i < 4; ++i) {
        auto w = (i < 2 ? quiet : busy).to_json();
        w["first_doc"] = i < 2 ? 0 : 2;
        samples.push_back({{"doc_id", i}, {"interference", w}});
    }
    const auto s = summarise_interference(samples);
    EXPECT_EQ(s["windows"], 2);
    EXPECT_EQ(s["disturbed_windows"], 1);
    EXPECT_EQ(s["documents_in_disturbed_windows"], 2);
    EXPECT_TRUE(s["disturbed"].get<bool>());
    // The real machine's counters are readable here.
    const auto now = read_machine_counters();
    EXPECT_GT(now.total_s, 0);
    EXPECT_GE(now.load1, 0);
}

TEST(Interference, ACpuHogStartedHalfwayIsFoundAndLabelled) {
    const auto tasks = make_tasks();
    write(tasks / "long_gen.yaml", R"yaml(task: long_gen
dataset_path: json
dataset_kwargs:
  data_files:
    test: data/colours.jsonl
test_split: test
output_type: generate_until
doc_to_text: "Q: {{question}}\nA:"
doc_to_target: "{{reply}}"
generation_kwargs:
  until: ["never appears"]
  max_gen_toks: 600
metric_list:
  - metric: exact_match
)yaml");
    const auto out = fresh_subdir("interference-run");
    RunOptions o = tiny_run_options(tasks, out, {"long_gen"});
    o.models = {small_model("quiet-a", 1), small_model("busy-b", 2)};
    o.eval.chunk_docs = 1;
    o.llama.n_parallel = 1;
    o.llama.n_threads = 2;
    o.interleave = false;  // the first model's documents all before the hog, the second's all beside it
    CpuHog hog;
    RunEvents ev;
    long chunks = 0;
    // The machine over the first model's documents, measured independently of the run's windows.
    MachineCounters first_start, first_end;
    ev.task_started = [&](const std::string & model, const std::string &, size_t, size_t) {
        if (model == "quiet-a") first_start = read_machine_counters();
    };
    ev.checkpoint = [&](long n) {
        chunks = n;
        if (n == 6) {  // the first model's 6 documents are done: the second runs beside the hog
            first_end = read_machine_counters();
            hog.start(2);
        }
    };
    RunSession session(o, ev);
    const RunOutcome r = session.run();
    ASSERT_EQ(chunks, 12);
    ASSERT_EQ(r.results.size(), 2u);
    const json a = r.results[0]["efficiency"]["long_gen"]["interference"];
    const json b = r.results[1]["efficiency"]["long_gen"]["interference"];
    ASSERT_GT(b["judged_windows"].get<int>(), 3) << b.dump() << ": the windows must be long enough to judge";
    EXPECT_TRUE(b["disturbed"].get<bool>()) << b.dump();
    EXPECT_GE(b["disturbed_windows"].get<int>() * 2, b["judged_windows"].get<int>()) << b.dump();
    EXPECT_GT(b["max_outside_cpu_share"].get<double>(), 0.3) << b.dump();
    // The first model ran before the hog: labelled disturbed only if something else was busy then
    // (other tests beside it under ctest -j).
    const double outside_before = interference_between(first_start, first_end).outside_cpu_share;
    if (outside_before < 0.05) {
        EXPECT_EQ(a["disturbed_windows"].get<int>(), 0) << "a quiet machine is labelled disturbed: " << a.dump();
    } else if (outside_before > 0.2) {
        EXPECT_GT(a["disturbed_windows"].get<int>(), 0) << "other processes used " << outside_before << " of the CPU: " << a.dump();
    }
    EXPECT_NE(b["reason"].get<std::string>().find("other processes used"), std::string::npos);
    // Each document carries its window; the store has the task's summary.
    const auto samples = read_jsonl(out / "busy-b" / "samples_long_gen.jsonl");
    ASSERT_EQ(samples.size(), 6u);
    EXPECT_TRUE(samples.back()["interference"]["disturbed"].get<bool>()) << samples.back()["interference"].dump();
    ResultsStore store((out / "rightsize.sqlite").string(), ResultsStore::Access::ReadOnly);
    const auto stored = store.task_result(r.run_id, "busy-b", "long_gen");
    ASSERT_TRUE(stored);
    EXPECT_TRUE((*stored)["efficiency"]["interference"]["disturbed"].get<bool>());
    // The report opens with the banner naming the disturbed model × task.
    bool banner = false;
    for (const auto & bn : r.analysis["banners"]) {
        if (bn["id"] == "disturbed") banner = bn["text"].get<std::string>().find("busy-b · long_gen") != std::string::npos;
    }
    EXPECT_TRUE(banner) << r.analysis["banners"].dump();
    EXPECT_NE(read_text(out / "report.html").find("id=\"disturbed\""), std::string::npos);
}
