#pragma once
/// \file k8s/limits.hpp
/// The limits every reader of outside data enforces (docs/limits.md). Input
/// beyond them is an `error_code::limit_exceeded` error naming the place,
/// never a crash, a hang or a silent cut.

#include <cstddef>

namespace npusched::k8s {

/// Largest document, in bytes, an entry point reads (a snapshot, a fault
/// state, an OME document, a watch event). The Python layer and the CLI read
/// files and standard input up to this many bytes and stop there.
inline constexpr std::size_t max_input_bytes = std::size_t{1} << 30;  // 1 GiB

/// Deepest nesting of JSON arrays and objects in a document (the document's
/// top-level value is depth 1). Kubernetes objects, `managedFields`
/// included, stay far below it.
inline constexpr std::size_t max_nesting_depth = 128;

/// Longest excerpt of input text, in bytes, an error message quotes; a
/// longer one is cut on a UTF-8 character boundary and ends in `…`.
inline constexpr std::size_t max_excerpt_bytes = 64;

/// Longest error message, in bytes: a longer one (a message quoting a long
/// value) is cut on a UTF-8 character boundary and ends in `…`.
inline constexpr std::size_t max_message_bytes = 512;

/// Longest key of a JSON object, in bytes. Kubernetes' own keys (field
/// names, label and annotation keys of at most 253 + 63 characters,
/// ConfigMap keys of at most 253) stay far below it; a longer key would put
/// an unbounded string into every field path below it.
inline constexpr std::size_t max_key_bytes = 1024;

/// Longest JSON string value, in bytes. The API server keeps every object
/// below etcd's request limit (1.5 MiB by default), so no string a cluster
/// reports comes near it.
inline constexpr std::size_t max_string_bytes = std::size_t{16} << 20;  // 16 MiB

/// Most bytes an object's annotations may take, keys and values summed:
/// the limit the API server itself enforces (256 KiB), so every object a
/// real cluster holds passes.
inline constexpr std::size_t max_annotation_bytes = std::size_t{256} << 10;

/// Most Nodes and Pods a snapshot or live model holds. Far above the largest
/// Kubernetes clusters run (tens of thousands of nodes); they bound the
/// memory a document of many tiny objects can make the model take (about
/// 5 KB per node and 1.2 KB per pod held).
inline constexpr std::size_t max_nodes = 500'000;
inline constexpr std::size_t max_pods = 5'000'000;

/// What a YAML document of `input_bytes` may expand to through anchors and
/// aliases, counted as one per value plus the characters of each scalar:
/// twice the input's size plus 1 MiB. Text without aliases never comes near
/// it (every value and character it yields is written in it); a few lines of
/// nested aliases (a "billion laughs") stop here with `limit_exceeded`.
constexpr std::size_t yaml_expansion_budget(std::size_t input_bytes) {
  return 2 * input_bytes + (std::size_t{1} << 20);
}

}  // namespace npusched::k8s
