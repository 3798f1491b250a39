"""Warm, clean kernels: each notebook gets a kernel no other notebook touched, without paying the imports.

A *kernel server* is a process that imports the scientific libraries once (``WARM_MODULES``)
and then forks, on request, a new process that becomes one ipykernel. A forked kernel starts
with those modules in ``sys.modules`` (copy-on-write memory) but with nothing else: it is a
new process, its namespace is empty, its execution count starts at 1, and it is used for one
notebook only. A notebook therefore sees exactly the state of a fresh kernel, minus the cost
of starting Python and importing numpy, pandas, scipy, statsmodels, matplotlib and seaborn.

The kernel manager (``jupyter_client``) launches a tiny stdlib-only *attach* process instead
of ``python -m ipykernel_launcher``: it hands its command line, working folder, environment
and standard streams to the server, forwards signals (interrupts) to the forked kernel, and
exits when the kernel exits; the kernel exits when the attach process dies (killed by the
manager). Papermill stays the executor: it receives the started manager through ``km=``.

Kernels talk to the manager over IPC sockets (Unix domain sockets) in a private folder
(mode 0700), so no TCP port is opened and nothing is sent in plain text over the network.

Where ``fork`` is unavailable, or the server cannot start, ``start_kernel`` falls back to an
ordinary kernel (same transport) with the modules imported silently ahead of the notebook.
"""

from __future__ import annotations

import atexit
import concurrent.futures as cf
import functools
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

# Imported by the server (or, as a fallback, silently in a started kernel) before any notebook.
# The project's own modules are included: importing them defines functions and constants only (no
# setting is taken from the environment at import), so a forked kernel holds exactly what a fresh
# one would after the same imports. The server also reads the data folder (``rotation.data.loading.preload``) and the
# claims file once: both are kept per content, so a kernel gets a copy of what it would read itself.
WARM_MODULES = (
    "numpy",
    "pandas",
    "scipy.stats",
    "scipy.signal",
    "statsmodels.regression.linear_model",
    "matplotlib",
    "matplotlib.pyplot",
    "seaborn",
    "IPython",
    "ipykernel.kernelapp",
    "matplotlib_inline.backend_inline",
    # what ipykernel and IPython import while a kernel starts (its debugger, history, magics), found by
    # comparing a started kernel's sys.modules with the server's (tests/test_kernels.py checks the list)
    "ipykernel.ipkernel",
    "ipykernel.debugger",
    "IPython.core.debugger",
    "IPython.core.completerlib",
    "IPython.core.oinspect",
    "IPython.core.logger",
    "IPython.extensions.storemagic",
    "sqlite3",
    "tornado.gen",
    "tornado.queues",
    "tornado.platform.asyncio",
    # what the notebooks' first figure, table or HAC fit imports on first use (PIL's image plugins, pandas' formatters...)
    "PIL.Image",
    "PIL.PngImagePlugin",
    "PIL.BmpImagePlugin",
    "PIL.GifImagePlugin",
    "PIL.JpegImagePlugin",
    "PIL.PpmImagePlugin",
    "pyarrow.pandas_compat",
    "pandas.io.formats.html",
    "pandas.io.formats.string",
    "pandas.io.formats.csvs",
    "pandas.core.reshape.reshape",
    "statsmodels.stats.sandwich_covariance",
    "statsmodels.base.covtype",
    "rotation.outputs.colors",
    "rotation.outputs.plots",
    "rotation.data.loading",
    "rotation.claims.measures.base",
    "rotation.claims.registry",
    "rotation.outputs.results",
    "rotation.analytics.forward",
    "rotation.analytics.nulls",
    "rotation.analytics.rarity",
    "rotation.analytics.streaks",
    "rotation.analytics.episodes",
    "rotation.analytics.aftermath",
    "rotation.analytics.markets",
    "rotation.analytics.spread",
    "rotation.analytics.technicals",
    "rotation.outputs.scorecard",
    "rotation.run.runner",
    "rotation.analytics.returns",
    "rotation.core.fmt",
)
SERVER_ENV = "ROTATION_KERNEL_SERVER"  # socket of a running server, shared by a sweep's worker processes
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"  # what ipykernel sets when MPLBACKEND is empty
_KERNEL_ARGS = ["--HistoryManager.hist_file=:memory:"]

# The attach process: stdlib only, started with ``python -I -S`` (no site-packages) for speed.
ATTACH_SOURCE = r"""
import json, os, signal, socket, sys
path, argv = sys.argv[1], sys.argv[2:]
conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
conn.connect(path)
request = json.dumps({"argv": argv, "cwd": os.getcwd(), "env": dict(os.environ)}).encode()
socket.send_fds(conn, [len(request).to_bytes(8, "big") + request], [0, 1, 2])
pid = int(conn.makefile("rb").readline() or 0)
if pid <= 0:
    sys.exit(1)
def forward(signum, frame):
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass
for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT, signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2):
    signal.signal(sig, forward)
try:  # Linux: when the runner dies (even by SIGKILL), end the kernel too, so nothing is left running
    import ctypes
    ctypes.CDLL(None).prctl(1, int(signal.SIGTERM))  # PR_SET_PDEATHSIG
except Exception:
    pass
while True:
    try:
        if not conn.recv(1):
            break
    except InterruptedError:
        continue
"""


# ---------------------------------------------------------------------------------------------
# The server (runs in its own process: ``python -m rotation.run.kernels SOCKET``)


def _recv_request(conn: socket.socket) -> tuple[dict, list[int]]:
    data, fds, _flags, _addr = socket.recv_fds(conn, 1 << 20, 3)
    size = int.from_bytes(data[:8], "big")
    body = data[8:]
    while len(body) < size:
        chunk = conn.recv(size - len(body))
        if not chunk:
            raise ConnectionError("attach process closed the connection")
        body += chunk
    return json.loads(body), list(fds)


def _become_kernel(conn: socket.socket, request: dict, fds: list[int]) -> None:
    """In the forked child: take the attach process's streams, folder and environment; run one ipykernel."""
    for target, fd in zip((0, 1, 2), fds):
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    os.environ.setdefault("MPLBACKEND", INLINE_BACKEND)
    if "numpy" in sys.modules:  # the legacy global generator was seeded in the server: reseed as a fresh process would
        sys.modules["numpy"].random.seed()
    _as_if_imported_in_a_kernel()

    def watch() -> None:  # the attach process died (killed by the manager): so does the kernel
        try:
            while conn.recv(1):
                pass
        except OSError:
            pass
        os._exit(1)

    threading.Thread(target=watch, name="rotation-attach-watch", daemon=True).start()
    # ipykernel reads JPY_PARENT_PID when it is imported (in the server, where it is unset): pass it explicitly,
    # as a kernel launched by a manager has it (no "Ctrl-C will not work" banner on the run's terminal)
    parent = request["env"].get("JPY_PARENT_PID", "").strip()
    sys.argv = [
        "ipykernel_launcher",
        *request["argv"],
        *([f"--IPKernelApp.parent_handle={parent}"] if parent.isdigit() else []),
    ]
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()


def _as_if_imported_in_a_kernel() -> None:
    """Undo what the libraries decided at import from running outside a kernel (the server is not one).

    pandas sets ``display.max_columns`` to 0 (fit the terminal) when imported outside a Jupyter
    kernel and to 20 inside one; a notebook must see the kernel's value, in its default too.
    """
    pandas = sys.modules.get("pandas")
    if pandas is None:
        return
    try:
        from pandas._config import config

        registered = config._registered_options.get("display.max_columns")
        if registered is not None:
            config._registered_options["display.max_columns"] = registered._replace(defval=20)
    except Exception:  # noqa: BLE001 - the current value below is what matters
        pass
    pandas.set_option("display.max_columns", 20)


def serve(path: str) -> None:
    """Import ``WARM_MODULES``, listen on the Unix socket ``path``, fork one kernel per connection."""
    import signal

    signal.signal(
        signal.SIGINT, signal.SIG_IGN
    )  # interrupts are for kernels (forwarded by their attach process), not the server
    os.environ.setdefault("MPLBACKEND", INLINE_BACKEND)  # as ipykernel does before any notebook imports pyplot
    import importlib

    from rotation.core.lazy import defer_uri_syntax

    defer_uri_syntax()

    for name in WARM_MODULES:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - a missing optional library is imported (and fails) in the notebook instead
            pass
    try:  # the data folder's files, read and validated once for every kernel (rotation.data.loading.read_csv_file)
        from rotation.data import loading

        if os.environ.get(loading.VALIDATED_ENV):  # those the runner has just validated, handed over
            loading.load_validated(Path(os.environ[loading.VALIDATED_ENV]))
        loading.preload()
    except Exception:  # noqa: BLE001 - a notebook reading a bad file or folder reports it itself
        pass
    try:  # and the project's claims file (rotation.claims keeps it per content)
        from rotation.claims import registry

        registry.load_registry()
    except Exception:  # noqa: BLE001 - likewise
        pass
    # Kernels are reaped as they exit (so their CPU time is counted in this process's children, and
    # in turn in its parent's once this process is waited for); SIGTERM stops the server.
    signal.signal(signal.SIGCHLD, lambda signum, frame: _reap())
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(16)
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    try:
        _accept_forever(listener)
    finally:
        import time

        signal.signal(
            signal.SIGTERM, signal.SIG_IGN
        )  # stopping already: a second SIGTERM must not cut the reaping short
        deadline = time.monotonic() + 3.0  # kernels just stopped exit within moments: count them too
        while time.monotonic() < deadline:
            _reap()
            try:
                os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            time.sleep(0.02)


def _reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _accept_forever(listener: socket.socket) -> None:
    import signal

    while True:
        conn, _ = listener.accept()
        try:
            request, fds = _recv_request(conn)
        except (OSError, ValueError, ConnectionError):
            conn.close()
            continue
        pid = os.fork()
        if pid == 0:  # the kernel
            try:
                listener.close()
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                signal.signal(
                    signal.SIGINT, signal.default_int_handler
                )  # as in a fresh process (the server ignores it)
                _become_kernel(conn, request, fds)
            finally:
                os._exit(0)
        for fd in fds:
            os.close(fd)
        try:
            conn.sendall(f"{pid}\n".encode())
        except OSError:
            pass
        conn.close()


class KernelServer:
    """A running server process (see the module docstring); ``close`` stops it (its kernels are unaffected)."""

    def __init__(
        self, env: dict[str, str] | None = None, timeout: float = 120.0, options: list[str] | None = None
    ) -> None:
        """``options``: interpreter options of the server, so of its kernels (``interpreter_options``)."""
        self.folder = Path(tempfile.mkdtemp(prefix="rotation-kernels-"))  # mode 0700
        self.path = str(self.folder / "server.sock")
        environ = {**os.environ, **(env or {})}
        self.process = subprocess.Popen(
            [sys.executable, *(options or []), "-m", "rotation.run.kernels", self.path],
            stdout=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            env=environ,
            cwd=str(self.folder),
            # a session of its own, as jupyter_client gives every kernel: a terminal's Ctrl-C (SIGINT to the run's
            # process group) reaches the runner only, which stops the kernels itself; the server and its kernels
            # end with the runner however it ends (PR_SET_PDEATHSIG, see _die_with_parent)
            start_new_session=True,
        )
        self.owned = True
        ready = self.process.stdout.readline() if self.process.stdout else b""
        if ready.strip() != b"ready":
            self.close()
            raise RuntimeError("the kernel server did not start")

    @classmethod
    def attach(cls, path: str) -> KernelServer:
        """A handle on a server started by another process (a sweep's parent)."""
        server = cls.__new__(cls)
        server.folder, server.path, server.process, server.owned = Path(path).parent, path, None, False
        return server

    def alive(self) -> bool:
        return os.path.exists(self.path) and (self.process is None or self.process.poll() is None)

    def close(self) -> None:
        if not self.owned:
            return
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
        shutil.rmtree(self.folder, ignore_errors=True)


def interpreter_options(kernel: str) -> list[str]:
    """The interpreter options of kernel spec ``kernel`` (between the interpreter and ``-m``), e.g.
    ``-Xfrozen_modules=off``, which ipykernel sets so that its debugger sees every module; [] if unknown."""
    try:
        from jupyter_client.kernelspec import KernelSpecManager

        argv = KernelSpecManager().get_kernel_spec(kernel).argv
    except Exception:  # noqa: BLE001 - no such spec: the pool falls back to what papermill does
        return []
    return list(argv[1 : argv.index("-m")]) if "-m" in argv else []


# ---------------------------------------------------------------------------------------------
# Kernel managers


@functools.lru_cache(maxsize=1)
def _manager_class():
    from jupyter_client.manager import KernelManager

    class ForkedKernelManager(KernelManager):
        """A kernel manager whose kernel is forked by a ``KernelServer`` (launched through the attach process)."""

        server_path = ""

        def format_kernel_cmd(self, extra_arguments=None):
            cmd = super().format_kernel_cmd(extra_arguments)
            if "-f" not in cmd:
                return cmd
            return [sys.executable, "-I", "-S", "-c", ATTACH_SOURCE, self.server_path, *cmd[cmd.index("-f") :]]

    return KernelManager, ForkedKernelManager


def _new_manager(kernel: str, runtime: Path, server: KernelServer | None):
    """A kernel manager on IPC transport, its connection file (and sockets) in the private ``runtime`` folder."""
    import uuid

    plain, forked = _manager_class()
    connection = str(runtime / f"k-{uuid.uuid4().hex[:12]}.json")
    km = (forked if server is not None else plain)(kernel_name=kernel, transport="ipc", connection_file=connection)
    if server is not None:
        km.server_path = server.path
    km.client_class = "jupyter_client.asynchronous.AsyncKernelClient"  # what nbclient expects from km.client()
    return km


_WARM_CODE = "import importlib as _il\nfor _m in {modules!r}:\n    try:\n        _il.import_module(_m)\n    except Exception:\n        pass\ndel _il, _m\n"


def _wait_ready(km, warm: bool) -> None:
    """Wait until the kernel answers; with ``warm``, import ``WARM_MODULES`` in it silently (outside the history)."""
    kc = km.blocking_client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=60)
        if warm:
            msg_id = kc.execute(_WARM_CODE.format(modules=WARM_MODULES), silent=True, store_history=False)
            while kc.get_shell_msg(timeout=120)["parent_header"].get("msg_id") != msg_id:
                pass
    finally:
        kc.stop_channels()


def start_kernel(
    kernel: str, cwd: Path, runtime: Path, server: KernelServer | None = None, env: dict[str, str] | None = None
):
    """Start one kernel for one notebook; returns its started manager (the caller shuts it down with ``stop_kernel``).

    With a live ``server``, the kernel is forked from it; otherwise an ordinary kernel is
    started and the warm modules are imported in it silently. ``env`` is added to its environment.
    """
    use = server if server is not None and server.alive() else None
    km = _new_manager(kernel, runtime, use)
    kwargs = {"cwd": str(cwd), "extra_arguments": list(_KERNEL_ARGS)}
    if env:
        kwargs["env"] = {**os.environ, **env}
    km.start_kernel(**kwargs)
    try:
        _wait_ready(km, warm=use is None)
    except BaseException:
        stop_kernel(km)
        raise
    return km


def is_forked(km) -> bool:
    """Whether a kernel manager's kernel was forked from a server (rather than started cold)."""
    return bool(getattr(km, "server_path", ""))


def kill_kernel(km) -> None:
    """End a kernel's process at once with SIGKILL, from any thread (no message sent through the manager's
    sockets, which belong to the thread executing the notebook): that thread then sees a dead kernel, returns,
    and shuts the manager down itself. A forked kernel ends when its attach process does."""
    process = getattr(getattr(km, "provisioner", None), "process", None)
    if process is None:
        return
    try:
        process.kill()
    except (OSError, ValueError):  # already gone
        pass


def stop_kernel(km) -> None:
    """Shut a kernel down, quietly (it may already be dead), and remove its connection file."""
    try:
        km.shutdown_kernel(now=True)
    except Exception:  # noqa: BLE001 - best effort
        pass
    try:
        km.cleanup_resources()
    except Exception:  # noqa: BLE001
        pass


# ---------------------------------------------------------------------------------------------
# The pool a run (or a sweep worker) draws its kernels from


class KernelPool:
    """Kernels for a sequence of notebooks, one each, the next one started while the current notebook runs.

    ``take()`` returns a started kernel manager, never used before (or None when no kernel
    could be started, so the caller lets papermill start one). The pool uses the server named
    by ``ROTATION_KERNEL_SERVER`` when set (a sweep shares one), else starts its own.
    """

    def __init__(self, kernel: str, cwd: Path, *, env: dict[str, str] | None = None, fork: bool = True) -> None:
        self.kernel, self.cwd, self.env = kernel, Path(cwd), dict(env or {})
        self.runtime = Path(tempfile.mkdtemp(prefix="rotation-run-"))  # connection files and IPC sockets, mode 0700
        self.executor = cf.ThreadPoolExecutor(max_workers=1, thread_name_prefix="rotation-kernel")
        self.server: KernelServer | None = None
        self._server_future = self.executor.submit(self._server, fork)
        self.pending: cf.Future | None = None

    def _server_env(self) -> dict[str, str]:
        """The kernels' environment, plus the data files this process has validated (``rotation.data.loading.save_validated``)."""
        loading = sys.modules.get(
            "rotation.data.loading"
        )  # imported by the run's data check; not otherwise (no pandas import here)
        saved = loading.save_validated(self.runtime / "validated.pickle") if loading is not None else None
        return {**self.env, loading.VALIDATED_ENV: str(saved)} if saved is not None else self.env

    def _server(self, fork: bool) -> KernelServer | None:
        if not fork or not hasattr(os, "fork") or not hasattr(socket, "send_fds"):
            return None
        shared = os.environ.get(SERVER_ENV, "").strip()
        if shared and os.path.exists(shared):
            return KernelServer.attach(shared)
        try:
            return KernelServer(env=self._server_env(), options=interpreter_options(self.kernel))
        except Exception:  # noqa: BLE001 - fall back to ordinary kernels
            return None

    def _start(self):
        if self.server is None and self._server_future is not None:
            self.server = self._server_future.result()
            self._server_future = None
        return start_kernel(self.kernel, self.cwd, self.runtime, self.server, self.env)

    def prefetch(self) -> None:
        """Start the next kernel in the background (if not already)."""
        if self.pending is None:
            self.pending = self.executor.submit(self._start)

    def take(self, more: bool = False):
        """A started kernel (None on failure); with ``more``, start the next one in the background."""
        self.prefetch()
        future, self.pending = self.pending, None
        try:
            km = future.result()
        except Exception:  # noqa: BLE001 - papermill starts its own kernel instead
            km = None
        if more:
            self.prefetch()
        return km

    def close(self) -> None:
        """Stop the kernel started ahead (if any) and the pool's own server."""
        if self.pending is not None:
            try:
                stop_kernel(self.pending.result())
            except Exception:  # noqa: BLE001
                pass
            self.pending = None
        self.executor.shutdown(wait=True)
        if self.server is None and self._server_future is not None:
            try:
                self.server = self._server_future.result()
            except Exception:  # noqa: BLE001
                self.server = None
        if self.server is not None:
            self.server.close()
        shutil.rmtree(self.runtime, ignore_errors=True)

    def __enter__(self) -> KernelPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def shared_server(kernel: str, env: dict[str, str] | None = None) -> KernelServer | None:
    """A server of kernels of spec ``kernel`` for several processes (a sweep): started here, announced to
    workers through ``ROTATION_KERNEL_SERVER``."""
    if not hasattr(os, "fork") or not hasattr(socket, "send_fds"):
        return None
    try:
        server = KernelServer(env=env, options=interpreter_options(kernel))
    except Exception:  # noqa: BLE001
        return None
    atexit.register(server.close)
    return server


__all__ = [
    "KernelPool",
    "KernelServer",
    "SERVER_ENV",
    "WARM_MODULES",
    "kill_kernel",
    "shared_server",
    "start_kernel",
    "stop_kernel",
]


def _die_with_parent() -> None:
    """Linux: this process gets SIGTERM when the process that started it dies (even by SIGKILL)."""
    try:
        import ctypes
        import signal

        ctypes.CDLL(None).prctl(1, int(signal.SIGTERM))  # PR_SET_PDEATHSIG
    except Exception:  # noqa: BLE001 - other systems: the server ends when its socket's owner closes it
        pass


if __name__ == "__main__":
    _die_with_parent()
    serve(sys.argv[1])
