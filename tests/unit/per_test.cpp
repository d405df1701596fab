// PER, Pareto fronts and the recommendation against hand computations (GUIDE §3).
#include <rightsize/error.h>
#include <rightsize/comparison.h>
#include <rightsize/per.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

using namespace rightsize;

namespace {

PerInput in(const std::string & model, double acc, double thr, double lat, double mem, std::optional<double> energy = std::nullopt,
            int n_devices = 1) {
    PerInput p;
    p.task = "t";
    p.model = model;
    p.acc = acc;
    p.thr = thr;
    p.lat_ms = lat;
    p.mem_mb = mem;
    p.energy_j = energy;
    p.n_devices = n_devices;
    return p;
}

// Three models over which every dimension has a different best:
//   ranges: acc [0.4, 0.6], thr [10, 30], lat [50, 100], mem [250, 1000]
//   a: acc_n 1, thr_n 0, lat_n 0, mem_n 0                          → PER 0
//   b: acc_n 0, thr_n 1, lat_n 1, mem_n 1                          → PER 0
//   c: acc_n 0.5, thr_n 0.5, lat_n 1−10/50 = 0.8, mem_n 1−150/750 = 0.8
//      PER = (0.5·0.5·0.8·0.8)^(1/4) = 0.16^(1/4) = √0.4 = 0.6324555…
std::vector<PerInput> three() {
    return {in("a", 0.6, 10, 100, 1000), in("b", 0.4, 30, 50, 250), in("c", 0.5, 20, 60, 400)};
}

std::string error_of(const std::function<void()> & f) {
    try {
        f();
    } catch (const Error & e) {
        return e.what();
    }
    return "";
}

Candidate cand(const std::string & model, double acc, double se, double size_mb, std::optional<double> energy = std::nullopt, int n = 0) {
    Candidate c;
    c.model = model;
    c.acc = acc;
    c.acc_stderr = se;
    c.size_mb = size_mb;
    c.energy_j = energy;
    c.lat_ms = 10;
    c.mem_mb = 100;
    c.n = n;
    return c;
}

bool has(const std::vector<std::string> & v, const std::string & s) { return std::find(v.begin(), v.end(), s) != v.end(); }

}  // namespace

TEST(Per, GuideFormulaOnThreeModels) {
    const auto rows = compute_per(three());
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_EQ(rows[0].model, "a");
    EXPECT_DOUBLE_EQ(rows[0].acc_n, 1.0);
    EXPECT_DOUBLE_EQ(rows[0].thr_n, 0.0);
    EXPECT_DOUBLE_EQ(rows[0].lat_n, 0.0);
    EXPECT_DOUBLE_EQ(rows[0].mem_n, 0.0);
    EXPECT_DOUBLE_EQ(rows[0].per, 0.0);  // worst on a dimension → 0, as the paper intends
    EXPECT_DOUBLE_EQ(rows[1].per, 0.0);
    EXPECT_DOUBLE_EQ(rows[2].acc_n, 0.5);
    EXPECT_DOUBLE_EQ(rows[2].thr_n, 0.5);
    EXPECT_NEAR(rows[2].lat_n, 0.8, 1e-12);
    EXPECT_NEAR(rows[2].mem_n, 0.8, 1e-12);
    EXPECT_NEAR(rows[2].per, std::sqrt(0.4), 1e-12);
    EXPECT_FALSE(rows[2].energy_n.has_value());
    EXPECT_EQ(rows[2].variant, PerVariant::Relative);
    EXPECT_FALSE(rows[2].fixed_bounds);
}

TEST(Per, TasksAreNormalisedSeparatelyAndRowsKeepInputOrder) {
    auto inputs = three();
    auto other = in("c", 0.9, 1, 1, 1);
    other.task = "u";  // alone on its task: PER 1, and it must not widen task t's ranges
    inputs.insert(inputs.begin() + 1, other);
    const auto rows = compute_per(inputs);
    ASSERT_EQ(rows.size(), 4u);
    EXPECT_EQ(rows[1].task, "u");
    EXPECT_DOUBLE_EQ(rows[1].per, 1.0);
    EXPECT_EQ(rows[3].task, "t");
    EXPECT_EQ(rows[3].model, "c");
    EXPECT_NEAR(rows[3].per, std::sqrt(0.4), 1e-12);
}

TEST(Per, TiedModelsGetTheSamePer) {
    auto inputs = three();
    inputs.push_back(in("c-copy", 0.5, 20, 60, 400));  // inside every range: the others do not move
    const auto rows = compute_per(inputs);
    EXPECT_DOUBLE_EQ(rows[3].per, rows[2].per);
    EXPECT_NEAR(rows[3].per, std::sqrt(0.4), 1e-12);
}

TEST(Per, SingleModelScoresOne) {
    const auto rows = compute_per({in("only", 0.3, 5, 200, 800)});
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_DOUBLE_EQ(rows[0].per, 1.0);
    EXPECT_DOUBLE_EQ(rows[0].acc_n, 1.0);
    EXPECT_DOUBLE_EQ(rows[0].mem_n, 1.0);
}

TEST(Per, EqualValuesOnOneDimensionGiveOneThere) {
    auto inputs = three();
    for (auto & i : inputs) i.mem_mb = 300;
    const auto rows = compute_per(inputs);
    for (const auto & r : rows) EXPECT_DOUBLE_EQ(r.mem_n, 1.0) << r.model;
    // c: (0.5·0.5·0.8·1)^(1/4) = 0.2^(1/4) = 0.66874030…
    EXPECT_NEAR(rows[2].per, 0.668740304976422, 1e-12);
}

TEST(Per, ThroughputIsPerDevice) {
    auto inputs = three();
    inputs[2].thr = 40;  // 40 samples/s on 2 devices = 20 per device, c's figure above
    inputs[2].n_devices = 2;
    const auto rows = compute_per(inputs);
    EXPECT_DOUBLE_EQ(rows[2].thr_n, 0.5);
    EXPECT_NEAR(rows[2].per, std::sqrt(0.4), 1e-12);
    inputs[2].n_devices = 1;  // counted as one device it would be the fastest
    EXPECT_DOUBLE_EQ(compute_per(inputs)[2].thr_n, 1.0);
    inputs[2].n_devices = 0;
    EXPECT_NE(error_of([&] { compute_per(inputs); }).find("n_devices"), std::string::npos);
}

TEST(Per, FixedBoundsDoNotMoveWhenAModelIsAdded) {
    PerOptions o;
    o.variant = PerVariant::FixedBounds;
    o.bounds = PerBounds{0, 1, 0, 40, 0, 200, 0, 2000};
    // c: acc 0.5, thr 20/40 = 0.5, lat 1−60/200 = 0.7, mem 1−400/2000 = 0.8
    //    PER = (0.5·0.5·0.7·0.8)^(1/4) = 0.14^(1/4) = 0.61169…
    const auto before = compute_per(three(), o);
    EXPECT_NEAR(before[2].lat_n, 0.7, 1e-12);
    EXPECT_NEAR(before[2].per, std::pow(0.14, 0.25), 1e-12);
    EXPECT_TRUE(before[2].fixed_bounds);
    EXPECT_EQ(before[2].variant, PerVariant::FixedBounds);

    auto more = three();
    more.push_back(in("fast", 0.9, 100, 300, 100));  // thr above the bound, lat above the bound
    const auto after = compute_per(more, o);
    for (size_t i = 0; i < before.size(); ++i) EXPECT_DOUBLE_EQ(after[i].per, before[i].per) << before[i].model;
    EXPECT_DOUBLE_EQ(after[3].thr_n, 1.0);  // clamped
    EXPECT_DOUBLE_EQ(after[3].lat_n, 0.0);  // clamped
    EXPECT_DOUBLE_EQ(after[3].per, 0.0);

    // The relative variant moves when the same model joins: c's thr_n becomes (20−10)/(100−10).
    EXPECT_NE(compute_per(more)[2].per, compute_per(three())[2].per);
}

TEST(Per, FixedBoundsNeedUsableBounds) {
    PerOptions o;
    o.variant = PerVariant::FixedBounds;
    EXPECT_NE(error_of([&] { compute_per(three(), o); }).find("needs bounds"), std::string::npos);
    o.bounds = PerBounds{};  // thr 0:0 — no upper bound given
    const auto msg = error_of([&] { compute_per(three(), o); });
    EXPECT_NE(msg.find("thr"), std::string::npos) << msg;
    PerOptions relative;
    relative.bounds = PerBounds{0, 1, 0, 40, 0, 200, 0, 2000};
    EXPECT_NE(error_of([&] { compute_per(three(), relative); }).find("relative"), std::string::npos);
}

TEST(Per, WeightedGeometricMean) {
    PerOptions o;
    o.variant = PerVariant::Weighted;
    // Equal weights: the plain geometric mean.
    EXPECT_NEAR(compute_per(three(), o)[2].per, std::sqrt(0.4), 1e-12);
    // acc=3: c = 0.5^(3/6) · 0.5^(1/6) · 0.8^(1/6) · 0.8^(1/6) = (0.5²·0.8)^(1/3) = 0.2^(1/3) = 0.58480…
    o.w_acc = 3;
    EXPECT_NEAR(compute_per(three(), o)[2].per, 0.584803547642573, 1e-12);

    // A zero weight removes its dimension: p is best everywhere but throughput.
    const std::vector<PerInput> two = {in("p", 0.6, 10, 50, 250), in("q", 0.4, 20, 100, 500)};
    EXPECT_DOUBLE_EQ(compute_per(two)[0].per, 0.0);
    PerOptions no_thr;
    no_thr.variant = PerVariant::Weighted;
    no_thr.w_thr = 0;
    EXPECT_DOUBLE_EQ(compute_per(two, no_thr)[0].per, 1.0);

    no_thr.w_acc = no_thr.w_lat = no_thr.w_mem = no_thr.w_energy = 0;
    EXPECT_NE(error_of([&] { compute_per(two, no_thr); }).find("all 0"), std::string::npos);
    o.w_mem = -1;
    EXPECT_NE(error_of([&] { compute_per(two, o); }).find("mem"), std::string::npos);
}

TEST(Per, WeightedTakesEnergyWhenEveryModelHasIt) {
    PerOptions o;
    o.variant = PerVariant::Weighted;
    auto inputs = three();
    inputs[0].energy_j = 2;
    inputs[1].energy_j = 1;
    EXPECT_FALSE(compute_per(inputs, o)[2].energy_n.has_value());  // c has none: four dimensions
    inputs[2].energy_j = 1.5;
    const auto rows = compute_per(inputs, o);
    ASSERT_TRUE(rows[2].energy_n.has_value());
    EXPECT_NEAR(rows[2].per, std::pow(0.08, 0.2), 1e-12);  // as energy-aware below
}

TEST(Per, EnergyAwareIsTheFifthRoot) {
    PerOptions o;
    o.variant = PerVariant::EnergyAware;
    auto inputs = three();
    inputs[0].energy_j = 2;
    inputs[1].energy_j = 1;
    inputs[2].energy_j = 1.5;
    // c: energy_n = 1 − (1.5−1)/(2−1) = 0.5; PER = (0.5·0.5·0.8·0.8·0.5)^(1/5) = 0.08^(1/5) = 0.60341…
    const auto rows = compute_per(inputs, o);
    ASSERT_TRUE(rows[2].energy_n.has_value());
    EXPECT_DOUBLE_EQ(*rows[2].energy_n, 0.5);
    EXPECT_NEAR(rows[2].per, 0.603417633654516, 1e-12);
    EXPECT_DOUBLE_EQ(*rows[1].energy_n, 1.0);

    inputs[1].energy_j.reset();
    const auto msg = error_of([&] { compute_per(inputs, o); });
    EXPECT_NE(msg.find("task 't'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("model 'b'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("energy"), std::string::npos) << msg;
}

TEST(Per, RefusesToMixGranularities) {
    auto inputs = three();
    inputs[1].granularity = "tokens";
    const auto msg = error_of([&] { compute_per(inputs); });
    EXPECT_NE(msg.find("'a'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("'b'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("tokens"), std::string::npos) << msg;
}

TEST(Per, RowJsonNamesVariantAndComponents) {
    PerOptions o;
    o.variant = PerVariant::EnergyAware;
    auto inputs = three();
    for (auto & i : inputs) i.energy_j = 1;
    const auto j = compute_per(inputs, o)[2].to_json();
    EXPECT_EQ(j["variant"], "energy-aware");
    EXPECT_EQ(j["normalisation"], "min-max");
    EXPECT_EQ(j["model"], "c");
    EXPECT_DOUBLE_EQ(j["energy_n"].get<double>(), 1.0);
    EXPECT_NEAR(j["per"].get<double>(), std::pow(0.16, 0.2), 1e-12);
    EXPECT_TRUE(compute_per(three())[2].to_json()["energy_n"].is_null());
    EXPECT_STREQ(per_variant_name(PerVariant::FixedBounds), "fixed-bounds");
}

TEST(Pareto, RemovesDominatedKeepsTies) {
    // (quality ↑, latency ↓)
    const std::vector<std::vector<double>> pts = {{0.6, 100}, {0.5, 50}, {0.4, 80}, {0.5, 50}, {0.6, 120}};
    // 2 is dominated by 1 (worse on both); 4 by 0 (same quality, slower); 1 and 3 tie and stay.
    EXPECT_EQ(pareto_front(pts, {true, false}), (std::vector<size_t>{0, 1, 3}));
}

TEST(Pareto, DirectionsMatter) {
    const std::vector<std::vector<double>> pts = {{1, 1}, {2, 2}};
    EXPECT_EQ(pareto_front(pts, {true, true}), (std::vector<size_t>{1}));
    EXPECT_EQ(pareto_front(pts, {false, false}), (std::vector<size_t>{0}));
    EXPECT_EQ(pareto_front(pts, {true, false}), (std::vector<size_t>{0, 1}));  // a trade-off: both stay
    EXPECT_TRUE(pareto_front({}, {true}).empty());
    EXPECT_NE(error_of([] { pareto_front({{1, 2}, {1}}, {true, true}); }).find("dimensions"), std::string::npos);
}

TEST(Recommend, SmallestWithinDeltaOfAClearWinner) {
    // gaps to big: mid 0.01 ≤ 0.02 (within); small 0.20 > 1.96·√(0.01²+0.01²) = 0.0277 (significant).
    const auto r = recommend("arc_easy", {cand("big", 0.70, 0.01, 500), cand("mid", 0.69, 0.01, 200), cand("small", 0.50, 0.01, 100)});
    EXPECT_EQ(r.best_model, "big");
    EXPECT_EQ(r.smallest_within, "mid");
    EXPECT_TRUE(r.separable);
    EXPECT_EQ(r.within, (std::vector<std::string>{"big", "mid"}));
    EXPECT_TRUE(r.least_energy_within.empty());
    EXPECT_NE(r.text.find("On arc_easy, big (0.70 ± 0.01) is the most accurate"), std::string::npos) << r.text;
    EXPECT_NE(r.text.find("mid (200.0 MB, 0.69 ± 0.01) is the smallest model within 2 points of it."), std::string::npos) << r.text;
    const auto j = r.to_json();
    EXPECT_EQ(j["smallest_within"], "mid");
    EXPECT_TRUE(j["least_energy_within"].is_null());
    EXPECT_EQ(j["separable"], true);
}

TEST(Recommend, NoiseCannotSeparate) {
    // gap 0.13 < 1.96·√(0.05²+0.05²) = 0.1386: not significant, and there is no other model.
    const auto r = recommend("arc_easy", {cand("gemma", 0.58, 0.05, 241.0, std::nullopt, 40), cand("smollm2", 0.45, 0.05, 93.8, std::nullopt, 40)});
    EXPECT_FALSE(r.separable);
    EXPECT_EQ(r.best_model, "gemma");
    EXPECT_EQ(r.within.size(), 2u);
    EXPECT_EQ(r.smallest_within, "smollm2");
    EXPECT_NE(r.text.find("cannot separate the models: differences are within the 95 % interval (n = 40); run more documents (--limit) to decide"),
              std::string::npos)
        << r.text;
    EXPECT_NE(r.text.find("smollm2 (93.8 MB, 0.45 ± 0.05)"), std::string::npos) << r.text;
    // With n four times larger the stderr halves and the same gap becomes significant.
    const auto more = recommend("arc_easy", {cand("gemma", 0.58, 0.025, 241.0), cand("smollm2", 0.45, 0.025, 93.8)});
    EXPECT_TRUE(more.separable);
    EXPECT_EQ(more.smallest_within, "gemma");
    EXPECT_NE(more.text.find("no smaller model is within 2 points"), std::string::npos) << more.text;
}

TEST(Recommend, WithinByNoiseWhileAnotherIsClearlyWorse) {
    // mid: gap 0.13 not significant (within by noise, not by delta); weak: gap 0.38 significant.
    const auto r = recommend("t", {cand("top", 0.58, 0.05, 500), cand("mid", 0.45, 0.05, 90), cand("weak", 0.20, 0.05, 50)});
    EXPECT_TRUE(r.separable);
    EXPECT_EQ(r.smallest_within, "mid");
    EXPECT_FALSE(has(r.within, "weak"));
    EXPECT_NE(r.text.find("not significantly worse than it (95 % interval)"), std::string::npos) << r.text;
}

TEST(Recommend, LeastEnergyAmongThoseWithin) {
    auto big = cand("big", 0.70, 0.01, 500, 5.0);
    auto mid = cand("mid", 0.69, 0.01, 200, 2.0);
    auto lean = cand("lean", 0.695, 0.01, 300, 1.0);
    auto weak = cand("weak", 0.40, 0.01, 50, 0.1);  // least energy overall, but far from the best
    big.lat_ms = 50, mid.lat_ms = 20, lean.lat_ms = 30, weak.lat_ms = 5;
    const auto r = recommend("t", {big, mid, lean, weak});
    EXPECT_EQ(r.least_energy_within, "lean");
    EXPECT_EQ(r.smallest_within, "mid");
    EXPECT_NE(r.text.find("lean uses the least energy (1 J/sample)"), std::string::npos) << r.text;
    // Pareto over (acc ↑, lat ↓, mem ↓, energy ↓), mem equal: big (best acc), lean (less energy
    // than mid), mid (faster than lean), weak (fastest, least energy) all trade something.
    EXPECT_EQ(r.pareto, (std::vector<std::string>{"big", "mid", "lean", "weak"}));
    // Without energy figures and with lean no more accurate than mid, mid dominates lean (same
    // quality and memory, faster), and nobody is named for energy.
    for (auto * c : {&big, &mid, &lean, &weak}) c->energy_j.reset();
    lean.acc = 0.69;
    const auto plain = recommend("t", {big, mid, lean, weak});
    EXPECT_EQ(plain.pareto, (std::vector<std::string>{"big", "mid", "weak"}));
    EXPECT_TRUE(plain.least_energy_within.empty());
    EXPECT_EQ(plain.text.find("energy"), std::string::npos) << plain.text;
}

TEST(Recommend, SingleModelAndBadInput) {
    const auto r = recommend("t", {cand("only", 0.5, 0.05, 100)});
    EXPECT_TRUE(r.separable);
    EXPECT_EQ(r.best_model, "only");
    EXPECT_NE(r.text.find("only only (0.50 ± 0.05) was evaluated"), std::string::npos) << r.text;
    EXPECT_NE(error_of([] { recommend("t", {}); }).find("no models"), std::string::npos);
    EXPECT_NE(error_of([] { recommend("t", {cand("a", 0.5, 0, 1)}, -0.1); }).find("delta"), std::string::npos);
}

TEST(Recommend, EnergyDifferencesWithinNoiseAreSaid) {
    auto big = cand("big", 0.70, 0.01, 500, 5.0);
    auto mid = cand("mid", 0.69, 0.01, 200, 1.4);
    auto lean = cand("lean", 0.695, 0.01, 300, 1.0);
    big.energy_se = 0.3, mid.energy_se = 0.3, lean.energy_se = 0.3;
    const auto r = recommend("t", {big, mid, lean});
    EXPECT_EQ(r.least_energy_within, "lean");
    // 1.4 − 1.0 < 1.96·√(0.3² + 0.3²) = 0.83: mid is not beyond noise; big (4 J more) is.
    EXPECT_EQ(r.energy_within_noise, (std::vector<std::string>{"mid"}));
    EXPECT_NE(r.text.find("lean uses the least energy (1 ± 0.3 J/sample), but not beyond noise: mid is within the 95 % interval"),
              std::string::npos)
        << r.text;
    mid.energy_se = lean.energy_se = 0.05;  // now 0.4 J is beyond 1.96·√(2·0.05²) = 0.14
    const auto sure = recommend("t", {big, mid, lean});
    EXPECT_TRUE(sure.energy_within_noise.empty());
    EXPECT_EQ(sure.text.find("not beyond noise"), std::string::npos) << sure.text;
}

TEST(Pareto, ModelsDominatedOnlyWithinNoiseAreNamed) {
    auto record = [](const std::string & model, double acc, double thr, double lat) {
        PerRecord r;
        r.input.task = "t";
        r.input.model = model;
        r.input.acc = acc, r.input.thr = thr, r.input.lat_ms = lat, r.input.mem_mb = 100;
        r.input.acc_se = 0.02, r.input.thr_se = 1, r.input.lat_se = 10;
        r.candidate = cand(model, acc, 0.02, 100);
        r.has_stderr = true;
        return r;
    };
    // a dominates b and c; b trails a by less than noise on every dimension, c is far behind on quality.
    std::vector<PerRecord> recs = {record("a", 0.70, 10, 100), record("b", 0.69, 9.5, 105), record("c", 0.40, 9, 110)};
    auto compared = compare_models(recs);
    ASSERT_EQ(compared.size(), 1u);
    EXPECT_EQ(compared[0].pareto.all_dimensions, (std::vector<std::string>{"a"}));
    EXPECT_EQ(compared[0].pareto.within_noise, (std::vector<std::string>{"b"}));
    EXPECT_EQ(compared[0].pareto.to_json()["within_noise"], nlohmann::json::array({"b"}));
    // Without standard errors every difference counts: only the front.
    for (auto & r : recs) r.input.acc_se = r.input.thr_se = r.input.lat_se = 0;
    EXPECT_TRUE(compare_models(recs)[0].pareto.within_noise.empty());
}
