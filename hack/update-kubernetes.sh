#!/usr/bin/env bash
# Pins k8s.io/kubernetes to VERSION and rewrites the replace of every staging
# module (k8s.io/api, client-go, kube-scheduler, metrics, ...) to the matching
# v0.x.y in the product module and in the tools module. The list of staging
# modules is read from k8s.io/kubernetes' own go.mod at VERSION, so modules
# added or removed upstream are picked up without editing this script.
#
# Usage: hack/update-kubernetes.sh 1.36.3   (or v1.36.3)
set -euo pipefail

version=${1:?usage: $0 VERSION (e.g. 1.36.3)}
version=${version#v}
staging="v0.${version#*.}"
root=$(cd "$(dirname "$0")/.." && pwd)

modfile=$(go mod download -json "k8s.io/kubernetes@v${version}" | sed -n 's/.*"GoMod": "\(.*\)",/\1/p')
[ -f "$modfile" ] || { echo "cannot download k8s.io/kubernetes@v${version}" >&2; exit 1; }
mapfile -t mods < <(awk '$2 == "=>" && $3 ~ /^\.\/staging\// {print $1}' "$modfile" | sort -u)
[ ${#mods[@]} -gt 0 ] || { echo "no staging replaces found in $modfile" >&2; exit 1; }

for dir in "$root" "$root/hack/tools"; do
  [ -f "$dir/go.mod" ] || continue
  (
    cd "$dir"
    # Drop every old k8s.io replace first so removed staging modules do not linger.
    for old in $(go mod edit -json | awk -F'"' '/"Old"/{getline; print $4}' | grep '^k8s.io/' || true); do
      go mod edit -dropreplace="$old"
    done
    args=(-require="k8s.io/kubernetes@v${version}")
    for m in "${mods[@]}"; do args+=(-replace="${m}=${m}@${staging}"); done
    go mod edit "${args[@]}"
    go mod tidy
  )
  echo "updated $dir/go.mod: k8s.io/kubernetes v${version}, ${#mods[@]} staging modules at ${staging}"
done
