// The bad-input catalogue (tests/data/bad_input/catalogue.json) through the
// C++ API: every hostile input gives its error code and exact field path,
// or its verdict where it is not an error, in bounded time. The Python API
// and the CLI run the same table (tests/python/test_bad_input.py).

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "npusched/k8s/fault_state_json.hpp"
#include "npusched/k8s/pipeline.hpp"

namespace npusched::k8s::test {
namespace {

using ojson = nlohmann::ordered_json;

std::string read_file(const std::string& relative) {
  std::ifstream in(std::string(NPUSCHED_TEST_DATA_DIR) + "/" + relative, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

const ojson& catalogue() {
  static const ojson c = ojson::parse(read_file("bad_input/catalogue.json"));
  return c;
}

std::string from_hex(const std::string& hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return out;
}

ojson& at(ojson& doc, const ojson& path, std::size_t upto) {
  ojson* v = &doc;
  for (std::size_t i = 0; i < upto; ++i) v = path[i].is_number() ? &(*v)[path[i].get<std::size_t>()] : &(*v)[path[i].get<std::string>()];
  return *v;
}

/// The case's input text, built as catalogue.json's "about" describes: raw
/// text, bytes, a generated text, a file, or a base document with values
/// set (as raw JSON text, so they may be numbers no JSON library holds).
std::string input_text(const ojson& c) {
  if (c.contains("text")) return c["text"].get<std::string>();
  if (c.contains("hex")) return from_hex(c["hex"].get<std::string>());
  if (c.contains("generate")) {
    const ojson& g = c["generate"];
    std::string out = g["head"].get<std::string>();
    const std::string unit = g["repeat"].get<std::string>();
    for (int i = 0, n = g["times"].get<int>(); i < n; ++i) out += unit;
    return out + g["tail"].get<std::string>();
  }
  if (c.contains("file")) {
    std::string out = read_file(c["file"].get<std::string>());
    if (c.contains("truncate")) out.resize(c["truncate"].get<std::size_t>());
    return out + c.value("append_text", std::string());
  }
  ojson doc = c.contains("state_base") ? catalogue()["bases"]["state"]
                                       : ojson::parse(read_file(catalogue()["bases"]["cluster"].get<std::string>()));
  for (const auto& p : c.value("remove", ojson::array())) at(doc, p, p.size() - 1).erase(p.back().get<std::string>());
  for (const auto& n : c.value("append_copy", ojson::array())) doc["items"].push_back(doc["items"][n.get<std::size_t>()]);
  for (const auto& p : c.value("append_copy_at", ojson::array())) at(doc, p, p.size() - 1).push_back(at(doc, p, p.size()));
  const ojson sets = c.value("set", ojson::array());
  for (std::size_t i = 0; i < sets.size(); ++i) at(doc, sets[i][0], sets[i][0].size()) = "@@RAW" + std::to_string(i) + "@@";
  std::string text = doc.dump();
  for (std::size_t i = 0; i < sets.size(); ++i) {
    const std::string mark = "\"@@RAW" + std::to_string(i) + "@@\"";
    text.replace(text.find(mark), mark.size(), sets[i][1].get<std::string>());
  }
  return text;
}

result<std::string> run(const ojson& c) {
  const std::string text = input_text(c);
  const std::string input = c.value("input", std::string("snapshot"));
  const std::string cluster = read_file(catalogue()["bases"]["cluster"].get<std::string>());
  if (input == "state") return faults_json(cluster, {"volcano", 1700000000, text});
  plan_json_options opt;
  opt.now_unix_seconds = 1700000000;
  const ojson options = c.value("options", ojson::object());
  if (options.contains("super_pod_size")) opt.super_pod_size = options["super_pod_size"].get<int>();
  if (options.contains("reserve_nodes")) opt.reserve_nodes = options["reserve_nodes"].get<int>();
  if (input == "add") {
    opt.add = {{"add[0]", text}};
    return plan_json(cluster, opt);
  }
  return plan_json(text, opt);
}

bool lists(const ojson& out, const char* key, const char* who, const ojson& want) {
  for (const auto& e : out[key])
    if (e[who] == want[0] && e["reason"] == want[1]) return true;
  return false;
}

TEST(BadInput, EveryCatalogueCaseGivesItsCodeAndPathOrItsVerdict) {
  std::size_t checked = 0;
  for (const ojson& c : catalogue()["cases"]) {
    if (c.value("python_only", false)) continue;
    SCOPED_TRACE(c["name"].get<std::string>());
    const ojson& want = c["want"];
    const auto start = std::chrono::steady_clock::now();
    const result<std::string> r = [&] {
      try {
        return run(c);
      } catch (const std::exception& e) {
        ADD_FAILURE() << "the case could not be built: " << e.what();
        return result<std::string>(error{"", "", error_code::invalid_value});
      }
    }();
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));
    ++checked;
    if (want.contains("code")) {
      if (r.ok()) {
        ADD_FAILURE() << "accepted";
        continue;
      }
      EXPECT_EQ(to_string(r.err().code), want["code"].get<std::string>()) << r.err().what();
      EXPECT_EQ(r.err().path, want["path"].get<std::string>()) << r.err().what();
      if (want.contains("says")) {
        EXPECT_NE(r.err().what().find(want["says"].get<std::string>()), std::string::npos) << r.err().what();
      }
      if (want.contains("max_message")) {
        EXPECT_LE(r.err().what().size(), want["max_message"].get<std::size_t>());
      }
      continue;
    }
    if (!r.ok()) {
      ADD_FAILURE() << "refused: " << to_string(r.err().code) << " " << r.err().path << " / " << r.err().what();
      continue;
    }
    const ojson out = ojson::parse(*r);
    if (want.contains("excluded")) {
      EXPECT_TRUE(lists(out, "excluded_nodes", "node", want["excluded"])) << out["excluded_nodes"].dump();
    }
    if (want.contains("unschedulable")) {
      EXPECT_TRUE(lists(out, "unschedulable", "pod", want["unschedulable"])) << out["unschedulable"].dump();
    }
  }
  EXPECT_GE(checked, 100u);
}

}  // namespace
}  // namespace npusched::k8s::test
