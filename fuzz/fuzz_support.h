// What every fuzz target shares: the rule that rightsize::Error is a normal outcome (bad input,
// reported clearly) while any other exception is a finding, and a per-process temporary folder for
// the parsers that read a path.
#pragma once

#include <rightsize/error.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cxxabi.h>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <typeinfo>
#include <utility>

namespace rightsize_fuzz {

// The input as text (parsers take std::string; NUL bytes stay).
inline std::string as_text(const uint8_t * data, size_t size) {
    return std::string(reinterpret_cast<const char *>(data), size);
}

// Splits at the first NUL: (before, after); no NUL gives (all, "") and has_second false.
struct Split {
    std::string first, second;
    bool has_second = false;
};
inline Split split_at_nul(std::string_view text) {
    const size_t nul = text.find('\0');
    if (nul == std::string_view::npos) return {std::string(text), "", false};
    return {std::string(text.substr(0, nul)), std::string(text.substr(nul + 1)), true};
}

// This process's own folder under $TMPDIR (or /tmp), made on first use and removed at exit.
inline const std::filesystem::path & temp_dir() {
    static const std::filesystem::path dir = [] {
        const char * base = std::getenv("TMPDIR");
        std::string tmpl = std::string(base && *base ? base : "/tmp") + "/rightsize-fuzz-XXXXXX";
        if (!mkdtemp(tmpl.data())) {
            std::perror("rightsize fuzz: mkdtemp");
            std::abort();
        }
        std::atexit([] {
            std::error_code ec;
            std::filesystem::remove_all(temp_dir(), ec);
        });
        return std::filesystem::path(tmpl);
    }();
    return dir;
}

// Writes `bytes` to temp_dir()/name (the same name every run) and returns its path.
inline std::string write_temp(const std::string & name, std::string_view bytes) {
    const auto path = temp_dir() / name;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) {
        std::fprintf(stderr, "rightsize fuzz: cannot write %s\n", path.c_str());
        std::abort();
    }
    return path.string();
}

// Serialises documents as a run writes them (samples, results.json): what a loader accepts must
// survive being written.
template <class Documents>
void write_as_a_run_does(const Documents & docs) {
    for (const auto & d : docs) (void)d.dump();
}

// Runs `body`: rightsize::Error is the expected answer to bad input; any other exception is a
// finding, printed with its type and aborted on so libFuzzer keeps the input.
template <class F>
void expect_only_rightsize_errors(F && body) {
    try {
        std::forward<F>(body)();
    } catch (const rightsize::Error &) {
    } catch (const std::exception & e) {
        int status = 0;
        char * type = abi::__cxa_demangle(typeid(e).name(), nullptr, nullptr, &status);
        std::fprintf(stderr, "FINDING: %s escaped (not rightsize::Error): %s\n", status == 0 ? type : typeid(e).name(), e.what());
        std::abort();
    } catch (...) {
        std::fprintf(stderr, "FINDING: a non-std exception escaped\n");
        std::abort();
    }
}

}  // namespace rightsize_fuzz
