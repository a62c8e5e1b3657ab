// encode_plan (the `npusched plan` JSON) and encode_snapshot (a model written
// back as a Kubernetes List). Formats: docs/kubernetes.md.

#include <algorithm>
#include <limits>
#include <map>
#include <numeric>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "detail.hpp"
#include "encode_services.hpp"
#include "npusched/k8s/decoded_snapshot.hpp"
#include "npusched/summary.hpp"
#include "plan_parts.hpp"

namespace npusched::k8s {

namespace {

using ojson = nlohmann::ordered_json;

constexpr const char* npu_resource = "huawei.com/Ascend910";
constexpr const char* configuration_annotation = "ascend.kubectl.kubernetes.io/ascend-910-configuration";
constexpr std::int64_t snapshot_update_time = 1700000000;

using detail::dump;

std::string predicate_time(std::int64_t now, std::size_t index) {
  std::int64_t ns = 0;
  if (__builtin_mul_overflow(now, std::int64_t{1000000000}, &ns) ||
      __builtin_add_overflow(ns, static_cast<std::int64_t>(index), &ns))
    ns = std::numeric_limits<std::int64_t>::max();
  return std::to_string(ns);
}

/// The device-configuration Instance JSON (pod, server, devices with IPs), or
/// nothing when a chip has no baseDeviceInfos entry.
std::optional<std::string> instance_json(const snapshot& snap, const pod_extra& pod, node_id n,
                                         const std::vector<int>& chips) {
  const node_extra& extra = snap.nodes[n.value];
  std::vector<int> sorted = chips;
  std::sort(sorted.begin(), sorted.end());
  ojson devices = ojson::array();
  for (int c : sorted) {
    auto it = extra.devices.find(c);
    if (it == extra.devices.end()) return std::nullopt;
    devices.push_back(ojson{{"device_id", std::to_string(c)},
                            {"device_ip", it->second.ip},
                            {"super_device_id", std::to_string(it->second.super_device_id)}});
  }
  ojson inst = ojson::object();
  inst["pod_name"] = pod.name;
  inst["server_id"] = pod.uid;
  inst["server_ip"] = extra.internal_ip;
  inst["host_ip"] = extra.internal_ip;
  inst["super_pod_id"] = snap.cluster.super_pod_id(n);
  inst["rack_id"] = snap.cluster.rack_id(n);
  inst["devices"] = std::move(devices);
  inst["server_index"] = std::to_string(snap.cluster.server_index(n));
  return dump(inst);
}

}  // namespace

namespace detail {

// Invalid UTF-8 in names is replaced, never thrown.
std::string dump(const ojson& j) { return j.dump(-1, ' ', false, ojson::error_handler_t::replace); }

namespace {

const char* phase_name(superpod_phase p) {
  switch (p) {
    case superpod_phase::best_fit: return "best_fit";
    case superpod_phase::bigger: return "bigger";
    case superpod_phase::reserve: return "reserve";
    case superpod_phase::soft_filler: return "soft_filler";
    case superpod_phase::infer_service: return "infer_service";
  }
  return "";
}

}  // namespace

/// Every super-pod job's block selection: the blocks (logical id, physical
/// super-pod, nodes in local rank order), blocks per phase, and what each
/// super-pod could offer.
ojson super_pod_jobs_json(const snapshot& snap, const plan_result& plan, std::span<const std::size_t> which) {
  ojson jobs = ojson::array();
  for (std::size_t index : which) {
    const superpod_outcome& o = plan.super_pod_jobs[index];
    const superpod_selection& sel = o.selection;
    std::string group;
    if (o.job < snap.workload.jobs.size()) group = snap.workload.jobs[o.job].name;
    if (group.empty())  // a pod on its own: name the pod
      for (const pod_spec& p : snap.workload.pods)
        if (p.job == o.job) {
          group = p.name;
          break;
        }
    ojson blocks = ojson::array();
    for (const logical_block& b : sel.blocks) {
      ojson nodes = ojson::array();
      for (node_id n : b.nodes) nodes.push_back(std::string(snap.cluster.name(n)));
      blocks.push_back(ojson{{"logical_id", b.id}, {"super_pod_id", b.super_pod_id}, {"nodes", std::move(nodes)}});
    }
    ojson phases = ojson::object();
    for (auto p : {superpod_phase::best_fit, superpod_phase::bigger, superpod_phase::reserve,
                   superpod_phase::soft_filler, superpod_phase::infer_service})
      phases[phase_name(p)] = sel.blocks_by_phase[static_cast<std::size_t>(p)];
    ojson offers = ojson::array();
    for (const superpod_offer& f : sel.offers)
      offers.push_back(ojson{{"super_pod_id", f.super_pod_id},
                             {"free_nodes", f.free_nodes},
                             {"blocks", f.blocks},
                             {"taken", f.taken}});
    ojson entry = ojson::object();
    entry["group"] = group;
    entry["placed"] = sel.placed;
    entry["block_nodes"] = o.geometry.block_nodes;
    entry["blocks_needed"] = sel.needed;
    entry["blocks_available"] = sel.available;
    entry["blocks"] = std::move(blocks);
    entry["phases"] = std::move(phases);
    entry["offers"] = std::move(offers);
    entry["message"] = sel.message;
    jobs.push_back(std::move(entry));
  }
  return jobs;
}

/// Every PodGroup with pending pods: its gang size, members running and
/// placed, and whether the plan admits it.
ojson gangs_json(const snapshot& snap, const plan_result& plan, std::span<const std::size_t> which) {
  ojson out = ojson::array();
  for (std::size_t index : which) {
    const gang_outcome& g = plan.gangs[index];
    if (g.job >= snap.workload.jobs.size() || snap.workload.jobs[g.job].name.empty()) continue;
    const job_spec& job = snap.workload.jobs[g.job];
    ojson entry = ojson::object();
    entry["group"] = job.name;
    entry["min_available"] = g.min_available;
    entry["gang_npus"] = job.gang_npus;
    entry["running"] = g.running;
    entry["pending"] = g.pending;
    entry["placed"] = g.placed;
    entry["admitted"] = g.admitted;
    entry["reason"] = std::string(to_string(g.why.code));
    entry["message"] = g.why.message;
    out.push_back(std::move(entry));
  }
  return out;
}

}  // namespace detail

namespace {

/// One `summary.types` entry (or `summary.total`).
ojson type_entry(const type_summary& t, std::string type) {
  return ojson{{"type", std::move(type)},
               {"nodes", t.nodes},
               {"usable_nodes", t.usable_nodes},
               {"npus", t.npus},
               {"free_npus_before", t.free_npus_before},
               {"free_npus_after", t.free_npus_after},
               {"unusable_nodes", t.unusable}};
}

/// The cluster summary (`summarize`) plus the adapter's excluded-node count.
ojson summary(const snapshot& snap, const plan_result& plan) {
  const cluster_summary s = summarize(snap.cluster, snap.workload, plan);
  ojson types = ojson::array();
  for (const type_summary& t : s.types)
    types.push_back(type_entry(t, t.type == accelerator_type::none ? "cpu-only" : std::string(to_string(t.type))));
  ojson out = ojson::object();
  out["types"] = std::move(types);
  out["total"] = type_entry(s.total, "all");
  out["excluded_nodes"] = snap.excluded_nodes.size();
  out["pending"] = s.pending;
  out["placed"] = s.placed;
  out["unplaced"] = s.unplaced;
  return out;
}

}  // namespace

std::string encode_plan(const snapshot& snap, const plan_result& plan, const encode_options& opt) {
  const auto pod_name = [&](std::size_t i) -> std::string {
    return i < snap.workload.pods.size() ? snap.workload.pods[i].name : std::string();
  };
  ojson bindings = ojson::array();
  for (std::size_t i = 0; i < plan.bindings.size(); ++i) {
    const binding& b = plan.bindings[i];
    const bool node_known = b.node.value < snap.cluster.size();
    ojson chips = ojson::array();
    for (int c : b.chips) chips.push_back(detail::chip_name(c));
    ojson ann = ojson::object();
    if (!b.chips.empty()) {
      const std::string list = detail::join_chip_names(b.chips);
      ann[npu_resource] = list;
      ann["predicate-time"] = predicate_time(opt.now_unix_seconds, i);
      ann["distributed-job"] = b.distributed ? "true" : "false";
      // Whole-node use or an ascend-operator pod: the device plugin needs the real chips and their IPs.
      const pod_extra* extra = b.pod < snap.pods.size() ? &snap.pods[b.pod] : nullptr;
      if (extra && node_known && b.node.value < snap.nodes.size()) {
        const int k = static_cast<int>(b.chips.size());
        const bool whole_node = k == snap.cluster.npu_allocatable(b.node) && snap.nodes[b.node.value].device_count == k;
        if (extra->operator_pod || whole_node) {
          ann["huawei.com/AscendReal"] = list;
          if (auto inst = instance_json(snap, *extra, b.node, b.chips)) ann[configuration_annotation] = *inst;
        }
      }
    }
    if (b.super_pod_rank) {
      ann["super-pod-rank"] = std::to_string(*b.super_pod_rank);
      ann["super-pod-id"] = std::to_string(b.super_pod_id);
    }
    // The rank the pod was placed as, unless the pod already states it.
    if (b.rank && !(b.pod < snap.pods.size() && snap.pods[b.pod].has_rank_annotation))
      ann["hccl/rankIndex"] = std::to_string(*b.rank);
    ojson entry = ojson::object();
    entry["pod"] = pod_name(b.pod);
    entry["node"] = node_known ? std::string(snap.cluster.name(b.node)) : std::string();
    entry["chips"] = std::move(chips);
    entry["annotations"] = std::move(ann);
    bindings.push_back(std::move(entry));
  }
  ojson unschedulable = ojson::array();
  for (const unplaced& u : plan.unschedulable) {
    ojson entry = ojson::object();
    entry["pod"] = pod_name(u.pod);
    entry["group"] = u.pod < snap.pods.size() ? snap.pods[u.pod].group : std::string();
    entry["reason"] = std::string(to_string(u.why.code));
    entry["message"] = u.why.message;
    unschedulable.push_back(std::move(entry));
  }
  ojson excluded = ojson::array();
  for (const excluded_node& e : snap.excluded_nodes) {
    ojson entry = ojson::object();
    entry["node"] = e.node;
    entry["reason"] = e.reason;
    entry["message"] = e.message;
    excluded.push_back(std::move(entry));
  }
  ojson out = ojson::object();
  out["bindings"] = std::move(bindings);
  out["unschedulable"] = std::move(unschedulable);
  out["excluded_nodes"] = std::move(excluded);
  out["super_pod_jobs"] = detail::super_pod_jobs_json(snap, plan, detail::indices(plan.super_pod_jobs.size()));
  out["gangs"] = detail::gangs_json(snap, plan, detail::indices(plan.gangs.size()));
  out["summary"] = summary(snap, plan);
  if (opt.what_if || !opt.warnings.empty()) {
    std::vector<ome_warning> warnings = opt.warnings;
    if (opt.what_if) warnings.insert(warnings.end(), opt.what_if->warnings.begin(), opt.what_if->warnings.end());
    out["warnings"] = detail::warnings_json(warnings);
  }
  if (opt.what_if) out["inference_services"] = detail::inference_services_json(snap, plan, *opt.what_if);
  return dump(out);
}

// ---------------------------------------------------------------------------
// encode_snapshot

namespace {

/// `<ns>/<name>` split at the first `/`; no `/` means namespace `default`.
std::pair<std::string, std::string> split_name(const std::string& full) {
  const auto slash = full.find('/');
  if (slash == std::string::npos) return {"default", full};
  return {full.substr(0, slash), full.substr(slash + 1)};
}

std::uint64_t fnv1a(std::string_view s, std::uint64_t h) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

/// A UUID-shaped uid derived from the pod name (same name, same uid).
std::string fake_uid(std::string_view name) {
  const std::uint64_t a = fnv1a(name, 14695981039346656037ULL);
  const std::uint64_t b = fnv1a(name, a ^ 0x9e3779b97f4a7c15ULL);
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", a >> 32, (a >> 16) & 0xffff, a & 0xffff, b >> 48,
                     b & 0xffffffffffffULL);
}

/// A `huawei.com/schedule_policy` value that decodes to `t`, if any.
std::optional<std::string> policy_for(accelerator_type t) {
  const std::string_view candidates[] = {to_string(t),   "chip8-node8",     "chip8-node16",   "chip2-node16",
                                         "chip2-node16-sp", "chip2-node8-sp", "chip1-node2",    "chip4-node4"};
  for (std::string_view c : candidates)
    if (!c.empty() && parse_schedule_policy(c) == t) return std::string(c);
  return std::nullopt;
}

ojson resources(int npus, std::int64_t cpu_milli, std::int64_t memory_bytes) {
  ojson requests = ojson::object();
  ojson limits = ojson::object();
  if (cpu_milli > 0) requests["cpu"] = fmt::format("{}m", cpu_milli);
  if (memory_bytes > 0) requests["memory"] = std::to_string(memory_bytes);
  if (npus > 0) {
    requests[npu_resource] = std::to_string(npus);
    limits[npu_resource] = std::to_string(npus);
  }
  ojson r = ojson::object();
  r["requests"] = std::move(requests);
  if (!limits.empty()) r["limits"] = std::move(limits);
  return r;
}

ojson pod_object(const std::string& full, ojson labels, ojson annotations, ojson spec, const char* phase,
                 std::optional<std::int64_t> created) {
  auto [ns, name] = split_name(full);
  ojson md = ojson::object();
  md["name"] = name;
  md["namespace"] = ns;
  md["uid"] = fake_uid(full);
  if (created) md["creationTimestamp"] = detail::format_rfc3339(*created);
  if (!labels.empty()) md["labels"] = std::move(labels);
  if (!annotations.empty()) md["annotations"] = std::move(annotations);
  ojson pod = ojson::object();
  pod["apiVersion"] = "v1";
  pod["kind"] = "Pod";
  pod["metadata"] = std::move(md);
  pod["spec"] = std::move(spec);
  pod["status"] = ojson{{"phase", phase}};
  return pod;
}

std::string address(std::string_view prefix, std::size_t index, int last) {
  return fmt::format("{}.{}.{}.{}", prefix, (index >> 8) & 0xff, index & 0xff, last);
}

std::string chip_names(chip_mask m) { return detail::join_chip_names(chips_of(m)); }

/// The job-level labels and annotations a PodGroup (or a lone pod) carries.
void write_job_knobs(const job_spec& job, bool has_selector, ojson& labels, ojson& annotations) {
  if (job.refuse_sub_healthy) labels["subHealthyStrategy"] = "forceExit";
  if (job.soft_super_pod) labels["super-pod-affinity"] = "soft";
  if (!job.infer_service.empty()) labels["inferserviceid"] = split_name(job.infer_service).second;
  if (job.sp_block) annotations["sp-block"] = std::to_string(*job.sp_block);
  if (job.handler && !has_selector && !job.sp_block)
    if (auto policy = policy_for(*job.handler)) annotations["huawei.com/schedule_policy"] = *policy;
}

}  // namespace

std::string encode_snapshot(const std::vector<node_spec>& nodes, const workload& pending) {
  std::vector<std::size_t> order(nodes.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return nodes[a].name < nodes[b].name; });

  ojson node_items = ojson::array();
  ojson records = ojson::object();
  std::map<std::string, ojson> pods;  // every pod by <ns>/<name>, written in name order
  std::map<std::string, ojson> podgroups;

  for (std::size_t idx = 0; idx < order.size(); ++idx) {
    const node_spec& n = nodes[order[idx]];
    const bool npu_node = n.type != accelerator_type::none;

    std::map<std::string, std::string> labels(n.labels.begin(), n.labels.end());
    if (npu_node) {
      auto it = labels.find("accelerator-type");
      if (it == labels.end() || parse_accelerator_type(it->second) != n.type)
        labels["accelerator-type"] = std::string(to_string(n.type));
    }
    ojson md = ojson::object();
    md["name"] = n.name;
    md["labels"] = ojson(labels);
    ojson annotations = ojson::object();
    if (n.health == node_health::unhealthy || n.health == node_health::pre_separate ||
        n.health == node_health::sub_healthy)
      annotations["NodeHealthyStatus"] = std::string(to_string(n.health));
    if (npu_node) {
      ojson infos = ojson::object();
      for (int c : chips_of(n.inventory)) {
        const bool placed = n.super_pod_id >= 0 && n.server_index >= 0;
        const auto sdid = static_cast<std::uint32_t>(
            placed ? static_cast<std::uint64_t>(n.server_index) * static_cast<std::uint64_t>(max_chips(n.type)) +
                         static_cast<std::uint64_t>(c)
                   : static_cast<std::uint64_t>(c));
        infos[detail::chip_name(c)] = ojson{{"IP", address("10", idx, c)}, {"SuperDeviceID", sdid}};
      }
      annotations["baseDeviceInfos"] = dump(infos);
    }
    if (!annotations.empty()) md["annotations"] = std::move(annotations);

    ojson capacity = ojson::object();
    capacity["cpu"] = fmt::format("{}m", n.cpu_allocatable_milli);
    capacity["memory"] = std::to_string(n.memory_allocatable_bytes);
    ojson allocatable = capacity;
    if (npu_node) {
      capacity[npu_resource] = std::to_string(chip_count(n.inventory));
      if (n.npu_allocatable >= 0) allocatable[npu_resource] = std::to_string(n.npu_allocatable);
    }
    ojson status = ojson::object();
    status["capacity"] = std::move(capacity);
    status["allocatable"] = std::move(allocatable);
    status["conditions"] = ojson::array(
        {ojson{{"type", "Ready"}, {"status", n.health == node_health::not_ready ? "False" : "True"}}});
    status["addresses"] = ojson::array({ojson{{"type", "InternalIP"}, {"address", address("172.16", idx, 1)}}});

    ojson node = ojson::object();
    node["apiVersion"] = "v1";
    node["kind"] = "Node";
    node["metadata"] = std::move(md);
    ojson node_spec_json = n.schedulable ? ojson::object() : ojson{{"unschedulable", true}};
    if (!n.taints.empty()) {
      ojson taints = ojson::array();
      for (const auto& t : n.taints) {
        ojson x = ojson{{"key", t.key}};
        if (!t.value.empty()) x["value"] = t.value;
        x["effect"] = t.effect;
        taints.push_back(std::move(x));
      }
      node_spec_json["taints"] = std::move(taints);
    }
    node["spec"] = std::move(node_spec_json);
    node["status"] = std::move(status);
    node_items.push_back(std::move(node));

    if (npu_node) {
      chip_mask held = 0;
      for (const auto& h : n.in_use)
        if (h.chip >= 0 && h.chip < max_chips_per_node) held |= chip_bit(h.chip);
      ojson list = ojson::object();
      const std::string key = npu_resource;
      list[key] = chip_names(n.inventory & ~(held | n.unhealthy | n.recovering));
      list[key + "-Unhealthy"] = chip_names(n.unhealthy);
      list[key + "-Recovering"] = chip_names(n.recovering);
      if (n.network_health_known) list[key + "-NetworkUnhealthy"] = chip_names(n.network_unhealthy);
      if (n.sub_healthy != 0) {
        ojson faults = ojson::array();
        for (int c : chips_of(n.sub_healthy))
          faults.push_back(ojson{{"fault_type", "CardUnhealthy"},
                                 {"npu_name", detail::chip_name(c)},
                                 {"large_model_fault_level", "SubHealthFault"},
                                 {"fault_level", "SubHealthFault"},
                                 {"fault_handling", "SubHealthFault"},
                                 {"fault_code", ""}});
        list[key + "-Fault"] = dump(faults);
      }
      const std::string cm_name = "mindx-dl-deviceinfo-" + n.name;
      ojson rec = ojson::object();
      rec["DeviceList"] = std::move(list);
      rec["UpdateTime"] = snapshot_update_time;
      rec["CmName"] = cm_name;
      rec["SuperPodID"] = n.super_pod_id;
      rec["RackID"] = n.rack_id;
      rec["ServerIndex"] = n.server_index;
      records[cm_name] = std::move(rec);
    }

    // Running pods: one per holder name, requesting as many NPUs as it holds chips.
    std::map<std::string, std::vector<int>> held_by;
    for (const auto& h : n.in_use) held_by[h.pod].push_back(h.chip);
    int npus_held = 0;
    for (auto& [pod, chips] : held_by) {
      std::sort(chips.begin(), chips.end());
      npus_held += static_cast<int>(chips.size());
      ojson spec = ojson::object();
      spec["nodeName"] = n.name;
      spec["schedulerName"] = "volcano";
      spec["containers"] = ojson::array(
          {ojson{{"name", "main"}, {"resources", resources(static_cast<int>(chips.size()), 0, 0)}}});
      pods[pod] = pod_object(pod, ojson::object(), ojson{{npu_resource, detail::join_chip_names(chips)}},
                             std::move(spec), "Running", std::nullopt);
    }
    // Whatever the holders do not explain (CPU, memory, extra NPUs) is one filler pod.
    const int npu_rest = std::max(0, n.npu_requested - npus_held);
    if (npu_rest > 0 || n.cpu_requested_milli > 0 || n.memory_requested_bytes > 0) {
      const std::string filler = "npusched-system/load-" + n.name;
      ojson spec = ojson::object();
      spec["nodeName"] = n.name;
      spec["containers"] = ojson::array(
          {ojson{{"name", "main"},
                 {"resources", resources(npu_rest, n.cpu_requested_milli, n.memory_requested_bytes)}}});
      pods[filler] = pod_object(filler, ojson::object(), ojson::object(), std::move(spec), "Running", std::nullopt);
    }
  }

  // Pending pods and their PodGroups.
  std::vector<int> pods_per_job(pending.jobs.size(), 0);
  for (const pod_spec& p : pending.pods)
    if (p.job < pending.jobs.size()) ++pods_per_job[p.job];
  for (const pod_spec& p : pending.pods) {
    const job_spec* job = p.job < pending.jobs.size() ? &pending.jobs[p.job] : nullptr;
    ojson labels = ojson::object();
    ojson annotations = ojson::object();
    const bool has_selector = std::any_of(p.node_selector.begin(), p.node_selector.end(),
                                          [](const auto& kv) { return kv.first == "accelerator-type"; });
    if (job && !job->name.empty()) {
      auto [ns, group] = split_name(job->name);
      annotations["scheduling.k8s.io/group-name"] = group;
      if (!podgroups.count(job->name)) {
        ojson pg_labels = ojson::object();
        ojson pg_annotations = ojson::object();
        write_job_knobs(*job, has_selector, pg_labels, pg_annotations);
        ojson md = ojson::object();
        md["name"] = group;
        md["namespace"] = ns;
        if (!pg_labels.empty()) md["labels"] = std::move(pg_labels);
        if (!pg_annotations.empty()) md["annotations"] = std::move(pg_annotations);
        ojson pg = ojson::object();
        pg["apiVersion"] = "scheduling.volcano.sh/v1beta1";
        pg["kind"] = "PodGroup";
        pg["metadata"] = std::move(md);
        pg["spec"] = ojson{{"minMember", pods_per_job[p.job]}};
        podgroups[job->name] = std::move(pg);
      }
    } else if (job) {
      write_job_knobs(*job, has_selector, labels, annotations);
    }
    if (p.rank) annotations["hccl/rankIndex"] = std::to_string(*p.rank);
    if (p.exempt) annotations["volcano.sh/task-spec"] = "scheduler";
    std::map<std::string, std::string> selector(p.node_selector.begin(), p.node_selector.end());
    ojson spec = ojson::object();
    spec["schedulerName"] = "volcano";
    spec["priority"] = p.priority;
    if (!selector.empty()) spec["nodeSelector"] = ojson(selector);
    if (!p.tolerations.empty()) {
      ojson tolerations = ojson::array();
      for (const auto& t : p.tolerations) {
        ojson x = ojson::object();
        if (!t.key.empty()) x["key"] = t.key;
        x["operator"] = t.op;
        if (!t.value.empty()) x["value"] = t.value;
        if (!t.effect.empty()) x["effect"] = t.effect;
        tolerations.push_back(std::move(x));
      }
      spec["tolerations"] = std::move(tolerations);
    }
    spec["containers"] =
        ojson::array({ojson{{"name", "main"}, {"resources", resources(p.npus, p.cpu_milli, p.memory_bytes)}}});
    pods[p.name] = pod_object(p.name, std::move(labels), std::move(annotations), std::move(spec), "Pending", p.created);
  }

  ojson items = std::move(node_items);
  if (!records.empty()) {
    const std::string cm = "cluster-info-device-0";
    ojson md = ojson::object();
    md["name"] = cm;
    md["namespace"] = "mindx-dl";
    md["labels"] = ojson{{"mx-consumer-volcano", "true"}};
    ojson item = ojson::object();
    item["apiVersion"] = "v1";
    item["kind"] = "ConfigMap";
    item["metadata"] = std::move(md);
    item["data"] = ojson{{cm, dump(records)}};
    items.push_back(std::move(item));
  }
  for (auto& [name, pg] : podgroups) items.push_back(std::move(pg));
  for (auto& [name, pod] : pods) items.push_back(std::move(pod));

  ojson list = ojson::object();
  list["apiVersion"] = "v1";
  list["kind"] = "List";
  list["items"] = std::move(items);
  list["metadata"] = ojson{{"resourceVersion", ""}};
  return dump(list);
}

}  // namespace npusched::k8s
