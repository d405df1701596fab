// Datasets from the Hugging Face hub, cached locally: whole files through the hub's resolve
// endpoint, or rows through the datasets-server rows API. Offline mode reads the cache only.
#pragma once

#include <rightsize/dataset.h>

#include <string>
#include <vector>

namespace rightsize {

struct HubOptions {
    std::string endpoint;         // hub; default $HF_ENDPOINT, else https://huggingface.co
    std::string rows_endpoint;    // datasets-server; default $RIGHTSIZE_DATASETS_SERVER, else https://datasets-server.huggingface.co
    std::string cache_dir;        // default $RIGHTSIZE_CACHE, else $XDG_CACHE_HOME/rightsize, else ~/.cache/rightsize
    std::string token;            // default $HF_TOKEN; sent as a bearer token when set
    bool offline = false;         // default true when $RIGHTSIZE_OFFLINE or $HF_HUB_OFFLINE is 1
    long timeout_s = 120;

    static HubOptions from_environment();
};

// Local path of `path` in dataset repository `repo` at `revision`, downloading it into the cache
// first if needed. With expected_sha256 the file is verified (a cached copy that does not match
// is fetched again; offline, it is an error). Downloads are atomic: a failed or interrupted one
// leaves nothing in the cache. Throws rightsize::Error naming the URL or cache path.
std::string hub_dataset_file(const std::string & repo, const std::string & path, const std::string & revision,
                             const HubOptions & options, const std::string & expected_sha256 = "");

// Rows of one split through the datasets-server rows API (pages of 100), cached as JSONL.
// limit 0 = every row.
std::vector<Document> hub_dataset_rows(const std::string & repo, const std::string & config, const std::string & split,
                                       const HubOptions & options, size_t limit = 0);

}  // namespace rightsize
