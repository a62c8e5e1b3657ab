// The `npusched show` picture: chip states and colours, A3 die pairs,
// logical super-node outlines, the legend, node marks, escaping, determinism.

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "builders.hpp"
#include "npusched/k8s/picture.hpp"
#include "npusched/synthetic.hpp"
#include "svg_writer.hpp"

namespace npusched::k8s::test {
namespace {

node_spec npu_spec(const std::string& name, accelerator_type t = accelerator_type::module_910b_8) {
  node_spec n;
  n.name = name;
  n.type = t;
  n.inventory = first_chips(max_chips(t));
  n.cpu_allocatable_milli = 64000;
  n.memory_allocatable_bytes = std::int64_t{1} << 38;
  return n;
}

snapshot snapshot_of(std::vector<node_spec> nodes) {
  snapshot s;
  auto c = build_cluster(std::move(nodes));
  EXPECT_TRUE(c.ok()) << c.err().what();
  s.cluster = std::move(*c);
  s.nodes.resize(s.cluster.size());
  return s;
}

/// The start tag of the first element that contains all of `needles`
/// (attribute text such as `data-chip="3"`), or empty.
std::string tag_with(const std::string& svg, const std::vector<std::string>& needles) {
  for (std::size_t at = svg.find('<'); at != std::string::npos; at = svg.find('<', at + 1)) {
    const std::string tag = svg.substr(at, svg.find('>', at) - at + 1);
    if (std::all_of(needles.begin(), needles.end(), [&](const std::string& n) { return tag.find(n) != std::string::npos; }))
      return tag;
  }
  return "";
}

std::string attr_of(const std::string& tag, const std::string& name) {
  const std::string key = " " + name + "=\"";
  const auto at = tag.find(key);
  if (at == std::string::npos) return "";
  const auto begin = at + key.size();
  return tag.substr(begin, tag.find('"', begin) - begin);
}

std::string chip_tag(const std::string& svg, const std::string& node, int chip) {
  return tag_with(svg, {"class=\"chip\"", "data-node=\"" + node + "\"", "data-chip=\"" + std::to_string(chip) + "\""});
}

/// The `<title>` text right after the chip's start tag.
std::string chip_title(const std::string& svg, const std::string& node, int chip) {
  const std::string tag = chip_tag(svg, node, chip);
  const auto at = svg.find(tag) + tag.size();
  const auto begin = svg.find("<title>", at) + 7;
  return svg.substr(begin, svg.find("</title>", begin) - begin);
}

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// A snapshot with one pending pod `serving/new` of service `svc` (decode),
// planned on chip 4 of `n0`.
struct planned_fixture {
  snapshot snap;
  plan_result plan;
};

planned_fixture with_plan(std::vector<node_spec> nodes) {
  planned_fixture f{snapshot_of(std::move(nodes)), {}};
  f.snap.workload.jobs.push_back(job_spec{});
  pod_spec pod;
  pod.name = "serving/new";
  pod.npus = 1;
  f.snap.workload.pods.push_back(pod);
  f.snap.roles["serving/new"] = pod_role{"svc", service_role::decode};
  f.snap.roles["serving/prefill-0"] = pod_role{"svc", service_role::prefill};
  binding b;
  b.pod = 0;
  b.node = *f.snap.cluster.find("n0");
  b.chips = {4};
  f.plan.bindings.push_back(b);
  return f;
}

struct chip_case {
  const char* rule;
  int chip;
  std::string state;
  std::string fill;
  std::string title;  // a part of the tooltip
};

TEST(Picture, ChipStateAndColourRule) {
  node_spec n = npu_spec("n0");
  n.unhealthy = chip_bit(0);
  n.in_use = {chip_holder{0, "default/broken-holder"}, chip_holder{1, "serving/prefill-0"},
              chip_holder{2, "default/batch"}, chip_holder{6, "serving/prefill-0"}};
  n.recovering = chip_bit(3);
  n.network_unhealthy = chip_bit(5) | chip_bit(6);
  auto f = with_plan({n});
  const std::string svg = render_svg(f.snap, f.plan);
  const std::vector<chip_case> cases = {
      {"unhealthy wins over a holder", 0, "unhealthy", "#d32f2f", "unhealthy, held by default/broken-holder"},
      {"service pod: its service's hue, the prefill shade", 1, "used", "#0d47a1",
       "used by serving/prefill-0 (service svc, prefill)"},
      {"holder without a service label is other workload", 2, "used", "#8d8d8d", "(other workload)"},
      {"recovering", 3, "recovering", "#fdd835", "recovering"},
      {"a binding of the plan is planned and hatched", 4, "planned", "url(#planned-2)",
       "planned for serving/new (service svc, decode)"},
      {"network-unhealthy and free", 5, "network-unhealthy", "#ff9800", "withheld from distributed jobs"},
      {"used wins over network-unhealthy", 6, "used", "#0d47a1", ", network-unhealthy"},
      {"nothing applies: free", 7, "free", "#ffffff", "n0 Ascend910-7: free"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.rule);
    const std::string tag = chip_tag(svg, "n0", c.chip);
    EXPECT_EQ(attr_of(tag, "data-state"), c.state);
    EXPECT_EQ(attr_of(tag, "fill"), c.fill);
    EXPECT_NE(chip_title(svg, "n0", c.chip).find(c.title), std::string::npos) << chip_title(svg, "n0", c.chip);
  }
  // The planned pattern is the decode shade of the service's hue.
  EXPECT_NE(svg.find("<pattern id=\"planned-2\""), std::string::npos);
  EXPECT_NE(tag_with(svg, {"fill=\"#1e88e5\""}), "");
}

TEST(Picture, ServicesTakePaletteColoursInNameOrder) {
  node_spec n = npu_spec("n0");
  n.in_use = {chip_holder{0, "s/zeta-0"}, chip_holder{1, "s/alpha-0"}};
  snapshot snap = snapshot_of({n});
  snap.roles["s/zeta-0"] = pod_role{"zeta", service_role::router};
  snap.roles["s/alpha-0"] = pod_role{"alpha", service_role::router};
  const std::string svg = render_svg(snap, {});
  EXPECT_EQ(attr_of(chip_tag(svg, "n0", 1), "fill"), "#90caf9");  // alpha: first hue
  EXPECT_EQ(attr_of(chip_tag(svg, "n0", 0), "fill"), "#ce93d8");  // zeta: second hue
  EXPECT_LT(svg.find("data-key=\"used:alpha:router\""), svg.find("data-key=\"used:zeta:router\""));
}

TEST(Picture, A3DiesOfAChipSideBySide) {
  const snapshot snap = snapshot_of({npu_spec("a3", accelerator_type::module_a3_16), npu_spec("a2")});
  const std::string svg = render_svg(snap, {});
  auto x = [&](const std::string& node, int chip) { return std::stoi(attr_of(chip_tag(svg, node, chip), "x")); };
  auto y = [&](const std::string& node, int chip) { return std::stoi(attr_of(chip_tag(svg, node, chip), "y")); };
  const int cell = x("a3", 1) - x("a3", 0);
  EXPECT_GT(cell, 0);
  for (int k = 0; k < 8; ++k) {
    SCOPED_TRACE(k);
    EXPECT_EQ(y("a3", 2 * k), y("a3", 2 * k + 1));
    EXPECT_EQ(x("a3", 2 * k + 1) - x("a3", 2 * k), cell);
  }
  EXPECT_GT(x("a3", 2) - x("a3", 1), cell);  // pairs are set apart
  EXPECT_GT(y("a3", 8) - y("a3", 0), cell);  // across the rows too
  EXPECT_EQ(x("a2", 2) - x("a2", 1), cell);  // not on other types
  EXPECT_EQ(count(svg, "class=\"die-pair\""), 8u);
}

TEST(Picture, LogicalSuperNodesOutlinedAndLabelled) {
  std::vector<node_spec> nodes;
  for (int i = 0; i < 4; ++i) {
    node_spec n = npu_spec("sp-" + std::to_string(i), accelerator_type::module_a3_16_super_pod);
    n.super_pod_id = 7;
    nodes.push_back(n);
  }
  snapshot snap = snapshot_of(nodes);
  job_spec job;
  job.name = "serving/decode";
  snap.workload.jobs.push_back(job);
  plan_result plan;
  superpod_outcome so;
  so.job = 0;
  so.geometry = {2, 2};
  so.selection.placed = true;
  so.selection.blocks = {logical_block{0, 7, {node_id{2}, node_id{3}}}, logical_block{1, 7, {node_id{0}, node_id{1}}}};
  plan.super_pod_jobs.push_back(so);
  const std::string svg = render_svg(snap, plan);
  EXPECT_EQ(count(svg, "class=\"logical-super-node\" data-job=\"serving/decode\""), 2u);
  EXPECT_EQ(count(svg, "class=\"block-outline\""), 2u);  // each block's two nodes sit side by side
  // The label is the job's name without its namespace, right-aligned over the outline.
  EXPECT_NE(svg.find("text-anchor=\"end\" fill=\"#d50000\">decode #1</text>"), std::string::npos) << svg;
  EXPECT_NE(svg.find("data-key=\"logical-super-node:serving/decode\""), std::string::npos);
  EXPECT_NE(svg.find("serving/decode: 2 logical super-node(s) of 2 node(s)"), std::string::npos);
  EXPECT_NE(svg.find(">super-pod 7: 4 nodes</text>"), std::string::npos);
  // The outline of block 0 starts at its first node (sp-2), 3 px out.
  const std::string outline = tag_with(svg, {"class=\"block-outline\""});
  const std::string node = tag_with(svg, {"class=\"node\"", "data-node=\"sp-2\""});
  EXPECT_NE(node.find("translate(" + std::to_string(std::stoi(attr_of(outline, "x")) + 3) + ","), std::string::npos);
}

struct legend_case {
  const char* rule;
  std::vector<node_spec> nodes;
  std::vector<std::string> keys;
};

TEST(Picture, LegendListsOnlyWhatIsDrawn) {
  node_spec faulty = npu_spec("n0");
  faulty.unhealthy = chip_bit(2);
  faulty.in_use = {chip_holder{0, "default/batch"}};
  node_spec cordoned = npu_spec("n1");
  cordoned.schedulable = false;
  node_spec down = npu_spec("n2");
  down.health = node_health::not_ready;
  const std::vector<legend_case> cases = {
      {"an idle cluster: free only", {npu_spec("n0")}, {"free"}},
      {"faults, other workload", {faulty}, {"free", "unhealthy", "used::"}},
      {"node marks", {npu_spec("n0"), cordoned, down}, {"free", "node:not-ready", "node:cordoned"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.rule);
    const std::string svg = render_svg(snapshot_of(c.nodes), {});
    std::vector<std::string> keys;
    for (auto at = svg.find("class=\"legend-entry\" data-key=\""); at != std::string::npos;
         at = svg.find("class=\"legend-entry\" data-key=\"", at + 1))
      keys.push_back(attr_of(svg.substr(at - 1, svg.find('>', at) - at + 1), "data-key"));
    EXPECT_EQ(keys, c.keys);
  }
}

TEST(Picture, NodeMarks) {
  node_spec cordoned = npu_spec("n1");
  cordoned.schedulable = false;
  node_spec down = npu_spec("n2");
  down.health = node_health::not_ready;
  down.schedulable = false;
  snapshot snap = snapshot_of({npu_spec("n0"), cordoned, down});
  snap.excluded_nodes.push_back(excluded_node{"bad", "no_device_info", "no device information"});
  const std::string svg = render_svg(snap, {});
  EXPECT_EQ(attr_of(tag_with(svg, {"data-node=\"n0\"", "class=\"node\""}), "data-marks"), "");
  EXPECT_EQ(attr_of(tag_with(svg, {"data-node=\"n1\"", "class=\"node\""}), "data-marks"), "cordoned");
  EXPECT_EQ(attr_of(tag_with(svg, {"data-node=\"n2\"", "class=\"node\""}), "data-marks"), "not-ready cordoned");
  EXPECT_EQ(attr_of(tag_with(svg, {"data-node=\"bad\"", "class=\"node\""}), "data-marks"), "excluded");
  EXPECT_NE(svg.find("bad: excluded (no_device_info): no device information"), std::string::npos);
  EXPECT_EQ(count(svg, "class=\"node\""), 4u);
  EXPECT_EQ(count(svg, "class=\"chip\""), 24u);
  EXPECT_NE(svg.find(">4 nodes (0 in 0 super-pods, 1 excluded); 24 chips: 24 free,"), std::string::npos);
}

TEST(Picture, NamesAreEscaped) {
  node_spec n = npu_spec("n<&\"0");
  n.in_use = {chip_holder{0, "ns/p<&\"'"}};
  snapshot snap = snapshot_of({n});
  snap.roles["ns/p<&\"'"] = pod_role{"s<&\"", service_role::prefill};
  const std::string svg = render_svg(snap, {}, {.title = "a < b & \"c\""});
  EXPECT_EQ(svg.find("n<&"), std::string::npos);
  EXPECT_EQ(svg.find("p<&"), std::string::npos);
  EXPECT_NE(svg.find("data-node=\"n&lt;&amp;&quot;0\""), std::string::npos);
  EXPECT_NE(svg.find("used by ns/p&lt;&amp;&quot;&apos; (service s&lt;&amp;&quot;, prefill)"), std::string::npos);
  EXPECT_NE(svg.find(">a &lt; b &amp; &quot;c&quot;</text>"), std::string::npos);
}

TEST(Picture, XmlEscapeRule) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"plain", "plain"}, {"<&>\"'", "&lt;&amp;&gt;&quot;&apos;"}, {"a\x01" "b\tc\n", "a?b\tc\n"}, {"€", "€"}};
  for (const auto& [in, want] : cases) EXPECT_EQ(detail::xml_escape(in), want) << in;
}

TEST(Picture, ShowIsDeterministicAndOrderFree) {
  const auto demo = demo_cluster();
  const std::string text = encode_snapshot(demo.nodes, demo.pending);
  auto first = show_svg(text, {});
  ASSERT_TRUE(first.ok()) << first.err().what();
  json doc = json::parse(text);
  std::reverse(doc["items"].begin(), doc["items"].end());
  auto reversed = show_svg(doc.dump(), {});
  ASSERT_TRUE(reversed.ok());
  EXPECT_EQ(*first, *show_svg(text, {}));
  EXPECT_EQ(*first, *reversed);
  EXPECT_EQ(count(*first, "class=\"node\""), demo.nodes.size());
  EXPECT_GT(count(*first, "data-state=\"planned\""), 0u);
  EXPECT_NE(first->find("<title>Cluster: "), std::string::npos);
}

TEST(Picture, ShowReportsBadInput) {
  auto r = show_svg("{\"kind\":\"List\",\"items\":[{\"kind\":\"Node\"}]}", {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.err().path, "items[0].metadata.name");
}

TEST(Picture, ThousandNodesOneElementPerNodeAndChip) {
  synthetic_options o;
  o.nodes = 1000;
  o.seed = 7;
  const auto gen = generate_cluster(o);
  auto svg = show_svg(encode_snapshot(gen.nodes, gen.pending), {});
  ASSERT_TRUE(svg.ok()) << svg.err().what();
  std::size_t chips = 0;
  for (const auto& n : gen.nodes) chips += static_cast<std::size_t>(chip_count(n.inventory));
  EXPECT_EQ(count(*svg, "<g class=\"node\""), 1000u);
  EXPECT_EQ(count(*svg, "<rect class=\"chip\""), chips);
}

TEST(DecodePodRoles, ServiceAndComponentLabels) {
  json prefill = running_pod("serving", "p-0", "n0", "Ascend910-0", 1);
  prefill["metadata"]["labels"] = {{"ome.io/inferenceservice", "llama"}, {"component", "engine"}};
  json decode = pending_pod("serving", "d-0", 1);
  decode["metadata"]["labels"] = {{"ome.io/inferenceservice", "llama"}, {"component", "decoder"}};
  json router = running_pod("serving", "r-0", "n0", "", 0);
  router["metadata"]["labels"] = {{"component", "router"}};
  json done = running_pod("serving", "old", "n0", "", 0);
  done["metadata"]["labels"] = {{"component", "router"}};
  done["status"]["phase"] = "Succeeded";
  const snapshot s = decode_ok(list({npu_node("n0"), device_plugin_cm("n0"), prefill, decode, router, done,
                                     running_pod("default", "plain", "n0", "Ascend910-1", 1)}));
  const std::map<std::string, pod_role> want = {
      {"serving/d-0", {"llama", service_role::decode}},
      {"serving/p-0", {"llama", service_role::prefill}},
      {"serving/r-0", {"", service_role::router}},
  };
  EXPECT_EQ(s.roles, want);
}

}  // namespace
}  // namespace npusched::k8s::test
