#include "cli/args.h"

#include <gtest/gtest.h>

using namespace rightsize::cli;

namespace {
std::vector<char *> argv_of(std::vector<std::string> & args) {
    std::vector<char *> v;
    for (auto & a : args) v.push_back(a.data());
    return v;
}
}  // namespace

TEST(Args, AcceptsLlamaStyleAndLongForms) {
    int threads = 0, ngl = 0;
    std::vector<std::string> models;
    bool flag = false;
    ArgParser p("bench", "");
    p.value({"-t", "--threads"}, "N", "", [&](const std::string & v) { threads = parse_int("-t", v, 1, 64); });
    p.value({"-ngl"}, "N", "", [&](const std::string & v) { ngl = parse_int("-ngl", v, -1, 999); });
    p.value({"-m"}, "F", "", [&](const std::string & v) { models.push_back(v); });
    p.flag({"--no-warmup"}, "", [&] { flag = true; });
    std::vector<std::string> args{"rightsize", "bench", "-m", "a.gguf", "--threads=3", "-ngl", "-1", "-m", "b.gguf", "--no-warmup"};
    auto argv = argv_of(args);
    EXPECT_TRUE(p.parse(int(argv.size()), argv.data(), 2));
    EXPECT_EQ(threads, 3);
    EXPECT_EQ(ngl, -1);
    EXPECT_EQ(models, (std::vector<std::string>{"a.gguf", "b.gguf"}));
    EXPECT_TRUE(flag);
}

TEST(Args, UnknownOptionNamesItAndTheHelp) {
    ArgParser p("bench", "");
    std::vector<std::string> args{"rightsize", "bench", "--frobnicate"};
    auto argv = argv_of(args);
    try {
        p.parse(int(argv.size()), argv.data(), 2);
        FAIL() << "expected UsageError";
    } catch (const UsageError & e) {
        EXPECT_NE(std::string(e.what()).find("--frobnicate"), std::string::npos);
        EXPECT_NE(std::string(e.what()).find("rightsize bench --help"), std::string::npos);
    }
}

TEST(Args, MissingValueAndBadIntegerAreClear) {
    int n = 0;
    ArgParser p("bench", "");
    p.value({"-p"}, "N", "", [&](const std::string & v) { n = parse_int("-p", v, 1, 100); });
    std::vector<std::string> a1{"rightsize", "bench", "-p"};
    auto v1 = argv_of(a1);
    EXPECT_THROW(p.parse(int(v1.size()), v1.data(), 2), UsageError);
    std::vector<std::string> a2{"rightsize", "bench", "-p", "12x"};
    auto v2 = argv_of(a2);
    try {
        p.parse(int(v2.size()), v2.data(), 2);
        FAIL();
    } catch (const UsageError & e) {
        EXPECT_NE(std::string(e.what()).find("'12x'"), std::string::npos);
    }
    std::vector<std::string> a3{"rightsize", "bench", "-p", "101"};
    auto v3 = argv_of(a3);
    EXPECT_THROW(p.parse(int(v3.size()), v3.data(), 2), UsageError);
    EXPECT_EQ(n, 0);
}

TEST(Args, AnOptionWhereAValueShouldBeIsRefused) {
    std::vector<std::string> models, tasks;
    ArgParser p("run", "");
    p.value({"-m"}, "FILE", "", [&](const std::string & v) { models.push_back(v); });
    p.value({"--tasks"}, "T", "", [&](const std::string & v) { tasks.push_back(v); });
    p.value({"--offset"}, "N", "", [](const std::string &) {});
    std::vector<std::string> args{"rightsize", "run", "-m", "--tasks", "arc_easy"};
    auto argv = argv_of(args);
    try {
        p.parse(int(argv.size()), argv.data(), 2);
        FAIL() << "'--tasks' was taken as the model path";
    } catch (const UsageError & e) {
        EXPECT_NE(std::string(e.what()).find("option '-m' needs a value (FILE) but is followed by the option '--tasks'"), std::string::npos)
            << e.what();
    }
    EXPECT_TRUE(models.empty());
    // A value that merely starts with '-' (a negative number, a file named so) is still a value.
    std::vector<std::string> ok{"rightsize", "run", "--offset", "-3", "-m", "-weird.gguf"};
    auto argv_ok = argv_of(ok);
    EXPECT_TRUE(p.parse(int(argv_ok.size()), argv_ok.data(), 2));
    EXPECT_EQ(models, (std::vector<std::string>{"-weird.gguf"}));
}
