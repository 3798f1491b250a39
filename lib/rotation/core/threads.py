"""Which thread is running: only the interpreter's main thread may set signal handlers."""

from __future__ import annotations

import threading


def on_main_thread() -> bool:
    """True in the interpreter's main thread (``signal.signal`` raises anywhere else)."""
    return threading.current_thread() is threading.main_thread()
