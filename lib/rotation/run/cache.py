"""The execution cache: a notebook whose inputs have not changed is restored, not executed again.

Papermill stays the executor of record: an entry holds exactly what one papermill execution wrote
into the staging folder (the rendered notebook, its figures, its result records, its status
entry), and a hit copies those bytes back. An entry is found by a key (SHA-256) over everything
the rendering depends on (``execution_key``):

- ``notebook``: the template's bytes;
- ``parameters``: what the runner gives the notebook (``run_name`` included, when declared: the
  injected-parameters cell, figure titles and source lines show it) and the declared defaults of
  the rest; ``export`` (SVG/PDF written or not); the project folder (rendered paths name it);
- ``claims``: the claims file's sections other than ``claims``, and the entries the notebook reads:
  those whose ``notebook`` is this one and those whose id its code or ``rotation.studies`` quotes
  (``03_history`` reads ``streak_length``'s claimed value). A summarising notebook (numbered
  ``SUMMARY_FROM`` and above: ``99_scorecard``) reads the whole file, the run's result records and
  the other notebooks' status entries: its key holds them, read as it will read them;
- ``data``: the data source, and every catalogue series (and the run's own series) as that source
  holds it, rows up to the notebook's ``data_end`` (every row when empty; ``data_digest``): a row
  after ``data_end`` changes nothing, a row before it does;
- ``code``: every ``.py`` and ``.j2`` file under ``lib/rotation`` (notebooks call them), the Python
  version and interpreter, the lock file the environment is installed from (``requirements.lock``,
  see the Makefile) and the kernel name.

Entries live in ``data/cache/executions/<key>/`` (git-ignored): ``manifest.json`` (files with
their size and SHA-256, the records, the status entry, and a digest of the manifest itself) and
``blobs/<sha256>``. An entry is written in a temporary folder and renamed into place (a reader
sees all of it or nothing), and is used only after every byte is checked against its manifest:
a damaged or partial entry is a miss (and is removed), never an error. Nothing is unpickled.
Only notebooks that succeeded are stored, and only when their outputs can be told apart from the
other notebooks' of the same wave (figures are named after the notebook's number, ``01_*``).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from rotation.core.files import file_lock, folder_mode, write_bytes_atomic, write_text_atomic
from rotation.core.paths import executions_cache_dir, project_dir

FORMAT = 1  # bumped when the key or the entry layout changes
# set (to anything but empty or 0) by `rotation run --no-cache`: every notebook executes
DISABLE_ENV = "ROTATION_NO_CACHE"
MANIFEST = "manifest.json"
BLOBS = "blobs"
SHARED_RUN_FILES = ("params.yaml", "results.jsonl", "status.json", "timings.json", "claims.yaml")
VOLATILE_STATUS_KEYS = ("seconds", "cached")  # status entry fields no rendering shows
_DATE = re.compile(rb"\d{4}-\d{2}-\d{2}")
SIZE_ENV = "ROTATION_EXECUTION_CACHE_MB"  # the cache's size budget in MB (default DEFAULT_MB); 0: unlimited
DEFAULT_MB = 2000


class Miss(Exception):
    """A run asked to come whole from the cache (``runner.restore_run``) has a notebook the cache does not hold."""


def enabled() -> bool:
    """False when ``ROTATION_NO_CACHE`` is set (``rotation run --no-cache``): lookups are skipped, entries still written."""
    return os.environ.get(DISABLE_ENV, "").strip() in ("", "0")


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _canonical(value: object) -> bytes:
    return json.dumps(value, sort_keys=True, default=str, separators=(",", ":")).encode("utf-8")


def notebook_number(stem: str) -> str:
    """``01`` for ``01_streak``: the prefix of the notebook's figure names."""
    return stem.split("_", 1)[0]


# --------------------------------------------------------------------------------------------- key parts


def package_root() -> Path:
    """The folder of the package's code (``lib/rotation``)."""
    return Path(__file__).resolve().parents[1]


def environment_files() -> list[Path]:
    """The files the environment is installed from: ``requirements.lock`` of the checkout (``make venv``)."""
    return [package_root().parents[1] / "requirements.lock"]


def code_digest() -> str:
    """SHA-256 over every ``.py`` and ``.j2`` file under ``package_root()`` (relative path and bytes, sorted)."""
    root = package_root()
    h = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.suffix in (".py", ".j2") and p.is_file()):
        h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def environment_digest(kernel: str) -> str:
    """SHA-256 over the lock file(s), the Python version and interpreter, and the kernel name."""
    h = hashlib.sha256(_canonical([sys.version, sys.executable, kernel]))
    for path in environment_files():
        h.update(str(path.name).encode() + b"\0")
        h.update(path.read_bytes() if path.is_file() else b"<missing>")
    return h.hexdigest()


def rows_up_to(content: bytes, cut: str | None) -> bytes:
    """The lines of a CSV file (``date`` first) without those dated after ``cut`` (ISO date; None keeps all).

    A line whose first field is not an ISO date (the header, a malformed row) is kept.
    """
    if not cut:
        return content
    limit = cut.encode("ascii")
    kept = [
        line
        for line in content.splitlines(keepends=True)
        if not (_DATE.match(line) and line[10:11] in (b",", b"", b"\n", b"\r", b"T", b" ") and line[:10] > limit)
    ]
    return b"".join(kept)


@functools.lru_cache(maxsize=512)
def _file_rows_digest(path: str, size: int, mtime_ns: int, cut: str | None) -> str:
    return _sha(rows_up_to(Path(path).read_bytes(), cut))


def _cached_series_digest(spec, cut: str | None) -> str:
    """A downloaded series held in ``data/cache/``: its validated rows up to ``cut`` (read once per cached file)."""
    from rotation.data import loading

    try:
        stored = json.loads(loading.manifest_path(spec).read_text(encoding="utf-8")).get("sha256")
    except FileNotFoundError:
        return "absent"
    return _cached_rows_digest(spec.name, str(stored), cut)


@functools.lru_cache(maxsize=256)
def _cached_rows_digest(name: str, stored: str, cut: str | None) -> str:
    from rotation.data import loading
    from rotation.data.catalogue import series_spec

    found = loading.read_cache(series_spec(name))  # checks the file against the manifest's digest
    if found is None:
        return "absent"
    frame = found[0]
    if cut:
        frame = frame.loc[:cut]
    return "cache:" + _sha(frame.to_csv().encode("utf-8"))


def _cut(data_end: object) -> str | None:
    import pandas as pd

    text = str(data_end or "").strip()
    return pd.Timestamp(text).date().isoformat() if text else None


def data_digest(data_dir: object, data_end: object, extra_series: Iterable[str] = ()) -> str:
    """SHA-256 over the data source and every series it holds, rows up to ``data_end``.

    Every catalogue series is included (notebooks and the studies layer may load any of them),
    plus ``extra_series`` (the run's own, e.g. a Yahoo ticker). A series read from the local
    folder is hashed on its file's lines up to ``data_end``; one held in the download cache on
    its validated rows up to ``data_end``; a missing one as missing.
    """
    from rotation.data import loading
    from rotation.data.catalogue import CATALOGUE, series_spec

    cut = _cut(data_end)
    folder, origin = loading.data_source(str(data_dir) if data_dir else None)
    specs = {spec.name: spec for spec in CATALOGUE.values()}
    for sid in extra_series:
        try:
            spec = series_spec(sid)
        except Exception:  # noqa: BLE001 - a bad id is refused by the run itself
            continue
        specs.setdefault(spec.name, spec)
    parts = {"source": str(folder) if folder is not None else f"download ({origin})", "cut": cut}
    for name in sorted(specs):
        spec = specs[name]
        try:
            path = folder / spec.file if folder is not None else None
            if path is not None and loading.local_file(path):
                stat = path.stat()
                parts[name] = "file:" + _file_rows_digest(str(path.resolve()), stat.st_size, stat.st_mtime_ns, cut)
            else:
                parts[name] = _cached_series_digest(spec, cut)
        except Exception as exc:  # noqa: BLE001 - unreadable: the notebook reports it; the key says so
            parts[name] = f"unreadable: {type(exc).__name__}"
    return _sha(_canonical(parts))


def _code_cells(path: Path) -> str:
    try:
        cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError):
        return ""
    return "\n".join(
        "".join(c.get("source", [])) if isinstance(c.get("source"), list) else str(c.get("source", ""))
        for c in cells
        if c.get("cell_type") == "code"
    )


def studies_source() -> str:
    """The text of ``rotation.studies`` (what notebooks show is computed there)."""
    folder = package_root() / "studies"
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.py")))


def quoted_ids(text: str, ids: Iterable[str]) -> set[str]:
    """The ids among ``ids`` that ``text`` quotes as a string literal."""
    ids = list(ids)
    if not ids:
        return set()
    pattern = re.compile(r"""["'](""" + "|".join(re.escape(i) for i in ids) + r""")["']""")
    return set(pattern.findall(text))


@functools.lru_cache(maxsize=8)
def _parsed_claims(text: str) -> object:
    """A claims file's YAML as plain data (the safe loader, in C when available: no object is constructed);
    its text when it does not parse (the notebook reports a bad file; the key holds the text)."""
    import yaml

    try:
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 - a safe loader
    except Exception:  # noqa: BLE001
        return text


def claims_read(claims_file: Path, notebook: Path, summarising: bool) -> object:
    """The part of the claims file ``notebook`` reads (see the module docstring); the whole file's text
    for a summarising notebook or a file that does not parse as a mapping of claims."""
    text = claims_file.read_text(encoding="utf-8")
    data = _parsed_claims(text)
    if summarising or not isinstance(data, Mapping) or not isinstance(data.get("claims"), Mapping):
        return text
    claims = data["claims"]
    named = quoted_ids(_code_cells(notebook) + "\n" + studies_source(), [str(k) for k in claims])
    read = [
        (cid, entry)
        for cid, entry in claims.items()
        if str(cid) in named or (isinstance(entry, Mapping) and entry.get("notebook") == notebook.stem)
    ]
    return {"sections": {k: v for k, v in data.items() if k != "claims"}, "claims": read}


def plain_status_entries(status: Mapping | None) -> list[dict]:
    """A status's notebook entries without the fields no rendering shows (seconds, cached)."""
    entries = (status or {}).get("notebooks", []) or []
    return [{k: v for k, v in e.items() if k not in VOLATILE_STATUS_KEYS} for e in entries]


def execution_key(
    notebook: Path,
    given: Mapping[str, object],
    *,
    kernel: str,
    export: bool,
    claims_file: Path,
    summarising: bool,
    data: str | None,
    code: str,
    environment: str,
    run_inputs: object = None,
) -> str:
    """The key of one notebook execution (hex SHA-256); see the module docstring for what goes in.

    ``data``: ``data_digest`` for the notebook's ``data_end`` (None for a notebook that reads no
    series); ``run_inputs``: what a summarising notebook reads of the run (records and status entries).
    """
    from rotation.run.notebooks import notebook_parameters

    declared = notebook_parameters(notebook)
    defaults = {name: info.get("default") for name, info in declared.items() if name not in given}
    parts = {
        "format": FORMAT,
        "notebook": _sha(notebook.read_bytes()),
        "name": notebook.name,
        "given": dict(given),
        "defaults": defaults,
        "export": bool(export),
        "project": str(project_dir()),
        "claims": claims_read(claims_file, notebook, summarising),
        "data": data,
        "code": code,
        "environment": environment,
        "kernel": kernel,
        "run_inputs": run_inputs,
    }
    return _sha(_canonical(parts))


# --------------------------------------------------------------------------------------------- entries


def entry_dir(key: str) -> Path:
    return executions_cache_dir() / key


def _plain_name(name: object) -> str:
    text = str(name)
    if not text or "/" in text or "\\" in text or text.startswith(".") or "\0" in text:
        raise ValueError(f"bad file name {text!r}")
    return text


def _manifest_digest(manifest: Mapping) -> str:
    return _sha(_canonical({k: v for k, v in manifest.items() if k != "digest"}))


def store(
    key: str, notebook: str, files: Sequence[tuple[str, Path, bytes | None]], records: list[dict], entry: Mapping
) -> Path | None:
    """Write one entry: ``files`` as ``(part, path, bytes or None to read path)`` with part ``run`` or ``figures``.

    Written in a temporary folder and renamed into place; an entry already there is kept. Returns
    the entry folder, or None when it could not be written (a full disk is not the run's failure).
    """
    final = entry_dir(key)
    if final.is_dir():
        return final
    tmp: Path | None = None
    try:
        final.parent.mkdir(parents=True, exist_ok=True, mode=folder_mode())
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=final.parent))
        (tmp / BLOBS).mkdir()
        listed = []
        for part, path, data in files:
            payload = path.read_bytes() if data is None else data
            digest = _sha(payload)
            blob = tmp / BLOBS / digest
            if not blob.exists():
                blob.write_bytes(payload)
            listed.append({"part": part, "name": _plain_name(path.name), "sha256": digest, "size": len(payload)})
        manifest = {
            "format": FORMAT,
            "key": key,
            "notebook": notebook,
            "files": listed,
            "records": records,
            "status": {k: v for k, v in entry.items() if k not in VOLATILE_STATUS_KEYS},
            "status_order": [k for k in entry if k not in VOLATILE_STATUS_KEYS],  # status.json keeps the runner's order
        }
        manifest["digest"] = _manifest_digest(manifest)
        write_text_atomic(tmp / MANIFEST, json.dumps(manifest, indent=1, sort_keys=True) + "\n")
        os.chmod(tmp, folder_mode())
        os.rename(tmp, final)  # fails when another process stored the same key meanwhile: theirs is kept
        tmp = None
        return final
    except OSError:
        return final if final.is_dir() else None
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


def load(key: str, notebook: str) -> tuple[dict, list[tuple[str, str, bytes]]] | None:
    """The verified entry of ``key``: (manifest, [(part, name, bytes)]); None when missing or damaged.

    A damaged entry (unreadable manifest, a digest or size that differs, a missing blob, a
    manifest for another key or notebook) is removed and reported as a miss.
    """
    folder = entry_dir(key)
    if not (folder / MANIFEST).is_file():
        if folder.is_dir():  # entries appear whole (renamed into place): a folder without manifest is damaged
            shutil.rmtree(folder, ignore_errors=True)
        return None
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        if (
            not isinstance(manifest, dict)
            or manifest.get("digest") != _manifest_digest(manifest)
            or manifest.get("format") != FORMAT
            or manifest.get("key") != key
            or manifest.get("notebook") != notebook
            or not isinstance(manifest.get("records"), list)
            or not all(isinstance(r, dict) and r.get("notebook") == notebook for r in manifest["records"])
            or not isinstance(manifest.get("status"), dict)
            or manifest["status"].get("status") != "ok"
        ):
            raise ValueError("manifest does not verify")
        files = []
        for item in manifest["files"]:
            part, name = item["part"], _plain_name(item["name"])
            if part not in ("run", "figures"):
                raise ValueError(f"bad part {part!r}")
            digest = str(item["sha256"])
            if not re.fullmatch(r"[0-9a-f]{64}", digest):
                raise ValueError("bad digest")
            blob = folder / BLOBS / digest
            if blob.is_symlink():
                raise ValueError("linked blob")
            payload = blob.read_bytes()
            if len(payload) != item["size"] or _sha(payload) != digest:
                raise ValueError(f"blob of {name} differs from the manifest")
            files.append((part, name, payload))
        if not any(part == "run" and name == f"{notebook}.ipynb" for part, name, _ in files):
            raise ValueError("no rendered notebook")
        with contextlib.suppress(OSError):  # a read-only cache is still used
            os.utime(folder / MANIFEST)  # last use, for ``prune``
        return manifest, files
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        shutil.rmtree(folder, ignore_errors=True)
        return None


def restore(
    stage: Path, notebook: str, manifest: Mapping, files: Sequence[tuple[str, str, bytes]], export: bool
) -> dict:
    """Write a verified entry into the staging folder ``stage``; returns its status entry, marked cached.

    Files are written atomically; the result records replace the notebook's records in
    ``results.jsonl`` (merged as ``rotation.outputs.results.record`` does: by notebook, in recording
    order). Without ``export``, a restored figure's SVG/PDF left in the stage (a partial run's copy
    of the previous one) is removed, as the kernel would have (``figexport.defer``).
    """
    from rotation.outputs import figexport
    from rotation.outputs.results import RESULTS_FILE, read_records, write_records

    for part, name, payload in files:
        target = stage / part / name
        write_bytes_atomic(target, payload)
        if part == "figures" and not export and target.suffix == ".png":
            for ext in figexport.VECTOR_FORMATS:
                target.with_suffix(f".{ext}").unlink(missing_ok=True)
    folder = stage / "run"
    path = folder / RESULTS_FILE
    with file_lock(folder):
        kept = [r for r in read_records(path) if r.get("notebook") != notebook]
        records = list(manifest["records"])
        if kept or records or path.exists():
            write_records(path, sorted([*kept, *records], key=lambda r: r["notebook"]))
    status = manifest["status"]
    order = [k for k in manifest.get("status_order", []) if k in status]
    return {**{k: status[k] for k in order}, **status, "cached": True}


def budget_bytes() -> int:
    """The cache's size budget (``ROTATION_EXECUTION_CACHE_MB``, default ``DEFAULT_MB``; 0 or less: unlimited)."""
    try:
        mb = float(os.environ.get(SIZE_ENV, "").strip() or DEFAULT_MB)
    except ValueError:
        mb = DEFAULT_MB
    return int(mb * 1e6)


def prune(limit: int | None = None) -> int:
    """Remove the least recently used entries until the cache is within ``limit`` bytes (``budget_bytes()``);
    returns how many were removed. Leftover temporary folders of killed writers older than a day go too."""
    import time

    limit = budget_bytes() if limit is None else limit
    root = executions_cache_dir()
    if limit <= 0 or not root.is_dir():
        return 0
    try:
        children = list(root.iterdir())
    except OSError:
        return 0
    entries = []
    for folder in children:
        try:
            if folder.name.startswith(".tmp-"):
                if time.time() - folder.stat().st_mtime > 86400:
                    shutil.rmtree(folder, ignore_errors=True)
                continue
            used = (folder / MANIFEST).stat().st_mtime
            size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
        except OSError:
            continue
        entries.append((used, size, folder))
    total, removed = sum(size for _, size, _ in entries), 0
    for _, size, folder in sorted(entries, key=lambda e: e[0]):
        if total <= limit:
            break
        shutil.rmtree(folder, ignore_errors=True)
        total, removed = total - size, removed + 1
    return removed


# --------------------------------------------------------------------------------------------- outputs


def snapshot(stage: Path) -> dict[tuple[str, str], tuple[int, int, int]]:
    """Identity of every file of the staged run and figures: (part, name) -> (inode, mtime ns, size)."""
    out = {}
    for part in ("run", "figures"):
        folder = stage / part
        if not folder.is_dir():
            continue
        for path in folder.iterdir():
            if path.is_file() and not path.is_symlink() and not path.name.startswith("."):
                st = path.stat()
                out[(part, path.name)] = (st.st_ino, st.st_mtime_ns, st.st_size)
    return out


def attribute_outputs(
    before: Mapping, after: Mapping, executed: Sequence[str], wave: Sequence[str]
) -> dict[str, list[tuple[str, str]]] | None:
    """The files each executed notebook of a wave wrote (new or replaced since ``before``).

    A figure belongs to the notebook whose number starts its name; another run-folder file (a
    scorecard table) to the notebook when it executed alone. None when some written file cannot be
    told apart (nothing of the wave is then stored).
    """
    changed = [k for k, v in after.items() if before.get(k) != v]
    out: dict[str, list[tuple[str, str]]] = {stem: [] for stem in executed}
    by_number = {notebook_number(stem): stem for stem in executed}
    others = {f"{stem}.ipynb" for stem in wave if stem not in executed}
    for part, name in changed:
        if part == "figures":
            owner = by_number.get(name.split("_", 1)[0]) if "_" in name else None
        elif name in SHARED_RUN_FILES:
            continue
        elif name.endswith(".ipynb") and name[: -len(".ipynb")] in out:
            owner = name[: -len(".ipynb")]
        elif name in others:
            continue
        else:
            owner = executed[0] if len(executed) == 1 else None
        if owner is None:
            return None
        out[owner].append((part, name))
    return out


__all__ = [
    "DISABLE_ENV",
    "Miss",
    "attribute_outputs",
    "code_digest",
    "data_digest",
    "enabled",
    "environment_digest",
    "execution_key",
    "load",
    "prune",
    "restore",
    "rows_up_to",
    "snapshot",
    "store",
]
