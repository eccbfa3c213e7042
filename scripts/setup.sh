#!/usr/bin/env bash
# Installs what the notebooks and tests need on Debian or Ubuntu: Jupyter's headless runner
# and classic Notebook UI, the fonts charts are drawn with, Fashion-MNIST, OpenBLAS with its
# headers and a C toolchain, and the npm packages from the lock file. Then builds the optional
# native OpenBLAS matMul addon (skipped with a message when it cannot be built) and fetches
# (or verifies) the datasets into data/.
# Elsewhere, create the conda environment in environment.yml first and run this script inside it:
# it skips the system packages when apt-get is missing.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

packages=(jupyter-nbconvert python3-nbclient jupyter-notebook fonts-dejavu-core dataset-fashion-mnist libopenblas-dev g++ make)
if command -v apt-get >/dev/null 2>&1; then
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then
    sudo_cmd=(sudo)
  fi
  echo "Installing system packages: ${packages[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
else
  echo "apt-get not found: skipping system packages. Use the conda environment in environment.yml."
fi

# Debian's Fashion-MNIST package is a local mirror; add it unless the caller set mirrors already.
if [ -d /usr/share/datasets/fashion-mnist ] && [[ ":${HW5_DATA_MIRRORS:-}:" != *":/usr/share/datasets/fashion-mnist:"* ]]; then
  export HW5_DATA_MIRRORS="${HW5_DATA_MIRRORS:+$HW5_DATA_MIRRORS:}/usr/share/datasets/fashion-mnist"
fi

echo "Installing npm packages (npm ci)"
npm ci --no-audit --no-fund

echo "Building the native OpenBLAS addon (npm run native)"
npm run --silent native

echo "Fetching and verifying datasets into ${HW5_DATA_DIR:-data/}"
npm run --silent data
