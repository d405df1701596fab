// One function per subcommand; main() only dispatches.
#pragma once

#include "args.h"

#include <rightsize/llama_backend.h>

namespace rightsize::cli {

int cmd_bench(int argc, char ** argv);
int cmd_info(int argc, char ** argv);
int cmd_load(int argc, char ** argv);
int cmd_merge(int argc, char ** argv);
int cmd_run(int argc, char ** argv);
int cmd_serve(int argc, char ** argv);
int cmd_tasks(int argc, char ** argv);
int cmd_per(int argc, char ** argv);
int cmd_report(int argc, char ** argv);
int cmd_vote(int argc, char ** argv);

// Registers llama.cpp's own flag names; the help shows o's current values as the defaults (-t, -c, -b, -ub, -ngl, -fa, -np, --lora, --verbose).
void add_llama_options(ArgParser & p, LlamaOptions & o, bool * ctx_given = nullptr, const std::string & ctx_default = "");

enum class OutputFormat { Table, Json, Csv, Markdown };
OutputFormat parse_format(const std::string & text);

}  // namespace rightsize::cli
