#pragma once
/// \file k8s/fault_state_json.hpp
/// The fault path in JSON: the fault state kept between calls
/// (`encode_fault_state` / `decode_fault_state`), the `npusched faults`
/// report, and the `faults_json` pipeline.

#include <cstdint>
#include <string>
#include <string_view>

#include "npusched/fault.hpp"
#include "npusched/k8s/decoded_snapshot.hpp"
#include "npusched/result.hpp"

namespace npusched::k8s {

/// The fault state as compact JSON (stable key order), for a ConfigMap:
/// `{"jobs":[{"job":..,"owner_uid":..,"fault_time":n,"deletion_done":n,"delete_mode":..,
/// "delete_executed":b,"scope":n,"tasks":[{"pod":..,"uid":..,"node":..,"created":n,
/// "fault":"CardUnhealthy"|null,"deleted":b,"rank":n|null}]}],"retries":{"<job>":{"owner_uid":..,"remaining":n}},
/// "link_down":{"<node>":n}}`.
[[nodiscard]] std::string encode_fault_state(const fault_state& s);

/// Reads `encode_fault_state`'s output back. Errors name the field under
/// `state.` (e.g. `state.jobs[0].tasks[1].fault: "Broken" is not a fault type`)
/// and carry a code; integers out of their field's range are `out_of_range`
/// with the range (`state.jobs[0].scope: 4294967296 is out of range (0..2)`).
/// The text is read under the limits of `limits.hpp`, syntax errors with
/// their offset. Empty text (or only white space) is the empty state.
[[nodiscard]] result<fault_state> decode_fault_state(std::string_view json);

/// The `npusched faults` output: `{"unusable_nodes":[...],"unusable_chips":[...],
/// "fault_jobs":[...],"actions":[...],"state":{...},"untrusted_records":[...]}`.
[[nodiscard]] std::string encode_fault_report(const snapshot& snap, const fault_report& r);

/// Options of `faults_json`.
struct faults_json_options {
  std::string scheduler_name = "volcano";
  std::int64_t now_unix_seconds = 0;
  std::string state_json;  ///< the previous state (`encode_fault_state`), empty for none
};

/// decode_snapshot → decide_faults (with the previous state and the
/// snapshot's `grace-over-time`) → encode_fault_report.
[[nodiscard]] result<std::string> faults_json(std::string_view snapshot_json, const faults_json_options& opt);

/// decide_faults → encode_fault_report on a decoded snapshot (its fault jobs
/// filled in); errors are the state reader's.
[[nodiscard]] result<std::string> faults_of_snapshot(const snapshot& snap, std::string_view state_json,
                                                     std::int64_t now_unix_seconds);

}  // namespace npusched::k8s
