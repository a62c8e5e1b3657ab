#!/usr/bin/env bash
# Pin the e2e Go module to one Kubernetes release.
#
# k8s.io/kubernetes requires its k8s.io/* staging modules at v0.0.0 and replaces
# them with local paths, so it cannot be used as a dependency as-is. This script
# reads the upstream go.mod of the chosen release and replaces each of those
# staging modules with the published v0.<minor>.<patch> tag, then tidies.
#
# Usage: update-replaces.sh [K8S_VERSION [ETCD_VERSION]]   (defaults: v1.36.3 v3.6.13)
set -euo pipefail
cd "$(dirname "$0")"
k8s="${1:-v1.36.3}"
etcd="${2:-v3.6.13}"
staging="v0.${k8s#v1.}"
export GOTOOLCHAIN=local GOFLAGS=-mod=mod
if [[ -n "${NPUSCHED_CACHE:-}" || -z "${GOMODCACHE:-}" ]]; then
  export GOMODCACHE="${NPUSCHED_CACHE:-$HOME/.cache/npusched}/go/mod"
fi

upstream_mod="$(go mod download -json "k8s.io/kubernetes@${k8s}" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')"
[[ -f "$upstream_mod" ]] || { echo "update-replaces: cannot find go.mod of k8s.io/kubernetes@${k8s}" >&2; exit 1; }

# Drop the old k8s.io replaces, then add one per staging module of this release.
go mod edit -json | python3 -c '
import json, sys
for r in json.load(sys.stdin).get("Replace") or []:
    if r["Old"]["Path"].startswith("k8s.io/"):
        print(r["Old"]["Path"])
' | while read -r m; do go mod edit -dropreplace="$m"; done

mods="$(awk '/^replace[[:space:]]*\(/{inb=1; next} inb && /^\)/{inb=0} inb && $1 ~ /^k8s\.io\// && $2 == "=>" && $3 ~ /^\.\// {print $1}
             /^replace[[:space:]]+k8s\.io\// && $3 == "=>" && $4 ~ /^\.\// {print $2}' "$upstream_mod" | sort -u)"
[[ -n "$mods" ]] || { echo "update-replaces: no staging replaces found in $upstream_mod" >&2; exit 1; }
args=()
for m in $mods; do args+=("-replace=${m}=${m}@${staging}"); done
go mod edit "${args[@]}" -require="k8s.io/kubernetes@${k8s}" -require="go.etcd.io/etcd/server/v3@${etcd}"
go mod tidy
echo "update-replaces: k8s.io/kubernetes ${k8s}, etcd ${etcd}, $(wc -w <<<"$mods") staging modules at ${staging}"
