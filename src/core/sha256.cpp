#include "core/sha256.h"

#include <rightsize/error.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include <fstream>
#include <vector>

namespace rightsize {

namespace {

[[noreturn]] void fail(const char * what) {
    const unsigned long e = ERR_get_error();
    char reason[256] = "unknown error";
    if (e != 0) ERR_error_string_n(e, reason, sizeof reason);
    ERR_clear_error();
    throw Error(std::string("SHA-256: OpenSSL's ") + what + " failed (" + reason + ")");
}

EVP_MD_CTX * new_context() {
    EVP_MD_CTX * ctx = EVP_MD_CTX_new();
    if (!ctx) fail("EVP_MD_CTX_new");
    return ctx;
}

}  // namespace

Sha256::Sha256() : ctx_(new_context()) {
    if (EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) != 1) {
        EVP_MD_CTX_free(ctx_);
        fail("EVP_DigestInit_ex");
    }
}

Sha256::~Sha256() { EVP_MD_CTX_free(ctx_); }

Sha256::Sha256(const Sha256 & other) : ctx_(new_context()) {
    if (EVP_MD_CTX_copy_ex(ctx_, other.ctx_) != 1) {
        EVP_MD_CTX_free(ctx_);
        fail("EVP_MD_CTX_copy_ex");
    }
}

Sha256 & Sha256::operator=(const Sha256 & other) {
    if (this != &other && EVP_MD_CTX_copy_ex(ctx_, other.ctx_) != 1) fail("EVP_MD_CTX_copy_ex");
    return *this;
}

void Sha256::update(const void * data, size_t n) {
    if (n > 0 && EVP_DigestUpdate(ctx_, data, n) != 1) fail("EVP_DigestUpdate");
}

std::string Sha256::hex_digest() {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(ctx_, md, &len) != 1) fail("EVP_DigestFinal_ex");
    static const char * hex = "0123456789abcdef";
    std::string out;
    out.reserve(2 * len);
    for (unsigned int i = 0; i < len; ++i) {
        out += hex[md[i] >> 4];
        out += hex[md[i] & 0xF];
    }
    return out;
}

std::string sha256_hex(std::string_view data) {
    Sha256 h;
    h.update(data);
    return h.hex_digest();
}

std::string sha256_file(const std::string & path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("cannot read '" + path + "' to compute its checksum");
    Sha256 h;
    std::vector<char> buf(1 << 16);
    while (in) {
        in.read(buf.data(), std::streamsize(buf.size()));
        h.update(buf.data(), size_t(in.gcount()));
    }
    if (in.bad()) throw Error("read error in '" + path + "' while computing its checksum");
    return h.hex_digest();
}

}  // namespace rightsize
