#!/usr/bin/env bash
# Installs what building and testing npusched needs, on Debian 12 or later:
# the Debian build dependencies (as root, when any is missing) and a Python
# virtualenv at .venv with the build and test requirements from PyPI.
# Sourced by tools/demo and tools/test; safe to run again (it only adds what
# is missing).
set -euo pipefail

NPUSCHED_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NPUSCHED_VENV="${NPUSCHED_VENV:-$NPUSCHED_ROOT/.venv}"

npusched_debian_packages=(
  cmake ninja-build g++ git python3 python3-dev python3-venv
  libfmt-dev libgtest-dev libbenchmark-dev pybind11-dev
  nlohmann-json3-dev libyaml-cpp-dev libsimdjson-dev libssl-dev ccache
  clang libclang-rt-dev
)

# Caches kept outside the clone, so a fresh clone (CI) reuses earlier work:
# compiled objects (ccache) and the e2e API-server binaries (tools/e2e-build).
NPUSCHED_CACHE="${NPUSCHED_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/npusched}"
export NPUSCHED_CACHE

npusched_install_debian() {
  local missing=()
  for p in "${npusched_debian_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "npusched: missing Debian packages: ${missing[*]}" >&2
    echo "npusched: run as root, or: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "npusched: installing ${missing[*]}" >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

npusched_python() {
  # Prefer the interpreter on PATH (it may be a pyenv one); Debian's otherwise.
  command -v python3 || echo /usr/bin/python3
}

npusched_venv() {
  if [ ! -x "$NPUSCHED_VENV/bin/python" ]; then
    echo "npusched: creating the virtualenv $NPUSCHED_VENV" >&2
    "$(npusched_python)" -m venv "$NPUSCHED_VENV"
  fi
  echo "npusched: checking the Python build and test requirements (PyPI)" >&2
  "$NPUSCHED_VENV/bin/python" -m pip install -q --disable-pip-version-check -U pip
  "$NPUSCHED_VENV/bin/python" -m pip install -q --disable-pip-version-check \
    "scikit-build-core>=0.10" "pybind11>=2.11" "pytest>=7" "kubernetes>=28" "hypothesis>=6.100"
}

# Builds and installs the Python package into the venv, reusing a build
# directory so a second run only recompiles what changed. The compiler's
# progress lines ([n/N]) are shown, so a first build (a few minutes) does not
# look hung; everything else pip prints goes to build/python-install.log.
npusched_pip_install() {
  local log="$NPUSCHED_ROOT/build/python-install.log"
  mkdir -p "$NPUSCHED_ROOT/build"
  echo "npusched: building the C++ extension and installing the package into $NPUSCHED_VENV" >&2
  local rc=0
  rm -f "$log.rc"
  { CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-2}" \
      "$NPUSCHED_VENV/bin/python" -m pip install -v --disable-pip-version-check --no-build-isolation \
      --config-settings=build-dir="$NPUSCHED_ROOT/build/python" "$NPUSCHED_ROOT" 2>&1 || echo "$?" > "$log.rc"; } |
    tee "$log" | { grep --line-buffered -E '^ *\[[0-9]+/[0-9]+\] ' || true; } | sed -u 's/^ */  /' >&2
  if [ -f "$log.rc" ]; then rc=$(cat "$log.rc"); rm -f "$log.rc"; fi
  if [ "$rc" -ne 0 ]; then
    echo "npusched: the package build failed; the last lines of $log:" >&2
    tail -n 40 "$log" >&2
    return "$rc"
  fi
}

# Every CMake configure below (the test builds, the packaging consumers, the
# pip build of the extension) compiles through ccache: CMake reads the
# launcher from the environment. Paths are hashed relative to the clone, so a
# clone elsewhere hits the same entries.
npusched_compiler_cache() {
  command -v ccache >/dev/null || return 0
  export CMAKE_CXX_COMPILER_LAUNCHER=ccache
  export CCACHE_DIR="${CCACHE_DIR:-$NPUSCHED_CACHE/ccache}"
  export CCACHE_BASEDIR="$NPUSCHED_ROOT"
  export CCACHE_NOHASHDIR=true
  export CCACHE_MAXSIZE="${CCACHE_MAXSIZE:-5G}"
}

# The AddressSanitizer + UBSan build in build/asan (Debug): the C++ tests of
# tools/test and the Python extension tools/python-asan tests, in one tree.
npusched_configure_asan() {
  cmake -S "$NPUSCHED_ROOT" -B "$NPUSCHED_ROOT/build/asan" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DNPUSCHED_SANITIZE=ON \
    -DNPUSCHED_BUILD_BENCHMARKS=OFF -DNPUSCHED_INSTALL=OFF \
    -DNPUSCHED_BUILD_PYTHON=ON -DPython_EXECUTABLE="$NPUSCHED_VENV/bin/python" >/dev/null
}

npusched_bootstrap() {
  npusched_install_debian
  npusched_venv
  npusched_compiler_cache
}
