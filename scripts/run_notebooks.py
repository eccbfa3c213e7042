#!/usr/bin/env python3
"""Execute the project's notebooks headlessly on the tslab kernel and save their outputs.

Usage:
    scripts/run_notebooks.py [NOTEBOOK ...] [--output-dir DIR] [--timeout SECONDS] ...

With no NOTEBOOK, every notebooks/*.ipynb runs in name order. A NOTEBOOK is a path or a name
under notebooks/ (the ".ipynb" suffix is optional). Outputs are saved in place unless
--output-dir is given. The kernel inherits the environment, so HW5_PROFILE and the other HW5_*
variables reach the notebooks.

tslab 1.0.22 differs from the IPython kernel in ways that plain `jupyter nbconvert --execute`
does not handle, so this runner adds:
  * prompt numbers: tslab sends no execution_count, so the runner numbers code cells itself;
  * diagnostics: tslab writes compile errors and exceptions to the cell's stderr stream and
    leaves the error reply empty, so the runner prints the failing cell's source and stderr;
  * stray errors: an exception thrown in a timer or an unhandled rejection only prints
    "UncaughtException:" or "UnhandledPromiseRejection:" into some later output, so the runner
    treats those texts as failures, also when they arrive attached to an earlier cell;
  * aborted requests: after an error tslab replies "abort" to queued cells, which also fails;
  * partial results: a failed notebook is still written, with the cells after the failure
    cleared, so the outputs up to the failure can be inspected.

Cell stdout and stderr are copied to the terminal as they arrive. The exit status is 0 when
every notebook ran cleanly and 1 otherwise.
"""

import os
import sys

DEBIAN_PYTHON = "/usr/bin/python3"

try:
    import nbclient  # noqa: F401
except ImportError:
    # The first python3 on PATH may lack the Jupyter modules (pyenv, venv). Debian's has them.
    if os.path.realpath(sys.executable) != os.path.realpath(DEBIAN_PYTHON) and os.path.exists(
        DEBIAN_PYTHON
    ):
        os.execv(DEBIAN_PYTHON, [DEBIAN_PYTHON, *sys.argv])
    sys.exit(
        f"{sys.executable} cannot import nbclient. Install Jupyter's nbclient "
        "(Debian: apt-get install python3-nbclient; conda: see environment.yml)."
    )

import argparse
import asyncio
import re
import time
from pathlib import Path
from queue import Empty

import nbformat
from nbformat.v4 import output_from_msg
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionComplete, CellExecutionError, CellTimeoutError, DeadKernelError
from nbclient.util import ensure_async

REPO_ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = REPO_ROOT / "notebooks"
KERNELSPEC_DIR = REPO_ROOT / "jupyter"
DEFAULT_KERNEL = "tslab"

# Texts tslab's process-wide handlers print (tslab/dist/main.js and jupyter.js, tslab 1.0.22).
STRAY_ERROR = re.compile(r"^(UncaughtException:|UnhandledPromiseRejection:|unexpected error:)", re.M)


class CellFailure(Exception):
    """A cell that failed, with what the terminal report needs."""

    def __init__(self, cell_index: int, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.cell_index = cell_index
        self.reason = reason
        self.detail = detail


class StreamingClient(NotebookClient):
    """An nbclient NotebookClient that echoes cell streams live and records stray errors."""

    def __init__(self, nb, label: str, **kwargs) -> None:
        super().__init__(nb, **kwargs)
        self.label = label
        self.cell_index_by_msg_id: dict = {}
        self.stray_errors: list = []  # (cell index or None, text)
        self.last_reply_status: str = ""
        self._echoed_header_for: int = -1
        self.on_cell_executed = self._record_reply

    def _record_reply(self, cell, cell_index, execute_reply) -> None:
        self.last_reply_status = (execute_reply or {}).get("content", {}).get("status", "")

    def echo(self, cell_index: int, name: str, text: str) -> None:
        if self._echoed_header_for != cell_index:
            self._echoed_header_for = cell_index
            print(f"[{self.label} cell {cell_index}]", flush=True)
        stream = sys.stderr if name == "stderr" else sys.stdout
        stream.write(text)
        stream.flush()

    def process_message(self, msg, cell, cell_index):
        content = msg.get("content", {})
        if msg.get("msg_type") == "stream":
            self.echo(cell_index, content.get("name", "stdout"), content.get("text", ""))
        elif msg.get("msg_type") == "error":
            self.echo(cell_index, "stderr", "\n".join(content.get("traceback", [])) + "\n")
        return super().process_message(msg, cell, cell_index)

    def note_foreign_message(self, msg) -> None:
        """Checks an IOPub message that belongs to no running cell for stray-error text."""
        if msg.get("msg_type") != "stream":
            return
        text = msg.get("content", {}).get("text", "")
        origin = self.cell_index_by_msg_id.get(msg.get("parent_header", {}).get("msg_id"))
        if origin is not None:
            self.echo(origin, msg["content"].get("name", "stdout"), text)
            self.nb.cells[origin].outputs.append(output_from_msg(msg))
        if STRAY_ERROR.search(text):
            self.stray_errors.append((origin, text))

    async def _async_poll_output_msg(self, parent_msg_id, cell, cell_index):
        # Same loop as nbclient 0.7.2, but messages of other requests are inspected instead of
        # dropped: tslab attaches late timer output to the request that ran before.
        self.cell_index_by_msg_id[parent_msg_id] = cell_index
        while True:
            msg = await ensure_async(self.kc.iopub_channel.get_msg(timeout=None))
            if msg["parent_header"].get("msg_id") == parent_msg_id:
                try:
                    self.process_message(msg, cell, cell_index)
                except CellExecutionComplete:
                    return
            else:
                self.note_foreign_message(msg)

    async def drain_iopub(self, quiet_seconds: float) -> None:
        """Reads IOPub until it stays silent for `quiet_seconds`, checking for stray errors."""
        while True:
            try:
                msg = await ensure_async(self.kc.iopub_channel.get_msg(timeout=quiet_seconds))
            except Empty:
                return
            self.note_foreign_message(msg)


def stream_text(cell, names=("stderr",)) -> str:
    parts = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream" and output.get("name") in names:
            parts.append(output.get("text", ""))
        elif output.get("output_type") == "error":
            parts.append("\n".join(output.get("traceback", [])) or output.get("evalue", ""))
    return "".join(parts)


def check_cell(client: StreamingClient, cell, index: int) -> None:
    """Raises CellFailure when a finished cell was aborted or printed a stray error."""
    if client.last_reply_status in ("abort", "aborted"):
        raise CellFailure(index, "the kernel aborted the request (an earlier request failed)")
    text = stream_text(cell, ("stdout", "stderr"))
    if STRAY_ERROR.search(text):
        raise CellFailure(index, "an uncaught exception was printed", stream_text(cell) or text)
    if client.stray_errors:
        origin, stray = client.stray_errors[0]
        where = f" (attached to cell {origin})" if origin is not None else ""
        raise CellFailure(index, f"an uncaught exception was printed{where}", stray)


async def run_cells(client: StreamingClient, nb, report_seconds: float) -> list:
    """Executes the code cells in order; returns (cell index, seconds) for slow cells."""
    slow = []
    async with client.async_setup_kernel():
        info_id = await ensure_async(client.kc.kernel_info())
        info = await client.async_wait_for_reply(info_id)
        if info is not None and "language_info" in info["content"]:
            nb.metadata["language_info"] = info["content"]["language_info"]

        count = 0
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code" or not cell.source.strip():
                continue
            count += 1
            client.last_reply_status = ""
            started = time.monotonic()
            try:
                await client.async_execute_cell(cell, index, execution_count=count)
            except CellTimeoutError:
                cell["execution_count"] = count
                raise CellFailure(index, f"timed out after {client.timeout} s", stream_text(cell))
            except DeadKernelError:
                cell["execution_count"] = count
                raise CellFailure(index, "the kernel died", stream_text(cell))
            except CellExecutionError as error:
                cell["execution_count"] = count
                detail = stream_text(cell) or str(error)
                raise CellFailure(index, "the cell raised an error", detail)
            # nbclient keeps a count sent by the kernel; tslab sends none, so set it here.
            cell["execution_count"] = count
            seconds = time.monotonic() - started
            if seconds >= report_seconds:
                slow.append((index, seconds))
                print(f"[{client.label} cell {index}] {seconds:.1f} s", flush=True)
            check_cell(client, cell, index)

        # Output of timers that fire right after the last cell arrives with no running request.
        await client.drain_iopub(0.3)
        if client.stray_errors:
            origin, stray = client.stray_errors[0]
            raise CellFailure(origin if origin is not None else -1,
                              "an uncaught exception was printed after the last cell", stray)
    return slow


def clear_after(nb, index: int) -> None:
    for cell in nb.cells[index + 1:]:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None


def print_failure(label: str, nb, failure: CellFailure) -> None:
    lines = [f"FAILED {label}: cell {failure.cell_index}: {failure.reason}"]
    if 0 <= failure.cell_index < len(nb.cells):
        lines += ["--- cell source ---", nb.cells[failure.cell_index].source.rstrip()]
    if failure.detail.strip():
        lines += ["--- error output ---", failure.detail.rstrip()]
    print("\n".join(lines), file=sys.stderr, flush=True)


def resolve_notebooks(names: list) -> list:
    if not names:
        return sorted(NOTEBOOK_DIR.glob("*.ipynb"))
    paths = []
    for name in names:
        candidates = [Path(name), NOTEBOOK_DIR / name, NOTEBOOK_DIR / f"{name}.ipynb"]
        found = next((p for p in candidates if p.is_file()), None)
        if found is None:
            sys.exit(f"Notebook not found: {name} (looked for {', '.join(map(str, candidates))}).")
        paths.append(found.resolve())
    return paths


def sign(nb, path: Path) -> None:
    """Marks the notebook trusted, as `jupyter trust` does, so classic Notebook shows outputs."""
    from nbformat.sign import NotebookNotary

    try:
        NotebookNotary().sign(nb)
    except Exception as error:  # A read-only Jupyter data folder should not fail the run.
        print(f"warning: could not mark {path} trusted: {error}", file=sys.stderr)


def run_notebook(path: Path, args) -> bool:
    label = path.name
    nb = nbformat.read(path, as_version=4)
    kernel = args.kernel or nb.metadata.get("kernelspec", {}).get("name") or DEFAULT_KERNEL
    client = StreamingClient(
        nb,
        label,
        kernel_name=kernel,
        timeout=args.timeout,
        startup_timeout=args.startup_timeout,
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    print(f"run {label} (kernel {kernel}, HW5_PROFILE={os.environ.get('HW5_PROFILE', 'cpu')})",
          flush=True)
    started = time.monotonic()
    failure = None
    try:
        asyncio.run(run_cells(client, nb, args.report_seconds))
    except CellFailure as caught:
        failure = caught
    except (RuntimeError, TimeoutError) as error:  # The kernel failed to start.
        failure = CellFailure(-1, f"the kernel could not run: {error}")
    seconds = time.monotonic() - started

    if failure is not None:
        clear_after(nb, failure.cell_index)
    target = Path(args.output_dir) / path.name if args.output_dir else path
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, target)
    if args.trust:
        sign(nb, target)

    if failure is not None:
        print_failure(label, nb, failure)
        print(f"failed {label} after {seconds:.1f} s; partial notebook written to {target}",
              flush=True)
        return False
    print(f"ok {label} in {seconds:.1f} s -> {target}", flush=True)
    return True


def parse_args(argv: list):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", help="paths or names under notebooks/ (default: all)")
    parser.add_argument("--output-dir", help="write executed copies here instead of in place")
    parser.add_argument("--timeout", type=int, default=None,
                        help="maximum whole seconds per cell (default: no limit)")
    parser.add_argument("--startup-timeout", type=int, default=60,
                        help="maximum seconds for the kernel to start (default: 60)")
    parser.add_argument("--report-seconds", type=float, default=3,
                        help="print the wall time of cells that take at least this long (default: 3)")
    parser.add_argument("--kernel", help="kernel name (default: the notebook's kernelspec, else tslab)")
    parser.add_argument("--no-trust", dest="trust", action="store_false",
                        help="do not mark the written notebooks trusted")
    parser.add_argument("--fail-fast", action="store_true", help="stop after the first failed notebook")
    return parser.parse_args(argv)


PROFILES = ("smoke", "cpu", "full")


def main(argv: list) -> int:
    args = parse_args(argv)
    profile = os.environ.get("HW5_PROFILE", "cpu").strip().lower()
    if profile not in PROFILES:
        print(f"Invalid HW5_PROFILE={os.environ['HW5_PROFILE']!r}: use one of {', '.join(PROFILES)}.", file=sys.stderr)
        return 2
    os.environ["JUPYTER_PATH"] = os.pathsep.join(
        p for p in (str(KERNELSPEC_DIR), os.environ.get("JUPYTER_PATH", "")) if p
    )
    paths = resolve_notebooks(args.notebooks)
    if not paths:
        print(f"No notebooks found in {NOTEBOOK_DIR}.")
        return 0
    started = time.monotonic()
    failed = []
    for path in paths:
        if not run_notebook(path, args):
            failed.append(path.name)
            if args.fail_fast:
                break
    total = time.monotonic() - started
    if failed:
        print(f"{len(failed)} of {len(paths)} notebooks failed ({total:.1f} s): {', '.join(failed)}",
              file=sys.stderr)
        return 1
    print(f"all {len(paths)} notebooks ran in {total:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
