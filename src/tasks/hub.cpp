#include "tasks/hub.h"

#include "core/atomic_file.h"
#include "core/content_hash.h"
#include <rightsize/error.h>
#include "core/sha256.h"
#include "core/text.h"

#include <curl/curl.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>

namespace fs = std::filesystem;

namespace rightsize {

namespace {

bool env_true(const char * name) {
    const std::string v = text::env_value(name);
    return v == "1" || v == "true" || v == "TRUE" || v == "yes";
}

void ensure_curl() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct CurlDeleter {
    void operator()(CURL * c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
    void operator()(curl_slist * s) const { curl_slist_free_all(s); }
};

std::string escape(const std::string & s) {
    std::string out;
    static const char * hex = "0123456789ABCDEF";
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out += char(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

// Encodes each segment of a repository path but keeps its slashes.
std::string escape_path(const std::string & p) {
    std::string out, seg;
    for (char c : p) {
        if (c == '/') {
            out += escape(seg) + "/";
            seg.clear();
        } else {
            seg += c;
        }
    }
    return out + escape(seg);
}

size_t write_to_stream(char * data, size_t size, size_t n, void * user) {
    auto * out = static_cast<std::ostream *>(user);
    out->write(data, std::streamsize(size * n));
    return out->good() ? size * n : 0;
}

// GET url into `out`; throws with the URL and status on failure.
void http_get(const std::string & url, const HubOptions & o, std::ostream & out) {
    ensure_curl();
    std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
    if (!curl) throw Error("cannot initialise the HTTP client");
    std::unique_ptr<curl_slist, SlistDeleter> headers;
    if (!o.token.empty()) headers.reset(curl_slist_append(nullptr, ("Authorization: Bearer " + o.token).c_str()));
    char err[CURL_ERROR_SIZE] = {};
    curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl.get(), CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(curl.get(), CURLOPT_USERAGENT, "rightsize/0.1");
    curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT, o.timeout_s);
    curl_easy_setopt(curl.get(), CURLOPT_CONNECTTIMEOUT, 20L);
    curl_easy_setopt(curl.get(), CURLOPT_ERRORBUFFER, err);
    curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, write_to_stream);
    curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &out);
    if (headers) curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, headers.get());
    const CURLcode rc = curl_easy_perform(curl.get());
    if (rc != CURLE_OK) {
        throw Error("download of " + url + " failed: " + (err[0] ? std::string(err) : curl_easy_strerror(rc)) +
                    " (set RIGHTSIZE_OFFLINE=1 to use cached data only)");
    }
    long status = 0;
    curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
    if (status >= 400) {
        std::string hint = status == 401 || status == 403 ? "; the dataset may be gated: set HF_TOKEN"
                           : status == 404              ? "; check the repository, revision and file name"
                                                        : "";
        throw Error("download of " + url + " failed: HTTP " + std::to_string(status) + hint);
    }
}

// Downloads and cache entries are whole-file-or-nothing.
void write_atomically(const fs::path & dest, const std::function<void(std::ostream &)> & fill) {
    write_file_atomic(dest.string(), fill);
}

std::string read_text(const fs::path & p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

HubOptions HubOptions::from_environment() {
    HubOptions o;
    o.endpoint = text::env_value("HF_ENDPOINT");
    if (o.endpoint.empty()) o.endpoint = "https://huggingface.co";
    o.rows_endpoint = text::env_value("RIGHTSIZE_DATASETS_SERVER");
    if (o.rows_endpoint.empty()) o.rows_endpoint = "https://datasets-server.huggingface.co";
    o.cache_dir = default_cache_dir();
    o.token = text::env_value("HF_TOKEN");
    o.offline = env_true("RIGHTSIZE_OFFLINE") || env_true("HF_HUB_OFFLINE");
    return o;
}

std::string hub_dataset_file(const std::string & repo, const std::string & path, const std::string & revision,
                             const HubOptions & o, const std::string & expected_sha256) {
    const std::string rev = revision.empty() ? "main" : revision;
    const fs::path dest = fs::path(o.cache_dir) / "hub" / "datasets" / repo / rev / path;
    const fs::path sum = dest.string() + ".sha256";
    if (fs::exists(dest) && fs::exists(sum)) {
        const std::string have = read_text(sum);
        if (expected_sha256.empty() || have == expected_sha256) return dest.string();
        if (o.offline) {
            throw Error("cached " + dest.string() + " has sha256 " + have + ", expected " + expected_sha256 +
                        "; offline mode cannot fetch it again");
        }
    }
    if (o.offline) {
        throw Error("dataset file " + repo + "/" + path + " (revision " + rev + ") is not in the cache " + o.cache_dir +
                    " and offline mode is on; run once online or pass a local file");
    }
    const std::string url = o.endpoint + "/datasets/" + repo + "/resolve/" + escape(rev) + "/" + escape_path(path);
    Sha256 hasher;
    struct HashingBuf : std::streambuf {
        std::ostream * sink;
        Sha256 * h;
        std::streamsize xsputn(const char * s, std::streamsize n) override {
            h->update(s, size_t(n));
            sink->write(s, n);
            return sink->good() ? n : 0;
        }
        int overflow(int c) override {
            if (c == EOF) return 0;
            const char ch = char(c);
            return xsputn(&ch, 1) == 1 ? c : EOF;
        }
    };
    write_atomically(dest, [&](std::ostream & out) {
        HashingBuf buf;
        buf.sink = &out;
        buf.h = &hasher;
        std::ostream tee(&buf);
        http_get(url, o, tee);
        const std::string got = hasher.hex_digest();
        if (!expected_sha256.empty() && got != expected_sha256) {
            throw Error("download of " + url + " has sha256 " + got + ", expected " + expected_sha256 +
                        "; the file changed upstream or the transfer was corrupted");
        }
        write_atomically(sum, [&](std::ostream & s) { s << got; });
    });
    return dest.string();
}

std::vector<Document> hub_dataset_rows(const std::string & repo, const std::string & config, const std::string & split,
                                       const HubOptions & o, size_t limit) {
    const fs::path dir = fs::path(o.cache_dir) / "hub" / "rows" / repo / config;
    const fs::path data = dir / (split + ".jsonl");
    const fs::path meta = dir / (split + ".meta.json");
    if (fs::exists(data) && fs::exists(meta)) {
        const auto m = nlohmann::json::parse(read_text(meta), nullptr, false);
        const size_t have = m.is_object() ? m.value("rows", size_t(0)) : 0;
        const bool complete = m.is_object() && m.value("complete", false);
        if (complete || (limit > 0 && have >= limit)) {
            auto docs = parse_jsonl(read_text(data), data.string());
            if (limit > 0 && docs.size() > limit) docs.resize(limit);
            return docs;
        }
    }
    if (o.offline) {
        throw Error("rows of " + repo + " (" + config + "/" + split + ") are not in the cache " + o.cache_dir +
                    " and offline mode is on; run once online or pass a local file");
    }
    std::vector<Document> docs;
    size_t total = 0;
    for (size_t offset = 0;; offset += 100) {
        const size_t want = limit > 0 ? std::min<size_t>(100, limit - offset) : 100;
        const std::string url = o.rows_endpoint + "/rows?dataset=" + escape(repo) + "&config=" + escape(config) +
                                "&split=" + escape(split) + "&offset=" + std::to_string(offset) +
                                "&length=" + std::to_string(want);
        std::ostringstream body;
        http_get(url, o, body);
        const auto page = nlohmann::json::parse(body.str(), nullptr, false);
        if (!page.is_object() || !page.contains("rows") || !page["rows"].is_array()) {
            throw Error("the rows API at " + url + " answered without a 'rows' list; is RIGHTSIZE_DATASETS_SERVER right?");
        }
        total = page.value("num_rows_total", size_t(0));
        for (const auto & r : page["rows"]) {
            if (!r.contains("row") || !r["row"].is_object()) throw Error("the rows API at " + url + " sent a row without a 'row' object");
            docs.push_back(r["row"]);
        }
        if (page["rows"].empty() || docs.size() >= total || (limit > 0 && docs.size() >= limit)) break;
    }
    const bool complete = docs.size() >= total;
    write_atomically(data, [&](std::ostream & out) {
        for (const auto & d : docs) out << d.dump() << '\n';
    });
    write_atomically(meta, [&](std::ostream & out) {
        out << nlohmann::json{{"rows", docs.size()}, {"complete", complete}, {"num_rows_total", total}}.dump();
    });
    return docs;
}

}  // namespace rightsize
