// render_yaml: an expansion as the YAML documents `npusched ome render` prints.

#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "npusched/k8s/ome.hpp"
#include "yaml_writer.hpp"

namespace npusched::k8s {

namespace {

using ojson = nlohmann::ordered_json;

std::string warning_line(const ome_warning& w) {
  std::string where = w.source;
  if (!w.object.empty()) where += where.empty() ? w.object : " " + w.object;
  if (!w.path.empty()) where += ": " + w.path;
  return fmt::format("warning [{}] {}: {}", w.code, where, w.message);
}

/// The array's objects as documents, the first one headed by `comment`.
void append_documents(std::vector<std::pair<std::string, ojson>>& out, const std::string& array_json,
                      std::string comment) {
  // Both arrays are written by the expander itself.
  const ojson objects = ojson::parse(array_json.empty() ? "[]" : array_json);
  for (const ojson& o : objects) {
    out.emplace_back(std::move(comment), o);
    comment.clear();
  }
}

}  // namespace

std::string render_yaml(const ome_expansion& e) {
  std::string head = "What `kubectl apply` would get.";
  for (const ome_warning& w : e.warnings) head += "\n" + warning_line(w);
  std::vector<std::pair<std::string, ojson>> docs;
  append_documents(docs, e.applied_json, std::move(head));
  append_documents(docs, e.objects_json,
                   "What OME, the Deployment / LeaderWorkerSet controllers and Volcano would then create.");
  return detail::to_yaml_documents(docs);
}

}  // namespace npusched::k8s
