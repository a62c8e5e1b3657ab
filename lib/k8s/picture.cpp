// The SVG picture of a cluster and a plan on it (`npusched show`).
// Coordinates are whole pixels and every collection is walked in a fixed
// order (node ids, std::map/std::set keys), so the text is deterministic.

#include "npusched/k8s/picture.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "svg_writer.hpp"

namespace npusched::k8s {
namespace {

using detail::attr;
using detail::attrs;
using detail::svg_writer;

// ---------------------------------------------------------------------------
// What each chip is

enum class chip_state : std::uint8_t { free, used, planned, unhealthy, network_unhealthy, recovering };

std::string_view name_of(chip_state s) {
  switch (s) {
    case chip_state::free: return "free";
    case chip_state::used: return "used";
    case chip_state::planned: return "planned";
    case chip_state::unhealthy: return "unhealthy";
    case chip_state::network_unhealthy: return "network-unhealthy";
    case chip_state::recovering: return "recovering";
  }
  return "";
}

std::string_view name_of(service_role r) {
  switch (r) {
    case service_role::none: return "";
    case service_role::prefill: return "prefill";
    case service_role::decode: return "decode";
    case service_role::router: return "router";
  }
  return "";
}

// Fills of the states that do not depend on a holder.
std::string_view fill_of(chip_state s) {
  switch (s) {
    case chip_state::free: return "#ffffff";
    case chip_state::unhealthy: return "#d32f2f";
    case chip_state::network_unhealthy: return "#ff9800";
    case chip_state::recovering: return "#fdd835";
    case chip_state::used:
    case chip_state::planned: break;
  }
  return "#8d8d8d";
}

// Whose a used or planned chip is: the legend's key for it. Legend order:
// used before planned, services by name, other workload last, then role.
struct paint {
  bool planned = false;
  std::string service;  // empty: other workload
  service_role role = service_role::none;

  [[nodiscard]] auto key() const { return std::tuple(planned, service.empty(), service, role); }
  friend bool operator<(const paint& a, const paint& b) { return a.key() < b.key(); }
};

// Eight hues kept clear of the state colours (red, orange, yellow), each in
// four shades: prefill, decode, router, and a service pod without a role.
constexpr std::array<std::array<std::string_view, 4>, 8> service_palette{{
    {"#0d47a1", "#1e88e5", "#90caf9", "#5472a8"},  // blue
    {"#4a148c", "#8e24aa", "#ce93d8", "#7b5a8c"},  // purple
    {"#004d40", "#00897b", "#80cbc4", "#4f7f7a"},  // teal
    {"#3e2723", "#6d4c41", "#bcaaa4", "#85705f"},  // brown
    {"#880e4f", "#d81b60", "#f48fb1", "#a8657e"},  // pink
    {"#1a237e", "#3949ab", "#9fa8da", "#5f6590"},  // indigo
    {"#006064", "#00acc1", "#80deea", "#4f8f94"},  // cyan
    {"#33691e", "#7cb342", "#c5e1a5", "#6f8656"},  // olive
}};
constexpr std::string_view other_workload_fill = "#8d8d8d";

// Outlines of logical super-nodes, one colour per super-pod job.
constexpr std::array<std::string_view, 6> outline_palette{"#d50000", "#2962ff", "#00a152",
                                                          "#aa00ff", "#ff6d00", "#c51162"};

std::size_t shade_of(service_role r) {
  switch (r) {
    case service_role::prefill: return 0;
    case service_role::decode: return 1;
    case service_role::router: return 2;
    case service_role::none: break;
  }
  return 3;
}

struct chip_view {
  int chip = 0;
  chip_state state = chip_state::free;
  std::string pod;  // holder or planned pod; empty when none
  std::optional<paint> who;
  bool network_unhealthy = false;
};

class chip_reader {
 public:
  chip_reader(const snapshot& snap, const plan_result& plan) : snap_(snap) {
    for (const binding& b : plan.bindings) {
      if (b.pod >= snap.workload.pods.size() || b.node.value >= snap.cluster.size()) continue;
      for (int c : b.chips) planned_.emplace(std::pair(b.node.value, c), snap.workload.pods[b.pod].name);
    }
  }

  [[nodiscard]] chip_view read(node_id n, int chip) const {
    const cluster& c = snap_.cluster;
    const chip_mask bit = chip_bit(chip);
    chip_view v;
    v.chip = chip;
    v.network_unhealthy = (c.network_unhealthy(n) & bit) != 0;
    const auto planned = planned_.find(std::pair(n.value, chip));
    v.pod = planned != planned_.end() ? planned->second : std::string(c.holder(n, chip));
    if (c.unhealthy(n) & bit) v.state = chip_state::unhealthy;
    else if (c.recovering(n) & bit) v.state = chip_state::recovering;
    else if (planned != planned_.end()) v.state = chip_state::planned;
    else if (c.in_use(n) & bit) v.state = chip_state::used;
    else if (v.network_unhealthy) v.state = chip_state::network_unhealthy;
    if (v.state == chip_state::used || v.state == chip_state::planned) {
      paint p;
      p.planned = v.state == chip_state::planned;
      if (auto r = snap_.roles.find(v.pod); r != snap_.roles.end() && !r->second.service.empty()) {
        p.service = r->second.service;
        p.role = r->second.role;
      }
      v.who = std::move(p);
    }
    return v;
  }

 private:
  const snapshot& snap_;
  std::map<std::pair<std::uint32_t, int>, std::string> planned_;
};

std::string describe(const paint& p) {
  if (p.service.empty()) return "other workload";
  return p.role == service_role::none ? fmt::format("service {}", p.service)
                                      : fmt::format("service {}, {}", p.service, name_of(p.role));
}

std::string tooltip(std::string_view node, const chip_view& v) {
  std::string s = fmt::format("{} Ascend910-{}: ", node, v.chip);
  switch (v.state) {
    case chip_state::free: s += "free"; break;
    case chip_state::used: s += fmt::format("used by {} ({})", v.pod, describe(*v.who)); break;
    case chip_state::planned: s += fmt::format("planned for {} ({})", v.pod, describe(*v.who)); break;
    case chip_state::network_unhealthy: s += "network-unhealthy (withheld from distributed jobs)"; break;
    case chip_state::unhealthy:
    case chip_state::recovering:
      s += name_of(v.state);
      if (!v.pod.empty()) s += fmt::format(", held by {}", v.pod);
      break;
  }
  if (v.network_unhealthy && v.state != chip_state::network_unhealthy) s += ", network-unhealthy";
  return s;
}

// ---------------------------------------------------------------------------
// Node marks

struct node_look {
  std::vector<std::string_view> marks;  // excluded, not-ready, unhealthy, pre-separated, sub-healthy, cordoned
  std::string_view stroke = "#bdbdbd";
  int stroke_width = 1;
  bool dashed = false;
  bool hatched = false;
};

// By health: the mark and the frame colour (healthy: none, thin grey).
struct health_look {
  node_health health;
  std::string_view mark, stroke;
};
constexpr std::array<health_look, 4> health_looks{{{node_health::sub_healthy, "sub-healthy", "#f9a825"},
                                                  {node_health::pre_separate, "pre-separated", "#ef6c00"},
                                                  {node_health::unhealthy, "unhealthy", "#c62828"},
                                                  {node_health::not_ready, "not-ready", "#000000"}}};

node_look look_of(node_health h, bool cordoned, bool excluded) {
  node_look l;
  if (excluded) {
    l.marks.push_back("excluded");
    l.stroke = "#757575";
    l.hatched = true;
    return l;
  }
  for (const auto& x : health_looks)
    if (x.health == h) {
      l.marks.push_back(x.mark);
      l.stroke = x.stroke;
    }
  if (h != node_health::healthy) l.stroke_width = 2;
  if (cordoned) {
    l.marks.push_back("cordoned");
    l.dashed = true;
    l.stroke_width = 2;
    if (h == node_health::healthy) l.stroke = "#616161";
  }
  return l;
}

std::string join(const std::vector<std::string_view>& words) {
  std::string s;
  for (auto w : words) {
    if (!s.empty()) s += ' ';
    s += w;
  }
  return s;
}

// ---------------------------------------------------------------------------
// Layout

// Sizes shrink with the cluster so 1,000 nodes stay on one readable page.
struct scale {
  int cell;       // chip pitch (the chip is one pixel smaller)
  int pair_gap;   // extra space between A3 die pairs
  int pad;        // node frame to chips
  int label_h;    // room for the node name under its chips; 0 = no name drawn
  int per_row;    // nodes per row of a group
};

scale scale_for(std::size_t nodes) {
  if (nodes <= 64) return {14, 4, 3, 12, 8};
  if (nodes <= 256) return {10, 3, 3, 11, 12};
  return {6, 2, 2, 0, 16};
}

constexpr int margin = 10;
constexpr int node_gap = 10;   // room for an outline (3 px out) and its label
constexpr int group_pad = 6;
constexpr int group_header = 18;
constexpr int legend_row = 18;
constexpr int legend_top = 52;

struct geometry {
  scale s;
  int node_w, node_h, group_w;

  explicit geometry(std::size_t nodes) : s(scale_for(nodes)) {
    node_w = 2 * s.pad + 8 * s.cell + 3 * s.pair_gap;
    node_h = 2 * s.pad + 2 * s.cell + s.pair_gap + s.label_h;
    group_w = 2 * group_pad + s.per_row * (node_w + node_gap) - node_gap;
  }
  [[nodiscard]] int group_h(std::size_t members) const {
    const int rows = std::max(1, static_cast<int>((members + s.per_row - 1) / s.per_row));
    return group_header + group_pad + rows * (node_h + node_gap) - node_gap + group_pad;
  }
  // Top-left corner of chip `chip` inside its node: 8 chips a row for 16,
  // 4 for 8; on A3 the dies 2k and 2k+1 side by side, pairs set apart
  // (across and between the rows).
  [[nodiscard]] std::pair<int, int> chip_at(accelerator_type t, int chip) const {
    const int n = max_chips(t);
    const int cols = n >= 16 ? 8 : n >= 8 ? 4 : std::max(n, 1);
    const int row = chip / cols, col = chip % cols;
    const bool a3 = is_a3_type(t);
    return {s.pad + col * s.cell + (a3 ? (col / 2) * s.pair_gap : 0), s.pad + row * (s.cell + (a3 ? s.pair_gap : 0))};
  }
};

// A group member: a node of the cluster or an excluded node (by index).
struct member {
  std::optional<node_id> node;
  std::size_t excluded = 0;
};

struct group {
  std::string label;
  std::vector<member> members;
};

std::vector<group> groups_of(const snapshot& snap) {
  const cluster& c = snap.cluster;
  std::map<std::int32_t, std::vector<member>> by_super_pod;
  std::map<accelerator_type, std::vector<member>> by_type;
  for (std::uint32_t i = 0; i < c.size(); ++i) {
    const node_id n{i};
    if (c.super_pod_id(n) >= 0) by_super_pod[c.super_pod_id(n)].push_back({n});
    else by_type[c.type(n)].push_back({n});
  }
  std::vector<group> out;
  for (auto& [id, m] : by_super_pod)
    out.push_back({fmt::format("super-pod {}: {} nodes", id, m.size()), std::move(m)});
  for (auto& [t, m] : by_type) {
    const std::string_view type = t == accelerator_type::none ? "no NPUs" : to_string(t);
    out.push_back({fmt::format("{}: {} nodes", type, m.size()), std::move(m)});
  }
  if (!snap.excluded_nodes.empty()) {
    group g{fmt::format("excluded: {} nodes", snap.excluded_nodes.size()), {}};
    for (std::size_t i = 0; i < snap.excluded_nodes.size(); ++i) g.members.push_back({std::nullopt, i});
    out.push_back(std::move(g));
  }
  return out;
}

// ---------------------------------------------------------------------------
// Legend

enum class swatch : std::uint8_t { chip, node, outline };

struct legend_entry {
  std::string key;    // data-key: stable, for tools reading the picture
  std::string label;
  swatch kind = swatch::chip;
  std::string fill;   // chip fill (a colour or a pattern url)
  node_look look;     // node swatches
  std::string_view stroke;  // outline swatches
};

int text_width(std::string_view text) { return 7 * static_cast<int>(text.size()); }
int entry_width(const legend_entry& e) { return 18 + text_width(e.label) + 14; }

// Rows of entries in `width`; returns each entry's (x, y) and the height used.
std::pair<std::vector<std::pair<int, int>>, int> flow(const std::vector<legend_entry>& entries, int width) {
  std::vector<std::pair<int, int>> at;
  int x = 0, y = 0;
  for (const auto& e : entries) {
    const int w = entry_width(e);
    if (x > 0 && x + w > width) x = 0, y += legend_row;
    at.emplace_back(x, y);
    x += w;
  }
  return {at, entries.empty() ? 0 : y + legend_row};
}

void write_frame(svg_writer& w, int x, int y, int width, int height, const node_look& l) {
  attrs a{{"class", "node-frame"}, {"x", x}, {"y", y}, {"width", width}, {"height", height}, {"rx", 2},
          {"fill", l.hatched ? "url(#excluded-hatch)" : "#fafafa"}, {"stroke", l.stroke},
          {"stroke-width", l.stroke_width}};
  if (l.dashed) a.emplace_back("stroke-dasharray", "4 2");
  w.leaf("rect", a);
}

void write_legend(svg_writer& w, const std::vector<legend_entry>& entries, int width) {
  const auto at = flow(entries, width).first;
  w.open("g", {{"class", "legend"}, {"transform", fmt::format("translate({},{})", margin, legend_top)}});
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const auto& e = entries[i];
    const auto [x, y] = at[i];
    w.open("g", {{"class", "legend-entry"}, {"data-key", e.key}});
    switch (e.kind) {
      case swatch::chip:
        w.leaf("rect", {{"class", "swatch"}, {"x", x}, {"y", y}, {"width", 12}, {"height", 12}, {"fill", e.fill},
                        {"stroke", e.key.starts_with("planned") ? "#000000" : "#9e9e9e"}});
        break;
      case swatch::node: write_frame(w, x, y, 12, 12, e.look); break;
      case swatch::outline:
        w.leaf("rect", {{"class", "swatch"}, {"x", x}, {"y", y}, {"width", 12}, {"height", 12}, {"fill", "none"},
                        {"stroke", e.stroke}, {"stroke-width", 2}});
        break;
    }
    w.text("text", {{"x", x + 18}, {"y", y + 10}}, e.label);
    w.close();
  }
  w.close();
}

// ---------------------------------------------------------------------------
// The picture

struct counts {
  std::array<int, 6> chips{};  // by chip_state
  int total = 0;
};

std::string_view style_sheet() {
  return "<style>\n"
         "text{font-family:monospace}\n"
         ".title{font-size:16px;font-weight:bold}\n"
         ".counts,.legend text{font-size:11px}\n"
         ".group-label{font-size:12px;font-weight:bold}\n"
         ".node-label{font-size:9px}\n"
         ".block-label{font-size:9px;font-weight:bold;paint-order:stroke;stroke:#ffffff;stroke-width:2px}\n"
         "rect.chip{stroke:#9e9e9e;stroke-width:0.5}\n"
         "rect.chip[data-state=planned]{stroke:#000000;stroke-width:1.2}\n"
         ".die-pair{fill:none;stroke:#616161;stroke-width:0.6}\n"
         "</style>\n";
}

void write_hatch(svg_writer& w, std::string_view id, std::string_view colour) {
  w.open("pattern", {{"id", id}, {"width", 4}, {"height", 4}, {"patternUnits", "userSpaceOnUse"},
                     {"patternTransform", "rotate(45)"}});
  w.leaf("rect", {{"width", 4}, {"height", 4}, {"fill", "#ffffff"}});
  w.leaf("rect", {{"width", 2}, {"height", 4}, {"fill", colour}});
  w.close();
}

class picture {
 public:
  picture(const snapshot& snap, const plan_result& plan)
      : snap_(snap), plan_(plan), chips_(snap, plan), geo_(snap.cluster.size() + snap.excluded_nodes.size()) {
    const cluster& c = snap.cluster;
    views_.resize(c.size());
    for (std::uint32_t i = 0; i < c.size(); ++i) {
      for (int chip : chips_of(c.inventory(node_id{i}))) {
        chip_view v = chips_.read(node_id{i}, chip);
        ++counts_.chips[static_cast<std::size_t>(v.state)];
        ++counts_.total;
        if (v.who) paints_.insert(*v.who);
        states_.insert(v.state);
        views_[i].push_back(std::move(v));
      }
    }
    for (const paint& p : paints_)
      if (!p.service.empty()) services_.insert(p.service);
  }

  std::string render(const picture_options& opt) {
    const std::vector<group> groups = groups_of(snap_);
    const std::vector<legend_entry> legend = legend_entries();
    const int width = std::max(2 * margin + geo_.group_w, 640);
    const int legend_h = flow(legend, width - 2 * margin).second;
    place(groups, legend_top + legend_h + margin);
    int height = legend_top + legend_h + margin;
    for (const group& g : groups) height += geo_.group_h(g.members.size()) + margin;

    const std::size_t nodes = snap_.cluster.size() + snap_.excluded_nodes.size();
    const std::string title =
        opt.title.empty() ? fmt::format("Cluster: {} nodes, {} chips", nodes, counts_.total) : opt.title;

    svg_writer w;
    w.open("svg", {{"xmlns", "http://www.w3.org/2000/svg"}, {"width", width}, {"height", height},
                   {"viewBox", fmt::format("0 0 {} {}", width, height)}, {"class", "npusched-show"}});
    w.text("title", {}, title);
    w.raw(style_sheet());
    write_defs(w);
    w.leaf("rect", {{"class", "background"}, {"width", width}, {"height", height}, {"fill", "#ffffff"}});
    w.text("text", {{"class", "title"}, {"x", margin}, {"y", 24}}, title);
    w.text("text", {{"class", "counts"}, {"x", margin}, {"y", 42}}, counts_line(nodes));
    write_legend(w, legend, width - 2 * margin);

    int y = legend_top + legend_h + margin;
    for (std::size_t gi = 0; gi < groups.size(); ++gi) {
      write_group(w, groups[gi], y);
      y += geo_.group_h(groups[gi].members.size()) + margin;
    }
    write_outlines(w);
    return std::move(w).finish();
  }

 private:
  // Node positions (absolute, top-left of the frame), by cluster node id.
  void place(const std::vector<group>& groups, int y) {
    origin_.assign(snap_.cluster.size(), {0, 0});
    row_of_.assign(snap_.cluster.size(), {0, 0, 0});
    for (std::size_t gi = 0; gi < groups.size(); ++gi) {
      const auto& g = groups[gi];
      for (std::size_t i = 0; i < g.members.size(); ++i) {
        if (!g.members[i].node) continue;
        const int row = static_cast<int>(i) / geo_.s.per_row, col = static_cast<int>(i) % geo_.s.per_row;
        origin_[g.members[i].node->value] = {margin + group_pad + col * (geo_.node_w + node_gap),
                                             y + group_header + group_pad + row * (geo_.node_h + node_gap)};
        row_of_[g.members[i].node->value] = {static_cast<int>(gi), row, col};
      }
      y += geo_.group_h(g.members.size()) + margin;
    }
  }

  [[nodiscard]] std::string fill_of_paint(const paint& p) const {
    if (p.planned) return fmt::format("url(#planned-{})", paint_index(p));
    return std::string(colour_of(p));
  }
  [[nodiscard]] std::string_view colour_of(const paint& p) const {
    if (p.service.empty()) return other_workload_fill;
    const auto hue = static_cast<std::size_t>(std::distance(services_.begin(), services_.find(p.service)));
    return service_palette[hue % service_palette.size()][shade_of(p.role)];
  }
  [[nodiscard]] std::size_t paint_index(const paint& p) const {
    return static_cast<std::size_t>(std::distance(paints_.begin(), paints_.find(p)));
  }

  [[nodiscard]] std::vector<const superpod_outcome*> outlined_jobs() const {
    std::vector<const superpod_outcome*> out;
    for (const auto& so : plan_.super_pod_jobs)
      if (so.selection.placed && !so.selection.blocks.empty() && so.job < snap_.workload.jobs.size())
        out.push_back(&so);
    return out;
  }

  [[nodiscard]] std::vector<legend_entry> legend_entries() const {
    std::vector<legend_entry> out;
    for (chip_state s : {chip_state::free, chip_state::unhealthy, chip_state::network_unhealthy,
                         chip_state::recovering})
      if (states_.count(s)) out.push_back({std::string(name_of(s)), std::string(name_of(s)), swatch::chip,
                                           std::string(fill_of(s)), {}, {}});
    for (const paint& p : paints_) {
      std::string what = p.service.empty() ? "other workload"
                                           : p.role == service_role::none
                                                 ? p.service
                                                 : fmt::format("{} {}", p.service, name_of(p.role));
      std::string key = fmt::format("{}:{}:{}", p.planned ? "planned" : "used", p.service, name_of(p.role));
      out.push_back({std::move(key), fmt::format("{}: {}", p.planned ? "planned" : "used", what), swatch::chip,
                     fill_of_paint(p), {}, {}});
    }
    std::set<std::string_view> marks;
    for (std::uint32_t i = 0; i < snap_.cluster.size(); ++i)
      for (auto m : node_marks(node_id{i}).marks) marks.insert(m);
    if (!snap_.excluded_nodes.empty()) marks.insert("excluded");
    struct mark_row {
      std::string_view mark, label;
      node_look look;
    };
    const mark_row rows[] = {
        {"not-ready", "node not ready", look_of(node_health::not_ready, false, false)},
        {"unhealthy", "node unhealthy", look_of(node_health::unhealthy, false, false)},
        {"pre-separated", "node pre-separated", look_of(node_health::pre_separate, false, false)},
        {"sub-healthy", "node sub-healthy", look_of(node_health::sub_healthy, false, false)},
        {"cordoned", "node cordoned (dashed)", look_of(node_health::healthy, true, false)},
        {"excluded", "node excluded (hover for the reason)", look_of(node_health::healthy, false, true)},
    };
    for (const auto& r : rows)
      if (marks.count(r.mark))
        out.push_back({fmt::format("node:{}", r.mark), std::string(r.label), swatch::node, {}, r.look, {}});
    const auto jobs = outlined_jobs();
    for (std::size_t j = 0; j < jobs.size(); ++j) {
      const auto& so = *jobs[j];
      out.push_back({fmt::format("logical-super-node:{}", snap_.workload.jobs[so.job].name),
                     fmt::format("{}: {} logical super-node(s) of {} node(s)", snap_.workload.jobs[so.job].name,
                                 so.selection.blocks.size(), so.geometry.block_nodes),
                     swatch::outline, {}, {}, outline_palette[j % outline_palette.size()]});
    }
    return out;
  }

  [[nodiscard]] node_look node_marks(node_id n) const {
    return look_of(snap_.cluster.health(n), !snap_.cluster.schedulable(n), false);
  }

  [[nodiscard]] std::string counts_line(std::size_t nodes) const {
    const cluster& c = snap_.cluster;
    std::set<std::int32_t> super_pods;
    std::size_t in_super_pods = 0;
    for (std::uint32_t i = 0; i < c.size(); ++i)
      if (c.super_pod_id(node_id{i}) >= 0) super_pods.insert(c.super_pod_id(node_id{i})), ++in_super_pods;
    auto n = [&](chip_state s) { return counts_.chips[static_cast<std::size_t>(s)]; };
    return fmt::format(
        "{} nodes ({} in {} super-pods, {} excluded); {} chips: {} free, {} used, {} planned, {} unhealthy, "
        "{} network-unhealthy, {} recovering; plan: {} pods placed, {} not placed",
        nodes, in_super_pods, super_pods.size(), snap_.excluded_nodes.size(), counts_.total, n(chip_state::free),
        n(chip_state::used), n(chip_state::planned), n(chip_state::unhealthy), n(chip_state::network_unhealthy),
        n(chip_state::recovering), plan_.bindings.size(), plan_.unschedulable.size());
  }

  void write_defs(svg_writer& w) const {
    w.open("defs");
    for (const paint& p : paints_)
      if (p.planned) write_hatch(w, fmt::format("planned-{}", paint_index(p)), colour_of(p));
    if (!snap_.excluded_nodes.empty()) write_hatch(w, "excluded-hatch", "#e0e0e0");
    w.close();
  }

  void write_group(svg_writer& w, const group& g, int y) const {
    w.open("g", {{"class", "group"}, {"data-group", g.label}});
    w.leaf("rect", {{"class", "group-frame"}, {"x", margin}, {"y", y}, {"width", geo_.group_w},
                    {"height", geo_.group_h(g.members.size())}, {"rx", 4}, {"fill", "#f5f5f5"},
                    {"stroke", "#e0e0e0"}});
    w.text("text", {{"class", "group-label"}, {"x", margin + group_pad}, {"y", y + 14}}, g.label);
    for (std::size_t i = 0; i < g.members.size(); ++i) {
      const member& m = g.members[i];
      if (m.node) {
        write_node(w, *m.node);
      } else {
        const int row = static_cast<int>(i) / geo_.s.per_row, col = static_cast<int>(i) % geo_.s.per_row;
        write_excluded(w, snap_.excluded_nodes[m.excluded],
                       {margin + group_pad + col * (geo_.node_w + node_gap),
                        y + group_header + group_pad + row * (geo_.node_h + node_gap)});
      }
    }
    w.close();
  }

  void open_node(svg_writer& w, std::string_view name, std::string_view type, const node_look& look,
                 std::pair<int, int> at, std::string_view title) const {
    attrs a{{"class", "node"}, {"data-node", name}, {"data-type", type}};
    if (!look.marks.empty()) a.emplace_back("data-marks", join(look.marks));
    a.emplace_back("transform", fmt::format("translate({},{})", at.first, at.second));
    w.open("g", a);
    w.text("title", {}, title);
    write_frame(w, 0, 0, geo_.node_w, geo_.node_h, look);
  }

  void write_label(svg_writer& w, std::string_view text) const {
    if (geo_.s.label_h == 0) return;
    w.text("text", {{"class", "node-label"}, {"x", geo_.s.pad}, {"y", geo_.node_h - geo_.s.pad - 1}}, text);
  }

  void write_excluded(svg_writer& w, const excluded_node& e, std::pair<int, int> at) const {
    open_node(w, e.node, "", look_of(node_health::healthy, false, true), at,
              fmt::format("{}: excluded ({}): {}", e.node, e.reason, e.message));
    write_label(w, e.node);
    w.close();
  }

  void write_node(svg_writer& w, node_id n) const {
    const cluster& c = snap_.cluster;
    const accelerator_type t = c.type(n);
    const std::string_view name = c.name(n);
    std::string title = fmt::format("{}: {}", name, t == accelerator_type::none ? "no NPUs" : to_string(t));
    if (c.super_pod_id(n) >= 0) title += fmt::format(", super-pod {}", c.super_pod_id(n));
    title += fmt::format(", {}", to_string(c.health(n)));
    if (!c.schedulable(n)) title += ", cordoned";
    const auto& views = views_[n.value];
    title += fmt::format("; {} of {} chips free",
                         std::count_if(views.begin(), views.end(),
                                       [](const chip_view& v) { return v.state == chip_state::free; }),
                         views.size());
    open_node(w, name, to_string(t), node_marks(n), origin_[n.value], title);
    const int size = geo_.s.cell - 1;
    if (is_a3_type(t))
      for (const chip_view& v : views) {
        if (v.chip % 2 != 0) continue;
        const auto [x, y] = geo_.chip_at(t, v.chip);
        w.leaf("rect", {{"class", "die-pair"}, {"x", x - 1}, {"y", y - 1}, {"width", geo_.s.cell + size + 2},
                        {"height", size + 2}});
      }
    for (const chip_view& v : views) {
      const auto [x, y] = geo_.chip_at(t, v.chip);
      const std::string fill = v.who ? fill_of_paint(*v.who) : std::string(fill_of(v.state));
      w.open("rect", {{"class", "chip"}, {"data-node", name}, {"data-chip", v.chip}, {"data-state", name_of(v.state)},
                      {"x", x}, {"y", y}, {"width", size}, {"height", size}, {"fill", fill}});
      w.text("title", {}, tooltip(name, v));
      w.close();
    }
    write_label(w, name);
    w.close();
  }

  // Each logical super-node: one rectangle per run of its nodes that sit
  // side by side in a row, labelled at the first.
  void write_outlines(svg_writer& w) const {
    const auto jobs = outlined_jobs();
    for (std::size_t j = 0; j < jobs.size(); ++j) {
      const auto& so = *jobs[j];
      const std::string& job = snap_.workload.jobs[so.job].name;
      const std::string_view colour = outline_palette[j % outline_palette.size()];
      for (const logical_block& b : so.selection.blocks) {
        std::vector<std::uint32_t> nodes;
        for (node_id n : b.nodes)
          if (n.value < snap_.cluster.size()) nodes.push_back(n.value);
        std::sort(nodes.begin(), nodes.end(), [&](std::uint32_t x, std::uint32_t y) { return row_of_[x] < row_of_[y]; });
        w.open("g", {{"class", "logical-super-node"}, {"data-job", job}, {"data-block", b.id},
                     {"data-super-pod", static_cast<int>(b.super_pod_id)}});
        w.text("title", {},
               fmt::format("{}: logical super-node {} (super-pod {}, {} nodes)", job, b.id, b.super_pod_id,
                           b.nodes.size()));
        for (std::size_t i = 0; i < nodes.size();) {
          std::size_t k = i + 1;
          auto next_to = [&](std::uint32_t a, std::uint32_t b) {
            const auto [ga, ra, ca] = row_of_[a];
            const auto [gb, rb, cb] = row_of_[b];
            return ga == gb && ra == rb && cb == ca + 1;
          };
          while (k < nodes.size() && next_to(nodes[k - 1], nodes[k])) ++k;
          const auto [x, y] = origin_[nodes[i]];
          const int run = static_cast<int>(k - i);
          w.leaf("rect", {{"class", "block-outline"}, {"x", x - 3}, {"y", y - 3},
                          {"width", run * (geo_.node_w + node_gap) - node_gap + 6}, {"height", geo_.node_h + 6},
                          {"fill", "none"}, {"stroke", colour}, {"stroke-width", 2}});
          if (i == 0) {
            // Right-aligned over its outline and cut to its width, so that
            // neighbouring blocks' labels and the group title stay readable;
            // the full name is in the legend and the tooltip.
            const int width = run * (geo_.node_w + node_gap) - node_gap;
            std::string label = fmt::format("{} #{}", job.substr(job.find('/') + 1), b.id);
            const std::size_t fits = static_cast<std::size_t>(std::max(6, width / 6));
            if (label.size() > fits) label = ".." + label.substr(label.size() - (fits - 2));
            w.text("text", {{"class", "block-label"}, {"x", x + width}, {"y", y - 4}, {"text-anchor", "end"},
                            {"fill", colour}},
                   label);
          }
          i = k;
        }
        w.close();
      }
    }
  }

  const snapshot& snap_;
  const plan_result& plan_;
  chip_reader chips_;
  geometry geo_;
  std::vector<std::vector<chip_view>> views_;  // by node id, chips ascending
  counts counts_;
  std::set<paint> paints_;
  std::set<chip_state> states_;
  std::set<std::string> services_;
  std::vector<std::pair<int, int>> origin_;  // node frame top-left, by node id
  std::vector<std::tuple<int, int, int>> row_of_;  // (group, row, column), by node id
};

}  // namespace

std::string render_svg(const snapshot& snap, const plan_result& plan, const picture_options& opt) {
  return picture(snap, plan).render(opt);
}

result<std::string> show_svg(std::string_view snapshot_json, const show_json_options& opt) {
  auto in = prepare_snapshot(snapshot_json, opt.input);
  if (!in.ok()) return in.err();
  const plan_result placed = plan(in->snap.cluster, in->snap.workload, in->options);
  return render_svg(in->snap, placed, opt.picture);
}

}  // namespace npusched::k8s
