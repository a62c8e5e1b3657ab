// strategic_merge: the patch rules of docs/ome.md ("Merge").

#include "strategic_merge.hpp"

#include <string_view>

namespace npusched::k8s::detail {

namespace {

using ojson = nlohmann::ordered_json;

bool string_map_field(std::string_view field) {
  for (std::string_view f : {"labels", "annotations", "nodeSelector", "requests", "limits", "config"})
    if (field == f) return true;
  return false;
}

// Pointer fields of the Go types: a zero there is a value, not an omission.
bool pointer_field(std::string_view field) { return field == "minReplicas" || field == "size"; }

bool zero(const ojson& v) {
  return (v.is_boolean() && !v.get<bool>()) || (v.is_number() && v == 0) || (v.is_string() && v.get_ref<const std::string&>().empty());
}

ojson merge_value(std::string_view field, const ojson& base, const ojson& patch);

ojson merge_object(const ojson& base, const ojson& patch, bool keep_all) {
  ojson out = base;
  for (const auto& [k, v] : patch.items()) {
    if (v.is_null()) continue;
    if (keep_all) {
      out[k] = v;
      continue;
    }
    auto it = out.find(k);
    if (it == out.end() || it->is_null()) {
      if (!zero(v) || pointer_field(k)) out[k] = v;
      continue;
    }
    if (pointer_field(k) && !v.is_structured()) {
      *it = v;
      continue;
    }
    *it = merge_value(k, *it, v);
  }
  return out;
}

ojson merge_list(const char* key, const ojson& base, const ojson& patch) {
  ojson out = base;
  for (const auto& e : patch) {
    auto id = e.is_object() ? e.find(key) : e.end();
    bool merged = false;
    if (id != e.end()) {
      for (auto& b : out) {
        if (b.is_object() && b.contains(key) && b[key] == *id) {
          b = merge_object(b, e, false);
          merged = true;
          break;
        }
      }
    }
    if (!merged) out.push_back(e);
  }
  return out;
}

ojson merge_value(std::string_view field, const ojson& base, const ojson& patch) {
  if (patch.is_object() && base.is_object()) return merge_object(base, patch, string_map_field(field));
  if (patch.is_array() && base.is_array()) {
    if (const char* key = merge_key(field)) return merge_list(key, base, patch);
    return patch.empty() ? base : patch;
  }
  if (patch.is_array()) return patch.empty() ? base : patch;
  return zero(patch) ? base : patch;
}

}  // namespace

const char* merge_key(std::string_view field) {
  for (std::string_view f : {"containers", "initContainers", "ephemeralContainers", "imagePullSecrets", "volumes",
                             "resourceClaims", "schedulingGates", "env"})
    if (field == f) return "name";
  if (field == "volumeMounts") return "mountPath";
  if (field == "ports") return "containerPort";
  if (field == "volumeDevices") return "devicePath";
  if (field == "hostAliases") return "ip";
  if (field == "topologySpreadConstraints") return "topologyKey";
  return nullptr;
}

ojson strategic_merge(const ojson& base, const ojson& patch) {
  if (!base.is_object()) return patch;
  if (!patch.is_object()) return base;
  return merge_object(base, patch, false);
}

}  // namespace npusched::k8s::detail
