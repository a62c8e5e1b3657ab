// The live cluster (k8s/live.hpp): the adapter's model behind a reader /
// writer lock. Writers apply events (O(size of the object)); the first
// reader after a change brings the derived state up to date (O(what
// changed)) under the writer lock, then every reader computes under the
// shared lock.

#include "npusched/k8s/live.hpp"
#include "npusched/k8s/fault_state_json.hpp"

#include <mutex>
#include <shared_mutex>

#include <fmt/format.h>

#include "json_input.hpp"
#include "model.hpp"

namespace npusched::k8s {

std::optional<event_type> parse_event_type(std::string_view type) noexcept {
  if (type == "ADDED") return event_type::added;
  if (type == "MODIFIED") return event_type::modified;
  if (type == "DELETED") return event_type::deleted;
  return std::nullopt;
}

std::string_view to_string(event_outcome o) noexcept {
  switch (o) {
    case event_outcome::applied: return "applied";
    case event_outcome::stale: return "stale";
    case event_outcome::ignored: return "ignored";
  }
  return "applied";
}

struct live_cluster::impl {
  live_options opt;
  mutable std::shared_mutex mutex;
  mutable detail::model model;
  mutable bool current = false;          // the derived state matches the objects
  mutable bool faults_current = false;   // the fault jobs too
  mutable std::optional<error> problem;  // the refresh's error, while not current
  simdjson::dom::parser parser, inner;

  explicit impl(live_options o) : opt(std::move(o)), model(opt.scheduler_name, opt.max_nodes, opt.max_pods) {}

  event_result apply_one(event_type type, const detail::json_view& object) {
    event_result out;
    const auto id = detail::read_kind_and_name(object);
    out.object = id.ns.empty() ? fmt::format("{} {}", id.kind, id.name) : fmt::format("{} {}/{}", id.kind, id.ns, id.name);
    const auto status = model.apply(type == event_type::deleted ? detail::change::remove : detail::change::upsert,
                                    object, inner, &out.held_version);
    out.outcome = status == detail::apply_status::stale     ? event_outcome::stale
                  : status == detail::apply_status::ignored ? event_outcome::ignored
                                                            : event_outcome::applied;
    if (status == detail::apply_status::applied) current = faults_current = false;
    return out;
  }

  // Runs `f(snapshot)` under the shared lock on an up-to-date state.
  template <class F>
  auto read(bool with_faults, F&& f) const -> decltype(f(model.snap())) {
    while (true) {
      {
        std::shared_lock lock(mutex);
        if (current && (!with_faults || faults_current)) {
          if (problem) return *problem;
          return f(model.snap());
        }
      }
      std::unique_lock lock(mutex);
      if (!current) {
        problem = model.refresh();
        current = true;
      }
      if (with_faults && !faults_current) {
        model.refresh_fault_jobs();
        faults_current = true;
      }
    }
  }
};

live_cluster::live_cluster(live_options opt) : impl_(std::make_unique<impl>(std::move(opt))) {}
live_cluster::~live_cluster() = default;

std::optional<error> live_cluster::load(std::string_view list_json) {
  detail::model fresh(impl_->opt.scheduler_name, impl_->opt.max_nodes, impl_->opt.max_pods);
  try {
    detail::load_list(fresh, list_json, {});
  } catch (const detail::decode_failure& f) {
    return f.err;
  }
  std::unique_lock lock(impl_->mutex);
  impl_->model = std::move(fresh);
  impl_->current = impl_->faults_current = false;
  return std::nullopt;
}

result<event_result> live_cluster::apply(event_type type, std::string_view object_json) {
  std::unique_lock lock(impl_->mutex);
  auto parsed = detail::parse_json(impl_->parser, object_json, "object");
  if (!parsed.ok()) return parsed.err();
  const simdjson::dom::element doc = *parsed;
  try {
    return impl_->apply_one(type, detail::root_view(doc, "object"));
  } catch (const detail::decode_failure& f) {
    return f.err;
  }
}

result<std::vector<event_result>> live_cluster::apply_many(std::string_view events_json) {
  std::unique_lock lock(impl_->mutex);
  auto parsed = detail::parse_json(impl_->parser, events_json, "events");
  if (!parsed.ok()) return parsed.err();
  const simdjson::dom::element doc = *parsed;
  const detail::json_view root = detail::root_view(doc, "events");
  if (!root.is_array()) return error{"events", fmt::format("expected an array, got {}", detail::type_name(doc)),
                                     error_code::wrong_type};
  std::vector<event_result> out;
  try {
    std::size_t i = 0;
    for (simdjson::dom::element e : simdjson::dom::array(doc)) {
      const detail::json_view event = detail::element_at(root, e, i++);
      detail::expect_object(event);
      const auto type_text = detail::opt_string(event, "type");
      if (!type_text) detail::fail(event.where() + ".type", error_code::missing_field, "missing");
      if (*type_text == "BOOKMARK") {
        out.push_back(event_result{event_outcome::ignored, "", ""});
        continue;
      }
      const auto type = parse_event_type(*type_text);
      if (!type)
        detail::fail(event.where() + ".type", error_code::unknown_value,
                     fmt::format("\"{}\" is not ADDED, MODIFIED, DELETED or BOOKMARK", *type_text));
      const auto object = detail::opt_object(event, "object");
      if (!object) detail::fail(event.where() + ".object", error_code::missing_field, "missing");
      out.push_back(impl_->apply_one(*type, *object));
    }
  } catch (const detail::decode_failure& f) {
    return f.err;
  }
  return out;
}

namespace {

result<plan_setup> setup_of(const snapshot& snap, const live_plan_options& opt) {
  input_options in;
  in.super_pod_size = opt.super_pod_size;
  in.reserve_nodes = opt.reserve_nodes;
  in.fault_state_json = opt.fault_state_json;
  in.choice = opt.choice;
  in.tie_seed = opt.tie_seed;
  return setup_plan(snap, in);
}

}  // namespace

result<std::string> live_cluster::plan(const live_plan_options& opt) const {
  return impl_->read(false, [&](const snapshot& snap) -> result<std::string> {
    auto setup = setup_of(snap, opt);
    if (!setup.ok()) return setup.err();
    return plan_snapshot(snap, *setup, opt.now_unix_seconds);
  });
}

result<std::string> live_cluster::faults(std::string_view state_json, std::int64_t now_unix_seconds) const {
  return impl_->read(true, [&](const snapshot& snap) -> result<std::string> {
    return faults_of_snapshot(snap, state_json, now_unix_seconds);
  });
}

result<std::string> live_cluster::explain(const explain_target& target, const live_plan_options& opt) const {
  return impl_->read(false, [&](const snapshot& snap) -> result<std::string> {
    auto setup = setup_of(snap, opt);
    if (!setup.ok()) return setup.err();
    const std::vector<running_job> movable = impl_->model.running_jobs();
    return explain_snapshot(snap, setup->options, target, impl_->opt.scheduler_name, movable);
  });
}

live_stats live_cluster::stats() const {
  std::unique_lock lock(impl_->mutex);
  if (!impl_->current) {
    impl_->problem = impl_->model.refresh();
    impl_->current = true;
  }
  const snapshot& snap = impl_->model.snap();
  return live_stats{impl_->model.node_count(), impl_->model.pod_count(), snap.cluster.size(), snap.workload.pods.size()};
}

}  // namespace npusched::k8s
