// decode_snapshot: a `kubectl get ... -o json` List → cluster + workload.
// The rules (what is read where, what excludes a node, which device-info
// source wins) are documented in docs/kubernetes.md; comments here say why.

#include <algorithm>
#include <charconv>
#include <climits>
#include <cstdlib>
#include <limits>
#include <map>
#include <set>
#include <tuple>
#include <utility>
#include <variant>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "detail.hpp"
#include "npusched/k8s/snapshot.hpp"
#include "sha256.hpp"

namespace npusched::k8s {

namespace {

using json = nlohmann::json;
using string_map = std::map<std::string, std::string>;
using detail::field_path;
using detail::index_path;
using detail::key_path;

constexpr std::string_view npu_resource = "huawei.com/Ascend910";
constexpr std::string_view real_annotation = "huawei.com/AscendReal";
constexpr std::string_view group_annotation = "scheduling.k8s.io/group-name";
constexpr std::string_view policy_annotation = "huawei.com/schedule_policy";
constexpr std::string_view sub_healthy_label = "subHealthyStrategy";
constexpr std::string_view sp_block_annotation = "sp-block";
constexpr std::string_view affinity_label = "super-pod-affinity";
constexpr std::string_view rank_annotation = "hccl/rankIndex";
constexpr std::string_view statefulset_pod_label = "statefulset.kubernetes.io/pod-name";
constexpr std::string_view lws_worker_index_label = "leaderworkerset.sigs.k8s.io/worker-index";
constexpr std::string_view operator_label = "training.kubeflow.org/operator-name";
constexpr std::string_view soft_share_label = "huawei.com/scheduler.chip1softsharedev.enable";
constexpr std::string_view device_plugin_prefix = "mindx-dl-deviceinfo-";
constexpr std::string_view clusterd_prefix = "cluster-info-device-";
constexpr std::string_view noded_prefix = "mindx-dl-nodeinfo-";
constexpr std::string_view switch_prefix = "mindx-dl-switchinfo-";
constexpr std::string_view clusterd_node_cm = "cluster-info-node-cm";
constexpr std::string_view clusterd_switch_prefix = "cluster-info-switch-";
/// The L1 link-down fault code (docs/faults.md, "Inputs").
constexpr std::string_view link_down_code = "81078603";
constexpr std::string_view scheduler_conf_key = "volcano-scheduler.conf";
/// Holder of chips the device plugin reports as taken when no bound pod claims them.
constexpr std::string_view device_plugin_holder = "(device-plugin)";

// Document errors travel as an exception inside this file only; decode_snapshot
// turns them into `result` errors at the boundary.
struct decode_failure {
  error err;
};

[[noreturn]] void fail(std::string path, std::string message) {
  throw decode_failure{error{std::move(path), std::move(message)}};
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

std::optional<std::string> find(const string_map& m, std::string_view key) {
  auto it = m.find(std::string(key));
  if (it == m.end()) return std::nullopt;
  return it->second;
}

std::int64_t add_saturating(std::int64_t a, std::int64_t b) {
  std::int64_t out = 0;
  if (__builtin_add_overflow(a, b, &out)) return b > 0 ? std::numeric_limits<std::int64_t>::max()
                                                       : std::numeric_limits<std::int64_t>::min();
  return out;
}

// ---------------------------------------------------------------------------
// Typed access to the JSON tree with field paths.

/// A JSON value and the path that names it in error messages.
struct cursor {
  const json* v;
  std::string path;
};

[[noreturn]] void fail_type(const cursor& c, std::string_view want) {
  fail(c.path, fmt::format("expected {}, got {}", want, c.v->type_name()));
}

/// The member `key` of an object, or nothing when absent or null. `map_key`
/// selects the `["key"]` path form used for map entries (labels, resources).
std::optional<cursor> member(const cursor& obj, std::string_view key, bool map_key = false) {
  auto it = obj.v->find(std::string(key));
  if (it == obj.v->end() || it->is_null()) return std::nullopt;
  return cursor{&*it, map_key ? key_path(obj.path, key) : field_path(obj.path, key)};
}

std::optional<cursor> opt_object(const cursor& obj, std::string_view key) {
  auto c = member(obj, key);
  if (c && !c->v->is_object()) fail_type(*c, "an object");
  return c;
}

std::optional<cursor> opt_array(const cursor& obj, std::string_view key) {
  auto c = member(obj, key);
  if (c && !c->v->is_array()) fail_type(*c, "an array");
  return c;
}

std::optional<std::string> opt_string(const cursor& obj, std::string_view key) {
  auto c = member(obj, key);
  if (!c) return std::nullopt;
  if (!c->v->is_string()) fail_type(*c, "a string");
  return c->v->get<std::string>();
}

std::optional<bool> opt_bool(const cursor& obj, std::string_view key) {
  auto c = member(obj, key);
  if (!c) return std::nullopt;
  if (!c->v->is_boolean()) fail_type(*c, "a boolean");
  return c->v->get<bool>();
}

std::optional<std::int64_t> opt_int(const cursor& obj, std::string_view key) {
  auto c = member(obj, key);
  if (!c) return std::nullopt;
  if (c->v->is_number_unsigned()) {
    const auto u = c->v->get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) fail(c->path, "out of range");
    return static_cast<std::int64_t>(u);
  }
  if (!c->v->is_number_integer()) fail_type(*c, "an integer");
  return c->v->get<std::int64_t>();
}

/// An object whose values are all strings (labels, annotations, nodeSelector, ConfigMap data).
string_map opt_string_map(const cursor& obj, std::string_view key) {
  string_map out;
  auto c = opt_object(obj, key);
  if (!c) return out;
  for (const auto& [k, v] : c->v->items()) {
    if (!v.is_string()) fail_type(cursor{&v, key_path(c->path, k)}, "a string");
    out.emplace(k, v.get<std::string>());
  }
  return out;
}

/// The text of a quantity (a string, or a JSON number as hand-written documents have it).
std::optional<std::string> opt_quantity_text(const cursor& obj, std::string_view key) {
  auto c = member(obj, key, true);
  if (!c) return std::nullopt;
  if (c->v->is_string()) return c->v->get<std::string>();
  if (c->v->is_number()) return c->v->dump();
  fail_type(*c, "a quantity string");
}

/// A quantity scaled to an integer (3 = milli), as a document error when it does not parse.
std::optional<std::int64_t> opt_scaled_quantity(const cursor& obj, std::string_view key, int scale_exp10) {
  auto text = opt_quantity_text(obj, key);
  if (!text) return std::nullopt;
  const std::string path = key_path(obj.path, key);
  auto q = detail::parse_quantity(*text);
  if (!q) fail(path, q.err().message);
  if (q->negative) fail(path, fmt::format("\"{}\" is negative", *text));
  auto s = detail::scale(*q, scale_exp10);
  if (!s) fail(path, fmt::format("\"{}\" is out of range", *text));
  return s->value;
}

/// A count that must be a non-negative integer quantity; the error message, if not.
std::variant<int, std::string> npu_count(std::string_view text) {
  auto q = detail::parse_quantity(text);
  if (!q) return q.err().message;
  auto s = detail::scale(*q, 0);
  if (q->negative && q->digits != 0) return fmt::format("\"{}\" is negative", text);
  if (!s || !s->exact) return fmt::format("\"{}\" is not an integer", text);
  if (s->value > INT_MAX) return fmt::format("\"{}\" is out of range", text);
  return static_cast<int>(s->value);
}

// ---------------------------------------------------------------------------
// Items as read in the first pass (document-level checks happen there).

struct meta {
  std::string ns;
  std::string name;
  std::string uid;
  string_map labels;
  string_map annotations;
  std::optional<std::int64_t> created;
  bool deleting = false;
};

meta read_meta(const cursor& item, std::string_view default_ns) {
  const auto md = *opt_object(item, "metadata");  // presence checked by the caller
  meta m;
  m.name = *opt_string(md, "name");
  m.ns = opt_string(md, "namespace").value_or(std::string(default_ns));
  m.uid = opt_string(md, "uid").value_or("");
  m.labels = opt_string_map(md, "labels");
  m.annotations = opt_string_map(md, "annotations");
  if (auto ts = opt_string(md, "creationTimestamp")) {
    m.created = detail::parse_rfc3339(*ts);
    if (!m.created) fail(field_path(md.path, "creationTimestamp"), fmt::format("\"{}\" is not an RFC 3339 time", *ts));
  }
  m.deleting = member(md, "deletionTimestamp").has_value();
  return m;
}

// `spec.taints` of a Node or `spec.tolerations` of a Pod: an array of objects
// with string fields (missing ones empty).
std::vector<std::map<std::string, std::string>> string_records(const cursor& spec, std::string_view key,
                                                               std::initializer_list<std::string_view> fields) {
  std::vector<std::map<std::string, std::string>> out;
  const auto arr = opt_array(spec, key);
  if (!arr) return out;
  for (std::size_t i = 0; i < arr->v->size(); ++i) {
    const cursor rec{&(*arr->v)[i], index_path(arr->path, i)};
    if (!rec.v->is_object()) fail_type(rec, "an object");
    std::map<std::string, std::string> m;
    for (std::string_view f : fields) m[std::string(f)] = opt_string(rec, f).value_or("");
    out.push_back(std::move(m));
  }
  return out;
}

struct node_item {
  std::size_t index = 0;
  meta m;
  bool unschedulable = false;
  std::vector<taint> taints;
  std::optional<std::string> npu_capacity, npu_allocatable;  // quantity texts, judged per node
  std::int64_t cpu_milli = 0;
  std::int64_t memory_bytes = 0;
  std::optional<std::string> ready;  // status of the Ready condition
  std::string internal_ip;
};

node_item read_node(const cursor& item, std::size_t index) {
  node_item n;
  n.index = index;
  n.m = read_meta(item, "");
  if (auto spec = opt_object(item, "spec")) {
    n.unschedulable = opt_bool(*spec, "unschedulable").value_or(false);
    for (auto& t : string_records(*spec, "taints", {"key", "value", "effect"}))
      n.taints.push_back(taint{t["key"], t["value"], t["effect"]});
  }
  if (auto status = opt_object(item, "status")) {
    if (auto cap = opt_object(*status, "capacity")) n.npu_capacity = opt_quantity_text(*cap, npu_resource);
    if (auto alloc = opt_object(*status, "allocatable")) {
      n.npu_allocatable = opt_quantity_text(*alloc, npu_resource);
      n.cpu_milli = opt_scaled_quantity(*alloc, "cpu", 3).value_or(0);
      n.memory_bytes = opt_scaled_quantity(*alloc, "memory", 0).value_or(0);
    }
    if (auto conds = opt_array(*status, "conditions")) {
      for (std::size_t i = 0; i < conds->v->size(); ++i) {
        const cursor c{&(*conds->v)[i], index_path(conds->path, i)};
        if (!c.v->is_object()) fail_type(c, "an object");
        if (opt_string(c, "type") == "Ready" && !n.ready) n.ready = opt_string(c, "status").value_or("");
      }
    }
    if (auto addrs = opt_array(*status, "addresses")) {
      for (std::size_t i = 0; i < addrs->v->size(); ++i) {
        const cursor a{&(*addrs->v)[i], index_path(addrs->path, i)};
        if (!a.v->is_object()) fail_type(a, "an object");
        if (opt_string(a, "type") == "InternalIP" && n.internal_ip.empty())
          n.internal_ip = opt_string(a, "address").value_or("");
      }
    }
  }
  return n;
}

struct pod_item {
  std::size_t index = 0;
  meta m;
  std::string full;   // <ns>/<name>
  std::string group;  // <ns>/<podgroup> or empty
  std::string scheduler, node_name, phase;
  string_map node_selector;
  std::vector<toleration> tolerations;
  std::int32_t priority = 0;
  int npus = 0;
  std::int64_t cpu_milli = 0;
  std::int64_t memory_bytes = 0;
  std::optional<std::string> npu_conflict;  // request ≠ limit, as a message
  std::optional<std::string> task_index;    // env VC_TASK_INDEX of the first container that sets it
  bool exited_nonzero = false;  // a container's lastState.terminated.exitCode ≠ 0

  [[nodiscard]] bool terminal() const { return phase == "Succeeded" || phase == "Failed"; }
};

pod_item read_pod(const cursor& item, std::size_t index) {
  pod_item p;
  p.index = index;
  // kubectl always prints the namespace; a hand-written pod without one is in `default`.
  p.m = read_meta(item, "default");
  p.full = p.m.ns + "/" + p.m.name;
  if (auto g = find(p.m.annotations, group_annotation); g && !g->empty()) p.group = p.m.ns + "/" + *g;
  if (auto status = opt_object(item, "status")) {
    p.phase = opt_string(*status, "phase").value_or("");
    if (auto cs = opt_array(*status, "containerStatuses")) {
      for (std::size_t i = 0; i < cs->v->size(); ++i) {
        const cursor c{&(*cs->v)[i], index_path(cs->path, i)};
        if (!c.v->is_object()) fail_type(c, "an object");
        auto last = opt_object(c, "lastState");
        auto terminated = last ? opt_object(*last, "terminated") : std::nullopt;
        if (terminated && opt_int(*terminated, "exitCode").value_or(0) != 0) p.exited_nonzero = true;
      }
    }
  }
  auto spec = opt_object(item, "spec");
  if (!spec) return p;
  p.scheduler = opt_string(*spec, "schedulerName").value_or("");
  p.node_name = opt_string(*spec, "nodeName").value_or("");
  p.node_selector = opt_string_map(*spec, "nodeSelector");
  for (auto& t : string_records(*spec, "tolerations", {"key", "operator", "value", "effect"}))
    p.tolerations.push_back(toleration{t["key"], t["operator"].empty() ? "Equal" : t["operator"], t["value"], t["effect"]});
  if (auto prio = opt_int(*spec, "priority")) {
    if (*prio < INT32_MIN || *prio > INT32_MAX) fail(field_path(spec->path, "priority"), "out of the int32 range");
    p.priority = static_cast<std::int32_t>(*prio);
  }
  std::int64_t npus = 0;
  if (auto containers = opt_array(*spec, "containers")) {
    for (std::size_t i = 0; i < containers->v->size(); ++i) {
      const cursor c{&(*containers->v)[i], index_path(containers->path, i)};
      if (!c.v->is_object()) fail_type(c, "an object");
      if (auto env = opt_array(c, "env"); env && !p.task_index) {
        for (const auto& e : *env->v)
          if (e.is_object() && e.value("name", "") == "VC_TASK_INDEX" && e.contains("value") && e["value"].is_string())
            p.task_index = e["value"].get<std::string>();
      }
      auto res = opt_object(c, "resources");
      if (!res) continue;
      auto requests = opt_object(*res, "requests");
      auto limits = opt_object(*res, "limits");
      // Kubernetes: a request defaults to the limit when only the limit is set.
      auto pick = [&](std::string_view key, int scale_exp10) -> std::int64_t {
        std::optional<std::int64_t> r, l;
        if (requests) r = opt_scaled_quantity(*requests, key, scale_exp10);
        if (limits) l = opt_scaled_quantity(*limits, key, scale_exp10);
        return r ? *r : l.value_or(0);
      };
      p.cpu_milli = add_saturating(p.cpu_milli, pick("cpu", 3));
      p.memory_bytes = add_saturating(p.memory_bytes, pick("memory", 0));
      std::optional<int> r, l;
      for (auto [obj, out] : {std::pair{&requests, &r}, std::pair{&limits, &l}}) {
        if (!*obj) continue;
        auto text = opt_quantity_text(**obj, npu_resource);
        if (!text) continue;
        auto k = npu_count(*text);
        if (auto* msg = std::get_if<std::string>(&k))
          fail(key_path((*obj)->path, npu_resource),
               fmt::format("{}: an NPU request must be a non-negative integer", *msg));
        *out = std::get<int>(k);
      }
      if (r && l && *r != *l && !p.npu_conflict)
        p.npu_conflict = fmt::format("pod {}: {}.resources requests {} {} but limits {}", p.full,
                                     c.path.substr(c.path.find(".spec.") + 1), *r, npu_resource, *l);
      npus += r ? *r : l.value_or(0);
      if (npus > INT_MAX) fail(field_path(c.path, "resources"), "the pod's NPU total is out of range");
    }
  }
  p.npus = static_cast<int>(npus);
  return p;
}

struct podgroup_item {
  meta m;
  std::optional<std::int64_t> min_member;   // spec.minMember
  std::optional<std::int64_t> min_npus;     // spec.minResources["huawei.com/Ascend910"]
  std::optional<std::string> owner_replicaset;  // controller owner of kind ReplicaSet: <ns>/<name>
  std::string owner_uid;                        // uid of the controller owner, else the PodGroup's own
  std::optional<std::string> phase;             // status.phase
};

struct owner_ref {
  std::string kind, name, uid;
};

// The controller owner (`ownerReferences[].controller: true`) of an object.
std::optional<owner_ref> controller_owner(const cursor& item) {
  const auto md = opt_object(item, "metadata");
  if (!md) return std::nullopt;
  const auto refs = opt_array(*md, "ownerReferences");
  if (!refs) return std::nullopt;
  for (std::size_t i = 0; i < refs->v->size(); ++i) {
    const cursor ref{&(*refs->v)[i], index_path(refs->path, i)};
    if (!ref.v->is_object()) fail_type(ref, "an object");
    if (opt_bool(ref, "controller").value_or(false))
      return owner_ref{opt_string(ref, "kind").value_or(""), opt_string(ref, "name").value_or(""),
                       opt_string(ref, "uid").value_or("")};
  }
  return std::nullopt;
}

podgroup_item read_podgroup(const cursor& item) {
  podgroup_item g{read_meta(item, "default"), std::nullopt, std::nullopt, std::nullopt, "", std::nullopt};
  if (auto spec = opt_object(item, "spec")) {
    g.min_member = opt_int(*spec, "minMember");
    if (g.min_member && *g.min_member < 0) fail(field_path(spec->path, "minMember"), "must not be negative");
    if (auto res = opt_object(*spec, "minResources")) {
      if (auto text = opt_quantity_text(*res, npu_resource)) {
        auto k = npu_count(*text);
        if (auto* msg = std::get_if<std::string>(&k))
          fail(key_path(res->path, npu_resource), fmt::format("{}: an NPU amount must be a non-negative integer", *msg));
        g.min_npus = std::get<int>(k);
      }
    }
  }
  const auto owner = controller_owner(item);
  if (owner && owner->kind == "ReplicaSet") g.owner_replicaset = g.m.ns + "/" + owner->name;
  g.owner_uid = owner && !owner->uid.empty() ? owner->uid : g.m.uid;
  if (auto status = opt_object(item, "status")) g.phase = opt_string(*status, "phase");
  return g;
}

// ---------------------------------------------------------------------------
// init-params

std::optional<std::int64_t> parse_int(std::string_view s) {
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// Go's strconv.ParseBool, which the reference uses for boolean arguments.
std::optional<bool> parse_go_bool(std::string_view s) {
  for (std::string_view t : {"1", "t", "T", "TRUE", "true", "True"})
    if (s == t) return true;
  for (std::string_view f : {"0", "f", "F", "FALSE", "false", "False"})
    if (s == f) return false;
  return std::nullopt;
}

void read_init_params(const std::string& text, const std::string& path, init_params& p) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    fail(path, fmt::format("not valid YAML: line {}, column {}: {}", e.mark.line + 1, e.mark.column + 1, e.msg));
  }
  if (!root.IsDefined() || root.IsNull()) return;
  if (!root.IsMap()) fail(path, "the scheduler configuration is not a YAML mapping");
  const YAML::Node confs = root["configurations"];
  if (!confs.IsDefined() || confs.IsNull()) return;
  if (!confs.IsSequence()) fail(path, "configurations: expected a sequence");
  for (std::size_t i = 0; i < confs.size(); ++i) {
    const YAML::Node c = confs[i];
    const std::string where = fmt::format("configurations[{}]", i);
    if (!c.IsMap()) fail(path, where + ": expected a mapping");
    const YAML::Node name = c["name"];
    if (!name.IsDefined() || !name.IsScalar() || name.Scalar() != "init-params") continue;
    const YAML::Node args = c["arguments"];
    if (!args.IsDefined() || args.IsNull()) return;
    if (!args.IsMap()) fail(path, where + ".arguments: expected a mapping");
    auto arg = [&](const char* key) -> std::optional<std::string> {
      const YAML::Node v = args[key];
      if (!v.IsDefined() || v.IsNull()) return std::nullopt;
      if (!v.IsScalar()) fail(path, fmt::format("{}.arguments.{}: expected a string", where, key));
      return v.Scalar();
    };
    if (auto v = arg("useClusterInfoManager")) {
      p.use_cluster_info_manager_set = true;
      p.use_cluster_info_manager = *v != "false";  // the reference's test: anything but "false" is on
    }
    if (auto v = arg("self-maintain-available-card"))
      p.self_maintain_available_card = parse_go_bool(*v).value_or(true);
    if (auto v = arg("super-pod-size")) {
      auto n = parse_int(*v);
      p.super_pod_size = n && *n > 0 && *n <= INT_MAX ? static_cast<int>(*n) : 48;
    }
    if (auto v = arg("reserve-nodes")) {
      auto n = parse_int(*v);
      p.reserve_nodes = n && *n >= 0 && *n <= INT_MAX ? static_cast<int>(*n) : 2;
    }
    if (auto v = arg("grace-over-time")) {
      auto n = parse_int(*v);
      p.grace_over_time = n && *n >= 2 && *n <= 3600 ? static_cast<int>(*n) : 900;
    }
    break;  // the first init-params entry counts
  }
  if (p.reserve_nodes >= p.super_pod_size) p.reserve_nodes = p.super_pod_size > 2 ? 2 : 0;
}

// ---------------------------------------------------------------------------
// Device-info records (device plugin and ClusterD forms)

struct device_record {
  std::int64_t update_time = 0;
  string_map device_list;
  std::int32_t super_pod_id = -1;
  std::int32_t rack_id = -1;
  std::int32_t server_index = -1;
};
/// A record whose CheckCode does not match its content.
struct distrusted {
  std::string message;
};
/// A record, why it cannot be read, or why it is not trusted.
using record_or_problem = std::variant<device_record, std::string, distrusted>;

std::optional<std::string> read_int32(const json& obj, const char* key, std::int32_t& out) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::nullopt;
  if (!it->is_number_integer()) return fmt::format("{} is not an integer", key);
  const bool fits = it->is_number_unsigned()
                        ? it->get<std::uint64_t>() <= INT32_MAX
                        : it->get<std::int64_t>() >= INT32_MIN && it->get<std::int64_t>() <= INT32_MAX;
  if (!fits) return fmt::format("{} is out of the int32 range", key);
  out = static_cast<std::int32_t>(it->get<std::int64_t>());
  return std::nullopt;
}

/// Reads `DeviceList` and `UpdateTime` from `inner`, the position fields from `outer`.
record_or_problem read_record(const json& inner, const json& outer) {
  device_record r;
  if (auto it = inner.find("DeviceList"); it != inner.end() && !it->is_null()) {
    if (!it->is_object()) return std::string("DeviceList is not an object");
    for (const auto& [k, v] : it->items()) {
      if (!v.is_string()) return fmt::format("DeviceList[\"{}\"] is not a string", k);
      r.device_list.emplace(k, v.get<std::string>());
    }
  }
  if (auto it = inner.find("UpdateTime"); it != inner.end() && !it->is_null()) {
    if (!it->is_number_integer()) return std::string("UpdateTime is not an integer");
    if (it->is_number_unsigned() &&
        it->get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      return std::string("UpdateTime is out of range");
    r.update_time = it->get<std::int64_t>();
  }
  if (auto e = read_int32(outer, "SuperPodID", r.super_pod_id)) return *e;
  if (auto e = read_int32(outer, "RackID", r.rack_id)) return *e;
  if (auto e = read_int32(outer, "ServerIndex", r.server_index)) return *e;
  return r;
}

/// Whether a record's `CheckCode` (when it carries one) matches the Go
/// encoding of the payload it covers: nothing when it does or when there is
/// none; otherwise why not, and whether the record is merely unreadable.
struct code_check {
  bool unreadable = false;
  std::string message;
};
std::optional<code_check> check_code(const json& holder, const std::optional<std::string>& payload) {
  auto it = holder.find("CheckCode");
  if (it == holder.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) return code_check{true, "CheckCode is not a string"};
  if (!payload) return code_check{true, "the record does not decode into its producer's Go struct"};
  std::string want = detail::sha256_hex(*payload);
  if (it->get_ref<const std::string&>() == want) return std::nullopt;
  return code_check{false, fmt::format("CheckCode \"{}\" does not match the content (its SHA-256 is {})",
                                       it->get_ref<const std::string&>(), want)};
}

record_or_problem with_check_code(record_or_problem r, const json& holder, const json& payload) {
  if (!std::holds_alternative<device_record>(r)) return r;
  auto c = check_code(holder, detail::go_device_info(payload));
  if (!c) return r;
  if (c->unreadable) return std::move(c->message);
  return distrusted{std::move(c->message)};
}

/// `DeviceInfoCfg` of `kube-system/mindx-dl-deviceinfo-<node>` (the device-plugin form, docs/kubernetes.md).
record_or_problem read_device_plugin_record(const std::string& text) {
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded()) return std::string("DeviceInfoCfg is not valid JSON");
  if (!doc.is_object()) return std::string("DeviceInfoCfg is not a JSON object");
  auto it = doc.find("DeviceInfo");
  if (it == doc.end() || it->is_null()) return std::string("DeviceInfoCfg has no DeviceInfo");
  if (!it->is_object()) return std::string("DeviceInfo is not an object");
  return with_check_code(read_record(*it, doc), doc, *it);
}

/// One node's entry of a `mindx-dl/cluster-info-device-<m>` shard (the ClusterD form, docs/kubernetes.md).
/// ClusterD writes no CheckCode there; one that is present is verified all the same.
record_or_problem read_clusterd_record(const json& entry) {
  if (!entry.is_object()) return std::string("the record is not a JSON object");
  return with_check_code(read_record(entry, entry), entry, entry);
}

struct clusterd_entry {
  std::string shard;  // ConfigMap name
  json value;
};

/// `kube-system/mindx-dl-deviceinfo-<node>`: its two keys we read.
struct device_plugin_entry {
  std::string cm;  // ConfigMap name
  std::optional<std::string> device_info;  // DeviceInfoCfg
  std::optional<std::string> switch_info;  // SwitchInfoCfg
};

/// `mindx-dl/mindx-dl-nodeinfo-<node>` (device-plugin mode NodeD report).
struct noded_entry {
  std::string cm;
  std::string text;                        // NodeInfo
  std::optional<std::string> update_time;  // updateTime (RFC 3339)
};

// ---------------------------------------------------------------------------
// NodeD and switch records (node health)

struct status_record {
  std::int64_t update_time = 0;
  std::string status;  // NodeStatus
};
using status_or_problem = std::variant<status_record, std::string, distrusted>;

/// A NodeD (`switch_shape` false) or switch record. `payload` is the object
/// the CheckCode covers, `holder` the one that carries it; `time` overrides
/// the payload's `UpdateTime` (device-plugin NodeD CMs keep it beside the JSON).
status_or_problem read_status_record(const json& payload, const json& holder, bool switch_shape,
                                     std::optional<std::int64_t> time) {
  if (!payload.is_object()) return std::string("the record is not a JSON object");
  auto encoded = switch_shape ? detail::go_switch_info(payload) : detail::go_node_info(payload);
  if (!encoded) return std::string("a member has the wrong JSON type");
  status_record r;
  if (auto s = payload.find("NodeStatus"); s != payload.end() && s->is_string()) r.status = s->get<std::string>();
  if (time) {
    r.update_time = *time;
  } else if (auto t = payload.find("UpdateTime"); t != payload.end() && !t->is_null()) {
    if (!t->is_number_integer() ||
        (t->is_number_unsigned() &&
         t->get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())))
      return std::string("UpdateTime is not an int64");
    r.update_time = t->get<std::int64_t>();
  }
  if (auto c = check_code(holder, encoded)) {
    if (c->unreadable) return std::move(c->message);
    return distrusted{std::move(c->message)};
  }
  return r;
}

node_health status_health(std::string_view status, bool switch_shape) {
  if (status == "UnHealthy") return node_health::unhealthy;
  if (status == "SubHealthy") return node_health::sub_healthy;
  if (status == "PreSeparate" && !switch_shape) return node_health::pre_separate;
  return node_health::healthy;
}

/// The pod's service and role, when it carries either label.
std::optional<pod_role> role_of(const pod_item& p) {
  auto service = find(p.m.labels, "ome.io/inferenceservice");
  auto component = find(p.m.labels, "component");
  if (!service && !component) return std::nullopt;
  pod_role r{service.value_or(""), service_role::none};
  if (component == "engine") r.role = service_role::prefill;
  else if (component == "decoder") r.role = service_role::decode;
  else if (component == "router") r.role = service_role::router;
  return r;
}

// ---------------------------------------------------------------------------
// Nodes

struct decoded_node {
  node_spec spec;
  node_extra extra;
};
using node_decision = std::variant<decoded_node, excluded_node>;

struct decode_context {
  init_params params;
  std::map<std::string, device_plugin_entry> device_plugin;        // by node name
  std::map<std::string, std::vector<clusterd_entry>> clusterd;     // by node name, shards in name order
  std::map<std::string, noded_entry> noded;                        // by node name
  std::map<std::string, std::vector<clusterd_entry>> clusterd_node;    // cluster-info-node-cm entries by node
  std::map<std::string, std::vector<clusterd_entry>> clusterd_switch;  // by node, shards in name order
  std::map<std::string, std::vector<const pod_item*>> bound;       // non-terminal pods by node, by pod name

  [[nodiscard]] bool reads_device_plugin() const {
    return !params.use_cluster_info_manager_set || !params.use_cluster_info_manager;
  }
  [[nodiscard]] bool reads_clusterd() const {
    return !params.use_cluster_info_manager_set || params.use_cluster_info_manager;
  }
};

node_health health_of(const node_item& n) {
  node_health h = node_health::healthy;
  if (auto s = find(n.m.annotations, "NodeHealthyStatus")) {
    if (*s == "UnHealthy") h = node_health::unhealthy;
    else if (*s == "PreSeparate") h = node_health::pre_separate;
    else if (*s == "SubHealthy") h = node_health::sub_healthy;
  }
  if (n.ready != "True") h = node_health::not_ready;
  return h;
}

/// The health NodeD's (`switch_shape` false) or the switch's report gives
/// `node`, from the source rule of device info: the newer record of the
/// sources in use, ties to ClusterD. A record that is unreadable or fails its
/// CheckCode is reported in `untrusted` and makes the node at least
/// pre-separated, whatever the other source says.
node_health reported_health(const std::string& node, bool switch_shape, const decode_context& ctx,
                            std::vector<untrusted_record>& untrusted) {
  const std::string kind = switch_shape ? "switch-info" : "node-info";
  node_health h = node_health::healthy;
  std::optional<status_record> dp, cd;
  auto take = [&](std::optional<status_record>& best, status_or_problem r, const std::string& source) {
    if (auto* rec = std::get_if<status_record>(&r)) {
      if (!best || rec->update_time > best->update_time) best = std::move(*rec);
      return;
    }
    std::string message = std::holds_alternative<std::string>(r)
                              ? "unreadable: " + std::get<std::string>(r)
                              : std::move(std::get<distrusted>(r).message);
    untrusted.push_back(untrusted_record{node, kind, source, std::move(message)});
    h = std::max(h, node_health::pre_separate);
  };
  if (ctx.reads_device_plugin()) {
    if (switch_shape) {
      auto it = ctx.device_plugin.find(node);
      if (it != ctx.device_plugin.end() && it->second.switch_info) {
        const std::string source = "kube-system/" + it->second.cm;
        json doc = json::parse(*it->second.switch_info, nullptr, false);
        if (doc.is_discarded() || !doc.is_object())
          take(dp, std::string("SwitchInfoCfg is not a JSON object"), source);
        else
          take(dp, read_status_record(doc, doc, true, std::nullopt), source);
      }
    } else if (auto it = ctx.noded.find(node); it != ctx.noded.end()) {
      const std::string source = "mindx-dl/" + it->second.cm;
      json doc = json::parse(it->second.text, nullptr, false);
      std::optional<std::int64_t> time = 0;
      if (it->second.update_time) time = detail::parse_rfc3339(*it->second.update_time);
      if (!time) {
        take(dp, fmt::format("updateTime \"{}\" is not an RFC 3339 time", *it->second.update_time), source);
      } else if (doc.is_discarded() || !doc.is_object()) {
        take(dp, std::string("NodeInfo is not a JSON object"), source);
      } else if (auto inner = doc.find("NodeInfo"); inner == doc.end() || !inner->is_object()) {
        take(dp, std::string("NodeInfo has no NodeInfo object"), source);
      } else {
        take(dp, read_status_record(*inner, doc, false, time), source);
      }
    }
  }
  if (ctx.reads_clusterd()) {
    const auto& entries = switch_shape ? ctx.clusterd_switch : ctx.clusterd_node;
    if (auto it = entries.find(node); it != entries.end())
      for (const auto& e : it->second)
        take(cd, read_status_record(e.value, e.value, switch_shape, std::nullopt), "mindx-dl/" + e.shard);
  }
  const status_record* chosen = cd && (!dp || cd->update_time >= dp->update_time) ? &*cd : dp ? &*dp : nullptr;
  if (chosen) h = std::max(h, status_health(chosen->status, switch_shape));
  return h;
}

/// Picks the device-info record of `node` (docs/kubernetes.md).
/// Records failing their CheckCode are reported in `untrusted` and not used.
std::variant<device_record, excluded_node> choose_record(const std::string& node, const decode_context& ctx,
                                                          std::vector<untrusted_record>& untrusted) {
  struct candidate {
    std::string source;
    record_or_problem r;
  };
  auto report = [&](const candidate& c) {
    if (auto* d = std::get_if<distrusted>(&c.r))
      untrusted.push_back(untrusted_record{node, "device-info", c.source, d->message});
  };
  auto read_dp = [&]() -> std::optional<candidate> {
    auto it = ctx.device_plugin.find(node);
    if (it == ctx.device_plugin.end() || !it->second.device_info) return std::nullopt;
    candidate c{"kube-system/" + it->second.cm, read_device_plugin_record(*it->second.device_info)};
    report(c);
    return c;
  };
  auto read_cd = [&]() -> std::optional<candidate> {
    auto it = ctx.clusterd.find(node);
    if (it == ctx.clusterd.end()) return std::nullopt;
    // A node in two shards (a stale shard not yet emptied): the newer record, ties → first shard.
    // An unreadable entry wins (fail closed); a distrusted one only when there is nothing else.
    std::optional<candidate> best;
    for (const auto& e : it->second) {
      candidate c{"mindx-dl/" + e.shard, read_clusterd_record(e.value)};
      report(c);
      bool take = false;
      if (!best) take = true;
      else if (std::holds_alternative<distrusted>(c.r)) take = false;
      else if (std::holds_alternative<distrusted>(best->r)) take = true;
      else if (std::holds_alternative<std::string>(best->r)) take = false;
      else if (std::holds_alternative<std::string>(c.r)) take = true;
      else take = std::get<device_record>(c.r).update_time > std::get<device_record>(best->r).update_time;
      if (take) best = std::move(c);
    }
    return best;
  };
  auto distrusted_record = [](const std::optional<candidate>& c) {
    return c && std::holds_alternative<distrusted>(c->r);
  };
  auto excluded = [&](std::string reason, std::string message) {
    return excluded_node{node, std::move(reason), std::move(message)};
  };
  auto unreadable = [&](const candidate& c) {
    return excluded("bad_device_info",
                    fmt::format("device-info record in {} is unreadable: {}", c.source, std::get<std::string>(c.r)));
  };
  auto untrusted_only = [&](const std::string& sources) {
    return excluded("untrusted_device_info",
                    fmt::format("the device-info record in {} fails its CheckCode and no other source has a "
                                "trusted, readable record",
                                sources));
  };
  const init_params& p = ctx.params;
  if (p.use_cluster_info_manager_set) {
    std::optional<candidate> chosen = p.use_cluster_info_manager ? read_cd() : read_dp();
    if (!chosen) {
      if (p.use_cluster_info_manager)
        return excluded("no_device_info",
                        fmt::format("no mindx-dl-deviceinfo-{} entry in any mindx-dl/cluster-info-device-* "
                                    "ConfigMap (init-params useClusterInfoManager is on)",
                                    node));
      return excluded("no_device_info", fmt::format("no ConfigMap kube-system/mindx-dl-deviceinfo-{} with "
                                                    "DeviceInfoCfg (init-params useClusterInfoManager is false)",
                                                    node));
    }
    if (distrusted_record(chosen)) {
      // The other source is read only now, as a fallback.
      auto other = p.use_cluster_info_manager ? read_dp() : read_cd();
      if (other && std::holds_alternative<device_record>(other->r)) return std::get<device_record>(std::move(other->r));
      return untrusted_only(chosen->source);
    }
    if (std::holds_alternative<std::string>(chosen->r)) return unreadable(*chosen);
    return std::get<device_record>(std::move(chosen->r));
  }
  auto dp = read_dp();
  auto cd = read_cd();
  if (!dp && !cd)
    return excluded("no_device_info",
                    fmt::format("no device-info record: neither ConfigMap kube-system/mindx-dl-deviceinfo-{0} "
                                "nor an entry mindx-dl-deviceinfo-{0} in mindx-dl/cluster-info-device-*",
                                node));
  if (distrusted_record(dp) || distrusted_record(cd)) {
    std::string sources;
    for (const auto* c : {&dp, &cd})
      if (distrusted_record(*c)) sources += (sources.empty() ? "" : " and ") + (*c)->source;
    if (distrusted_record(dp)) dp.reset();
    if (distrusted_record(cd)) cd.reset();
    if (!dp && !cd) return untrusted_only(sources);
  }
  // Fail closed: an unreadable record might be the newer one.
  if (dp && std::holds_alternative<std::string>(dp->r)) return unreadable(*dp);
  if (cd && std::holds_alternative<std::string>(cd->r)) return unreadable(*cd);
  if (cd && (!dp || std::get<device_record>(cd->r).update_time >= std::get<device_record>(dp->r).update_time))
    return std::get<device_record>(std::move(cd->r));
  return std::get<device_record>(std::move(dp->r));
}

/// Chips of a DeviceList entry that are in `inventory`; nothing (with the message) when a name does not parse.
std::variant<chip_mask, std::string> list_mask(const device_record& r, const std::string& key, chip_mask inventory) {
  auto it = r.device_list.find(key);
  if (it == r.device_list.end()) return chip_mask{0};
  auto list = detail::parse_chip_list(it->second);
  if (list.bad) return fmt::format("DeviceList[\"{}\"]: \"{}\" is not a chip name", key, *list.bad);
  chip_mask m = 0;
  for (int c : list.chips)
    if (c < max_chips_per_node && (inventory & chip_bit(c)) != 0) m |= chip_bit(c);
  return m;
}

/// Chips the `-Fault` JSON marks: sub-healthy (fault_handling `SubHealthFault`)
/// and L1 link-down (fault code 81078603 at fault_level or fault_handling `NotHandleFault`).
struct fault_masks {
  chip_mask sub_healthy = 0;
  chip_mask link_down = 0;
};
std::variant<fault_masks, std::string> read_fault_masks(const device_record& r, const std::string& key,
                                                        chip_mask inventory) {
  auto it = r.device_list.find(key);
  if (it == r.device_list.end() || it->second.empty()) return fault_masks{};
  json faults = json::parse(it->second, nullptr, false);
  if (faults.is_discarded() || !faults.is_array())
    return fmt::format("DeviceList[\"{}\"] is not a JSON array", key);
  fault_masks m;
  for (std::size_t i = 0; i < faults.size(); ++i) {
    const json& f = faults[i];
    if (!f.is_object()) return fmt::format("DeviceList[\"{}\"][{}] is not an object", key, i);
    std::map<std::string, std::string> text;  // the string members we look at; absent or null → ""
    for (const char* member : {"fault_handling", "fault_level", "fault_code"}) {
      auto v = f.find(member);
      if (v == f.end() || v->is_null()) continue;
      if (!v->is_string()) return fmt::format("DeviceList[\"{}\"][{}].{} is not a string", key, i, member);
      text[member] = v->get<std::string>();
    }
    const bool sub_healthy = text["fault_handling"] == "SubHealthFault";
    bool link_down = false;
    if (text["fault_level"] == "NotHandleFault" || text["fault_handling"] == "NotHandleFault") {
      std::string_view codes = text["fault_code"];
      while (!codes.empty() && !link_down) {
        const std::size_t comma = codes.find(',');
        link_down = codes.substr(0, comma) == link_down_code;
        codes = comma == std::string_view::npos ? std::string_view() : codes.substr(comma + 1);
      }
    }
    if (!sub_healthy && !link_down) continue;
    auto n = f.find("npu_name");
    if (n == f.end() || !n->is_string()) return fmt::format("DeviceList[\"{}\"][{}].npu_name is not a string", key, i);
    auto chip = detail::parse_chip_name(n->get<std::string>());
    if (!chip)
      return fmt::format("DeviceList[\"{}\"][{}].npu_name: \"{}\" is not a chip name", key, i, n->get<std::string>());
    if (*chip >= max_chips_per_node || (inventory & chip_bit(*chip)) == 0) continue;
    if (sub_healthy) m.sub_healthy |= chip_bit(*chip);
    if (link_down) m.link_down |= chip_bit(*chip);
  }
  return m;
}

/// The chips a bound pod's annotation claims (AscendReal, else Ascend910), or the bad name.
detail::chip_list pod_chips(const pod_item& p, std::string* key_out) {
  auto real = find(p.m.annotations, real_annotation);
  if (real && !real->empty()) {
    *key_out = std::string(real_annotation);
    return detail::parse_chip_list(*real);
  }
  *key_out = std::string(npu_resource);
  return detail::parse_chip_list(find(p.m.annotations, npu_resource).value_or(""));
}

/// Why a node is excluded (the `excluded_node` without its name).
struct node_problem {
  std::string reason;
  std::string message;
};
using problem = std::optional<node_problem>;

/// The inventory and device data from `baseDeviceInfos` (repeated keys are caught too).
problem read_inventory(const std::string& text, std::string_view label, node_spec& s, node_extra& x) {
  const int max = max_chips(s.type);
  std::set<std::string> keys;
  std::optional<std::string> repeated;
  json::parser_callback_t on_key = [&](int depth, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::key && depth == 1 && !keys.insert(parsed.get<std::string>()).second && !repeated)
      repeated = parsed.get<std::string>();
    return true;
  };
  json infos = json::parse(text, on_key, false);
  if (infos.is_discarded() || !infos.is_object())
    return node_problem{"bad_device_info", "the baseDeviceInfos annotation is not a JSON object"};
  if (repeated)
    return node_problem{"duplicate_chip", fmt::format("baseDeviceInfos lists \"{}\" more than once", *repeated)};
  for (const auto& [name, value] : infos.items()) {
    if (std::count(name.begin(), name.end(), '-') >= 2) continue;  // vNPU template entries
    auto chip = detail::parse_chip_name(name);
    if (!chip)
      return node_problem{"bad_chip_name",
                          fmt::format("baseDeviceInfos entry \"{}\" is not a chip name Ascend910-N", name)};
    if (*chip >= max)
      return node_problem{"chip_out_of_range",
                          fmt::format("baseDeviceInfos entry \"{}\" is out of range for {} (0..{})", name, label,
                                      max - 1)};
    if ((s.inventory & chip_bit(*chip)) != 0)
      return node_problem{"duplicate_chip", fmt::format("baseDeviceInfos names chip {} twice (\"{}\")", *chip, name)};
    if (!value.is_object())
      return node_problem{"bad_device_info", fmt::format("baseDeviceInfos entry \"{}\" is not an object", name)};
    device_info d;
    if (auto ip = value.find("IP"); ip != value.end() && !ip->is_null()) {
      if (!ip->is_string())
        return node_problem{"bad_device_info", fmt::format("baseDeviceInfos entry \"{}\": IP is not a string", name)};
      d.ip = ip->get<std::string>();
    }
    if (auto sd = value.find("SuperDeviceID"); sd != value.end() && !sd->is_null()) {
      if (!sd->is_number_unsigned() || sd->get<std::uint64_t>() > UINT32_MAX)
        return node_problem{"bad_device_info",
                            fmt::format("baseDeviceInfos entry \"{}\": SuperDeviceID is not a uint32", name)};
      d.super_device_id = static_cast<std::uint32_t>(sd->get<std::uint64_t>());
    }
    s.inventory |= chip_bit(*chip);
    x.devices.emplace(*chip, std::move(d));
  }
  x.device_count = static_cast<int>(x.devices.size());
  return std::nullopt;
}

/// Position, health lists and sub-health from the chosen device-info record.
problem read_device_lists(const device_record& r, node_spec& s) {
  s.super_pod_id = r.super_pod_id;
  s.rack_id = r.rack_id;
  s.server_index = r.server_index;
  const std::string main_key(npu_resource);
  const std::pair<const char*, chip_mask*> lists[] = {
      {"-Unhealthy", &s.unhealthy}, {"-Recovering", &s.recovering}, {"-NetworkUnhealthy", &s.network_unhealthy}};
  for (const auto& [suffix, out] : lists) {
    auto m = list_mask(r, main_key + suffix, s.inventory);
    if (auto* msg = std::get_if<std::string>(&m)) return node_problem{"bad_device_info", *msg};
    *out = std::get<chip_mask>(m);
  }
  s.network_health_known = r.device_list.count(main_key + "-NetworkUnhealthy") != 0;
  auto faults = read_fault_masks(r, main_key + "-Fault", s.inventory);
  if (auto* msg = std::get_if<std::string>(&faults)) return node_problem{"bad_device_info", *msg};
  s.sub_healthy = std::get<fault_masks>(faults).sub_healthy;
  s.link_down = std::get<fault_masks>(faults).link_down;
  return std::nullopt;
}

/// Self-maintained free list: the chips held are those the bound pods' annotations name.
problem read_holders(const std::vector<const pod_item*>& bound, node_spec& s) {
  std::map<int, const pod_item*> claimed;
  for (const pod_item* p : bound) {
    std::string key;
    auto list = pod_chips(*p, &key);
    if (list.bad)
      return node_problem{"bad_device_info",
                          fmt::format("pod {} annotation {}: \"{}\" is not a chip name", p->full, key, *list.bad)};
    std::sort(list.chips.begin(), list.chips.end());
    list.chips.erase(std::unique(list.chips.begin(), list.chips.end()), list.chips.end());
    for (int c : list.chips) {
      if (c >= max_chips_per_node || (s.inventory & chip_bit(c)) == 0) continue;  // not ours to judge
      auto [it, fresh] = claimed.emplace(c, p);
      if (!fresh)
        return node_problem{"chip_conflict", fmt::format("chip {} is claimed by pods {} and {}", detail::chip_name(c),
                                                         it->second->full, p->full)};
    }
  }
  for (const auto& [c, p] : claimed) s.in_use.push_back(chip_holder{c, p->full});
  return std::nullopt;
}

/// The device plugin's free list taken verbatim: every other healthy chip is
/// held, by the first bound pod whose annotation names it, else by `(device-plugin)`.
problem read_holders_verbatim(const device_record& r, const std::vector<const pod_item*>& bound, node_spec& s) {
  const std::string main_key(npu_resource);
  if (r.device_list.count(main_key) == 0)
    return node_problem{"bad_device_info", fmt::format("DeviceList has no \"{}\" free list (init-params "
                                                       "self-maintain-available-card is false)", main_key)};
  auto free = list_mask(r, main_key, s.inventory);
  if (auto* msg = std::get_if<std::string>(&free)) return node_problem{"bad_device_info", *msg};
  const chip_mask held = s.inventory & ~(std::get<chip_mask>(free) | s.unhealthy | s.recovering);
  std::map<int, std::string> names;
  for (const pod_item* p : bound) {
    std::string key;
    for (int c : pod_chips(*p, &key).chips) names.emplace(c, p->full);
  }
  for (int c : chips_of(held)) {
    auto nm = names.find(c);
    s.in_use.push_back(chip_holder{c, nm != names.end() ? nm->second : std::string(device_plugin_holder)});
  }
  return std::nullopt;
}

node_decision decode_node(const node_item& n, const decode_context& ctx, std::vector<untrusted_record>& untrusted) {
  decoded_node out;
  node_spec& s = out.spec;
  s.name = n.m.name;
  s.labels.assign(n.m.labels.begin(), n.m.labels.end());
  // Worst wins: the Node's own annotation and Ready condition, NodeD, the switch.
  s.health = std::max({health_of(n), reported_health(n.m.name, false, ctx, untrusted),
                       reported_health(n.m.name, true, ctx, untrusted)});
  s.schedulable = !n.unschedulable;
  s.taints = n.taints;
  s.cpu_allocatable_milli = n.cpu_milli;
  s.memory_allocatable_bytes = n.memory_bytes;
  out.extra.internal_ip = n.internal_ip;
  auto excluded = [&](node_problem p) -> node_decision {
    return excluded_node{n.m.name, std::move(p.reason), std::move(p.message)};
  };

  const std::vector<const pod_item*> no_pods;
  const auto bound_it = ctx.bound.find(n.m.name);
  const auto& bound = bound_it == ctx.bound.end() ? no_pods : bound_it->second;
  std::int64_t npu_requested = 0;
  for (const pod_item* p : bound) {
    npu_requested = add_saturating(npu_requested, p->npus);
    s.cpu_requested_milli = add_saturating(s.cpu_requested_milli, p->cpu_milli);
    s.memory_requested_bytes = add_saturating(s.memory_requested_bytes, p->memory_bytes);
  }
  s.npu_requested = static_cast<int>(std::min<std::int64_t>(npu_requested, INT_MAX));

  const auto base_infos = find(n.m.annotations, "baseDeviceInfos");
  const auto label = find(n.m.labels, "accelerator-type");
  const bool has_npu_data = n.npu_capacity || n.npu_allocatable || base_infos;
  if (!label && !has_npu_data) {
    s.type = accelerator_type::none;  // a CPU node: a candidate for 0-NPU pods only
  } else {
    if (!label)
      return excluded({"missing_accelerator_type",
                       "the node reports NPUs (huawei.com/Ascend910 capacity or baseDeviceInfos) but has no "
                       "accelerator-type label"});
    auto type = parse_accelerator_type(*label);
    if (!type)
      return excluded({"unknown_accelerator_type",
                       fmt::format("accelerator-type \"{}\" is not a supported topology", *label)});
    s.type = *type;

    const int max = max_chips(s.type);
    for (auto [field, text] : {std::pair{"capacity", &n.npu_capacity}, std::pair{"allocatable", &n.npu_allocatable}}) {
      if (!*text) continue;
      auto k = npu_count(**text);
      if (auto* msg = std::get_if<std::string>(&k))
        return excluded({"bad_npu_count", fmt::format("status.{}[\"{}\"]: {}", field, npu_resource, *msg)});
      if (std::get<int>(k) > max)
        return excluded({"bad_npu_count", fmt::format("status.{}[\"{}\"] {} exceeds the {} chips of a {} node", field,
                                                      npu_resource, std::get<int>(k), max, *label)});
      if (std::string_view(field) == "allocatable") s.npu_allocatable = std::get<int>(k);
    }

    if (!base_infos) return excluded({"no_device_info", "the node has no baseDeviceInfos annotation"});
    if (auto p = read_inventory(*base_infos, *label, s, out.extra)) return excluded(std::move(*p));

    auto chosen = choose_record(n.m.name, ctx, untrusted);
    if (auto* e = std::get_if<excluded_node>(&chosen)) return *e;
    const device_record& r = std::get<device_record>(chosen);
    if (auto p = read_device_lists(r, s)) return excluded(std::move(*p));

    const bool self_maintain = ctx.params.self_maintain_available_card && find(n.m.labels, soft_share_label) != "true";
    if (auto p = self_maintain ? read_holders(bound, s) : read_holders_verbatim(r, bound, s))
      return excluded(std::move(*p));
  }

  if (auto e = validate_node(s)) return excluded({"invalid_node", e->what()});
  return out;
}

// ---------------------------------------------------------------------------
// The workload

verdict invalid_request(std::string message) {
  return verdict{reason::invalid_request, std::move(message), false};
}

// A decimal int in [0, INT_MAX], nothing otherwise.
std::optional<int> parse_rank(std::string_view text) {
  if (text.empty() || text.size() > 9) return std::nullopt;
  int v = 0;
  for (char ch : text) {
    if (ch < '0' || ch > '9') return std::nullopt;
    v = v * 10 + (ch - '0');
  }
  return v;
}

// The pod's rank: `hccl/rankIndex`, else the LeaderWorkerSet worker index,
// else the StatefulSet ordinal, else `VC_TASK_INDEX`. An unparsable
// `hccl/rankIndex` is an error message; unparsable fallbacks are skipped.
std::variant<std::optional<int>, std::string> rank_of(const pod_item& p) {
  if (auto v = find(p.m.annotations, rank_annotation)) {
    if (auto r = parse_rank(*v)) return std::optional<int>(*r);
    return fmt::format("pod {}: annotation {} \"{}\" is not a non-negative integer", p.full, rank_annotation, *v);
  }
  if (auto v = find(p.m.labels, lws_worker_index_label))
    if (auto r = parse_rank(*v)) return std::optional<int>(*r);
  if (auto v = find(p.m.labels, statefulset_pod_label)) {
    const auto dash = v->rfind('-');
    if (dash != std::string::npos)
      if (auto r = parse_rank(std::string_view(*v).substr(dash + 1))) return std::optional<int>(*r);
  }
  if (p.task_index)
    if (auto r = parse_rank(*p.task_index)) return std::optional<int>(*r);
  return std::optional<int>();
}

bool exempt_pod(const pod_item& p) {
  return find(p.m.annotations, "volcano.sh/task-spec") == "scheduler" ||
         find(p.m.annotations, "huawei.com/skip-ascend-plugin") == "enabled";
}

// Gang size and NPU total (docs/gang.md): the PodGroup's minMember;
// a ReplicaSet owner without the annotation → its replicas; the annotation
// `huawei.com/schedule_minAvailable` → its value when minMember is 1.
void derive_gang(job_spec& j, const podgroup_item* pg, const std::optional<std::string>& min_available_annotation,
                 const std::map<std::string, std::int64_t>& replicasets) {
  if (!pg) {  // a lone pod, or a group whose PodGroup is not in the snapshot: every pending pod
    j.min_available = 0;
    return;
  }
  std::int64_t min = pg->min_member.value_or(1);
  std::int64_t npus = pg->min_npus.value_or(0);
  if (pg->owner_replicaset && !min_available_annotation) {
    if (auto rs = replicasets.find(*pg->owner_replicaset); rs != replicasets.end()) {
      min = rs->second;
      npus *= rs->second;
    }
  }
  if (min_available_annotation) {
    const std::string& text = *min_available_annotation;
    int v = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || ptr != text.data() + text.size() || v < 0) {
      if (!j.invalid)
        j.invalid = verdict{reason::invalid_request,
                            fmt::format("job {}: annotation huawei.com/schedule_minAvailable \"{}\" is not a "
                                        "non-negative integer",
                                        j.name, text),
                            false};
    } else if (pg->min_member.value_or(1) == 1) {
      min = v;
      npus *= v;
    }
  }
  j.min_available = static_cast<int>(std::clamp<std::int64_t>(min, 0, INT_MAX));
  j.gang_npus = static_cast<int>(std::clamp<std::int64_t>(npus, 0, INT_MAX));
}

job_spec make_job(std::string name, const std::vector<const pod_item*>& members, const podgroup_item* pg,
                  const std::map<std::string, std::int64_t>& replicasets) {
  job_spec j;
  j.name = std::move(name);
  j.shape.npu_tasks = 0;
  j.shape.total_npus = 0;
  std::int64_t total = 0;
  for (const pod_item* p : members) {
    if (p->m.deleting) {  // going away: its replacement counts instead
      if (j.terminating.empty()) j.terminating = p->full;
      continue;
    }
    if (p->npus > 0) ++j.shape.npu_tasks;
    total += p->npus;
  }
  j.shape.total_npus = static_cast<int>(std::min<std::int64_t>(total, INT_MAX));

  for (const pod_item* p : members) {
    if (p->npu_conflict) {
      j.invalid = invalid_request(*p->npu_conflict);
      break;
    }
  }
  std::map<std::string, std::string> selectors;  // accelerator-type value → first pod naming it
  for (const pod_item* p : members)
    if (auto v = find(p->node_selector, "accelerator-type")) selectors.emplace(*v, p->full);
  if (selectors.size() > 1 && !j.invalid) {
    auto a = selectors.begin();
    auto b = std::next(a);
    j.invalid = invalid_request(
        fmt::format("pods of job {} disagree on nodeSelector accelerator-type: \"{}\" ({}) vs \"{}\" ({})",
                    j.name.empty() ? members.front()->full : j.name, a->first, a->second, b->first, b->second));
  }
  // The PodGroup's value, else the first pod (by name) that has one.
  auto job_value = [&](std::string_view key, bool label) -> std::optional<std::string> {
    if (pg) {
      if (auto v = find(label ? pg->m.labels : pg->m.annotations, key)) return v;
    }
    for (const pod_item* p : members)
      if (auto v = find(label ? p->m.labels : p->m.annotations, key)) return v;
    return std::nullopt;
  };
  // Handler as the reference picks it: schedule policy, then sp-block (the
  // 8-die super-pod type only when the selector names it), then the selector.
  const std::optional<accelerator_type> selected =
      selectors.size() == 1 ? parse_accelerator_type(selectors.begin()->first) : std::nullopt;
  const auto policy = job_value(policy_annotation, false);
  const auto sp_block = job_value(sp_block_annotation, false);
  if (policy && parse_schedule_policy(*policy)) {
    j.handler = parse_schedule_policy(*policy);
  } else if (sp_block) {
    j.handler = selected == accelerator_type::module_a3_8_super_pod ? accelerator_type::module_a3_8_super_pod
                                                                     : accelerator_type::module_a3_16_super_pod;
  } else {
    j.handler = selected;
  }
  if (sp_block) {
    int v = 0;
    const char* end = sp_block->data() + sp_block->size();
    auto [ptr, ec] = std::from_chars(sp_block->data(), end, v);
    if (ec == std::errc() && ptr == end) {
      j.sp_block = v;
    } else if (!j.invalid) {
      j.invalid = invalid_request(fmt::format("job {}: annotation sp-block \"{}\" is not an integer",
                                              j.name.empty() ? members.front()->full : j.name, *sp_block));
    }
  }
  if (auto strategy = job_value(sub_healthy_label, true)) j.refuse_sub_healthy = *strategy != "ignore";
  j.soft_super_pod = job_value(affinity_label, true) == "soft";
  // Inference services are namespaced: the id (or OME's service name) within the job's namespace.
  const std::string& ns = pg ? pg->m.ns : members.front()->m.ns;
  if (auto id = job_value("inferserviceid", true); id && !id->empty()) {
    j.infer_service = ns + "/" + *id;
  } else if (auto isvc = job_value("ome.io/inferenceservice", true); isvc && !isvc->empty()) {
    j.infer_service = ns + "/" + *isvc;
  }
  derive_gang(j, pg, job_value("huawei.com/schedule_minAvailable", false), replicasets);
  for (const pod_item* p : members) {
    auto rank = rank_of(*p);
    if (auto* msg = std::get_if<std::string>(&rank)) {
      if (!j.invalid) j.invalid = invalid_request(*msg);
      continue;
    }
    if (p->node_name.empty() || p->m.deleting) continue;
    j.running.push_back(running_member{p->full, p->node_name, std::get<std::optional<int>>(rank), p->npus});
  }
  return j;
}

struct items_read {
  std::map<std::string, node_item> nodes;    // by name
  std::map<std::string, pod_item> pods;      // by <ns>/<name>
  std::map<std::string, podgroup_item> podgroups;  // by <ns>/<name>
  std::map<std::string, std::int64_t> replicasets;  // spec.replicas by <ns>/<name>
};

// ---------------------------------------------------------------------------
// Running jobs as the fault logic sees them

std::optional<fault_scheduling> parse_fault_scheduling(std::string_view v) {
  if (v == "off") return fault_scheduling::off;
  if (v == "grace") return fault_scheduling::grace;
  if (v == "force") return fault_scheduling::force;
  if (v == "external-grace") return fault_scheduling::external_grace;
  if (v == "external-force") return fault_scheduling::external_force;
  return std::nullopt;
}

sub_healthy_strategy parse_sub_healthy_strategy(std::string_view v) {
  if (v == "graceExit") return sub_healthy_strategy::grace_exit;
  if (v == "forceExit") return sub_healthy_strategy::force_exit;
  if (v == "hotSwitch") return sub_healthy_strategy::hot_switch;
  return sub_healthy_strategy::ignore;  // `ignore`, and unknown values, as the reference does
}

/// The chips a pod's annotation names; names that do not parse or lie outside 0..31 are skipped.
chip_mask claimed_chips(const pod_item& p) {
  auto real = find(p.m.annotations, real_annotation);
  const std::string text = real && !real->empty() ? *real : find(p.m.annotations, npu_resource).value_or("");
  chip_mask m = 0;
  std::string_view rest = text;
  while (!rest.empty()) {
    const std::size_t comma = rest.find(',');
    if (auto c = detail::parse_chip_name(rest.substr(0, comma)); c && *c < max_chips_per_node) m |= chip_bit(*c);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  }
  return m;
}

fault_job make_fault_job(const std::string& name, const podgroup_item& pg, const std::vector<const pod_item*>& pods,
                         const std::map<std::string, std::int64_t>& replicasets) {
  // The PodGroup's value, else the first pod (by name) that has one.
  auto job_value = [&](std::string_view key, bool label) -> std::optional<std::string> {
    if (auto v = find(label ? pg.m.labels : pg.m.annotations, key)) return v;
    for (const pod_item* p : pods)
      if (auto v = find(label ? p->m.labels : p->m.annotations, key)) return v;
    return std::nullopt;
  };
  fault_job j;
  j.name = name;
  j.owner_uid = pg.owner_uid;
  j.running = !pg.phase || *pg.phase == "Running" || *pg.phase == "Unknown";
  if (auto v = job_value("fault-scheduling", true)) {
    j.scheduling_label = *v;
    j.scheduling = parse_fault_scheduling(*v).value_or(fault_scheduling::unsupported);
  }
  j.pod_rescheduling = job_value("pod-rescheduling", true) == "on";
  j.process_recover = job_value("process-recover-enable", true) == "on";
  if (auto v = job_value("fault-retry-times", true))
    j.fault_retry_times = static_cast<int>(std::clamp<std::int64_t>(parse_int(*v).value_or(0), 0, INT_MAX));
  if (auto v = job_value(sub_healthy_label, true)) j.strategy = parse_sub_healthy_strategy(*v);
  const auto app = job_value("app", true);
  j.pod_level_only = job_value("huawei.com/recover_policy_path", false) == "pod" ||
                     job_value("ome.io/inferenceservice", true).has_value() || app == "mindie-ms-controller" ||
                     app == "mindie-ms-coordinator";
  j.external_recovery = job_value("ProcessRecoverStrategy", false).has_value();
  if (auto sp = job_value(sp_block_annotation, false)) {
    const bool eight = std::any_of(pods.begin(), pods.end(), [](const pod_item* p) {
      return find(p->node_selector, "accelerator-type") == to_string(accelerator_type::module_a3_8_super_pod);
    });
    const int per_node = max_chips(eight ? accelerator_type::module_a3_8_super_pod
                                         : accelerator_type::module_a3_16_super_pod);
    if (auto v = parse_int(*sp); v && *v > 0)
      j.block_nodes = static_cast<int>(std::min<std::int64_t>(*v / per_node, INT_MAX));
  }
  job_spec gang;
  gang.name = name;
  derive_gang(gang, &pg, job_value("huawei.com/schedule_minAvailable", false), replicasets);
  j.min_available = gang.min_available;
  for (const pod_item* p : pods) {
    fault_pod fp;
    fp.name = p->full;
    fp.uid = p->m.uid;
    fp.node = p->node_name;
    fp.chips = claimed_chips(*p);
    fp.npus = p->npus;
    if (auto rank = rank_of(*p); std::holds_alternative<std::optional<int>>(rank))
      fp.rank = std::get<std::optional<int>>(rank);
    fp.created = p->m.created.value_or(0);
    fp.failed = p->phase == "Failed" || p->exited_nonzero;
    fp.phase_failed = p->phase == "Failed";
    fp.terminating = p->m.deleting;
    fp.fault_type_label = find(p->m.labels, "fault-type").value_or("");
    fp.worker_replica = find(p->m.labels, "training.kubeflow.org/replica-type") == "worker";
    fp.hot_switch_delete = find(p->m.annotations, "needVolcanoOpe") == "delete";
    j.npu_job = j.npu_job || p->npus > 0;
    j.pods.push_back(std::move(fp));
  }
  return j;
}

/// Every Volcano PodGroup with a pod bound to a node, by name. Its pods are
/// all those of the group but the Succeeded ones: Failed pods stay, since a
/// business-plane failure is a fault (`fault_pod::failed`).
std::vector<fault_job> make_fault_jobs(const items_read& in) {
  std::map<std::string, std::vector<const pod_item*>> members;  // by pod name
  for (const auto& [full, p] : in.pods)
    if (!p.group.empty() && p.phase != "Succeeded") members[p.group].push_back(&p);
  std::vector<fault_job> out;
  for (const auto& [key, pg] : in.podgroups) {
    auto it = members.find(key);
    if (it == members.end()) continue;
    const auto& pods = it->second;
    if (std::none_of(pods.begin(), pods.end(), [](const pod_item* p) { return !p->node_name.empty(); })) continue;
    out.push_back(make_fault_job(key, pg, pods, in.replicasets));
  }
  return out;
}

void check_unique(std::map<std::string, std::size_t>& seen, std::string_view kind, const std::string& name,
                  std::size_t index) {
  auto [it, fresh] = seen.emplace(fmt::format("{} {}", kind, name), index);
  if (!fresh)
    fail(field_path(index_path("items", index), "metadata.name"),
         fmt::format("duplicate {} {} (also items[{}])", kind, name, it->second));
}

// What-if objects: an array of objects or a List, appended to the items.
// Their errors are renamed `extra_objects[i]` by decode_snapshot.
void append_extra_objects(json& items, const std::string& text) {
  json extra = json::parse(text, nullptr, false);
  if (extra.is_discarded()) fail("extra_objects", "not valid JSON");
  if (extra.is_object()) {
    if (!extra.contains("items")) fail("extra_objects", "expected an array of objects or a List");
    extra = std::move(extra["items"]);
  }
  if (!extra.is_array()) fail("extra_objects", fmt::format("expected an array, got {}", extra.type_name()));
  for (auto& item : extra) items.push_back(std::move(item));
}

snapshot decode(std::string_view text, const decode_options& opt) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    std::string what = e.what();
    if (auto pos = what.find("] "); pos != std::string::npos) what.erase(0, pos + 2);
    fail("", fmt::format("malformed JSON at offset {}: {}", e.byte, what));
  }
  if (!doc.is_object()) fail("", fmt::format("expected a JSON object (a Kubernetes List), got {}", doc.type_name()));
  const cursor root{&doc, ""};
  auto items = member(root, "items");
  if (!items) fail("items", "missing");
  if (!items->v->is_array()) fail_type(*items, "an array");
  if (!opt.extra_objects_json.empty()) append_extra_objects(doc["items"], opt.extra_objects_json);

  snapshot snap;
  items_read in;
  decode_context ctx;
  std::map<std::string, std::size_t> seen;  // "<kind> <key>" → item index
  std::optional<std::string> scheduler_conf;
  std::string scheduler_conf_path;

  for (std::size_t i = 0; i < items->v->size(); ++i) {
    const cursor item{&(*items->v)[i], index_path("items", i)};
    if (!item.v->is_object()) fail_type(item, "an object");
    auto kind = opt_string(item, "kind");
    if (!kind) fail(field_path(item.path, "kind"), "missing");
    auto md = opt_object(item, "metadata");
    if (!md) fail(field_path(item.path, "metadata.name"), "missing");
    auto name = opt_string(*md, "name");
    if (!name) fail(field_path(md->path, "name"), "missing");
    if (name->empty()) fail(field_path(md->path, "name"), "must not be empty");

    if (*kind == "Node") {
      node_item n = read_node(item, i);
      check_unique(seen, "Node", n.m.name, i);
      in.nodes.emplace(n.m.name, std::move(n));
    } else if (*kind == "Pod") {
      pod_item p = read_pod(item, i);
      check_unique(seen, "Pod", p.full, i);
      in.pods.emplace(p.full, std::move(p));
    } else if (*kind == "PodGroup") {
      // Only Volcano's PodGroup; the scheduler-plugins one has other semantics.
      const auto api = opt_string(item, "apiVersion").value_or("scheduling.volcano.sh/");
      if (!starts_with(api, "scheduling.volcano.sh/")) continue;
      podgroup_item g = read_podgroup(item);
      const std::string key = g.m.ns + "/" + g.m.name;
      check_unique(seen, "PodGroup", key, i);
      in.podgroups.emplace(key, std::move(g));
    } else if (*kind == "ConfigMap") {
      const std::string ns = opt_string(*md, "namespace").value_or("");
      const std::string cm_key = ns + "/" + *name;
      check_unique(seen, "ConfigMap", cm_key, i);
      const bool scheduler_cm = ns == "volcano-system" && *name == "volcano-scheduler-configmap";
      const bool device_plugin_cm =
          ns == "kube-system" && starts_with(*name, device_plugin_prefix) && name->size() > device_plugin_prefix.size();
      const bool clusterd_cm = ns == "mindx-dl" && starts_with(*name, clusterd_prefix);
      const bool noded_cm = ns == "mindx-dl" && starts_with(*name, noded_prefix) && name->size() > noded_prefix.size();
      const bool clusterd_node = ns == "mindx-dl" && *name == clusterd_node_cm;
      const bool clusterd_switch = ns == "mindx-dl" && starts_with(*name, clusterd_switch_prefix);
      if (!scheduler_cm && !device_plugin_cm && !clusterd_cm && !noded_cm && !clusterd_node && !clusterd_switch)
        continue;
      const string_map data = opt_string_map(item, "data");
      const std::string data_path = field_path(item.path, "data");
      if (scheduler_cm) {
        snap.params.present = true;
        scheduler_conf = find(data, scheduler_conf_key);
        scheduler_conf_path = key_path(data_path, scheduler_conf_key);
      } else if (device_plugin_cm) {
        auto cfg = find(data, "DeviceInfoCfg");
        auto sw = find(data, "SwitchInfoCfg");
        if (cfg || sw)
          ctx.device_plugin[name->substr(device_plugin_prefix.size())] = device_plugin_entry{*name, cfg, sw};
      } else if (noded_cm) {
        if (auto info = find(data, "NodeInfo"))
          ctx.noded[name->substr(noded_prefix.size())] = noded_entry{*name, *info, find(data, "updateTime")};
      } else {
        // ClusterD shards: the data key is the ConfigMap name; entries are keyed by record prefix + node.
        auto shard = find(data, *name);
        if (!shard || shard->empty()) continue;  // stale shards are rewritten as ""
        json entries = json::parse(*shard, nullptr, false);
        const std::string shard_path = key_path(data_path, *name);
        if (entries.is_discarded()) fail(shard_path, "not valid JSON");
        if (!entries.is_object()) fail(shard_path, fmt::format("expected a JSON object, got {}", entries.type_name()));
        const std::string_view prefix = clusterd_cm     ? device_plugin_prefix
                                        : clusterd_node ? noded_prefix
                                                        : switch_prefix;
        auto& target = clusterd_cm ? ctx.clusterd : clusterd_node ? ctx.clusterd_node : ctx.clusterd_switch;
        for (auto& [key, value] : entries.items()) {
          if (!starts_with(key, prefix) || key.size() == prefix.size()) continue;
          target[key.substr(prefix.size())].push_back(clusterd_entry{*name, std::move(value)});
        }
      }
    } else if (*kind == "ReplicaSet") {
      const std::string key = opt_string(*md, "namespace").value_or("default") + "/" + *name;
      check_unique(seen, "ReplicaSet", key, i);
      std::int64_t replicas = 1;  // the Kubernetes default
      if (auto spec = opt_object(item, "spec")) replicas = opt_int(*spec, "replicas").value_or(1);
      if (replicas < 0) fail(field_path(item.path, "spec.replicas"), "must not be negative");
      in.replicasets.emplace(key, replicas);
    }
    // Other kinds are not needed.
  }

  if (scheduler_conf) read_init_params(*scheduler_conf, scheduler_conf_path, snap.params);
  ctx.params = snap.params;
  // Shards in ConfigMap name order, whatever the item order.
  for (auto* shards : {&ctx.clusterd, &ctx.clusterd_node, &ctx.clusterd_switch})
    for (auto& [node, entries] : *shards)
      std::stable_sort(entries.begin(), entries.end(),
                       [](const clusterd_entry& a, const clusterd_entry& b) { return a.shard < b.shard; });

  for (const auto& [full, p] : in.pods) {
    if (p.terminal()) continue;
    if (!p.node_name.empty()) ctx.bound[p.node_name].push_back(&p);
    if (auto r = role_of(p)) snap.roles.emplace(full, std::move(*r));
  }

  std::vector<node_spec> specs;
  std::vector<node_extra> extras;
  for (const auto& [name, n] : in.nodes) {
    auto d = decode_node(n, ctx, snap.untrusted);
    if (auto* e = std::get_if<excluded_node>(&d)) {
      snap.excluded_nodes.push_back(std::move(*e));
    } else {
      specs.push_back(std::move(std::get<decoded_node>(d).spec));
      extras.push_back(std::move(std::get<decoded_node>(d).extra));
    }
  }
  // validate_node passed for each node, so the builder should too; if it
  // does not, the named node is excluded rather than failing the snapshot.
  while (true) {
    auto built = build_cluster(specs);
    if (built) {
      snap.cluster = std::move(*built);
      break;
    }
    const std::string& path = built.err().path;
    std::size_t index = specs.size();
    if (starts_with(path, "nodes[")) index = std::strtoul(path.c_str() + 6, nullptr, 10);
    if (index >= specs.size()) fail("", "building the cluster failed: " + built.err().what());
    snap.excluded_nodes.push_back(excluded_node{specs[index].name, "invalid_node", built.err().what()});
    specs.erase(specs.begin() + static_cast<std::ptrdiff_t>(index));
    extras.erase(extras.begin() + static_cast<std::ptrdiff_t>(index));
  }
  std::sort(snap.excluded_nodes.begin(), snap.excluded_nodes.end(),
            [](const excluded_node& a, const excluded_node& b) { return a.node < b.node; });
  std::sort(snap.untrusted.begin(), snap.untrusted.end(), [](const untrusted_record& a, const untrusted_record& b) {
    return std::tie(a.node, a.record, a.source) < std::tie(b.node, b.record, b.source);
  });
  snap.nodes.resize(snap.cluster.size());
  for (std::size_t i = 0; i < specs.size(); ++i)
    if (auto id = snap.cluster.find(specs[i].name)) snap.nodes[id->value] = std::move(extras[i]);

  // Pending pods and their jobs.
  std::map<std::string, std::vector<const pod_item*>> group_members;  // non-terminal, by pod name
  for (const auto& [full, p] : in.pods)
    if (!p.group.empty() && !p.terminal()) group_members[p.group].push_back(&p);
  // (group, solo pod) → pending pods; map order is the job order.
  std::map<std::pair<std::string, std::string>, std::vector<const pod_item*>> jobs;
  std::vector<const pod_item*> pending;
  for (const auto& [full, p] : in.pods) {
    const bool is_pending = p.scheduler == opt.scheduler_name && p.node_name.empty() &&
                            (p.phase.empty() || p.phase == "Pending") && !p.m.deleting;
    if (!is_pending) continue;
    pending.push_back(&p);
    jobs[p.group.empty() ? std::pair{std::string(), full} : std::pair{p.group, std::string()}].push_back(&p);
  }
  std::map<const pod_item*, std::size_t> job_of;
  for (const auto& [key, pods] : jobs) {
    const std::size_t index = snap.workload.jobs.size();
    const bool grouped = !key.first.empty();
    const auto pg_it = in.podgroups.find(key.first);
    const podgroup_item* pg = grouped && pg_it != in.podgroups.end() ? &pg_it->second : nullptr;
    snap.workload.jobs.push_back(make_job(key.first, grouped ? group_members[key.first] : pods, pg, in.replicasets));
    for (const pod_item* p : pods) job_of[p] = index;
  }
  for (const pod_item* p : pending) {
    pod_spec s;
    s.name = p->full;
    s.job = job_of[p];
    s.npus = p->npus;
    s.cpu_milli = p->cpu_milli;
    s.memory_bytes = p->memory_bytes;
    s.node_selector.assign(p->node_selector.begin(), p->node_selector.end());
    s.tolerations = p->tolerations;
    s.priority = p->priority;
    s.created = p->m.created.value_or(0);
    if (auto rank = rank_of(*p); std::holds_alternative<std::optional<int>>(rank))
      s.rank = std::get<std::optional<int>>(rank);  // an unparsable rank made the job invalid
    s.exempt = exempt_pod(*p);
    snap.workload.pods.push_back(std::move(s));
    snap.pods.push_back(
        pod_extra{p->m.ns, p->m.name, p->m.uid, p->group, p->m.labels.count(std::string(operator_label)) != 0,
                  p->m.annotations.count(std::string(rank_annotation)) != 0});
  }
  if (auto e = validate_workload(snap.workload)) fail(field_path("workload", e->path), e->message);
  snap.fault_jobs = make_fault_jobs(in);
  return snap;
}

}  // namespace

plan_options plan_options_of(const init_params& p) {
  plan_options o;
  o.super_pod = clamp(superpod_params{p.super_pod_size, p.reserve_nodes});
  return o;
}

// The number of items of the snapshot itself, before any what-if objects.
std::size_t own_item_count(std::string_view text) {
  const json doc = json::parse(text, nullptr, false);
  return doc.is_object() && doc.contains("items") && doc["items"].is_array() ? doc["items"].size() : 0;
}

// `items[j]…` → `extra_objects[j - own]…` for errors in what-if objects.
error rename_extra(error e, std::size_t own) {
  if (!starts_with(e.path, "items[")) return e;
  const std::size_t close = e.path.find(']');
  const std::size_t j = std::strtoul(e.path.c_str() + 6, nullptr, 10);
  if (close == std::string::npos || j < own) return e;
  e.path = fmt::format("extra_objects[{}]{}", j - own, e.path.substr(close + 1));
  return e;
}

result<snapshot> decode_snapshot(std::string_view json_text, const decode_options& opt) {
  try {
    return decode(json_text, opt);
  } catch (const decode_failure& f) {
    if (opt.extra_objects_json.empty()) return f.err;
    return rename_extra(f.err, own_item_count(json_text));
  }
}

}  // namespace npusched::k8s
