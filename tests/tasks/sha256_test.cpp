#include <rightsize/error.h>
#include "core/sha256.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

using namespace rightsize;
namespace fs = std::filesystem;

TEST(Sha256, StandardTestVectors) {
    EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    EXPECT_EQ(sha256_hex(std::string(1000000, 'a')), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, IncrementalUpdatesEqualOneShot) {
    const std::string text(1000, 'x');
    Sha256 h;
    for (size_t i = 0; i < text.size(); i += 7) h.update(text.substr(i, 7));
    EXPECT_EQ(h.hex_digest(), sha256_hex(text));
}

namespace {

// 5 MiB + 13 bytes, every byte value; SHA-256 from Python's hashlib over the same bytes.
std::string big_input() {
    std::string s(5 * 1024 * 1024 + 13, '\0');
    for (size_t i = 0; i < s.size(); ++i) s[i] = char((i * 131 + (i >> 13)) & 0xFF);
    return s;
}
constexpr const char * kBigInputSha256 = "23c0f8b935b9944c4e97f83815096816a55e46b192242f6626bc3fd94ffaa7ab";

}  // namespace

TEST(Sha256, MegabytesStreamedInOddPiecesEqualOneShot) {
    const std::string data = big_input();
    EXPECT_EQ(sha256_hex(data), kBigInputSha256);
    // Pieces that straddle the 64-byte block boundary in every way, plus empty updates.
    const size_t pieces[] = {1, 0, 7, 63, 64, 65, 127, 4097, 65537, 3, 1000003};
    Sha256 h;
    size_t at = 0;
    for (size_t k = 0; at < data.size(); ++k) {
        const size_t n = std::min(pieces[k % std::size(pieces)], data.size() - at);
        h.update(data.data() + at, n);
        at += n;
    }
    EXPECT_EQ(h.hex_digest(), kBigInputSha256);
}

TEST(Sha256, FilesAreHashedAsTheirBytes) {
    const std::string data = big_input();
    const fs::path file = fs::temp_directory_path() / ("rightsize-sha256-" + std::to_string(::getpid()) + ".bin");
    {
        std::ofstream out(file, std::ios::binary);
        out.write(data.data(), std::streamsize(data.size()));
    }
    EXPECT_EQ(sha256_file(file.string()), kBigInputSha256);
    fs::remove(file);
    EXPECT_THROW(sha256_file(file.string()), Error);
}

TEST(Sha256, CopiesContinueIndependently) {
    Sha256 a;
    a.update("abc");
    Sha256 b = a;
    a.update("def");
    b.update("xyz");
    EXPECT_EQ(a.hex_digest(), "bef57ec7f53a6d40beb640a780a639c83bc29ac8a9816f1fc6c5c6dcd93c4721");  // sha256("abcdef")
    EXPECT_EQ(b.hex_digest(), "f312795e322c87461a6f3c49e09897c59ca0d5a36245d2a00f08cbc66eee976d");  // sha256("abcxyz")
}
