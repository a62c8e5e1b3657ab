// The base model and the serving runtime: reading the model, the node label
// OME's model agent sets for it, and the checks OME makes before it deploys
// a runtime for a model. Rules: docs/ome.md.

#include <charconv>

#include <fmt/format.h>

#include "detail.hpp"
#include "ome_detail.hpp"
#include "digest.hpp"

namespace npusched::k8s::detail {

std::string model_ready_label(const model_info& m) {
  auto shorten = [](const std::string& name, std::size_t budget) {
    if (name.size() <= budget) return name;
    return sha256_hex(name).substr(0, 8) + "-" + name.substr(name.size() - (budget - 9));
  };
  if (m.kind == "ClusterBaseModel") return "models.ome.io/clusterbasemodel." + shorten(m.name, 32);
  return "models.ome.io/" + shorten(m.ns, 16) + ".basemodel." + shorten(m.name, 32);
}

model_info read_model(const object_ref& ref, const ojson& v) {
  model_info m;
  m.kind = ref.kind;
  m.ns = ref.ns;
  m.name = ref.name;
  const auto annotations = string_map_member(ref, v["metadata"], "metadata", "annotations");
  if (auto it = annotations.find("models.ome.io/category"); it != annotations.end()) m.category = it->second;
  for (const auto& [k, val] : annotations)
    if (k.starts_with("ome.io/decryption")) m.decryption_annotations.emplace(k, val);
  const ojson* spec = object_member(ref, v, "", "spec");
  if (!spec) return m;
  if (const ojson* d = member(*spec, "disabled"); d && d->is_boolean() && d->get<bool>())
    ome_fail(ref.at("spec.disabled"), "the model is disabled");
  m.vendor = string_member(ref, *spec, "spec", "vendor").value_or("");
  m.parameter_size = string_member(ref, *spec, "spec", "modelParameterSize").value_or("");
  m.architecture = string_member(ref, *spec, "spec", "modelArchitecture").value_or("");
  m.quantization = string_member(ref, *spec, "spec", "quantization").value_or("");
  if (const ojson* f = object_member(ref, *spec, "spec", "modelFormat")) {
    m.format = string_member(ref, *f, "spec.modelFormat", "name").value_or("");
    m.format_version = string_member(ref, *f, "spec.modelFormat", "version").value_or("");
  }
  if (const ojson* f = object_member(ref, *spec, "spec", "modelFramework")) {
    m.framework = string_member(ref, *f, "spec.modelFramework", "name").value_or("");
    m.framework_version = string_member(ref, *f, "spec.modelFramework", "version").value_or("");
  }
  if (const ojson* s = object_member(ref, *spec, "spec", "storage"))
    m.storage_path = string_member(ref, *s, "spec.storage", "path").value_or("");
  return m;
}

namespace {

/// `7B`, `1.5B`, `500M`, `1T` as a count of parameters; nothing if it does not read.
std::optional<double> parameter_count(std::string_view s) {
  if (s.empty()) return std::nullopt;
  double scale = 1;
  switch (s.back()) {
    case 'K': case 'k': scale = 1e3; break;
    case 'M': case 'm': scale = 1e6; break;
    case 'B': case 'b': case 'G': case 'g': scale = 1e9; break;
    case 'T': case 't': scale = 1e12; break;
    default: scale = 0;
  }
  if (scale != 0) s.remove_suffix(1);
  else scale = 1;
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v * scale;
}

/// Compares dotted versions numerically, part by part (a missing part is 0).
int compare_versions(std::string_view a, std::string_view b) {
  while (!a.empty() || !b.empty()) {
    auto part = [](std::string_view& s) {
      const std::size_t dot = s.find('.');
      std::string_view p = s.substr(0, dot);
      s = dot == std::string_view::npos ? std::string_view() : s.substr(dot + 1);
      std::int64_t v = 0;
      std::from_chars(p.data(), p.data() + p.size(), v);
      return v;
    };
    const auto x = part(a), y = part(b);
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

bool version_matches(std::string_view op, std::string_view want, std::string_view have) {
  if (want.empty()) return true;
  const int c = compare_versions(have, want);
  if (op == "GreaterThan") return c > 0;
  if (op == "GreaterThanOrEqual") return c >= 0;
  if (op == "LessThan") return c < 0;
  if (op == "LessThanOrEqual") return c <= 0;
  return c == 0;
}

}  // namespace

/// Why OME would refuse the runtime for the model, or nothing.
std::optional<std::string> runtime_refusal(const object_ref& rt, const ojson& spec, const model_info& m,
                                           bool model_known) {
  if (const ojson* d = member(spec, "disabled"); d && d->is_boolean() && d->get<bool>())
    return fmt::format("{} is disabled", rt.label());
  if (!model_known) return std::nullopt;
  if (const ojson* formats = member(spec, "supportedModelFormats"); formats && formats->is_array() && !formats->empty()) {
    bool any = false;
    for (const ojson& f : *formats) {
      auto sub = [&](std::string_view key, std::string_view have_name, std::string_view have_version) {
        const ojson* s = member(f, key);
        if (!s || !s->is_object()) return true;
        const std::string name = s->value("name", "");
        if (!name.empty() && name != have_name) return false;
        return version_matches(s->value("operator", "Equal"), s->value("version", ""), have_version);
      };
      const std::string arch = f.is_object() ? f.value("modelArchitecture", "") : "";
      const std::string quant = f.is_object() ? f.value("quantization", "") : "";
      if (sub("modelFormat", m.format, m.format_version) && sub("modelFramework", m.framework, m.framework_version) &&
          (arch.empty() || arch == m.architecture) && (quant.empty() || quant == m.quantization)) {
        any = true;
        break;
      }
    }
    if (!any)
      return fmt::format("no supportedModelFormats entry of {} matches the model's format {} {}, framework {} {}, "
                         "architecture {}",
                         rt.label(), m.format, m.format_version, m.framework, m.framework_version, m.architecture);
  }
  const ojson* range = member(spec, "modelSizeRange");
  if (range && range->is_object() && !m.parameter_size.empty()) {
    const auto size = parameter_count(m.parameter_size);
    const auto lo = parameter_count(range->value("min", ""));
    const auto hi = parameter_count(range->value("max", ""));
    if (size && ((lo && *size < *lo) || (hi && *size > *hi)))
      return fmt::format("the model's modelParameterSize {} is outside the modelSizeRange {}-{} of {}",
                         m.parameter_size, range->value("min", ""), range->value("max", ""), rt.label());
  }
  return std::nullopt;
}

}  // namespace npusched::k8s::detail
