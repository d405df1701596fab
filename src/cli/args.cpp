#include "args.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>

namespace rightsize::cli {

ArgParser::ArgParser(std::string command, std::string synopsis) : command_(std::move(command)), synopsis_(std::move(synopsis)) {}

void ArgParser::flag(std::vector<std::string> names, std::string help, std::function<void()> on) {
    options_.push_back({std::move(names), "", std::move(help), std::move(on), {}});
}

void ArgParser::value(std::vector<std::string> names, std::string metavar, std::string help,
                      std::function<void(const std::string &)> on) {
    options_.push_back({std::move(names), std::move(metavar), std::move(help), {}, std::move(on)});
}

const ArgParser::Option * ArgParser::find(const std::string & name) const {
    for (const auto & o : options_)
        for (const auto & n : o.names)
            if (n == name) return &o;
    return nullptr;
}

bool ArgParser::parse(int argc, char ** argv, int first) {
    for (int i = first; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "-h" || arg == "--help") {
            fputs(help().c_str(), stdout);
            return false;
        }
        std::string inline_value;
        bool has_inline = false;
        if (arg.rfind("--", 0) == 0) {
            const auto eq = arg.find('=');
            if (eq != std::string::npos) {
                inline_value = arg.substr(eq + 1);
                arg = arg.substr(0, eq);
                has_inline = true;
            }
        }
        const Option * o = find(arg);
        if (!o) {
            throw UsageError("unknown argument '" + arg + "' for '" + command_ + "'; see 'rightsize " + command_ + " --help'");
        }
        if (o->on_flag) {
            if (has_inline) throw UsageError("option '" + arg + "' takes no value");
            o->on_flag();
            continue;
        }
        if (!has_inline) {
            if (i + 1 >= argc) throw UsageError("option '" + arg + "' needs a value (" + o->metavar + ")");
            inline_value = argv[++i];
            // "-m --tasks arc_easy": the value is missing, not a file called "--tasks".
            const std::string as_option = inline_value.substr(0, inline_value.find('='));
            if (as_option.size() > 1 && as_option[0] == '-' && find(as_option)) {
                throw UsageError("option '" + arg + "' needs a value (" + o->metavar + ") but is followed by the option '" + as_option +
                                 "'; give the value right after " + arg + " (or write " + arg + "=VALUE for a value that starts with '-')");
            }
        }
        o->on_value(inline_value);
    }
    return true;
}

std::string ArgParser::help() const {
    std::string out = "usage: rightsize " + command_ + " " + synopsis_ + "\n\noptions:\n";
    for (const auto & o : options_) {
        std::string names;
        for (const auto & n : o.names) names += (names.empty() ? "" : ", ") + n;
        if (!o.metavar.empty()) names += " " + o.metavar;
        out += "  " + names;
        out += names.size() < 28 ? std::string(28 - names.size(), ' ') : "\n" + std::string(30, ' ');
        out += o.help + "\n";
    }
    out += "  -h, --help                  show this help\n";
    return out;
}

int parse_int(const std::string & option, const std::string & text, int min, int max) {
    errno = 0;
    char * end = nullptr;
    const long v = std::strtol(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || errno != 0 || v < min || v > max) {
        throw UsageError("option '" + option + "' expects an integer from " + std::to_string(min) + " to " +
                         std::to_string(max) + ", got '" + text + "'");
    }
    return int(v);
}

double parse_double(const std::string & option, const std::string & text) {
    char * end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0') throw UsageError("option '" + option + "' expects a number, got '" + text + "'");
    return v;
}

}  // namespace rightsize::cli
