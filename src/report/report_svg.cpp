#include "report_svg.h"

#include "core/text.h"

#include "report_format.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <sstream>
#include <vector>

using nlohmann::json;

namespace rightsize::report_svg {

namespace {

using report_format::num;

constexpr int kWidth = 520;

// Okabe & Ito's colour-blind-safe palette (yellow left out: unreadable on white), then greys/browns.
const char * const kPalette[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#7F3C8D", "#666666", "#8C564B", "#1B9E77"};

std::string f1(double v) {
    char buf[32];
    snprintf(buf, sizeof buf, "%.1f", v);
    return buf;
}

std::string tick_label(double v) {
    char buf[32];
    if (std::fabs(v) >= 1e4) snprintf(buf, sizeof buf, "%.0f", v);
    else snprintf(buf, sizeof buf, "%.4g", v);
    return buf;
}

double nice_step(double raw) {
    const double e = std::pow(10.0, std::floor(std::log10(raw)));
    const double f = raw / e;
    return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * e;
}

// A numeric axis mapped onto a pixel range: linear with "nice" ticks, or log10 when the values
// span more than ~1.5 decades (a 10x faster model would otherwise squash the others together).
struct Axis {
    double lo = 0, hi = 1;
    bool log = false;
    double p0 = 0, p1 = 1;
    std::vector<double> ticks;
    double map(double v) const {
        const double t = log ? (std::log10(v) - std::log10(lo)) / (std::log10(hi) - std::log10(lo)) : (v - lo) / (hi - lo);
        return p0 + t * (p1 - p0);
    }
};

Axis make_axis(double mn, double mx, double p0, double p1, bool allow_log, bool from_zero) {
    Axis a;
    a.p0 = p0;
    a.p1 = p1;
    if (allow_log && mn > 0 && mx / mn > 30) {
        a.log = true;
        a.lo = std::pow(10.0, std::floor(std::log10(mn)));
        a.hi = std::pow(10.0, std::ceil(std::log10(mx)));
        for (double d = a.lo; d <= a.hi * 1.0001; d *= 10) {
            a.ticks.push_back(d);
            if (a.hi / a.lo <= 100) {
                for (double m : {2.0, 5.0}) {
                    if (d * m < a.hi) a.ticks.push_back(d * m);
                }
            }
        }
        std::sort(a.ticks.begin(), a.ticks.end());
        return a;
    }
    if (mx == mn) {
        const double pad = mn == 0 ? 1 : std::fabs(mn) * 0.1;
        if (!from_zero || mn != 0) mn -= pad;
        mx += pad;
    } else if (!from_zero) {
        const double pad = (mx - mn) * 0.08;
        mn -= pad;
        mx += pad;
    }
    if (from_zero) mn = std::min(mn, 0.0);
    const double step = nice_step((mx - mn) / 5);
    a.lo = std::floor(mn / step) * step;
    a.hi = std::ceil(mx / step) * step;
    for (double v = a.lo; v <= a.hi + step * 1e-9; v += step) a.ticks.push_back(std::fabs(v) < step * 1e-9 ? 0 : v);
    return a;
}

std::string svg_open(int w, int h, const std::string & label) {
    return "<svg class=\"chart\" width=\"" + std::to_string(w) + "\" height=\"" + std::to_string(h) + "\" viewBox=\"0 0 " +
           std::to_string(w) + " " + std::to_string(h) + "\" role=\"img\" aria-label=\"" + esc(label) + "\">" +
           "<rect x=\"0\" y=\"0\" width=\"" + std::to_string(w) + "\" height=\"" + std::to_string(h) + "\" fill=\"#ffffff\"/>";
}

std::string text(double x, double y, const std::string & s, const std::string & attrs = "") {
    return "<text x=\"" + f1(x) + "\" y=\"" + f1(y) + "\" " + attrs + ">" + esc(s) + "</text>";
}

std::string line(double x1, double y1, double x2, double y2, const std::string & attrs) {
    return "<line x1=\"" + f1(x1) + "\" y1=\"" + f1(y1) + "\" x2=\"" + f1(x2) + "\" y2=\"" + f1(y2) + "\" " + attrs + "/>";
}

std::string rect(double x, double y, double w, double h, const std::string & fill, const std::string & attrs = "") {
    return "<rect x=\"" + f1(x) + "\" y=\"" + f1(y) + "\" width=\"" + f1(std::max(w, 0.0)) + "\" height=\"" + f1(std::max(h, 0.0)) +
           "\" fill=\"" + fill + "\" " + attrs + "/>";
}

std::string shorten(const std::string & s, size_t n) {
    // Cut on a UTF-8 boundary.
    if (s.size() <= n) return s;
    size_t cut = n;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
    return s.substr(0, cut) + "…";
}

struct Bar {
    size_t index;
    std::string model;
    double value;
    std::optional<double> second;  // drawn lighter under the first (PER energy-aware)
};

// Horizontal bars, one block per model, on an axis from 0.
std::string hbars(const std::string & label, const std::vector<Bar> & bars, double max_value, const std::string & x_title,
                  const std::string & first_name, const std::string & second_name) {
    const bool two = std::any_of(bars.begin(), bars.end(), [](const Bar & b) { return b.second.has_value(); });
    const double x0 = 180, x1 = kWidth - 70, top = two ? 40 : 24;
    const double block = two ? 42 : 30;
    const int h = int(top + block * double(bars.size()) + 48);
    const Axis ax = make_axis(0, max_value > 0 ? max_value : 1, x0, x1, false, true);
    std::ostringstream o;
    o << svg_open(kWidth, h, label);
    if (two) {
        o << rect(x0, 12, 12, 12, "#555555") << text(x0 + 16, 22, first_name, "font-size=\"11\" fill=\"#333\"");
        o << rect(x0 + 130, 12, 12, 12, "#555555", "fill-opacity=\"0.4\"")
          << text(x0 + 146, 22, second_name, "font-size=\"11\" fill=\"#333\"");
    }
    const double bottom = top + block * double(bars.size());
    for (double t : ax.ticks) {
        o << line(ax.map(t), top - 4, ax.map(t), bottom, "stroke=\"#e3e7eb\"");
        o << text(ax.map(t), bottom + 16, tick_label(t), "font-size=\"11\" fill=\"#555\" text-anchor=\"middle\"");
    }
    o << line(x0, top - 4, x0, bottom, "stroke=\"#888\"");
    o << text((x0 + x1) / 2, bottom + 36, x_title, "font-size=\"12\" fill=\"#333\" text-anchor=\"middle\"");
    for (size_t i = 0; i < bars.size(); ++i) {
        const auto & b = bars[i];
        const double y = top + block * double(i) + 4;
        const double bh = two ? 15 : 20;
        o << text(x0 - 8, y + (two ? 19 : 14), shorten(b.model, 26), "font-size=\"12\" fill=\"#222\" text-anchor=\"end\"");
        o << "<g><title>" << esc(b.model + ": " + first_name + " " + report_format::sig(b.value)) << "</title>"
          << rect(x0, y, std::max(ax.map(b.value) - x0, 1.0), bh, colour(b.index))
          << text(std::max(ax.map(b.value), x0 + 1) + 5, y + bh - 4, report_format::sig(b.value), "font-size=\"11\" fill=\"#222\"") << "</g>";
        if (b.second) {
            const double y2 = y + bh + 3;
            o << "<g><title>" << esc(b.model + ": " + second_name + " " + report_format::sig(*b.second)) << "</title>"
              << rect(x0, y2, std::max(ax.map(*b.second) - x0, 1.0), bh, colour(b.index), "fill-opacity=\"0.4\"")
              << text(std::max(ax.map(*b.second), x0 + 1) + 5, y2 + bh - 4, report_format::sig(*b.second), "font-size=\"11\" fill=\"#555\"")
              << "</g>";
        }
    }
    o << "</svg>";
    return o.str();
}

std::string figure(const std::string & cls, const std::string & svg, const std::string & caption) {
    return "<figure class=\"" + cls + "\">" + svg + "<figcaption>" + caption + "</figcaption></figure>\n";
}

// One model on a scatter plot: quality (y, ± se) against latency, memory or energy (x).
struct ScatterPoint {
    size_t index;
    std::string model;
    double x, y;
    std::optional<double> se;
};

// The models with both figures; `estimated` tells whether any energy figure is an estimate.
std::vector<ScatterPoint> scatter_points(const json & t, XAxis which, bool & estimated) {
    std::vector<ScatterPoint> pts;
    for (const auto & r : t["rows"]) {
        const auto y = num(r["quality"], "value");
        std::optional<double> x;
        if (which == XAxis::Latency) x = num(r, "lat_ms");
        else if (which == XAxis::Memory) x = num(r, "peak_rss_mb");
        else if (r["energy"].is_object()) {
            x = num(r["energy"], "j_per_unit");
            estimated = estimated || r["energy"].value("estimated", false);
        }
        if (x && y) pts.push_back({r["index"], r["model"], *x, *y, num(r["quality"], "stderr")});
    }
    return pts;
}

// What a scatter plot's x axis shows: its title, the word for it, the analysis's Pareto front
// for it and the figure's CSS class.
struct ScatterKind {
    std::string x_title, what, front_key, cls;
};

ScatterKind scatter_kind(XAxis which, const std::string & unit, bool estimated) {
    ScatterKind k;
    if (which == XAxis::Latency) {
        k.x_title = "latency (ms/" + unit + ", lower is better)", k.what = "latency", k.front_key = "quality_latency",
        k.cls = "chart-latency-scatter";
    } else if (which == XAxis::Memory) {
        k.x_title = "peak memory (MiB, lower is better)", k.what = "memory", k.front_key = "quality_memory", k.cls = "chart-memory-scatter";
    } else {
        k.x_title = std::string("energy (J/") + unit + (estimated ? ", ESTIMATED" : ", measured") + ", lower is better)";
        k.what = "energy", k.front_key = "quality_energy", k.cls = "chart-energy-scatter";
    }
    return k;
}

// A scatter plot's frame: margins, height and the two axes fitted to its points.
struct ScatterFrame {
    static constexpr double ml = 68, mr = 24, mt = 30, mb = 58;
    static constexpr int h = 340;
    Axis ax, ay;
};

ScatterFrame scatter_frame(const std::vector<ScatterPoint> & pts) {
    const double ml = ScatterFrame::ml, mr = ScatterFrame::mr, mt = ScatterFrame::mt, mb = ScatterFrame::mb;
    const int h = ScatterFrame::h;
    double xmin = pts[0].x, xmax = pts[0].x, ymin = pts[0].y, ymax = pts[0].y;
    bool y_nonneg = true;
    for (const auto & p : pts) {
        xmin = std::min(xmin, p.x), xmax = std::max(xmax, p.x);
        ymin = std::min(ymin, p.y - p.se.value_or(0)), ymax = std::max(ymax, p.y + p.se.value_or(0));
        y_nonneg = y_nonneg && p.y >= 0;
    }
    ScatterFrame f;
    f.ax = make_axis(xmin, xmax, ml, kWidth - mr, true, false);
    Axis & ay = f.ay;
    ay = make_axis(ymin, ymax, h - mb, mt, false, false);
    if (y_nonneg && ay.lo < 0) ay = make_axis(std::max(0.0, ymin), ymax, h - mb, mt, false, true);
    // Accuracy-like metrics live in [0, 1]: the axis never runs past either end.
    if (y_nonneg && ymax - 1e-12 <= 1 && ay.hi > 1) {
        ay.hi = 1;
        std::erase_if(ay.ticks, [](double v) { return v > 1 + 1e-9; });
        if (ay.ticks.empty() || ay.ticks.back() < 1) ay.ticks.push_back(1);
    }
    return f;
}

// Grid lines, tick labels, the axes and their titles.
void draw_scatter_axes(std::ostream & o, const ScatterFrame & f, const std::string & x_title, const std::string & y_title) {
    const double ml = ScatterFrame::ml, mr = ScatterFrame::mr, mt = ScatterFrame::mt, mb = ScatterFrame::mb;
    const int h = ScatterFrame::h;
    for (double v : f.ax.ticks) {
        o << line(f.ax.map(v), mt, f.ax.map(v), h - mb, "stroke=\"#e3e7eb\"");
        o << text(f.ax.map(v), h - mb + 16, tick_label(v), "font-size=\"11\" fill=\"#555\" text-anchor=\"middle\"");
    }
    for (double v : f.ay.ticks) {
        o << line(ml, f.ay.map(v), kWidth - mr, f.ay.map(v), "stroke=\"#e3e7eb\"");
        o << text(ml - 6, f.ay.map(v) + 4, tick_label(v), "font-size=\"11\" fill=\"#555\" text-anchor=\"end\"");
    }
    o << line(ml, h - mb, kWidth - mr, h - mb, "stroke=\"#888\"") << line(ml, mt, ml, h - mb, "stroke=\"#888\"");
    o << text((ml + kWidth - mr) / 2, h - 14, x_title, "font-size=\"12\" fill=\"#333\" text-anchor=\"middle\"");
    o << "<text x=\"16\" y=\"" << f1((mt + h - mb) / 2) << "\" font-size=\"12\" fill=\"#333\" text-anchor=\"middle\" transform=\"rotate(-90 16 "
      << f1((mt + h - mb) / 2) << ")\">" << esc(y_title) << "</text>";
}

// The points on the analysis's Pareto front for this axis, in x order.
std::vector<const ScatterPoint *> front_points(const json & t, const std::string & front_key, const std::vector<ScatterPoint> & pts) {
    std::vector<const ScatterPoint *> front;
    if (t.contains("pareto") && t["pareto"][front_key].is_array()) {
        for (const auto & p : pts) {
            const auto & f = t["pareto"][front_key];
            if (std::find(f.begin(), f.end(), json(p.model)) != f.end()) front.push_back(&p);
        }
        std::sort(front.begin(), front.end(), [](const ScatterPoint * a, const ScatterPoint * b) { return a->x < b->x; });
    }
    return front;
}

// The Pareto front as a dashed line through its points, with its legend.
void draw_front(std::ostream & o, const ScatterFrame & f, const std::vector<const ScatterPoint *> & front) {
    const double mr = ScatterFrame::mr, mt = ScatterFrame::mt;
    if (front.size() >= 2) {
        o << "<polyline class=\"pareto-front\" fill=\"none\" stroke=\"#222\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\" points=\"";
        for (const auto * p : front) o << f1(f.ax.map(p->x)) << "," << f1(f.ay.map(p->y)) << " ";
        o << "\"/>";
    }
    if (!front.empty()) {
        o << line(kWidth - mr - 150, mt - 14, kWidth - mr - 126, mt - 14, "stroke=\"#222\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"")
          << text(kWidth - mr - 120, mt - 10, "Pareto front", "font-size=\"11\" fill=\"#333\"");
    }
}

// Each point with its tooltip, outlined when on the front, and its label, placed greedily so
// that two close points do not print on top of each other.
void draw_points(std::ostream & o, const ScatterFrame & f, const std::vector<ScatterPoint> & pts,
                 const std::vector<const ScatterPoint *> & front, const std::string & metric, const std::string & what) {
    const double mr = ScatterFrame::mr, mt = ScatterFrame::mt, mb = ScatterFrame::mb;
    const int h = ScatterFrame::h;
    struct Box {
        double x0, x1, y;
    };
    std::vector<Box> placed;
    for (const auto & p : pts) {
        const double x = f.ax.map(p.x), y = f.ay.map(p.y);
        const bool on_front = std::find(front.begin(), front.end(), &p) != front.end();
        o << "<g><title>" << esc(p.model) << ": " << esc(metric) << " " << report_format::sig(p.y)
          << (p.se ? " ± " + report_format::sig(*p.se) : "") << ", " << esc(what) << " " << report_format::sig(p.x) << "</title>"
          << "<circle cx=\"" << f1(x) << "\" cy=\"" << f1(y) << "\" r=\"7\" fill=\"" << colour(p.index) << "\" stroke=\""
          << (on_front ? "#111" : "#fff") << "\" stroke-width=\"2\"/></g>";
        const std::string label = shorten(p.model, 24);
        const double width = 6.3 * double(label.size());  // ~11 px sans-serif glyphs
        const bool left = x + 11 + width > kWidth - mr;
        const double lx = left ? x - 11 : x + 11;
        Box b{left ? lx - width : lx, left ? lx : lx + width, y + 4};
        // Move away from the nearer horizontal edge of the plot.
        const double step = y > (mt + h - mb) / 2 ? -13 : 13;
        for (bool moved = true; moved;) {
            moved = false;
            for (const auto & q : placed) {
                if (std::fabs(q.y - b.y) < 13 && b.x0 < q.x1 && q.x0 < b.x1) {
                    b.y = q.y + step;
                    moved = true;
                }
            }
        }
        placed.push_back(b);
        o << text(lx, b.y, label, std::string("font-size=\"11\" fill=\"#222\"") + (left ? " text-anchor=\"end\"" : ""));
    }
}

}  // namespace

std::string esc(const std::string & s) { return text::html_escape(s); }

const char * colour(size_t i) { return kPalette[i % (sizeof kPalette / sizeof kPalette[0])]; }

std::string per_bars(const json & t) {
    std::vector<Bar> bars;
    for (const auto & r : t["rows"]) {
        if (!r.contains("per")) continue;
        Bar b{r["index"], r["model"], r["per"]["per"].get<double>(), std::nullopt};
        if (r.contains("per_energy")) b.second = r["per_energy"]["per"].get<double>();
        bars.push_back(b);
    }
    if (bars.empty()) return "";
    const std::string variant = t["per_variant"];
    const std::string task = t["task"];
    return figure("chart-per",
                  hbars("PER on " + task, bars, 1.0, "PER (" + variant + ", 0 – 1, higher is better)", "PER (" + variant + ")",
                        "PER (energy-aware)"),
                  "PER on " + esc(task) + ", variant <strong>" + esc(variant) + "</strong>" +
                      (std::any_of(bars.begin(), bars.end(), [](const Bar & b) { return b.second.has_value(); })
                           ? " (solid) and energy-aware (light)"
                           : "") +
                      ": min-max normalised over these models, so it moves when a model is added or removed.");
}

std::string scatter(const json & t, XAxis which) {
    bool estimated = false;
    const std::vector<ScatterPoint> pts = scatter_points(t, which, estimated);
    if (pts.empty()) return "";
    const std::string task = t["task"], metric = t["headline"]["key"];
    ScatterKind kind = scatter_kind(which, t["granularity"] == "tokens" ? "token" : "sample", estimated);
    const ScatterFrame f = scatter_frame(pts);
    if (f.ax.log) kind.x_title += ", log scale";

    std::ostringstream o;
    o << svg_open(kWidth, ScatterFrame::h, "quality vs " + kind.what + " on " + task);
    draw_scatter_axes(o, f, kind.x_title,
                      metric + (t["headline"]["higher_is_better"].get<bool>() ? " (higher is better)" : " (lower is better)"));
    const std::vector<const ScatterPoint *> front = front_points(t, kind.front_key, pts);
    draw_front(o, f, front);
    for (const auto & p : pts) {
        if (!p.se) continue;
        const double x = f.ax.map(p.x);
        o << line(x, f.ay.map(p.y - *p.se), x, f.ay.map(p.y + *p.se), "stroke=\"" + std::string(colour(p.index)) + "\" stroke-width=\"1.5\"");
    }
    draw_points(o, f, pts, front, metric, kind.what);
    o << "</svg>";
    std::string caption = "Quality vs " + kind.what + " on " + esc(task) + " (± one standard error). Better is up and to the left; ";
    caption += front.empty() ? std::string("no Pareto front: energy is missing for some models.")
                             : "the dashed line joins the Pareto front (models no other model beats on both axes; outlined).";
    if (which == XAxis::Energy && estimated) caption += " Energy is <strong>estimated</strong> from TDP.";
    return figure(kind.cls, o.str(), caption);
}

std::string latency_chart(const json & t) {
    const std::string task = t["task"];
    const bool tokens = t["granularity"] == "tokens";
    const bool percentiles = tokens && std::any_of(t["rows"].begin(), t["rows"].end(), [](const json & r) { return r.contains("ttft_ms"); });
    if (!percentiles) {
        std::vector<Bar> bars;
        double mx = 0;
        for (const auto & r : t["rows"]) {
            if (const auto v = num(r, "lat_ms")) {
                bars.push_back({r["index"], r["model"], *v, std::nullopt});
                mx = std::max(mx, *v);
            }
        }
        if (bars.empty()) return "";
        const std::string unit = tokens ? "ms per generated token" : "ms per sample";
        return figure("chart-latency", hbars("latency on " + task, bars, mx, unit + " (lower is better)", unit, ""),
                      "Latency on " + esc(task) + ": " + unit + " (the task's wall time ÷ " + (tokens ? "tokens generated" : "samples") +
                          "; documents are batched, so this is the cost per " + (tokens ? "token" : "sample") + ", not one request's wait).");
    }
    // Generation: TTFT and TPOT percentiles, one panel each (their scales differ by orders of magnitude).
    std::string out;
    for (const char * field : {"ttft_ms", "tpot_ms"}) {
        const bool ttft = std::string(field) == "ttft_ms";
        std::vector<std::pair<const json *, json>> rows;
        double mx = 0;
        for (const auto & r : t["rows"]) {
            if (!r.contains(field)) continue;
            rows.push_back({&r, r[field]});
            for (const char * p : {"p50", "p90", "p99"}) mx = std::max(mx, num(r[field], p).value_or(0));
        }
        if (rows.empty()) continue;
        const double ml = 68, mr = 16, mt = 30, mb = 50;
        const int h = 300;
        const Axis ay = make_axis(0, mx > 0 ? mx : 1, h - mb, mt, false, true);
        std::ostringstream o;
        o << svg_open(kWidth, h, std::string(ttft ? "time to first token" : "time per output token") + " percentiles on " + task);
        for (double v : ay.ticks) {
            o << line(ml, ay.map(v), kWidth - mr, ay.map(v), "stroke=\"#e3e7eb\"");
            o << text(ml - 6, ay.map(v) + 4, tick_label(v), "font-size=\"11\" fill=\"#555\" text-anchor=\"end\"");
        }
        o << line(ml, h - mb, kWidth - mr, h - mb, "stroke=\"#888\"");
        o << "<text x=\"16\" y=\"" << f1((mt + h - mb) / 2) << "\" font-size=\"12\" fill=\"#333\" text-anchor=\"middle\" transform=\"rotate(-90 16 "
          << f1((mt + h - mb) / 2) << ")\">" << (ttft ? "TTFT" : "TPOT") << " (ms, lower is better)</text>";
        const double group_w = (kWidth - ml - mr) / 3.0;
        const double bar_w = std::min(36.0, (group_w - 24) / double(rows.size()));
        int g = 0;
        for (const char * p : {"p50", "p90", "p99"}) {
            const double gx = ml + group_w * g + (group_w - bar_w * double(rows.size())) / 2;
            o << text(ml + group_w * (g + 0.5), h - mb + 18, p, "font-size=\"12\" fill=\"#333\" text-anchor=\"middle\"");
            for (size_t i = 0; i < rows.size(); ++i) {
                const auto v = num(rows[i].second, p);
                if (!v) continue;
                const json & r = *rows[i].first;
                const double y = ay.map(*v);
                o << "<g><title>" << esc(r["model"].get<std::string>()) << ": " << (ttft ? "TTFT " : "TPOT ") << p << " "
                  << report_format::sig(*v) << " ms</title>" << rect(gx + bar_w * double(i), y, bar_w - 2, h - mb - y, colour(r["index"]))
                  << "</g>";
            }
            ++g;
        }
        o << "</svg>";
        out += figure(ttft ? "chart-ttft" : "chart-tpot", o.str(),
                      std::string(ttft ? "Time to first token" : "Time per output token") + " on " + esc(task) +
                          ": p50 / p90 / p99 over the task's requests (vLLM bench definitions; prefill included in TTFT).");
    }
    return out;
}

std::string line_chart(const std::string & label, const std::vector<Series> & series, const std::string & x_title,
                       const std::string & y_title, const std::string & caption) {
    double mx = 0, my = 0;
    for (const auto & s : series) {
        for (const auto & [x, y] : s.points) {
            mx = std::max(mx, x);
            my = std::max(my, y);
        }
    }
    const double ml = 68, mr = 16, mt = 24 + 16 * double((series.size() + 2) / 3), mb = 50;
    const int h = int(mt) + 260;
    const Axis ax = make_axis(0, mx > 0 ? mx : 1, ml, kWidth - mr, false, true);
    const Axis ay = make_axis(0, my > 0 ? my : 1, h - mb, mt, false, true);
    std::ostringstream o;
    o << svg_open(kWidth, h, label);
    for (double v : ay.ticks) {
        o << line(ml, ay.map(v), kWidth - mr, ay.map(v), "stroke=\"#e3e7eb\"");
        o << text(ml - 6, ay.map(v) + 4, tick_label(v), "font-size=\"11\" fill=\"#555\" text-anchor=\"end\"");
    }
    for (double v : ax.ticks) o << text(ax.map(v), h - mb + 16, tick_label(v), "font-size=\"11\" fill=\"#555\" text-anchor=\"middle\"");
    o << line(ml, h - mb, kWidth - mr, h - mb, "stroke=\"#888\"") << line(ml, mt, ml, h - mb, "stroke=\"#888\"");
    o << text((ml + kWidth - mr) / 2, h - 12, x_title, "font-size=\"12\" fill=\"#333\" text-anchor=\"middle\"");
    o << "<text x=\"16\" y=\"" << f1((mt + h - mb) / 2) << "\" font-size=\"12\" fill=\"#333\" text-anchor=\"middle\" transform=\"rotate(-90 16 "
      << f1((mt + h - mb) / 2) << ")\">" << esc(y_title) << "</text>";
    for (size_t i = 0; i < series.size(); ++i) {
        const double lx = ml + double(i % 3) * 150, ly = 14 + 16 * double(i / 3);
        o << rect(lx, ly - 9, 12, 10, colour(i)) << text(lx + 16, ly, series[i].name, "font-size=\"11\" fill=\"#333\"");
        std::vector<std::pair<double, double>> pts = series[i].points;
        std::sort(pts.begin(), pts.end());
        std::string path;
        for (const auto & [x, y] : pts) {
            if (!path.empty()) path += ' ';
            path += f1(ax.map(x));
            path += ',';
            path += f1(ay.map(y));
        }
        o << "<polyline points=\"" << path << "\" fill=\"none\" stroke=\"" << colour(i) << "\" stroke-width=\"2\"/>";
        for (const auto & [x, y] : pts) {
            o << "<circle cx=\"" << f1(ax.map(x)) << "\" cy=\"" << f1(ay.map(y)) << "\" r=\"3\" fill=\"" << colour(i) << "\"><title>"
              << esc(series[i].name) << ": " << report_format::sig(y) << " at " << report_format::sig(x) << "</title></circle>";
        }
    }
    o << "</svg>";
    return figure("chart-line", o.str(), caption);
}

}  // namespace rightsize::report_svg
