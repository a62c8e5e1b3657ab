// The fault state and fault report as JSON, and the `npusched faults` pipeline.

#include <limits>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "detail.hpp"
#include "json_input.hpp"
#include "encode_services.hpp"
#include "npusched/k8s/fault_state_json.hpp"

namespace npusched::k8s {

namespace {

using ojson = nlohmann::ordered_json;
using json = nlohmann::json;

std::string dump(const ojson& j) { return j.dump(-1, ' ', false, ojson::error_handler_t::replace); }

ojson chip_names(chip_mask m) {
  ojson out = ojson::array();
  for (int c : chips_of(m)) out.push_back(detail::chip_name(c));
  return out;
}

ojson state_object(const fault_state& s) {
  ojson jobs = ojson::array();
  for (const auto& r : s.jobs) {
    ojson tasks = ojson::array();
    for (const auto& t : r.tasks) {
      ojson task = ojson::object();
      task["pod"] = t.pod;
      task["uid"] = t.uid;
      task["node"] = t.node;
      task["created"] = t.created;
      task["fault"] = t.fault ? ojson(std::string(to_string(*t.fault))) : ojson(nullptr);
      task["deleted"] = t.deleted;
      task["rank"] = t.rank ? ojson(*t.rank) : ojson(nullptr);
      tasks.push_back(std::move(task));
    }
    ojson job = ojson::object();
    job["job"] = r.job;
    job["owner_uid"] = r.owner_uid;
    job["fault_time"] = r.fault_time;
    job["deletion_done"] = r.deletion_done;
    job["delete_mode"] = std::string(to_string(r.delete_mode));
    job["delete_executed"] = r.delete_executed;
    job["scope"] = static_cast<int>(r.scope);
    job["tasks"] = std::move(tasks);
    jobs.push_back(std::move(job));
  }
  ojson retries = ojson::object();
  for (const auto& [job, b] : s.retries) retries[job] = ojson{{"owner_uid", b.owner_uid}, {"remaining", b.remaining}};
  ojson link_down = ojson::object();
  for (const auto& [node, t] : s.link_down) link_down[node] = t;
  ojson out = ojson::object();
  out["jobs"] = std::move(jobs);
  out["retries"] = std::move(retries);
  out["link_down"] = std::move(link_down);
  return out;
}

// Reading the state back: every field is checked and named, every integer
// range-checked into its type.
struct state_failure {
  error err;
};

[[noreturn]] void bad(std::string path, std::string message, error_code code = error_code::invalid_value) {
  throw state_failure{{std::move(path), detail::bounded_message(std::move(message)), code}};
}

const json& field(const json& obj, const std::string& path, const char* key) {
  if (!obj.contains(key)) bad(path + "." + key, "missing", error_code::missing_field);
  return obj[key];
}
[[noreturn]] void wrong(const std::string& path, std::string_view want, const json& v) {
  bad(path, fmt::format("expected {}, got {}", want, v.type_name()), error_code::wrong_type);
}
std::string str(const json& obj, const std::string& path, const char* key) {
  const json& v = field(obj, path, key);
  if (!v.is_string()) wrong(path + "." + key, "a string", v);
  return v.get<std::string>();
}
/// An integer in `lo..hi`, whichever JSON integer form it has (an unsigned
/// one beyond int64 included), or a named failure.
std::int64_t integer_in(const json& v, const std::string& path, std::int64_t lo, std::int64_t hi) {
  if (!v.is_number_integer()) wrong(path, "an integer", v);
  const bool too_big = v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(hi);
  if (too_big || (!v.is_number_unsigned() && (v.get<std::int64_t>() < lo || v.get<std::int64_t>() > hi)))
    bad(path, fmt::format("{} is out of range ({}..{})", v.dump(), lo, hi), error_code::out_of_range);
  return v.is_number_unsigned() ? static_cast<std::int64_t>(v.get<std::uint64_t>()) : v.get<std::int64_t>();
}
constexpr std::int64_t int64_max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t int32_max = std::numeric_limits<std::int32_t>::max();
/// A unix time in seconds: `0 ..` the largest int64.
std::int64_t seconds(const json& obj, const std::string& path, const char* key) {
  return integer_in(field(obj, path, key), path + "." + key, 0, int64_max);
}
bool flag(const json& obj, const std::string& path, const char* key) {
  const json& v = field(obj, path, key);
  if (!v.is_boolean()) wrong(path + "." + key, "true or false", v);
  return v.get<bool>();
}
void expect(const json& v, json::value_t t, const std::string& path, const char* what) {
  if (v.type() != t) wrong(path, what, v);
}

fault_state read_state(const json& doc) {
  const std::string root = "state";
  expect(doc, json::value_t::object, root, "an object");
  fault_state s;
  const json& jobs = field(doc, root, "jobs");
  expect(jobs, json::value_t::array, root + ".jobs", "an array");
  for (std::size_t j = 0; j < jobs.size(); ++j) {
    const std::string path = fmt::format("{}.jobs[{}]", root, j);
    const json& o = jobs[j];
    expect(o, json::value_t::object, path, "an object");
    fault_job_record r;
    r.job = str(o, path, "job");
    r.owner_uid = str(o, path, "owner_uid");
    r.fault_time = seconds(o, path, "fault_time");
    r.deletion_done = seconds(o, path, "deletion_done");
    const std::string mode = str(o, path, "delete_mode");
    const auto delete_mode = parse_deletion_mode(mode);
    if (!delete_mode)
      bad(path + ".delete_mode", fmt::format("\"{}\" is not grace, force or annotate", mode), error_code::unknown_value);
    r.delete_mode = *delete_mode;
    r.delete_executed = flag(o, path, "delete_executed");
    const json& level = field(o, path, "scope");
    const auto scope = parse_rescheduling_scope(integer_in(level, path + ".scope", 0, 2));
    if (!scope) bad(path + ".scope", fmt::format("{} is not 0, 1 or 2", level.dump()), error_code::unknown_value);
    r.scope = *scope;
    const json& tasks = field(o, path, "tasks");
    expect(tasks, json::value_t::array, path + ".tasks", "an array");
    for (std::size_t t = 0; t < tasks.size(); ++t) {
      const std::string tpath = fmt::format("{}.tasks[{}]", path, t);
      const json& to = tasks[t];
      expect(to, json::value_t::object, tpath, "an object");
      fault_task_record task;
      task.pod = str(to, tpath, "pod");
      task.uid = str(to, tpath, "uid");
      task.node = str(to, tpath, "node");
      task.created = seconds(to, tpath, "created");
      const json& f = field(to, tpath, "fault");
      if (!f.is_null()) {
        if (!f.is_string()) wrong(tpath + ".fault", "a fault type or null", f);
        task.fault = parse_fault_type(f.get<std::string>());
        if (!task.fault)
          bad(tpath + ".fault", fmt::format("\"{}\" is not a fault type", f.get<std::string>()), error_code::unknown_value);
      }
      task.deleted = flag(to, tpath, "deleted");
      const json& rank = field(to, tpath, "rank");
      if (!rank.is_null()) {
        task.rank = static_cast<int>(integer_in(rank, tpath + ".rank", 0, int32_max));
      }
      r.tasks.push_back(std::move(task));
    }
    s.jobs.push_back(std::move(r));
  }
  const json& retries = field(doc, root, "retries");
  expect(retries, json::value_t::object, root + ".retries", "an object");
  for (const auto& [job, b] : retries.items()) {
    const std::string path = detail::key_path(root + ".retries", job);
    expect(b, json::value_t::object, path, "an object");
    const auto remaining = integer_in(field(b, path, "remaining"), path + ".remaining", 0, int32_max);
    s.retries[job] = retry_budget{str(b, path, "owner_uid"), static_cast<int>(remaining)};
  }
  const json& link_down = field(doc, root, "link_down");
  expect(link_down, json::value_t::object, root + ".link_down", "an object");
  for (const auto& [node, t] : link_down.items())
    s.link_down[node] = integer_in(t, detail::key_path(root + ".link_down", node), 0, int64_max);
  if (auto e = validate_fault_state(s)) bad(root + "." + e->path, e->message, e->code);
  return s;
}

}  // namespace

std::string encode_fault_state(const fault_state& s) { return dump(state_object(s)); }

result<fault_state> decode_fault_state(std::string_view text) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) return fault_state{};
  auto doc = detail::parse_json_value<json>(text, "state");
  if (!doc.ok()) return doc.err();
  try {
    return read_state(*doc);
  } catch (const state_failure& f) {
    return f.err;
  }
}

std::string encode_fault_report(const snapshot& snap, const fault_report& r) {
  ojson nodes = ojson::array();
  for (const auto& n : r.unusable_nodes)
    nodes.push_back(ojson{{"node", n.node}, {"reason", std::string(to_string(n.reason))}});
  ojson chips = ojson::array();
  for (const auto& c : r.unusable_chips_)
    chips.push_back(
        ojson{{"node", c.node}, {"chips", chip_names(c.chips)}, {"reason", std::string(to_string(c.reason))}});
  ojson jobs = ojson::array();
  for (const auto& f : r.fault_jobs) {
    ojson types = ojson::array();
    for (fault_type t : f.types) types.push_back(std::string(to_string(t)));
    ojson entry = ojson::object();
    entry["group"] = f.job;
    entry["fault_types"] = std::move(types);
    entry["pods"] = f.pods;
    if (!f.note.empty()) entry["note"] = f.note;
    if (!f.policy.empty()) entry["policy"] = f.policy;
    jobs.push_back(std::move(entry));
  }
  ojson actions = ojson::array();
  for (const auto& a : r.actions)
    actions.push_back(ojson{{"pod", a.pod},
                            {"action", std::string(to_string(a.action))},
                            {"mode", std::string(to_string(a.mode))},
                            {"reason", a.reason}});
  ojson untrusted = ojson::array();
  for (const auto& u : snap.untrusted)
    untrusted.push_back(
        ojson{{"node", u.node}, {"record", u.record}, {"source", u.source}, {"message", u.message}});
  ojson out = ojson::object();
  out["unusable_nodes"] = std::move(nodes);
  out["unusable_chips"] = std::move(chips);
  out["fault_jobs"] = std::move(jobs);
  out["actions"] = std::move(actions);
  out["state"] = state_object(r.next);
  out["untrusted_records"] = std::move(untrusted);
  if (!snap.fault_job_warnings.empty()) {
    std::vector<ome_warning> warnings;
    for (const auto& [job, w] : snap.fault_job_warnings) warnings.push_back(w);
    out["warnings"] = detail::warnings_json(warnings);
  }
  return dump(out);
}

result<std::string> faults_of_snapshot(const snapshot& snap, std::string_view state_json,
                                       std::int64_t now_unix_seconds) {
  auto state = decode_fault_state(state_json);
  if (!state.ok()) return state.err();
  fault_options fopt;
  fopt.grace_over_time = snap.params.grace_over_time;
  std::vector<std::string> unknown;
  for (const auto& e : snap.excluded_nodes) unknown.push_back(e.node);
  const fault_report r = decide_faults(snap.cluster, snap.fault_jobs, *state, now_unix_seconds, fopt, unknown);
  return encode_fault_report(snap, r);
}

result<std::string> faults_json(std::string_view snapshot_json, const faults_json_options& opt) {
  decode_options dopt;
  dopt.scheduler_name = opt.scheduler_name;
  auto snap = decode_snapshot(snapshot_json, dopt);
  if (!snap.ok()) return snap.err();
  return faults_of_snapshot(*snap, opt.state_json, opt.now_unix_seconds);
}

}  // namespace npusched::k8s
