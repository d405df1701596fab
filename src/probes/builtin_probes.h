// The behaviour probes' registrations: their result processors, document sources and processors,
// metrics and aggregations in the engine (extensions.h), and their sections in the report
// (report_sections.h). Called once, when either registry is first used.
#pragma once

namespace rightsize {

void register_builtin_probes();

// Calls register_builtin_probes once, the first time either registry is used; a no-op on the
// thread that is registering (its own registrations reach the registries directly).
void ensure_builtin_probes();

}  // namespace rightsize
