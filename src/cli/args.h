// A small command-line parser that accepts llama.cpp's flag style (-t, -ngl, -ub, --lora a:0.5)
// alongside --long and --long=value forms, and prints one clear error for bad arguments.
#pragma once

#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace rightsize::cli {

class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class ArgParser {
public:
    ArgParser(std::string command, std::string synopsis);
    void flag(std::vector<std::string> names, std::string help, std::function<void()> on);
    void value(std::vector<std::string> names, std::string metavar, std::string help,
               std::function<void(const std::string &)> on);
    // Parses argv[first..]; throws UsageError naming the bad argument and the command's --help.
    // Returns false if --help was asked for (help text already printed to stdout).
    bool parse(int argc, char ** argv, int first);
    std::string help() const;

private:
    struct Option {
        std::vector<std::string> names;
        std::string metavar, help;
        std::function<void()> on_flag;
        std::function<void(const std::string &)> on_value;
    };
    const Option * find(const std::string & name) const;
    std::string command_, synopsis_;
    std::vector<Option> options_;
};

int parse_int(const std::string & option, const std::string & text, int min, int max);
double parse_double(const std::string & option, const std::string & text);

}  // namespace rightsize::cli
