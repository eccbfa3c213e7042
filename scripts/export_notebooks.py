#!/usr/bin/env python3
"""Export executed notebooks to standalone HTML files (default folder: build/html).

Usage:
    scripts/export_notebooks.py [NOTEBOOK ...] [--output-dir DIR]

nbconvert 6.5 (Debian bookworm) empties every SVG output in HTML. Before converting, each
output that has both SVG and PNG keeps only the PNG, and an SVG-only output becomes an <img>
with the SVG as a base64 data URI. Outputs are not executed again: run scripts/run_notebooks.py
first.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_notebooks  # noqa: E402  (also switches to a Python that has the Jupyter modules)

import argparse  # noqa: E402
import base64  # noqa: E402
from pathlib import Path  # noqa: E402

import nbformat  # noqa: E402
from nbconvert import HTMLExporter  # noqa: E402

SVG = "image/svg+xml"


def replace_svg(nb) -> int:
    """Rewrites SVG outputs in place as described in the module doc; returns how many changed."""
    changed = 0
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if SVG not in data:
                continue
            svg = data.pop(SVG)
            svg = "".join(svg) if isinstance(svg, list) else svg
            if "image/png" not in data:
                encoded = base64.b64encode(svg.encode("utf-8")).decode("ascii")
                data["text/html"] = f'<img src="data:image/svg+xml;base64,{encoded}">'
            changed += 1
    return changed


def main(argv: list) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", help="paths or names under notebooks/ (default: all)")
    parser.add_argument("--output-dir", default=str(run_notebooks.REPO_ROOT / "build" / "html"),
                        help="folder for the .html files (default: build/html)")
    args = parser.parse_args(argv)

    paths = run_notebooks.resolve_notebooks(args.notebooks)
    if not paths:
        print(f"No notebooks found in {run_notebooks.NOTEBOOK_DIR}.")
        return 0
    output_dir = Path(args.output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    exporter = HTMLExporter()
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        unexecuted = sum(1 for c in nb.cells if c.cell_type == "code" and c.get("execution_count") is None)
        replace_svg(nb)
        body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": path.stem}})
        target = output_dir / f"{path.stem}.html"
        target.write_text(body, encoding="utf-8")
        note = f" ({unexecuted} code cells not executed)" if unexecuted else ""
        print(f"{path.name} -> {target}{note}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
