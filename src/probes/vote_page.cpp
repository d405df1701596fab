// The voting pages and the local server that serves them. Plain HTML forms, no script: the page
// works in any browser, and there is no code in it that could carry a model's name.
#include <rightsize/error.h>
#include "probes/vote.h"

#include "core/text.h"

#include <httplib.h>

#include <algorithm>
#include <cstdio>
#include <mutex>
#include <random>

namespace rightsize {

using text::html_escape;

namespace {

const char * kStyle = R"css(
body { font: 17px/1.5 system-ui, sans-serif; margin: 0; background: #f6f6f4; color: #1d1d1d; }
main { max-width: 1100px; margin: 0 auto; padding: 1.5rem; }
#progress { color: #555; margin: 0 0 .5rem; }
h1 { font-size: 1.4rem; margin: .2rem 0 1rem; }
h2 { font-size: 1rem; margin: 0 0 .5rem; color: #444; }
.question, .answer { background: #fff; border: 1px solid #ddd; border-radius: 8px; padding: 1rem 1.2rem; }
.question { margin-bottom: 1rem; }
.answers { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }
@media (max-width: 700px) { .answers { grid-template-columns: 1fr; } }
.text { white-space: pre-wrap; overflow-wrap: anywhere; }
.empty { color: #888; font-style: italic; }
form { display: flex; flex-wrap: wrap; gap: .8rem; margin: 1.2rem 0; }
button { font: inherit; padding: .6rem 1.1rem; border-radius: 6px; border: 1px solid #888; background: #fff; cursor: pointer; }
button:hover, button:focus { background: #e8eefc; border-color: #2a5bd7; }
.note { color: #666; font-size: .9rem; }
table { border-collapse: collapse; background: #fff; }
th, td { border: 1px solid #ddd; padding: .35rem .7rem; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
)css";

std::string page(const std::string & title, const std::string & body) {
    return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" +
           html_escape(title) + "</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n<main>\n" + body +
           "</main>\n</body>\n</html>\n";
}

std::string answer_box(int n, const std::string & text) {
    const std::string id = "answer-" + std::to_string(n);
    return "<article class=\"answer\" id=\"" + id + "\">\n<h2>Answer " + std::to_string(n) + "</h2>\n" +
           (text.empty() ? "<div class=\"text empty\" id=\"" + id + "-text\">(empty answer)</div>\n"
                         : "<div class=\"text\" id=\"" + id + "-text\">" + html_escape(text) + "</div>\n") +
           "</article>\n";
}

std::string fixed(double v, int digits) {
    char buf[32];
    snprintf(buf, sizeof buf, "%.*f", digits, v);
    return buf;
}

}  // namespace

std::string render_vote_page(const VotePair & pair, size_t k, size_t n, const std::string & token) {
    std::string body;
    body += "<p id=\"progress\">Pair " + std::to_string(k) + " of " + std::to_string(n) + "</p>\n";
    body += "<h1>Which answer sounds more like a person wrote it?</h1>\n";
    body += "<section class=\"question\">\n<h2>Question</h2>\n<div class=\"text\" id=\"prompt\">" + html_escape(pair.prompt) +
            "</div>\n</section>\n";
    body += "<div class=\"answers\">\n" + answer_box(1, pair.left_text) + answer_box(2, pair.right_text) + "</div>\n";
    body += "<form method=\"post\" action=\"/vote\">\n"
            "<input type=\"hidden\" name=\"doc\" value=\"" + std::to_string(pair.doc_id) + "\">\n"
            "<input type=\"hidden\" name=\"token\" value=\"" + html_escape(token) + "\">\n"
            "<button type=\"submit\" name=\"choice\" value=\"left\">Answer 1 is more human-like</button>\n"
            "<button type=\"submit\" name=\"choice\" value=\"right\">Answer 2 is more human-like</button>\n"
            "<button type=\"submit\" name=\"choice\" value=\"tie\">Can't tell</button>\n"
            "</form>\n";
    body += "<p class=\"note\">Judge only how human the answers sound, not whether they are correct. Which system wrote "
            "which answer is hidden, the order is random, and emojis have been removed from both.</p>\n";
    return page("Which answer sounds more human? (" + std::to_string(k) + " of " + std::to_string(n) + ")", body);
}

std::string render_thanks_page(const nlohmann::json & tally, const std::string & voter, size_t n_pairs) {
    std::string body;
    body += "<p id=\"progress\">Done: " + std::to_string(n_pairs) + " of " + std::to_string(n_pairs) + "</p>\n";
    body += "<h1>Thank you, " + html_escape(voter) + "!</h1>\n";
    body += "<p>Every pair has a vote from you. The tallies below were hidden until now so they could not sway you.</p>\n";
    body += "<table id=\"tally\">\n<tr><th>Voters</th><th>Model A</th><th>Model B</th><th>A wins</th><th>B wins</th>"
            "<th>Can't tell</th><th>A's win rate (ties ½)</th><th>95 % Wilson interval</th></tr>\n";
    for (const auto & p : tally.at("pairs")) {
        const auto & w = p.at("win_rate_a");
        body += "<tr><td>" + html_escape(p.at("voters").get<std::string>()) + "</td><td>" +
                html_escape(p.at("model_a").get<std::string>()) + "</td><td>" + html_escape(p.at("model_b").get<std::string>()) +
                "</td><td class=\"num\">" + p.at("a_wins").dump() + "</td><td class=\"num\">" + p.at("b_wins").dump() + "</td><td class=\"num\">" +
                p.at("ties").dump() +
                "</td><td class=\"num\">" + (w.at("rate").is_null() ? "—" : fixed(w.at("rate").get<double>(), 3)) +
                "</td><td class=\"num\">" + fixed(w.at("ci95")[0].get<double>(), 3) + "–" + fixed(w.at("ci95")[1].get<double>(), 3) +
                "</td></tr>\n";
    }
    body += "</table>\n<p class=\"note\">You can close this tab; the votes are saved.</p>\n";
    return page("Thank you", body);
}

// ---- the server --------------------------------------------------------------------------------

struct VoteServer::Impl {
    VoteServerOptions o;
    std::vector<VotePair> pairs;
    std::set<long long> voted;  // by this voter, this session or an earlier one
    std::string token;
    httplib::Server server;
    int port = 0;
    std::mutex mu;  // pairs' votes and the database writes: httplib serves from a thread pool

    const VotePair * next_pair() const {
        for (const auto & p : pairs) {
            if (!voted.count(p.doc_id)) return &p;
        }
        return nullptr;
    }
    static void send_page(httplib::Response & rs, int status, const std::string & html) {
        rs.status = status;
        // The page must be re-fetched after every vote, never replayed from the cache.
        rs.set_header("Cache-Control", "no-store");
        // Nothing may load or run: the page is HTML and inline CSS only, and forms post back here.
        rs.set_header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'");
        rs.set_content(html, "text/html; charset=utf-8");
    }
    static void send_error(httplib::Response & rs, int status, const std::string & message) {
        send_page(rs, status, page("Error", "<h1>" + html_escape(message) + "</h1>\n<p><a href=\"/\">Back to the vote</a></p>\n"));
    }
    bool authorised(const httplib::Request & rq) const {
        return rq.has_param("token") && rq.get_param_value("token") == token;
    }
};

VoteServer::VoteServer(VoteServerOptions options) : impl_(std::make_unique<Impl>()) {
    auto & m = *impl_;
    m.o = std::move(options);
    if (m.o.voter.empty()) throw Error("the voter name is empty; give --voter NAME");
    m.pairs = load_vote_pairs(m.o.db_path, m.o.run_id, m.o.task, m.o.model_a, m.o.model_b, m.o.seed);
    if (m.pairs.empty()) {
        throw Error(m.o.db_path + ": run " + m.o.run_id + " has no document of task '" + m.o.task + "' answered by both " +
                    m.o.model_a + " and " + m.o.model_b);
    }
    m.voted = voted_docs(m.o.db_path, m.o.run_id, m.o.task, m.o.voter, m.o.model_a, m.o.model_b);
    std::random_device rd;
    char buf[17];
    for (int i = 0; i < 2; ++i) {
        snprintf(buf, sizeof buf, "%08x%08x", unsigned(rd()), unsigned(rd()));
        m.token += buf;
    }

    m.server.Get("/", [this](const httplib::Request &, httplib::Response & rs) {
        auto & m = *impl_;
        std::lock_guard lock(m.mu);
        if (const auto * p = m.next_pair()) {
            const size_t k = m.voted.size() + 1;
            Impl::send_page(rs, 200, render_vote_page(*p, k, m.pairs.size(), m.token));
            return;
        }
        try {
            Impl::send_page(rs, 200, render_thanks_page(tally_votes(m.o.db_path, m.o.run_id, m.o.task), m.o.voter, m.pairs.size()));
        } catch (const Error & e) {
            Impl::send_error(rs, 500, e.what());
        }
        if (m.o.once) m.server.stop();  // the response in hand is still sent before listen returns
    });
    m.server.Post("/vote", [this](const httplib::Request & rq, httplib::Response & rs) {
        auto & m = *impl_;
        if (!m.authorised(rq)) return Impl::send_error(rs, 403, "This vote did not come from the voting page; open it again.");
        std::lock_guard lock(m.mu);
        const std::string doc = rq.get_param_value("doc");
        const auto it = std::find_if(m.pairs.begin(), m.pairs.end(),
                                     [&](const VotePair & p) { return std::to_string(p.doc_id) == doc; });
        if (it == m.pairs.end()) return Impl::send_error(rs, 400, "No pair in this session has document '" + doc + "'.");
        try {
            const VoteChoice choice = parse_vote_choice(rq.get_param_value("choice"));
            // A page submitted twice (back button, double click) keeps its first vote.
            if (!m.voted.count(it->doc_id)) {
                record_vote(m.o.db_path, m.o.run_id, m.o.task, it->doc_id, it->left_model, it->right_model, choice, m.o.voter);
                m.voted.insert(it->doc_id);
            }
        } catch (const Error & e) {
            return Impl::send_error(rs, 400, e.what());
        }
        rs.set_redirect("/", 303);  // post/redirect/get: reloading the next page does not vote again
    });
    m.server.Post("/quit", [this](const httplib::Request & rq, httplib::Response & rs) {
        auto & m = *impl_;
        if (!m.authorised(rq)) return Impl::send_error(rs, 403, "Stopping the server needs the session token.");
        Impl::send_page(rs, 200, page("Stopped", "<h1>The voting server has stopped.</h1>\n"));
        m.server.stop();
    });

    // Loopback only: the page shows unpublished model output and takes votes without a login.
    if (m.o.port == 0) {
        m.port = m.server.bind_to_any_port("127.0.0.1");
        if (m.port <= 0) throw Error("cannot bind a free port on 127.0.0.1 for the voting server");
    } else {
        if (m.o.port < 0 || m.o.port > 65535 || !m.server.bind_to_port("127.0.0.1", m.o.port)) {
            throw Error("cannot listen on 127.0.0.1:" + std::to_string(m.o.port) + " (in use?); choose another --port or 0 for any");
        }
        m.port = m.o.port;
    }
}

VoteServer::~VoteServer() { impl_->server.stop(); }

int VoteServer::port() const { return impl_->port; }
std::string VoteServer::url() const { return "http://127.0.0.1:" + std::to_string(impl_->port) + "/"; }
const std::string & VoteServer::token() const { return impl_->token; }
size_t VoteServer::n_pairs() const { return impl_->pairs.size(); }
size_t VoteServer::n_voted() const {
    std::lock_guard lock(impl_->mu);
    return impl_->voted.size();
}
void VoteServer::run() { impl_->server.listen_after_bind(); }
void VoteServer::stop() { impl_->server.stop(); }
bool VoteServer::running() const { return impl_->server.is_running(); }

}  // namespace rightsize
