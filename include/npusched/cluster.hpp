#pragma once
/// \file cluster.hpp
/// The cluster model: nodes with their chips, health, super-pod position and
/// labels, built once by a validating builder into dense per-node arrays
/// (structure of arrays) indexed by `node_id`.
///
/// A `cluster` is a value. What a plan changes (chips taken, NPU, CPU and
/// memory requests) lives in a separate `placement_state`, so a what-if is
/// just another call on a fresh or copied state. A live model replaces one
/// node's data in place with `update_node` (same name, so node ids stay);
/// adding or removing a node means building a new cluster.

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "npusched/result.hpp"
#include "npusched/types.hpp"

namespace npusched {

/// A chip held by a running pod.
struct chip_holder {
  int chip = 0;      ///< physical chip id (the N of `Ascend910-N`)
  std::string pod;   ///< `<namespace>/<name>` of the pod that holds it
  friend bool operator==(const chip_holder&, const chip_holder&) = default;
};

/// A Kubernetes node taint. Only `NoSchedule` and `NoExecute` keep pods off
/// a node; `PreferNoSchedule` is kept but never refuses a pod.
struct taint {
  std::string key;
  std::string value;
  std::string effect;  ///< `NoSchedule`, `PreferNoSchedule` or `NoExecute`
  friend bool operator==(const taint&, const taint&) = default;
};

/// A pod's toleration, with Kubernetes' matching rules: `Exists` with an
/// empty key tolerates every taint; `Equal` needs key and value equal; an
/// empty effect matches every effect.
struct toleration {
  std::string key;
  std::string op = "Equal";  ///< `Equal` or `Exists`
  std::string value;
  std::string effect;
  friend bool operator==(const toleration&, const toleration&) = default;
};

/// True when `t` tolerates `x`.
[[nodiscard]] bool tolerates(const toleration& t, const taint& x) noexcept;

/// Everything the builder needs to know about one node. Plain input data:
/// `validate_node` and `build_cluster` check it.
struct node_spec {
  std::string name;
  accelerator_type type = accelerator_type::none;
  std::vector<std::pair<std::string, std::string>> labels;  ///< Kubernetes labels
  node_health health = node_health::healthy;
  bool schedulable = true;          ///< false when cordoned (`spec.unschedulable`)
  std::vector<taint> taints;        ///< `spec.taints`
  std::int32_t super_pod_id = -1;   ///< physical super-pod; negative = in none
  std::int32_t rack_id = -1;
  std::int32_t server_index = -1;
  chip_mask inventory = 0;          ///< chips the node has (bit i = `Ascend910-i`)
  chip_mask unhealthy = 0;          ///< never given
  chip_mask recovering = 0;         ///< never given
  chip_mask network_unhealthy = 0;  ///< withheld from distributed jobs only
  chip_mask sub_healthy = 0;        ///< usable; marks the node sub-healthy for jobs that care
  /// Chips with the L1 link-down fault (code 81078603, NotHandleFault): usable,
  /// but withheld from distributed jobs for a while after a relation-fault restart.
  chip_mask link_down = 0;
  /// False when the device information carries no `-NetworkUnhealthy`
  /// entry at all: the node is then refused to distributed jobs (fail closed).
  bool network_health_known = true;
  std::vector<chip_holder> in_use;  ///< chips held by running pods
  /// Allocatable NPUs (`status.allocatable`); negative = inventory − unhealthy.
  int npu_allocatable = -1;
  int npu_requested = 0;            ///< Σ NPU requests of the pods already on the node
  std::int64_t cpu_allocatable_milli = 0;
  std::int64_t memory_allocatable_bytes = 0;
  std::int64_t cpu_requested_milli = 0;
  std::int64_t memory_requested_bytes = 0;
};

/// Checks one node on its own. The error path is relative to the node
/// (`inventory`, `in_use[2].chip`, ...). Rules: non-empty name; chip ids below
/// `max_chips(type)`; state masks inside the inventory; a `none` node has no
/// chips; counts not negative (except the `npu_allocatable` "derive" marker);
/// every held chip in the inventory and held once.
[[nodiscard]] std::optional<error> validate_node(const node_spec& n);

/// Interned label key (a dense index) or value (an id, 0 = absent).
using label_id = std::uint32_t;
/// A resolved node selector: every (key index, value id) must match. A selector that
/// names a key or value no node has resolves to `impossible = true`.
struct selector {
  std::vector<std::pair<label_id, label_id>> terms;
  bool impossible = false;
};

/// Per-node facts the filter chain reads together, packed into one byte per
/// node (`type_ordered_columns::facts`): the `node_health` in the low three bits,
/// then one bit per flag.
namespace filter_fact {
inline constexpr std::uint8_t health_bits = 0x07;
inline constexpr std::uint8_t cordoned = 0x08;           ///< `spec.unschedulable`
inline constexpr std::uint8_t sub_healthy_chips = 0x10;  ///< some chip is sub-healthy
inline constexpr std::uint8_t network_unknown = 0x20;    ///< no `-NetworkUnhealthy` entry in the device information
inline constexpr std::uint8_t hard_taints = 0x40;        ///< has a `NoSchedule` or `NoExecute` taint
}  // namespace filter_fact

/// Copies of the columns the per-node filter loop reads, in *type order*:
/// the nodes of one accelerator type are contiguous (type `t` at positions
/// `[type_begin[t], type_begin[t + 1])`), ascending id inside a type, so the
/// loop, which runs type by type, reads each column front to back.
struct type_ordered_columns {
  std::vector<node_id> node;                  ///< the node at each position
  std::vector<std::uint8_t> facts;            ///< `filter_fact` bytes
  std::vector<chip_mask> givable;             ///< inventory − unhealthy − recovering
  std::vector<chip_mask> network_unhealthy;
  std::vector<std::uint8_t> unhealthy_count;  ///< chips in the unhealthy list
  std::vector<int> npu_allocatable;
  std::array<std::uint32_t, accelerator_type_count + 1> type_begin{};
};

/// The immutable cluster. Cheap accessors; all O(1) unless stated.
class cluster {
 public:
  cluster() = default;

  [[nodiscard]] std::size_t size() const noexcept { return names_.size(); }
  [[nodiscard]] std::string_view name(node_id n) const { return names_[n.value]; }
  /// The node called `name`, O(log N).
  [[nodiscard]] std::optional<node_id> find(std::string_view name) const;

  [[nodiscard]] accelerator_type type(node_id n) const { return types_[n.value]; }
  [[nodiscard]] node_health health(node_id n) const { return health_[n.value]; }
  [[nodiscard]] bool schedulable(node_id n) const { return schedulable_[n.value] != 0; }
  [[nodiscard]] std::int32_t super_pod_id(node_id n) const { return super_pod_[n.value]; }
  [[nodiscard]] std::int32_t rack_id(node_id n) const { return rack_[n.value]; }
  [[nodiscard]] std::int32_t server_index(node_id n) const { return server_index_[n.value]; }

  [[nodiscard]] chip_mask inventory(node_id n) const { return inventory_[n.value]; }
  [[nodiscard]] chip_mask unhealthy(node_id n) const { return unhealthy_[n.value]; }
  [[nodiscard]] chip_mask recovering(node_id n) const { return recovering_[n.value]; }
  [[nodiscard]] chip_mask network_unhealthy(node_id n) const { return net_unhealthy_[n.value]; }
  [[nodiscard]] chip_mask sub_healthy(node_id n) const { return sub_healthy_[n.value]; }
  [[nodiscard]] chip_mask link_down(node_id n) const { return link_down_[n.value]; }
  [[nodiscard]] bool network_health_known(node_id n) const { return net_known_[n.value] != 0; }
  /// Chips held by running pods.
  [[nodiscard]] chip_mask in_use(node_id n) const { return in_use_[n.value]; }
  /// Chips that can be given to a new pod: inventory − in use − unhealthy − recovering.
  [[nodiscard]] chip_mask free(node_id n) const {
    return inventory_[n.value] & ~(in_use_[n.value] | unhealthy_[n.value] | recovering_[n.value]);
  }
  /// The pod holding `chip` on `n`, or empty. O(log H) over the node's holders.
  [[nodiscard]] std::string_view holder(node_id n, int chip) const;

  [[nodiscard]] int npu_allocatable(node_id n) const { return npu_alloc_[n.value]; }
  [[nodiscard]] int npu_requested(node_id n) const { return npu_req_[n.value]; }
  [[nodiscard]] std::int64_t cpu_allocatable_milli(node_id n) const { return cpu_alloc_[n.value]; }
  [[nodiscard]] std::int64_t memory_allocatable_bytes(node_id n) const { return mem_alloc_[n.value]; }
  [[nodiscard]] std::int64_t cpu_requested_milli(node_id n) const { return cpu_req_[n.value]; }
  [[nodiscard]] std::int64_t memory_requested_bytes(node_id n) const { return mem_req_[n.value]; }

  /// The node's `NoSchedule` and `NoExecute` taints (the ones that keep pods off).
  [[nodiscard]] std::span<const taint> hard_taints(node_id n) const { return taints_[n.value]; }

  /// The value of label `key` on `n`, if set.
  [[nodiscard]] std::optional<std::string_view> label(node_id n, std::string_view key) const;
  /// Interns a nodeSelector against this cluster's labels, O(terms · log L).
  [[nodiscard]] selector resolve(std::span<const std::pair<std::string, std::string>> node_selector) const;
  /// True when `n` carries every term of `s`.
  [[nodiscard]] bool matches(node_id n, const selector& s) const {
    if (s.impossible) return false;
    for (const auto& [k, v] : s.terms)
      if (label_columns_[k][n.value] != v) return false;
    return true;
  }

  /// Dense views for vectorised filters (one entry per node, by node id).
  [[nodiscard]] std::span<const accelerator_type> types() const noexcept { return types_; }
  [[nodiscard]] std::span<const node_health> healths() const noexcept { return health_; }
  [[nodiscard]] std::span<const std::uint8_t> schedulables() const noexcept { return schedulable_; }
  [[nodiscard]] std::span<const std::int32_t> super_pod_ids() const noexcept { return super_pod_; }
  [[nodiscard]] std::span<const std::int32_t> npu_allocatables() const noexcept { return npu_alloc_; }
  [[nodiscard]] std::span<const std::int64_t> cpu_allocatables() const noexcept { return cpu_alloc_; }
  [[nodiscard]] std::span<const std::int64_t> memory_allocatables() const noexcept { return mem_alloc_; }
  /// The nodes of type `t`, ascending id.
  [[nodiscard]] std::span<const node_id> nodes_of_type(accelerator_type t) const noexcept {
    const auto i = static_cast<std::size_t>(t);
    if (i >= accelerator_type_count || by_type_.node.empty()) return {};
    return std::span<const node_id>(by_type_.node)
        .subspan(by_type_.type_begin[i], by_type_.type_begin[i + 1] - by_type_.type_begin[i]);
  }
  /// The columns the per-node filter loop reads, in type order (see `type_ordered_columns`).
  [[nodiscard]] const type_ordered_columns& by_type() const noexcept { return by_type_; }
  /// Where node `n` is in the type order: `by_type().node[type_position(n)] == n`.
  [[nodiscard]] std::uint32_t type_position(node_id n) const { return type_position_[n.value]; }
  /// Value ids of one label key (a `selector` term's key) for every node; 0 = label absent.
  [[nodiscard]] std::span<const label_id> label_column(label_id key) const { return label_columns_[key]; }

  /// Replaces the data of node `n` with `spec`, in O(size of the node):
  /// `spec.name` must be the node's name (ids follow names). The same checks
  /// as `build_cluster` (`validate_node`); on error the cluster is unchanged.
  /// Label keys and values are counted, so `resolve` answers as a freshly
  /// built cluster would.
  [[nodiscard]] std::optional<error> update_node(node_id n, node_spec spec);

 private:
  friend result<cluster> build_cluster(std::vector<node_spec> nodes);
  void set_node(std::size_t id, node_spec& n);
  void build_type_order();
  void set_type_columns(std::uint32_t id);
  label_id intern_key(const std::string& key);
  label_id intern_value(const std::string& value);

  std::vector<std::string> names_;
  std::vector<accelerator_type> types_;
  std::vector<node_health> health_;
  std::vector<std::uint8_t> schedulable_;
  std::vector<std::int32_t> super_pod_, rack_, server_index_;
  std::vector<chip_mask> inventory_, unhealthy_, recovering_, net_unhealthy_, sub_healthy_, link_down_, in_use_;
  std::vector<std::uint8_t> net_known_;
  type_ordered_columns by_type_;
  std::vector<std::uint32_t> type_position_;  // node id → position in by_type_
  std::vector<int> npu_alloc_, npu_req_;
  std::vector<std::int64_t> cpu_alloc_, mem_alloc_, cpu_req_, mem_req_;
  // Holders: per node (chip, pod) sorted by chip.
  std::vector<std::vector<std::pair<int, std::string>>> holders_;
  // Hard taints per node.
  std::vector<std::vector<taint>> taints_;
  // Labels: keys interned to dense indices, values to ids (id = index + 1,
  // 0 = "absent"), in first-seen order; one dense column of value ids per
  // key. Ids never leave the cluster, so their order does not matter.
  std::vector<std::string> label_values_;
  std::map<std::string, label_id, std::less<>> key_ids_, value_ids_;
  // How many (node, label) pairs use each key index / value id; a key or
  // value used by no node resolves as absent.
  std::vector<std::uint32_t> key_uses_, value_uses_;
  std::vector<std::vector<label_id>> label_columns_;       // [key index][node]
};

/// Validates and builds a cluster. Nodes are ordered by name (byte order),
/// so the result does not depend on the input order. Errors name the input
/// index: `nodes[3].inventory: chip 17 is out of range for module-a3-16 (0..15)`;
/// duplicate names are an error. O(N log N + labels).
[[nodiscard]] result<cluster> build_cluster(std::vector<node_spec> nodes);

}  // namespace npusched
