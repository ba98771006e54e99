"""Serve the built book with "Live Code" connected to a Jupyter server on this machine (what `make live` runs).

    python scripts/live_book.py [--port 8000]

Starts two servers, both bound to 127.0.0.1: the book (`_build/html`, built first if missing) and `jupyter server`
with a fresh random token, its root at the repository (so that kernels start in the chapter's folder and import this
checkout's `collapse` and `widgets`), answering only pages from the book's origin. Prints the address to open; the
page's `jupyter` and `token` parameters switch "Live Code" from Binder to the local server for the whole tab (see
book_assets/static/live-code.js). Ctrl-C stops both.
"""

import argparse
import functools
import http.server
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "_build" / "html"
FIRST_PAGE = "chapters/telephone.html"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def jupyter_server_command(port: int, token: str, origin: str) -> list[str]:
    command = [
        sys.executable, "-m", "jupyter_server",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}", f"--ServerApp.allow_origin={origin}",
        f"--ServerApp.root_dir={ROOT}", "--ServerApp.open_browser=False", "--ServerApp.log_level=WARN",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # containers and CI often run as root
    return command


def start_jupyter_server(origin: str, timeout_s: float = 60) -> tuple[subprocess.Popen, str, str]:
    """Start `jupyter server` for pages served from `origin`; return the process, its URL and its token once it
    answers. Its kernels find this checkout's packages first, whatever is installed."""
    port, token = free_port(), secrets.token_hex(24)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    # A session of its own: Ctrl-C reaches only this script, which stops the server with SIGTERM (on SIGINT
    # jupyter server would ask for confirmation instead of stopping).
    process = subprocess.Popen(jupyter_server_command(port, token, origin), cwd=ROOT, env=env, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with urllib.request.urlopen(f"{url}api/status?token={token}", timeout=2):
                return process, url, token
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                stop(process)
                raise RuntimeError(f"jupyter server did not answer at {url} (its log is above)") from None
            time.sleep(0.2)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()  # jupyter server shuts its kernels down on SIGTERM
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def live_url(book_url: str, jupyter_url: str, token: str, page: str = FIRST_PAGE) -> str:
    return f"{book_url}{page}?{urlencode({'jupyter': jupyter_url, 'token': token})}"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8000, help="port of the book (the Jupyter server picks a free one)")
    port = parser.parse_args().port
    if not (SITE / "index.html").is_file():
        subprocess.run([sys.executable, str(ROOT / "scripts" / "build_book.py")], cwd=ROOT, check=True)

    book = http.server.ThreadingHTTPServer(("127.0.0.1", port), functools.partial(_QuietHandler, directory=str(SITE)))
    book_url = f"http://127.0.0.1:{book.server_port}/"
    threading.Thread(target=book.serve_forever, daemon=True).start()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # `kill` stops both servers too, as Ctrl-C does
    jupyter, jupyter_url, token = start_jupyter_server(origin=book_url.rstrip("/"))
    try:
        print(f"The book is at {book_url} and its Jupyter server at {jupyter_url}, both on this machine only.")
        print("Open this address, then press Live Code (rocket menu) on any chapter; other pages of the tab follow:")
        print(f"    {live_url(book_url, jupyter_url, token)}")
        print("Ctrl-C stops both servers.", flush=True)
        jupyter.wait()
        print(f"jupyter server stopped unexpectedly (exit {jupyter.returncode})", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stop(jupyter)
        book.shutdown()
        book.server_close()


if __name__ == "__main__":
    sys.exit(main())
