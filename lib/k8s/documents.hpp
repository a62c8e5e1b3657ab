#pragma once
/// \file documents.hpp
/// Input files as Kubernetes objects: YAML (one or many documents) or JSON
/// (an object, a List, or an array of objects), read the way `kubectl apply`
/// reads them. Private to `npusched::k8s`.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "npusched/k8s/ome.hpp"
#include "npusched/result.hpp"

namespace npusched::k8s::detail {

/// One object of an input file. `source` names it for messages:
/// `isvc.yaml[2]` (the third YAML document, or the third element of a JSON
/// array), `list.json[0].items[4]` (an item of a List).
struct document {
  std::string source;
  nlohmann::ordered_json value;
};

/// Every object of `in`, in file order. Empty YAML documents are skipped; a
/// List's `items` and a JSON array's elements are separate documents.
/// YAML scalars follow Kubernetes' YAML reading: a quoted scalar is a string;
/// a plain one is null (`null`, `~`, empty), a boolean (YAML 1.1 spellings:
/// `true`/`yes`/`on`/`y` and their opposites, in lower, Capitalised or UPPER
/// case), an integer, a float, or else a string. Errors name `file[index]`
/// and the line and column.
[[nodiscard]] result<std::vector<document>> read_documents(const source_document& in);

}  // namespace npusched::k8s::detail
