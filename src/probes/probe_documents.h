// The probes' document sources and processors (probe_documents.cpp), registered in
// builtin_probes.cpp.
#pragma once

#include <rightsize/task.h>

#include <string>
#include <vector>

namespace rightsize::probes {

// dataset_path: charcomp — the character-composition suite generated from a word list.
std::vector<Document> charcomp_docs(const TaskConfig & task, const std::string & data_dir);
// dataset_path: personality — every statement as self-knowledge and its scenario as action.
std::vector<Document> personality_docs(const TaskConfig & task, const std::string & data_dir);
// dataset_path: mpi — the Machine Personality Inventory's items as A–E questions.
std::vector<Document> mpi_docs(const TaskConfig & task, const std::string & data_dir);
// process_docs: arc_hint — ARC with lettered choices and a wrong answer a hint points at.
Document arc_hint(Document d, const std::string & file);
// process_docs: bbq — BBQ's three answers as choices, the unknown answer and the stereotyped one.
Document bbq_doc(Document d, const std::string & file);

}  // namespace rightsize::probes
