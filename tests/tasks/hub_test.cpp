// The hub client against a real HTTP server on 127.0.0.1 that serves local files and pages rows.
#include "test_support.h"

#include <rightsize/error.h>
#include "tasks/hub.h"
#include "core/sha256.h"
#include <rightsize/task.h>

#include <httplib.h>

#include <atomic>
#include <thread>

using namespace rightsize;
using namespace rightsize::testing;

namespace {

class LocalHub {
public:
    LocalHub() {
        server_.Get(R"(/datasets/([^/]+/[^/]+)/resolve/([^/]+)/(.+))", [this](const httplib::Request & rq, httplib::Response & rs) {
            ++file_requests;
            const std::string key = rq.matches[1].str() + "@" + rq.matches[2].str() + ":" + rq.matches[3].str();
            const auto it = files.find(key);
            if (it == files.end()) {
                rs.status = 404;
                return;
            }
            rs.set_content(it->second, "application/octet-stream");
        });
        server_.Get("/rows", [this](const httplib::Request & rq, httplib::Response & rs) {
            ++row_requests;
            if (rq.get_param_value("dataset") != "org/sentiment" || rq.get_param_value("split") != "test") {
                rs.status = 404;
                return;
            }
            const size_t offset = std::stoul(rq.get_param_value("offset"));
            const size_t length = std::stoul(rq.get_param_value("length"));
            nlohmann::json rows = nlohmann::json::array();
            for (size_t i = offset; i < std::min(offset + length, total_rows); ++i) {
                rows.push_back({{"row_idx", i}, {"row", {{"text", "review " + std::to_string(i)}, {"label", i % 2}}}});
            }
            rs.set_content(nlohmann::json{{"rows", rows}, {"num_rows_total", total_rows}}.dump(), "application/json");
        });
        port_ = server_.bind_to_any_port("127.0.0.1");
        thread_ = std::thread([this] { server_.listen_after_bind(); });
        while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ~LocalHub() {
        server_.stop();
        thread_.join();
    }
    HubOptions options(const std::string & cache) const {
        HubOptions o;
        o.endpoint = "http://127.0.0.1:" + std::to_string(port_);
        o.rows_endpoint = o.endpoint;
        o.cache_dir = cache;
        o.timeout_s = 10;
        return o;
    }
    std::map<std::string, std::string> files;
    size_t total_rows = 250;
    std::atomic<int> file_requests{0}, row_requests{0};

private:
    httplib::Server server_;
    std::thread thread_;
    int port_ = 0;
};

std::string fresh_cache(const std::string & name) {
    const auto d = temp_dir() / name;
    std::filesystem::remove_all(d);
    return d.string();
}

}  // namespace

TEST(Hub, DownloadsOnceThenServesFromTheCache) {
    LocalHub hub;
    const std::string body = "{\"question\": \"q\", \"answer\": \"a\"}\n";
    hub.files["org/qa@main:data/test.jsonl"] = body;
    const auto o = hub.options(fresh_cache("hub-cache-1"));
    const std::string path = hub_dataset_file("org/qa", "data/test.jsonl", "main", o, sha256_hex(body));
    EXPECT_EQ(load_documents(path).size(), 1u);
    EXPECT_EQ(hub.file_requests, 1);
    hub_dataset_file("org/qa", "data/test.jsonl", "main", o, sha256_hex(body));
    EXPECT_EQ(hub.file_requests, 1) << "a cached file must not be fetched again";
    HubOptions offline = o;
    offline.offline = true;
    EXPECT_EQ(hub_dataset_file("org/qa", "data/test.jsonl", "main", offline), path);
}

TEST(Hub, ChecksumMismatchLeavesNothingBehind) {
    LocalHub hub;
    hub.files["org/qa@main:test.jsonl"] = "{\"a\": 1}\n";
    const auto cache = fresh_cache("hub-cache-2");
    const std::string msg = error_message([&] { hub_dataset_file("org/qa", "test.jsonl", "main", hub.options(cache), std::string(64, '0')); });
    EXPECT_NE(msg.find("expected 0000"), std::string::npos) << msg;
    for (const auto & e : std::filesystem::recursive_directory_iterator(cache)) {
        EXPECT_FALSE(e.is_regular_file()) << "left behind: " << e.path();
    }
}

TEST(Hub, MissingFileAndOfflineWithoutCacheAreClear) {
    LocalHub hub;
    const auto o = hub.options(fresh_cache("hub-cache-3"));
    const std::string missing = error_message([&] { hub_dataset_file("org/qa", "nope.jsonl", "main", o); });
    EXPECT_NE(missing.find("HTTP 404"), std::string::npos) << missing;
    EXPECT_NE(missing.find("/datasets/org/qa/resolve/main/nope.jsonl"), std::string::npos) << missing;
    HubOptions offline = o;
    offline.offline = true;
    const std::string off = error_message([&] { hub_dataset_file("org/qa", "x.jsonl", "main", offline); });
    EXPECT_NE(off.find("offline mode is on"), std::string::npos) << off;
    HubOptions down = o;
    down.endpoint = "http://127.0.0.1:1";  // nothing listens there
    EXPECT_NE(error_message([&] { hub_dataset_file("org/qa", "x.jsonl", "main", down); }).find("failed"), std::string::npos);
}

TEST(Hub, RowsArePagedCachedAndLimited) {
    LocalHub hub;
    const auto o = hub.options(fresh_cache("hub-cache-4"));
    const auto first = hub_dataset_rows("org/sentiment", "default", "test", o, 150);
    ASSERT_EQ(first.size(), 150u);
    EXPECT_EQ(first[149]["text"], "review 149");
    EXPECT_EQ(hub.row_requests, 2);  // pages of 100
    const auto all = hub_dataset_rows("org/sentiment", "default", "test", o);
    ASSERT_EQ(all.size(), 250u);
    EXPECT_EQ(all[249]["label"], 1);
    const int after_all = hub.row_requests;
    HubOptions offline = o;
    offline.offline = true;
    EXPECT_EQ(hub_dataset_rows("org/sentiment", "default", "test", offline, 10).size(), 10u);
    EXPECT_EQ(hub_dataset_rows("org/sentiment", "default", "test", offline).size(), 250u);
    EXPECT_EQ(hub.row_requests, after_all);
    EXPECT_NE(error_message([&] { hub_dataset_rows("org/other", "default", "test", o); }).find("HTTP 404"), std::string::npos);
}

// A task whose dataset_path names a hub repository and has no local files fetches its split
// through the datasets-server rows API (pointed at the loopback server by the environment, as a
// user would with RIGHTSIZE_DATASETS_SERVER), caches it, and reads the cache offline.
TEST(Hub, TaskWithoutLocalFilesDownloadsItsSplit) {
    LocalHub hub;
    const auto cache = fresh_cache("task-cache");
    const auto o = hub.options(cache);
    setenv("RIGHTSIZE_DATASETS_SERVER", o.rows_endpoint.c_str(), 1);
    setenv("HF_ENDPOINT", o.endpoint.c_str(), 1);
    setenv("RIGHTSIZE_CACHE", cache.c_str(), 1);
    const auto task = parse_task_yaml_text("task: hub_sentiment\ndataset_path: org/sentiment\ntest_split: test\n"
                                           "output_type: multiple_choice\ndoc_to_text: \"{{text}}\"\n"
                                           "doc_to_choice: [neg, pos]\ndoc_to_target: label\n",
                                           "hub_sentiment.yaml", temp_dir().string());
    DataOptions data;
    data.data_dir = (temp_dir() / "no-local-data").string();
    const auto docs = load_task_split(task, "test", data);
    ASSERT_EQ(docs.size(), 250u);
    EXPECT_EQ(docs[3]["text"], "review 3");
    EXPECT_EQ(docs[3]["label"], 1);
    const int requests = hub.row_requests;
    EXPECT_EQ(requests, 3);  // pages of 100
    data.allow_download = false;  // the cache serves it now; without a cache it is an error
    EXPECT_EQ(load_task_split(task, "test", data).size(), 250u);
    EXPECT_EQ(hub.row_requests.load(), requests);
    std::filesystem::remove_all(cache);
    const std::string msg = error_message([&] { load_task_split(task, "test", data); });
    EXPECT_NE(msg.find("offline mode is on"), std::string::npos) << msg;
    unsetenv("RIGHTSIZE_DATASETS_SERVER");
    unsetenv("HF_ENDPOINT");
    unsetenv("RIGHTSIZE_CACHE");
}
