#pragma once
/// \file yaml_writer.hpp
/// Kubernetes objects (JSON trees) written as block-style YAML, the way
/// `kubectl get -o yaml` lays them out. Private to `npusched::k8s`.

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace npusched::k8s::detail {

/// One YAML document for `doc`: block style, keys in the object's order,
/// 2-space indentation, list entries that are maps written as `- key: v`,
/// empty maps and lists as `{}` and `[]`. Ends with a newline.
///
/// The text reads back to the same JSON under Kubernetes' YAML reading
/// (YAML 1.1 scalars): a string (value or key) whose plain form could read
/// as null, a bool (`yes`, `on`, `off`, ...), a number, a date or a time, is
/// double-quoted, and so is anything YAML syntax would misread (the emitter's
/// own rules). A string with line breaks is a literal block (`|`) when that
/// block reads back exactly (ends with one line break, first line not
/// indented); otherwise double-quoted with escapes. Integers, bools and null
/// are plain; floats are plain and always carry a `.` or an exponent so they
/// stay floats. Deterministic.
[[nodiscard]] std::string to_yaml(const nlohmann::ordered_json& doc);

/// The documents in order, separated by `---` lines; a non-empty comment
/// heads its document as `# ` lines (one per line of the comment).
[[nodiscard]] std::string to_yaml_documents(
    const std::vector<std::pair<std::string, nlohmann::ordered_json>>& docs);

}  // namespace npusched::k8s::detail
