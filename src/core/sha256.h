// SHA-256 (FIPS 180-4) for verifying downloads and cached files, computed by OpenSSL's EVP digest.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

struct evp_md_ctx_st;  // OpenSSL's EVP_MD_CTX; only src/core/sha256.cpp includes OpenSSL

namespace rightsize {

// Streaming hash. Throws rightsize::Error if OpenSSL fails (out of memory, digest unavailable).
class Sha256 {
public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256 & other);  // copies the state so far; both continue independently
    Sha256 & operator=(const Sha256 & other);
    void update(const void * data, size_t n);
    void update(std::string_view s) { update(s.data(), s.size()); }
    std::string hex_digest();  // finalises; the object must not be updated afterwards

private:
    evp_md_ctx_st * ctx_;
};

std::string sha256_hex(std::string_view data);
// Throws rightsize::Error if the file cannot be read.
std::string sha256_file(const std::string & path);

}  // namespace rightsize
