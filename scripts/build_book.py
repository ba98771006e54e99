"""Build the book as `make book` does: warnings are errors, every chapter is executed (from the cache if unchanged).

    python scripts/build_book.py [extra jupyter-book arguments]
    python scripts/build_book.py --student     # the student edition (`make student`): no solutions,
                                                # into _build/student/_build/html

Sphinx re-reads, and jupyter-book's cache re-executes, a chapter whose source changed, but neither notices a change
to what a chapter imports or reads. So both the execution cache and Sphinx's saved environment are emptied whenever
the engine (`collapse/`), the widgets (`widgets/`) or the data the chapters read (`data/`: the corpus manifest and
the stored VAE runs) differ from the last successful build.

Every chapter the build executes is watched (see `install_hooks`):
- each code cell's run time goes to _build/execution_times.json (benchmarks/build_times.py reads it);
- when a chapter has run WATCH_AFTER_S seconds, and again each time one cell has run that long more, the build says
  which chapter and cell it waits on and writes the stacks of the client (this process) and of the kernel
  (py-spy, from requirements-test.txt, if installed) to _build/execution_stalls/;
- the client reads kernel messages in polls of at most POLL_SLICE_S. Builds used to stall for exactly `execute:
  timeout` (then 300 s) in a cell whose kernel was idle and had already sent its reply: pyzmq's asyncio poll had
  missed the message's wake-up, and read it only when the poll timed out (`get_msg_in_slices`);
- a reply still missing REPLY_GRACE_S after the kernel went idle is lost: the cell fails then, not at the timeout;
- a cell that times out, or whose reply is lost, gets its chapter run once more in a fresh kernel; if it stalls
  again the build fails, naming the chapter and the cell.
"""

import asyncio
import copy
import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "_build"
STAMP = BUILD / ".jupyter_cache.code-hash"
STUDENT = BUILD / "student"
TIMINGS = BUILD / "execution_times.json"
STALLS = BUILD / "execution_stalls"
# What a chapter imports or reads while it executes. Not book_assets/: those modules are Sphinx extensions, which no
# chapter imports. .cache/ holds the corpus, which collapse.text checks against data/corpora.json's hash.
CACHE_INPUTS = ("collapse", "widgets", "data")
# Chapters take 1-63 s (median, 2 shared cores; markov the longest, benchmarks/build_times.py): one still running
# after this long has its stacks dumped, which costs a few seconds and tells a slow chapter from a stalled one.
WATCH_AFTER_S = 60
# The longest one wait for a kernel message polls before it checks the socket again (see get_msg_in_slices).
POLL_SLICE_S = 1.0
# The kernel sends a cell's execute_reply just before it reports itself idle: a reply missing this long after is lost.
REPLY_GRACE_S = 10
WATCHED_FLAG = "--watched-jupyter-book"  # internal: run jupyter-book in this process, with the hooks installed


def code_hash(root: Path = ROOT) -> str:
    """A hash of every file under CACHE_INPUTS (bytecode aside): the execution cache is valid while it is unchanged."""
    digest = hashlib.sha256()
    files = [path for folder in CACHE_INPUTS for path in (root / folder).rglob("*")
             if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"]
    for path in sorted(files):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def student_arguments() -> list[str]:
    """jupyter-book arguments for the student edition: _config.yml with solutions removed (book_assets/teaching.py),
    built into its own folder but executed from, and into, the full edition's cache."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    config.setdefault("execute", {})["cache"] = str(BUILD / ".jupyter_cache")
    extensions = config["sphinx"].get("local_extensions", {})
    config["sphinx"]["local_extensions"] = {name: str(ROOT / path) for name, path in extensions.items()}
    settings = config["sphinx"].setdefault("config", {})
    settings["student_edition"] = True
    settings["html_copy_source"] = False  # the page sources hold the solutions
    STUDENT.mkdir(parents=True, exist_ok=True)
    student_config = STUDENT / "_config.yml"
    student_config.write_text(yaml.safe_dump(config, sort_keys=False))
    return ["--config", str(student_config), "--path-output", str(STUDENT)]


def say(message: str) -> None:
    print(f"build_book: {message}", file=sys.stderr, flush=True)


class Watch:
    """What the build is executing now, the cell timings so far, and the thread that dumps stacks of a slow chapter."""

    def __init__(self):
        self.lock = threading.Lock()
        self.chapter = None  # path relative to ROOT
        self.chapter_start = 0.0
        self.cell = None  # (code cell number from 1, first source line, start, kernel pid)
        self.cell_dumps = 0  # dumps taken during the current cell
        self.cell_idle_at = None
        self.chapter_dumped = False
        self.times = {}  # chapter -> {"seconds": s, "cells": [{"cell", "seconds", "source"}], "stalled": [cell]}
        TIMINGS.unlink(missing_ok=True)  # the figures and dumps of this build only
        shutil.rmtree(STALLS, ignore_errors=True)
        threading.Thread(target=self.watch, daemon=True).start()

    @staticmethod
    def chapter_of(path) -> str:
        return Path(path).resolve().relative_to(ROOT).as_posix() if path else "<notebook>"

    def start_chapter(self, path) -> None:
        with self.lock:
            self.chapter = self.chapter_of(path)
            self.chapter_start = time.monotonic()
            self.chapter_dumped = False
            stalled = self.times.get(self.chapter, {}).get("stalled", [])  # kept across the retry
            self.times[self.chapter] = {"seconds": None, "cells": [], **({"stalled": stalled} if stalled else {})}

    def end_chapter(self, seconds: float, error) -> None:
        with self.lock:
            record = self.times[self.chapter]
            record["seconds"] = round(seconds, 3)
            if error is not None:
                record["error"] = f"{type(error).__name__}: {str(error).strip().splitlines()[0][:200]}"
            self.chapter = None
            TIMINGS.parent.mkdir(parents=True, exist_ok=True)
            TIMINGS.write_text(json.dumps(self.times, indent=1) + "\n")

    def start_cell(self, number: int, source: str, kernel_pid) -> None:
        with self.lock:
            first = next((line for line in source.splitlines() if line.strip() and not line.startswith("#")), "")
            self.cell = (number, first.strip()[:80], time.monotonic(), kernel_pid)
            self.cell_dumps = 0
            self.cell_idle_at = None  # when the kernel reported itself idle after this cell

    def end_cell(self) -> None:
        with self.lock:
            number, first, start, _ = self.cell
            if self.chapter is not None:
                self.times[self.chapter]["cells"].append(
                    {"cell": number, "seconds": round(time.monotonic() - start, 3), "source": first})
            self.cell = None

    def note_idle(self) -> None:
        with self.lock:
            if self.cell is not None:
                self.cell_idle_at = time.monotonic()

    def note_lost_reply(self, what: str) -> None:
        with self.lock:
            where = self.where() if self.cell is not None else self.chapter
            if self.chapter is not None and self.cell is not None:
                self.times[self.chapter].setdefault("lost_replies", []).append(
                    {"cell": self.cell[0], "source": self.cell[1], "what": what})
        say(f"{where}: {what}")

    def note_missed_wakeup(self) -> None:
        """A message found by a poll's final check rather than by its wake-up (see get_msg_in_slices)."""
        with self.lock:
            if self.chapter is not None:
                record = self.times[self.chapter]
                record["late_wakeups"] = record.get("late_wakeups", 0) + 1

    def where(self) -> str:
        number, first, start, _ = self.cell
        idle = "" if self.cell_idle_at is None else \
            f", the kernel idle since {time.monotonic() - self.cell_idle_at:.0f} s but no execute_reply yet"
        return f"{self.chapter}, code cell {number} (`{first}`), which has run {time.monotonic() - start:.0f} s{idle}"

    def watch(self) -> None:
        while True:
            time.sleep(1)
            with self.lock:
                if self.chapter is None or self.cell is None:
                    continue
                now = time.monotonic()
                cell_seconds = now - self.cell[2]
                due = (not self.chapter_dumped and now - self.chapter_start >= WATCH_AFTER_S) or \
                    cell_seconds >= WATCH_AFTER_S * (self.cell_dumps + 1)
                if not due:
                    continue
                self.chapter_dumped = True
                self.cell_dumps = int(cell_seconds // WATCH_AFTER_S)
                where, kernel_pid = self.where(), self.cell[3]
                name = f"{Path(self.chapter).stem}-cell{self.cell[0]}-{now - self.chapter_start:.0f}s.txt"
            path = dump_stacks(STALLS / name, where, kernel_pid)
            say(f"still executing {where}; stacks of the client and the kernel in {path.relative_to(ROOT)}")


def dump_stacks(path: Path, where: str, kernel_pid) -> Path:
    """Write what the client (this process) and the kernel are doing: each one's Python stacks, state and CPU use."""
    import faulthandler

    import psutil

    path.parent.mkdir(parents=True, exist_ok=True)
    py_spy = shutil.which("py-spy", path=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    with path.open("w") as out:
        out.write(f"executing {where}\n\n")
        for label, pid in (("kernel", kernel_pid), ("client (jupyter-book)", os.getpid())):
            out.write(f"== {label}, pid {pid}\n")
            try:
                process = psutil.Process(pid)
                cpu = process.cpu_percent(interval=1.0)
                out.write(f"state {process.status()}, {cpu:.0f}% CPU over 1 s, CPU times {process.cpu_times()}\n")
            except (psutil.Error, TypeError, ValueError) as error:
                out.write(f"no process: {error!r}\n")
                continue
            if py_spy is None:
                out.write("(py-spy is not installed: pip install -r requirements-test.txt for Python stacks)\n")
            else:
                # --nonblocking: never pause the target (here the client dumps itself, too).
                done = subprocess.run([py_spy, "dump", "--nonblocking", "--locals", "--pid", str(pid)],
                                      capture_output=True, text=True, timeout=60)
                out.write(done.stdout + done.stderr)
            out.write("\n")
        out.write("== client, every thread (faulthandler)\n")
        out.flush()
        faulthandler.dump_traceback(file=out, all_threads=True)
    return path


def install_hooks(watch: Watch) -> None:
    """Time every cell the build executes, read kernel messages in short polls, fail a cell whose reply is lost,
    and run a chapter once more when one of its cells times out (see the module doc)."""
    from queue import Empty

    from jupyter_client.channels import AsyncZMQSocketChannel
    from jupyter_core.utils import ensure_async
    from myst_nb.core.execute import cache as myst_nb_cache
    from nbclient.client import NotebookClient
    from nbclient.exceptions import CellTimeoutError

    execute_cell = NotebookClient.async_execute_cell

    async def timed_execute_cell(self, cell, cell_index, *args, **kwargs):
        if cell.cell_type != "code" or not cell.source.strip():
            return await execute_cell(self, cell, cell_index, *args, **kwargs)
        process = getattr(getattr(self.km, "provisioner", None), "process", None)
        watch.start_cell(self.code_cells_executed + 1, cell.source, getattr(process, "pid", None))
        try:
            return await execute_cell(self, cell, cell_index, *args, **kwargs)
        finally:
            watch.end_cell()

    NotebookClient.async_execute_cell = timed_execute_cell

    poll_for_reply = NotebookClient._async_poll_for_reply

    async def watched_poll_for_reply(self, msg_id, cell, timeout, task_poll_output_msg, task_poll_kernel_alive):
        """nbclient's wait for a cell's execute_reply, watched: the kernel sends that reply before it reports itself
        idle, so a reply still missing REPLY_GRACE_S after the idle status is lost, not late. Then the kernel is
        sent a kernel_info_request on the same channel (a new message on a socket whose wake-up was missed gets it
        read), and if the reply still does not come, the cell fails now rather than at `execute: timeout`."""
        reply = asyncio.ensure_future(
            poll_for_reply(self, msg_id, cell, timeout, task_poll_output_msg, task_poll_kernel_alive))
        idle_at = poked_at = None
        try:
            while True:
                done, _ = await asyncio.wait({reply}, timeout=0.5)
                if done:
                    if poked_at is not None:
                        watch.note_lost_reply(f"the reply came {time.monotonic() - poked_at:.1f} s after the "
                                              "kernel_info_request: it had been waiting, unread, in the client")
                    return reply.result()
                if not task_poll_output_msg.done():
                    continue
                now = time.monotonic()
                if idle_at is None:
                    idle_at = now
                    watch.note_idle()
                elif poked_at is None and now - idle_at >= REPLY_GRACE_S:
                    poked_at = now
                    watch.note_lost_reply(f"no execute_reply {now - idle_at:.0f} s after the kernel went idle; "
                                          "sending a kernel_info_request")
                    await ensure_async(self.kc.kernel_info())
                elif poked_at is not None and now - poked_at >= REPLY_GRACE_S:
                    watch.note_lost_reply("no reply to the kernel_info_request either: the execute_reply is lost")
                    reply.cancel()
                    task_poll_kernel_alive.cancel()
                    raise CellTimeoutError.error_from_timeout_and_cell(
                        f"The kernel finished this cell (it went idle) but its execute_reply never came "
                        f"(waited {now - idle_at:.0f} s)", int(now - idle_at), cell)
        except asyncio.CancelledError:
            reply.cancel()
            raise

    NotebookClient._async_poll_for_reply = watched_poll_for_reply

    get_msg = AsyncZMQSocketChannel.get_msg

    async def get_msg_in_slices(self, timeout=None):
        """jupyter_client's wait for a message, as polls of at most POLL_SLICE_S. pyzmq's asyncio poll can miss the
        wake-up of a message that has arrived (zmq signals readiness on an edge-triggered descriptor); the message
        then waits, unread, until the poll's own timeout, when pyzmq checks the socket once more. That is the
        300 s stall (cell timeout 300 s): the execute_reply had come, and was read when the timeout ran out."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            remaining = POLL_SLICE_S if deadline is None else max(0.0, deadline - time.monotonic())
            start = time.monotonic()
            try:
                message = await get_msg(self, timeout=min(POLL_SLICE_S, remaining))
            except Empty:
                if deadline is not None and time.monotonic() >= deadline:
                    raise
                continue
            if time.monotonic() - start >= 0.995 * POLL_SLICE_S:  # found by the final check, not by a wake-up
                watch.note_missed_wakeup()
            return message

    AsyncZMQSocketChannel.get_msg = get_msg_in_slices

    run_notebook = myst_nb_cache.single_nb_execution
    start_client = myst_nb_cache.NotebookClientCache.start_client
    current = {}

    def start_watched_client(self):
        current["path"] = self.path  # single_nb_execution is not told which chapter it runs
        return start_client(self)

    def single_nb_execution(notebook, *args, **kwargs):
        pristine = copy.deepcopy(notebook)  # nbclient writes outputs into the notebook it runs
        chapter = watch.chapter_of(current.get("path"))
        for attempt in (1, 2):
            watch.start_chapter(current.get("path"))
            result = run_notebook(notebook, *args, **kwargs)
            watch.end_chapter(result.time, result.err)
            if not isinstance(result.err, CellTimeoutError):
                return result
            stalled = watch.times[chapter]["cells"][-1] if watch.times[chapter]["cells"] else {}
            watch.times[chapter].setdefault("stalled", []).append(stalled)
            reason = " ".join(line.strip() for line in str(result.err).strip().splitlines()[:2])
            say(f"{chapter}: code cell {stalled.get('cell')} (`{stalled.get('source')}`) stalled: {reason} "
                f"(`execute: timeout` in _config.yml is a few times the slowest cell's normal time; what the client "
                f"and the kernel were doing is in {STALLS.relative_to(ROOT)}/). "
                + ("Running the chapter once more, in a fresh kernel." if attempt == 1 else
                   "It stalled on its retry too: the build fails."))
            if attempt == 1:
                notebook.cells[:] = pristine.cells
                notebook.metadata = pristine.metadata
        return result

    myst_nb_cache.NotebookClientCache.start_client = start_watched_client
    myst_nb_cache.single_nb_execution = single_nb_execution


def watched_jupyter_book(arguments: list[str]) -> int:
    """Run jupyter-book's command line in this process with the execution hooks installed."""
    from jupyter_book.cli.main import main as jupyter_book

    install_hooks(Watch())
    try:
        jupyter_book(arguments, prog_name="jupyter-book")
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    return 0


def main(extra: list[str]) -> int:
    if "--student" in extra:
        extra = [argument for argument in extra if argument != "--student"] + student_arguments()
    current = code_hash()
    if not STAMP.exists() or STAMP.read_text() != current:
        for saved in (BUILD / ".jupyter_cache", BUILD / ".doctrees", STUDENT / "_build" / ".doctrees"):
            shutil.rmtree(saved, ignore_errors=True)
    command = [sys.executable, str(Path(__file__).resolve()), WATCHED_FLAG,
               "build", str(ROOT), "-W", "-n", "--keep-going", *extra]
    done = subprocess.run(command, cwd=ROOT)
    if done.returncode == 0:
        BUILD.mkdir(exist_ok=True)
        STAMP.write_text(current)
    return done.returncode


if __name__ == "__main__":
    if sys.argv[1:2] == [WATCHED_FLAG]:
        sys.exit(watched_jupyter_book(sys.argv[2:]))
    sys.exit(main(sys.argv[1:]))
