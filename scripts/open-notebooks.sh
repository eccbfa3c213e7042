#!/usr/bin/env bash
# Opens the notebooks in the classic Jupyter Notebook UI with the project's tslab kernelspec.
# Extra arguments go to `jupyter notebook` (for example --port=8899 or --browser=firefox).
# The server listens on 127.0.0.1 only and prints the URL with its access token.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export JUPYTER_PATH="$repo/jupyter${JUPYTER_PATH:+:$JUPYTER_PATH}"

# Debian's python3 has the notebook module; the first python3 on PATH may not (pyenv, venv).
if /usr/bin/python3 -c "import notebook" 2>/dev/null; then
  launcher=(/usr/bin/python3 -m notebook)
elif command -v jupyter >/dev/null && jupyter notebook --version >/dev/null 2>&1; then
  launcher=(jupyter notebook)
else
  echo "Jupyter Notebook is not installed. Debian: apt-get install jupyter-notebook;" \
    "conda: conda env create -f environment.yml." >&2
  exit 1
fi

extra_flags=()
if [[ "$(id -u)" == 0 ]]; then
  extra_flags+=(--allow-root)  # Containers and CI machines often run as root.
fi
browser_flag=()
if [[ -z "${DISPLAY:-}" && -z "${WAYLAND_DISPLAY:-}" && "$(uname)" != "Darwin" ]]; then
  browser_flag=(--no-browser)  # No graphical session: print the URL instead.
fi

echo "Starting Jupyter Notebook in $repo/notebooks (kernel: TypeScript (tslab, hw5))."
echo "Open the http://127.0.0.1:... URL printed below; stop the server with Ctrl+C."
exec "${launcher[@]}" --ip=127.0.0.1 --notebook-dir="$repo/notebooks" "${extra_flags[@]}" "${browser_flag[@]}" "$@"
