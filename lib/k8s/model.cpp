// The adapter's cluster model (model.hpp): objects in, snapshot out,
// incrementally. The one-shot decode and the live cluster both go through
// it, so a model fed events and a fresh decode of the same objects agree.

#include "model.hpp"

#include <algorithm>
#include <charconv>
#include <tuple>

#include <fmt/format.h>

#include "detail.hpp"
#include "npusched/k8s/limits.hpp"

namespace npusched::k8s::detail {

namespace {

/// Whether version `event` is older than `held` (both decimal, as etcd's
/// revisions are); versions that are not comparable are never stale.
bool older(std::string_view event, std::string_view held) {
  std::uint64_t a = 0, b = 0;
  auto [pa, ea] = std::from_chars(event.data(), event.data() + event.size(), a);
  auto [pb, eb] = std::from_chars(held.data(), held.data() + held.size(), b);
  if (event.empty() || held.empty() || ea != std::errc() || eb != std::errc() || pa != event.data() + event.size() ||
      pb != held.data() + held.size())
    return false;
  return a < b;
}

template <class Map>
const std::string* held_version(const Map& m, std::string_view key) {
  auto it = m.find(key);
  return it == m.end() ? nullptr : &it->second.resource_version;
}

/// The fault report's warning for a job whose gang size annotation the gang
/// reader (`derive_gang`) refused; `message` is that reader's.
ome_warning min_available_warning(const std::string& group, std::string message) {
  ome_warning w;
  w.code = "invalid_min_available";
  w.object = "PodGroup " + group;
  w.path = "metadata.annotations[\"huawei.com/schedule_minAvailable\"]";
  w.message = std::move(message);
  return w;
}

}  // namespace

bool model::pending(const pod_object& p) const {
  return p.scheduler == scheduler_ && p.node_name.empty() && (p.phase.empty() || p.phase == "Pending") &&
         !p.m.deleting;
}

// ---------------------------------------------------------------------------
// Applying objects

apply_status model::apply(change c, const json_view& object, simdjson::dom::parser& inner, std::string* held) {
  const kind_and_name id = read_kind_and_name(object);
  check_annotation_size(object);
  auto stale = [&](const std::string* version) {
    if (!version || !older(id.resource_version, *version)) return false;
    if (held) *held = *version;
    return true;
  };
  if (id.kind == "Node") {
    const std::string key(id.name);
    if (stale(nodes_.count(key) ? &nodes_.find(key)->second.m.resource_version : nullptr)) return apply_status::stale;
    if (c == change::remove) {
      nodes_.erase(key);
    } else {
      if (nodes_.size() >= max_nodes_ && !nodes_.count(key))
        fail(object.where(), error_code::limit_exceeded, fmt::format("more than {} nodes", max_nodes_));
      node_object n = read_node(object, inner);
      nodes_.insert_or_assign(key, std::move(n));
    }
    dirty_nodes_.insert(key);
    return apply_status::applied;
  }
  if (id.kind == "Pod") {
    const std::string key = std::string(id.ns.empty() ? "default" : id.ns) + "/" + std::string(id.name);
    auto it = pods_.find(key);
    if (stale(it == pods_.end() ? nullptr : &it->second.m.resource_version)) return apply_status::stale;
    if (c == change::remove) {
      remove_pod(key);
    } else {
      if (pods_.size() >= max_pods_ && it == pods_.end())
        fail(object.where(), error_code::limit_exceeded, fmt::format("more than {} pods", max_pods_));
      upsert_pod(read_pod(object));
    }
    return apply_status::applied;
  }
  if (id.kind == "PodGroup") {
    const std::string key = std::string(id.ns.empty() ? "default" : id.ns) + "/" + std::string(id.name);
    auto it = podgroups_.find(key);
    if (stale(it == podgroups_.end() ? nullptr : &it->second.m.resource_version)) return apply_status::stale;
    // Only Volcano's PodGroup; the scheduler-plugins one has other semantics.
    if (!volcano_podgroup(id.api_version)) {
      if (it == podgroups_.end()) return apply_status::ignored;
      set_podgroup(key, std::nullopt);
      return apply_status::applied;
    }
    set_podgroup(key, c == change::remove ? std::nullopt : std::optional(read_podgroup(object)));
    return apply_status::applied;
  }
  if (id.kind == "ReplicaSet") {
    const std::string key = std::string(id.ns.empty() ? "default" : id.ns) + "/" + std::string(id.name);
    if (stale(held_version(replicasets_, key))) return apply_status::stale;
    if (c == change::remove) {
      replicasets_.erase(key);
      replica_counts_.erase(key);
    } else {
      replicaset_object r = read_replicaset(object);
      r.resource_version = std::string(id.resource_version);
      replica_counts_[key] = r.replicas;
      replicasets_.insert_or_assign(key, std::move(r));
    }
    if (auto g = rs_groups_.find(key); g != rs_groups_.end()) {
      dirty_groups_.insert(g->second.begin(), g->second.end());
      for (const std::string& group : g->second)
        if (in_workload(group)) workload_dirty_ = true;
    }
    return apply_status::applied;
  }
  if (id.kind == "ConfigMap") {
    const configmap_kind kind = classify_configmap(id.ns, id.name);
    if (kind == configmap_kind::other) return apply_status::ignored;
    const std::string key = std::string(id.ns) + "/" + std::string(id.name);
    if (stale(held_version(configmaps_, key))) return apply_status::stale;
    if (c == change::remove) {
      remove_configmap(key);
    } else {
      configmap_object cm = read_configmap(object, kind, id.name, inner);
      cm.resource_version = std::string(id.resource_version);
      upsert_configmap(key, std::move(cm));
    }
    return apply_status::applied;
  }
  return apply_status::ignored;
}

void model::index_pod(const pod_object& p, bool add) {
  auto toggle = [&](auto& index, const std::string& bucket) {
    if (add) {
      index[bucket].insert(p.full);
    } else if (auto it = index.find(bucket); it != index.end()) {
      it->second.erase(p.full);
      if (it->second.empty()) index.erase(it);
    }
  };
  if (!p.terminal() && !p.node_name.empty()) {
    toggle(bound_, p.node_name);
    dirty_nodes_.insert(p.node_name);
  }
  if (!p.group.empty()) {
    toggle(group_pods_, p.group);
    dirty_groups_.insert(p.group);
  }
  // The pending workload reads pending pods and every member of a group
  // with pending pods; other pods (most bound pods) leave it alone.
  const bool is_pending = pending(p);
  if (is_pending || (!p.group.empty() && in_workload(p.group))) workload_dirty_ = true;
  if (is_pending) {
    if (add) {
      pending_.insert(p.full);
      if (!p.group.empty()) ++pending_groups_[p.group];
    } else {
      pending_.erase(p.full);
      if (auto g = pending_groups_.find(p.group); !p.group.empty() && g != pending_groups_.end() && --g->second == 0)
        pending_groups_.erase(g);
    }
  }
  if (add && !p.terminal()) {
    if (auto r = role_of(p)) snap_.roles.insert_or_assign(p.full, std::move(*r));
  } else if (!add) {
    snap_.roles.erase(p.full);
  }
}

void model::upsert_pod(pod_object p) {
  if (auto it = pods_.find(p.full); it != pods_.end()) {
    index_pod(it->second, false);
    it->second = std::move(p);
    index_pod(it->second, true);
    return;
  }
  auto [it, fresh] = pods_.emplace(p.full, std::move(p));
  index_pod(it->second, true);
}

void model::remove_pod(const std::string& key) {
  auto it = pods_.find(key);
  if (it == pods_.end()) return;
  index_pod(it->second, false);
  pods_.erase(it);
}

void model::set_podgroup(const std::string& key, std::optional<podgroup_object> g) {
  if (auto it = podgroups_.find(key); it != podgroups_.end()) {
    if (it->second.owner_replicaset)
      if (auto rs = rs_groups_.find(*it->second.owner_replicaset); rs != rs_groups_.end()) {
        rs->second.erase(key);
        if (rs->second.empty()) rs_groups_.erase(rs);
      }
    podgroups_.erase(it);
  }
  if (g) {
    if (g->owner_replicaset) rs_groups_[*g->owner_replicaset].insert(key);
    podgroups_.emplace(key, std::move(*g));
  }
  dirty_groups_.insert(key);
  if (in_workload(key)) workload_dirty_ = true;
}

void model::index_configmap(const configmap_object& cm, bool add) {
  const std::string key = cm.source();
  switch (cm.kind) {
    case configmap_kind::scheduler:
      if (add) {
        params_ = *cm.params;
        scheduler_cm_ = key;
      } else if (scheduler_cm_ == key) {
        params_ = init_params{};
        scheduler_cm_.clear();
      }
      all_nodes_dirty_ = true;
      break;
    case configmap_kind::device_plugin:
    case configmap_kind::noded: {
      auto& index = cm.kind == configmap_kind::noded ? noded_cm_ : device_plugin_cm_;
      if (add) index[cm.node] = key;
      else if (auto it = index.find(cm.node); it != index.end() && it->second == key) index.erase(it);
      dirty_nodes_.insert(cm.node);
      break;
    }
    case configmap_kind::clusterd_device:
      for (const auto& [node, record] : cm.device_entries) {
        auto& shards = cd_device_[node];
        if (add) {
          shards[cm.name].push_back(&record);
        } else {
          shards.erase(cm.name);
          if (shards.empty()) cd_device_.erase(node);
        }
        dirty_nodes_.insert(node);
      }
      break;
    case configmap_kind::clusterd_node:
    case configmap_kind::clusterd_switch: {
      auto& index = cm.kind == configmap_kind::clusterd_node ? cd_node_ : cd_switch_;
      for (const auto& [node, record] : cm.status_entries) {
        auto& shards = index[node];
        if (add) {
          shards[cm.name].push_back(&record);
        } else {
          shards.erase(cm.name);
          if (shards.empty()) index.erase(node);
        }
        dirty_nodes_.insert(node);
      }
      break;
    }
    case configmap_kind::other: break;
  }
}

namespace {

/// The records a ClusterD shard holds for each node, in shard order.
template <class Record>
std::map<std::string_view, std::vector<const Record*>> by_node(const std::vector<std::pair<std::string, Record>>& entries) {
  std::map<std::string_view, std::vector<const Record*>> out;
  for (const auto& [node, record] : entries) out[node].push_back(&record);
  return out;
}

template <class Record>
bool same_records(const std::vector<const Record*>& a, const std::vector<const Record*>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!(*a[i] == *b[i])) return false;
  return true;
}

/// The nodes whose records differ between two versions of one ClusterD shard.
template <class Record>
std::set<std::string> changed_nodes(const std::vector<std::pair<std::string, Record>>& before,
                                    const std::vector<std::pair<std::string, Record>>& after) {
  const auto a = by_node(before);
  const auto b = by_node(after);
  std::set<std::string> out;
  for (const auto& [node, records] : a)
    if (auto it = b.find(node); it == b.end() || !same_records(records, it->second)) out.emplace(node);
  for (const auto& [node, records] : b)
    if (!a.count(node)) out.emplace(node);
  return out;
}

}  // namespace

void model::upsert_configmap(std::string key, configmap_object cm) {
  auto it = configmaps_.find(key);
  if (it == configmaps_.end()) {
    it = configmaps_.emplace(std::move(key), std::move(cm)).first;
    index_configmap(it->second, true);
    return;
  }
  const bool shard = cm.kind == configmap_kind::clusterd_device || cm.kind == configmap_kind::clusterd_node ||
                     cm.kind == configmap_kind::clusterd_switch;
  if (!shard) {
    index_configmap(it->second, false);
    it->second = std::move(cm);
    index_configmap(it->second, true);
    return;
  }
  // A shard is rewritten whole when one node's record changes: only the
  // nodes whose records differ are decoded again.
  const std::set<std::string> changed = cm.kind == configmap_kind::clusterd_device
                                            ? changed_nodes(it->second.device_entries, cm.device_entries)
                                            : changed_nodes(it->second.status_entries, cm.status_entries);
  const std::set<std::string, std::less<>> dirty_before = dirty_nodes_;
  index_configmap(it->second, false);
  it->second = std::move(cm);
  index_configmap(it->second, true);
  for (auto d = dirty_nodes_.begin(); d != dirty_nodes_.end();) {
    if (!dirty_before.count(*d) && !changed.count(*d)) d = dirty_nodes_.erase(d);
    else ++d;
  }
}

void model::remove_configmap(const std::string& key) {
  auto it = configmaps_.find(key);
  if (it == configmaps_.end()) return;
  index_configmap(it->second, false);
  configmaps_.erase(it);
}

// ---------------------------------------------------------------------------
// Deriving the snapshot

node_inputs model::inputs_of(const std::string& node) const {
  node_inputs in;
  in.params = &params_;
  if (auto it = device_plugin_cm_.find(node); it != device_plugin_cm_.end()) in.device_plugin = &configmaps_.at(it->second);
  if (auto it = noded_cm_.find(node); it != noded_cm_.end()) in.noded = &configmaps_.at(it->second);
  if (auto it = cd_device_.find(node); it != cd_device_.end())
    for (const auto& [shard, records] : it->second)
      for (const auto* r : records) in.clusterd.emplace_back(&shard, r);
  for (auto [index, out] : {std::pair{&cd_node_, &in.clusterd_node}, std::pair{&cd_switch_, &in.clusterd_switch}})
    if (auto it = index->find(node); it != index->end())
      for (const auto& [shard, records] : it->second)
        for (const auto* r : records) out->emplace_back(&shard, r);
  if (auto it = bound_.find(node); it != bound_.end())
    for (const std::string& pod : it->second) in.bound.push_back(&pods_.find(pod)->second);
  return in;
}

// Decodes one node; records its exclusion and untrusted records. When
// `specs` is given the decoded node is appended there (a rebuild);
// otherwise it is written into the cluster in place.
void model::decide(const std::string& name, const node_object& n, std::vector<node_spec>* specs,
                   std::vector<node_extra>* extras) {
  std::vector<untrusted_record> untrusted;
  auto d = decode_node(n, inputs_of(name), untrusted);
  std::stable_sort(untrusted.begin(), untrusted.end(), [](const untrusted_record& a, const untrusted_record& b) {
    return std::tie(a.record, a.source) < std::tie(b.record, b.source);
  });
  if (untrusted.empty()) untrusted_.erase(name);
  else untrusted_[name] = std::move(untrusted);
  reports_dirty_ = true;
  node_state& state = decided_[name];
  if (auto* e = std::get_if<excluded_node>(&d)) {
    if (state.included) structure_dirty_ = true;
    state.included = false;
    excluded_[name] = std::move(*e);
    return;
  }
  excluded_.erase(name);
  auto& dn = std::get<decoded_node>(d);
  if (specs) {
    state.included = true;
    specs->push_back(std::move(dn.spec));
    extras->push_back(std::move(dn.extra));
    return;
  }
  if (!state.included) {
    state.included = true;
    structure_dirty_ = true;
    return;
  }
  const auto id = snap_.cluster.find(name);
  if (!id || snap_.cluster.update_node(*id, std::move(dn.spec))) {
    structure_dirty_ = true;
    return;
  }
  snap_.nodes[id->value] = std::move(dn.extra);
}

std::optional<error> model::rebuild_nodes() {
  std::vector<node_spec> specs;
  std::vector<node_extra> extras;
  specs.reserve(nodes_.size());
  extras.reserve(nodes_.size());
  decided_.clear();
  excluded_.clear();
  untrusted_.clear();
  for (const auto& [name, n] : nodes_) decide(name, n, &specs, &extras);
  // Every spec passed validate_node (or its node was excluded) and names
  // are unique, so the builder cannot refuse them.
  auto built = build_cluster(std::move(specs));
  if (!built) return error{"", "building the cluster failed: " + built.err().what()};
  snap_.cluster = std::move(*built);
  // The cluster orders nodes by name, as `specs` already are.
  snap_.nodes = std::move(extras);
  structure_dirty_ = false;
  reports_dirty_ = true;
  return std::nullopt;
}

void model::rebuild_reports() {
  snap_.excluded_nodes.clear();
  for (const auto& [name, e] : excluded_) snap_.excluded_nodes.push_back(e);
  snap_.untrusted.clear();
  for (const auto& [name, records] : untrusted_) snap_.untrusted.insert(snap_.untrusted.end(), records.begin(), records.end());
  reports_dirty_ = false;
}

std::optional<error> model::rebuild_workload() {
  snap_.workload = workload{};
  snap_.pods.clear();
  auto members_of = [&](const std::string& group) {
    std::vector<const pod_object*> out;
    if (auto it = group_pods_.find(group); it != group_pods_.end())
      for (const std::string& key : it->second)
        if (const pod_object& p = pods_.find(key)->second; !p.terminal()) out.push_back(&p);
    return out;
  };
  // (group, solo pod) → pending pods; map order is the job order.
  std::map<std::pair<std::string, std::string>, std::vector<const pod_object*>> jobs;
  std::vector<const pod_object*> pending;
  for (const std::string& key : pending_) {
    const pod_object& p = pods_.find(key)->second;
    pending.push_back(&p);
    jobs[p.group.empty() ? std::pair{std::string(), p.full} : std::pair{p.group, std::string()}].push_back(&p);
  }
  std::map<const pod_object*, std::size_t> job_of;
  for (const auto& [key, pods] : jobs) {
    const std::size_t index = snap_.workload.jobs.size();
    const bool grouped = !key.first.empty();
    const auto pg_it = podgroups_.find(key.first);
    const podgroup_object* pg = grouped && pg_it != podgroups_.end() ? &pg_it->second : nullptr;
    snap_.workload.jobs.push_back(make_job(key.first, grouped ? members_of(key.first) : pods, pg, replica_counts_));
    for (const pod_object* p : pods) job_of[p] = index;
  }
  for (const pod_object* p : pending) {
    snap_.workload.pods.push_back(pod_request(*p, job_of[p]));
    snap_.pods.push_back(pod_extra{p->m.ns, p->m.name, p->m.uid, p->group, p->label(operator_label) != nullptr,
                                   p->annotation(rank_annotation) != nullptr});
  }
  workload_dirty_ = false;
  if (auto e = validate_workload(snap_.workload)) {
    workload_dirty_ = true;  // stays an error until the objects change
    return error{field_path("workload", e->path), e->message, error_code::invalid_value};
  }
  return std::nullopt;
}

std::optional<error> model::refresh() {
  snap_.params = params_;
  snap_.warnings = params_.warnings;
  if (all_nodes_dirty_) {
    all_nodes_dirty_ = false;
    dirty_nodes_.clear();
    structure_dirty_ = true;
  }
  if (!structure_dirty_) {
    for (const std::string& name : dirty_nodes_) {
      auto n = nodes_.find(name);
      if (n == nodes_.end()) {
        if (decided_.erase(name)) structure_dirty_ = true;  // a node went away
        if (excluded_.erase(name) + untrusted_.erase(name) > 0) reports_dirty_ = true;
        continue;
      }
      if (!decided_.count(name)) structure_dirty_ = true;  // a new node
      if (structure_dirty_) break;
      decide(name, n->second, nullptr, nullptr);
      if (structure_dirty_) break;
    }
  }
  dirty_nodes_.clear();
  if (structure_dirty_)
    if (auto e = rebuild_nodes()) return e;
  if (reports_dirty_) rebuild_reports();
  if (workload_dirty_)
    if (auto e = rebuild_workload()) return e;
  return std::nullopt;
}

std::vector<running_job> model::running_jobs() const {
  std::map<std::string, running_job> out;  // by job name (a pod's own for a pod without a group)
  std::set<std::string> groups;
  // A job is movable when every pod of it is bound to a node of the cluster.
  const auto place = [&](const std::vector<const pod_object*>& pods, running_job& job) {
    for (const pod_object* p : pods) {
      const auto id = p->node_name.empty() ? std::nullopt : snap_.cluster.find(p->node_name);
      if (!id) return false;
      job.pods.push_back(pod_request(*p, 0));
      job.nodes.push_back(*id);
    }
    return true;
  };
  for (const auto& [node, keys] : bound_) {
    for (const std::string& key : keys) {
      const pod_object& p = pods_.find(key)->second;
      if (!p.group.empty()) {
        groups.insert(p.group);
        continue;
      }
      running_job job;
      job.job = make_job(std::string(), {&p}, nullptr, replica_counts_);
      job.job.running.clear();  // it moves
      if (job.job.terminating.empty() && place({&p}, job)) out.emplace(p.full, std::move(job));
    }
  }
  for (const std::string& group : groups) {
    if (pending_groups_.count(group) != 0) continue;
    std::vector<const pod_object*> members;
    for (const std::string& key : group_pods_.find(group)->second)
      if (const pod_object& p = pods_.find(key)->second; !p.terminal()) members.push_back(&p);
    const auto pg = podgroups_.find(group);
    running_job job;
    job.job = make_job(group, members, pg == podgroups_.end() ? nullptr : &pg->second, replica_counts_);
    if (!job.job.terminating.empty() || !place(members, job)) continue;
    job.job.running.clear();  // the whole job moves
    out.emplace(group, std::move(job));
  }
  std::vector<running_job> jobs;
  jobs.reserve(out.size());
  for (auto& [name, job] : out) jobs.push_back(std::move(job));
  return jobs;
}

void model::refresh_fault_jobs() {
  auto& jobs = snap_.fault_jobs;
  for (const std::string& group : dirty_groups_) {
    auto at = std::lower_bound(jobs.begin(), jobs.end(), group, [](const fault_job& j, const std::string& g) {
      return j.name < g;
    });
    const bool held = at != jobs.end() && at->name == group;
    std::optional<fault_job> job;
    std::string error;  // the job's unreadable huawei.com/schedule_minAvailable
    // Every Volcano PodGroup but those whose pods have all Succeeded; its
    // pods are all those of the group but the Succeeded ones (a Failed pod
    // is a fault). A group with no pod bound, or none at all, is a job too:
    // one restarting at job level has neither for a while, and its retry
    // budget and round record must survive that.
    if (auto pg = podgroups_.find(group); pg != podgroups_.end()) {
      std::vector<const pod_object*> pods;
      bool finished = false;
      if (auto it = group_pods_.find(group); it != group_pods_.end())
        for (const std::string& key : it->second) {
          const pod_object& p = pods_.find(key)->second;
          finished = true;
          if (p.phase == "Succeeded") continue;
          pods.push_back(&p);
        }
      finished = finished && pods.empty();
      if (!finished) job = make_fault_job(group, pg->second, pods, replica_counts_, &error);
    }
    if (job && !error.empty()) snap_.fault_job_warnings[group] = min_available_warning(group, std::move(error));
    else snap_.fault_job_warnings.erase(group);
    if (job && held) *at = std::move(*job);
    else if (job) jobs.insert(at, std::move(*job));
    else if (held) jobs.erase(at);
  }
  dirty_groups_.clear();
}

}  // namespace npusched::k8s::detail
