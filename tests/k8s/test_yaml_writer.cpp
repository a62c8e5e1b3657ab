// to_yaml / to_yaml_documents (lib/k8s/yaml_writer.hpp): the text reads back
// to the same JSON under Kubernetes' (YAML 1.1) scalar resolution.

#include <cstdint>
#include <fstream>
#include <limits>
#include <regex>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "yaml_writer.hpp"

namespace npusched::k8s::detail {
namespace {

using ojson = nlohmann::ordered_json;

// A plain scalar read the way a YAML 1.1 reader does: null, bool, int,
// float, timestamp (kept as a marker object, so it never equals a string),
// else a string.
ojson resolve_plain(const std::string& s) {
  static const std::regex null_re("~|null|Null|NULL|");
  static const std::regex true_re("y|Y|yes|Yes|YES|true|True|TRUE|on|On|ON");
  static const std::regex false_re("n|N|no|No|NO|false|False|FALSE|off|Off|OFF");
  static const std::regex int_re("[-+]?(0|[1-9][0-9_]*)");
  static const std::regex other_int_re("[-+]?(0x[0-9a-fA-F_]+|0o?[0-7_]+|0b[01_]+)");
  static const std::regex float_re(R"([-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?)");
  static const std::regex special_float_re(R"([-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))");
  static const std::regex timestamp_re(R"([0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt ].*)?)");
  static const std::regex sexagesimal_re(R"([-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?)");
  if (std::regex_match(s, null_re)) return nullptr;
  if (std::regex_match(s, true_re)) return true;
  if (std::regex_match(s, false_re)) return false;
  if (std::regex_match(s, int_re)) {
    if (s[0] == '-') return std::stoll(s);
    return std::stoull(s[0] == '+' ? s.substr(1) : s);
  }
  if (std::regex_match(s, other_int_re) || std::regex_match(s, timestamp_re) ||
      std::regex_match(s, sexagesimal_re))
    return ojson{{"not a string", s}};
  if (std::regex_match(s, special_float_re)) return ojson{{"special float", s}};
  if (std::regex_match(s, float_re)) return std::stod(s);
  return s;
}

ojson to_json(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: {
      ojson out = ojson::object();
      for (const auto& kv : n) {
        ojson key = kv.first.Tag() == "!" ? ojson(kv.first.Scalar()) : resolve_plain(kv.first.Scalar());
        // A key that does not read as a string would be renamed by Kubernetes.
        out[key.is_string() ? key.get<std::string>() : "non-string key " + key.dump()] = to_json(kv.second);
      }
      return out;
    }
    case YAML::NodeType::Sequence: {
      ojson out = ojson::array();
      for (const auto& item : n) out.push_back(to_json(item));
      return out;
    }
    case YAML::NodeType::Scalar:
      return n.Tag() == "!" ? ojson(n.Scalar()) : resolve_plain(n.Scalar());
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return nullptr;
  }
  return nullptr;
}

// `dump` keeps integers and floats apart (2 vs 2.0), which `==` does not.
void expect_round_trip(const ojson& doc) {
  const std::string text = to_yaml(doc);
  SCOPED_TRACE(text);
  ojson back;
  try {
    back = to_json(YAML::Load(text));
  } catch (const YAML::Exception& e) {
    FAIL() << "not valid YAML: " << e.what();
  }
  EXPECT_EQ(back.dump(), doc.dump());
}

TEST(YamlWriter, TrickyStringsReadBackAsTheSameStrings) {
  const char* values[] = {
      "on", "off", "On", "OFF", "yes", "no", "y", "N", "true", "False", "TRUE", "null", "Null", "~", "",
      "16", "-16", "+16", "1.0", ".5", "-.5", "1e3", "1_000", "0x1F", "0o17", "017", "0b101", ".inf", "-.Inf",
      ".NaN", "2024-05-01", "2024-05-01T12:00:00Z", "12:30", "190:20:30", "a: b", "x:", "x: ", "key:value",
      "-", "- x", "-x", "--", "---", "...", "*a", "&a", "!a", "%a", "@a", "`a", "|a", ">a", "'a", "\"a", "?a",
      "? a", ",a", "a,b", "{a", "}a", "[a", "]a", "a #b", "#a", "a#b", "<<", "=", " lead", "trail ", "a\tb",
      "\\", "\x01", "a\r\nb", "metadata.annotations['huawei.com/Ascend910']", "\xc3\xa9t\xc3\xa9",
      "a\nb\n", "a\nb", "a\n\nb\n\n", " x\ny\n", "\tx\ny\n", "\n", "\na\n", "a\n  b\n", "a  \nb\n",
      "tcp://${IP}:9000", "$(LWS_LEADER_ADDRESS):5000", "huawei.com/Ascend910",
  };
  for (const char* v : values) {
    SCOPED_TRACE(::testing::PrintToString(std::string(v)));
    expect_round_trip(ojson{{"value", v}});
    expect_round_trip(ojson{{v, 1}});
    expect_round_trip(ojson::array({v}));
  }
}

TEST(YamlWriter, NumbersBoolsAndNullStayUnquotedAndTyped) {
  const ojson values[] = {
      0, -5, 16, std::numeric_limits<std::int64_t>::max(), std::numeric_limits<std::int64_t>::min(),
      std::numeric_limits<std::uint64_t>::max(), 1.5, 2.0, -0.25, 1e20, 1e-7, 123456.789, true, false, nullptr,
  };
  for (const ojson& v : values) {
    SCOPED_TRACE(v.dump());
    expect_round_trip(ojson{{"value", v}});
    const std::string text = to_yaml(ojson{{"value", v}});
    EXPECT_EQ(text.find('"'), std::string::npos);
  }
}

TEST(YamlWriter, NestedAndEmptyContainersRoundTrip) {
  expect_round_trip(ojson::parse(R"({"a": {}, "b": [], "c": [{}, [], [[]], {"d": []}],
      "e": [[1, 2], [{"x": "on", "y": [3]}]], "f": {"g": {"h": {"i": null}}}})"));
  expect_round_trip(ojson::parse(R"([{"name": "a", "value": "1"}, {"name": "b"}])"));
  expect_round_trip(ojson("a scalar document"));
  expect_round_trip(ojson(16));
}

TEST(YamlWriter, BlockLayoutLikeKubectl) {
  const ojson doc = ojson::parse(R"({"kind": "Pod", "metadata": {"name": "p", "labels": {}},
      "spec": {"containers": [{"name": "c", "args": ["a", "16"], "command": "run\nnow\n"}], "tolerations": []},
      "replicas": 2, "ratio": 2.0, "ok": true, "gone": null})");
  EXPECT_EQ(to_yaml(doc),
            "kind: Pod\n"
            "metadata:\n"
            "  name: p\n"
            "  labels: {}\n"
            "spec:\n"
            "  containers:\n"
            "    - name: c\n"
            "      args:\n"
            "        - a\n"
            "        - \"16\"\n"
            "      command: |\n"
            "        run\n"
            "        now\n"
            "  tolerations: []\n"
            "replicas: 2\n"
            "ratio: 2.0\n"
            "ok: true\n"
            "gone: null\n");
}

TEST(YamlWriter, DocumentsAreSeparatedAndHeadedByComments) {
  const std::vector<std::pair<std::string, ojson>> docs{
      {"applied\nby kubectl", ojson{{"a", 1}}},
      {"", ojson{{"b", "no"}}},
      {"objects\n\nlast\n", ojson{{"c", ojson::array()}}},
  };
  EXPECT_EQ(to_yaml_documents(docs),
            "# applied\n# by kubectl\na: 1\n"
            "---\n"
            "b: \"no\"\n"
            "---\n"
            "# objects\n#\n# last\nc: []\n");
  EXPECT_EQ(to_yaml_documents({}), "");
  const auto back = YAML::LoadAll(to_yaml_documents(docs));
  ASSERT_EQ(back.size(), 3U);
  for (std::size_t i = 0; i < back.size(); ++i) EXPECT_EQ(to_json(back[i]).dump(), docs[i].second.dump());
}

TEST(YamlWriter, SharedOmeRuntimesRoundTrip) {
  for (const char* file :
       {"llama-3-2-1b-instruct-rt-pd-distributed.yaml", "llama-3-2-1b-instruct-rt-pd-standalone.yaml"}) {
    SCOPED_TRACE(file);
    std::ifstream in(std::string(NPUSCHED_TEST_DATA_DIR) + "/ome/" + file);
    ASSERT_TRUE(in) << "missing test data";
    std::stringstream text;
    text << in.rdbuf();
    const ojson doc = to_json(YAML::Load(text.str()));
    ASSERT_TRUE(doc.is_object());
    EXPECT_EQ(doc["kind"], "ClusterServingRuntime");
    expect_round_trip(doc);
    EXPECT_EQ(to_yaml(doc), to_yaml(doc));
  }
}

}  // namespace
}  // namespace npusched::k8s::detail
