"""Loading named daily series: a local CSV folder first, then the cache under ``data/cache/``, then a live download.

Every series comes back as a validated pandas object: a ``DatetimeIndex`` named ``date``,
sorted and unique, float values, finite, and positive for prices. ``.attrs`` carries
``name``, ``source`` (where the numbers came from), ``definition`` and ``unit``.

Units: prices and index levels as published; rates in percent per year as FRED publishes
them; Fama-French factors converted from percent per day to **fractions per day**.

The CSV schema (that of ``../shared/data``) is documented in ``data/README.md``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
import os
import re
import socket
import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from rotation.core.errors import DataError, ParameterError
from rotation.core.files import file_lock, write_bytes_atomic, write_text_atomic
from rotation.core.paths import cache_dir
from rotation.data.catalogue import CATALOGUE, SeriesSpec, series_spec
from rotation.data.checks import latest_today, validate_frame

FRED_CSV_URL = "https://fred.stlouisfed.org/graph/fredgraph.csv?id={series_id}"
FRENCH_ZIP_URL = "https://mba.tuck.dartmouth.edu/pages/faculty/ken.french/ftp/{name}_CSV.zip"
YAHOO_URL = "https://finance.yahoo.com/quote/{ticker}/history"
DOWNLOAD_TIMEOUT_S = 30
YAHOO_HOST = "query1.finance.yahoo.com"  # the host yfinance asks
CACHE_MAX_AGE_DAYS = 1.0  # a cached download older than this is fetched again (ROTATION_CACHE_MAX_AGE_DAYS overrides)
MARKET_CLOSE_NY = dt.time(16, 15)  # US cash close plus a margin: before it, today's Yahoo bar is an intraday snapshot


SIBLING_DATA_DIR = ("..", "shared", "data")  # a data folder beside the project folder (../shared/data)


def data_source(data_dir: str | os.PathLike | None = None) -> tuple[Path | None, str]:
    """Where series come from, by one rule for the command line, papermill and JupyterLab alike:

    1. ``data_dir`` (the parameter or ``--data-dir``) when given;
    2. else ``ROTATION_DATA_DIR`` when set (set but empty: no folder, download);
    3. else ``../shared/data`` beside the project folder, when it exists;
    4. else no folder: downloads into the cache (``data/cache/``).

    Returns the folder (None: download) and where the choice came from. A folder named by 1 or 2
    that does not exist is refused in one line.
    """
    given = str(data_dir).strip() if data_dir is not None else ""
    origin = "data_dir parameter"
    if not given:
        env = os.environ.get("ROTATION_DATA_DIR")
        if env is not None:
            given, origin = env.strip(), "ROTATION_DATA_DIR"
            if not given:
                return None, "ROTATION_DATA_DIR is empty"
    if not given:
        from rotation.core.paths import project_dir

        sibling = project_dir().joinpath(*SIBLING_DATA_DIR)
        if sibling.is_dir():
            return sibling.resolve(), "the data folder beside the project"
        return None, "no data folder"
    path = Path(given).expanduser()
    if not path.is_dir():
        raise DataError(f"data folder {path} (from {origin}) does not exist; point {origin} at a folder of CSV files or leave it empty to download")
    return path.resolve(), origin


def resolve_data_dir(data_dir: str | os.PathLike | None = None) -> Path | None:
    """The local CSV folder by the rule of ``data_source``; None when series are downloaded into the cache."""
    return data_source(data_dir)[0]


def data_line(data_dir: str | os.PathLike | None = None) -> str:
    """The first line of every run: ``data: folder X (from ...)`` or ``data: download into cache Y (...)``."""
    folder, origin = data_source(data_dir)
    if folder is not None:
        return f"data: folder {folder} (from {origin})"
    return f"data: download into cache {cache_dir()} ({origin}; set ROTATION_DATA_DIR to use a folder of CSV files)"


def load(
    name: str,
    start: str | None = None,
    end: str | None = None,
    data_dir: str | os.PathLike | None = None,
    refresh: bool = False,
) -> pd.Series | pd.DataFrame:
    """Load a named series, validated; a Series for one-column series, a DataFrame for factor files.

    Sources are tried in order: ``<data dir>/<file>.csv``, the cache, a live download (then cached).
    ``start``/``end`` (ISO dates, inclusive) trim the result after validation. ``refresh``
    downloads again even when the cache is fresh (see ``load_frame``).
    """
    spec = series_spec(name)
    frame = load_frame(spec, data_dir, refresh=refresh)
    frame = frame.loc[slice(start or None, end or None)]
    if frame.empty:
        raise DataError(f"series {spec.name!r}: no rows between {start or 'start'} and {end or 'end'} ({frame.attrs.get('source')})")
    if len(spec.columns) == 1:
        out = frame[spec.columns[0]].rename(spec.name)
        out.attrs = dict(frame.attrs)
        return out
    return frame


def load_frame(spec: SeriesSpec, data_dir: str | os.PathLike | None = None, refresh: bool = False) -> pd.DataFrame:
    """All value columns of ``spec`` from the first source that has it (see ``load``).

    A cached download older than ``cache_max_age()`` (or any, with ``refresh``) is fetched
    again; when that download fails, a stale cache is still used (with a warning naming its
    age), a forced refresh fails. Downloads and cache writes of one series are serialised
    between processes by a lock file, readers take a shared lock.
    """
    folder = resolve_data_dir(data_dir)
    tried: list[str] = []
    if folder is not None:
        path = folder / spec.file
        if local_file(path):
            raw = read_csv_file(path, spec)
            return _finish(raw, spec, f"{_origin(spec)}, file {spec.file} of the local data folder")
        tried.append(f"no {spec.file} in {folder}")
    with cache_lock(spec, exclusive=False):
        cached = read_cache(spec)
    if cached is not None and not refresh and not _stale(cached[1]):
        return _from_cache(spec, *cached)
    with cache_lock(spec, exclusive=True):
        again = read_cache(spec)  # another process may have just refreshed it
        if again is not None and not refresh and not _stale(again[1]):
            return _from_cache(spec, *again)
        tried.append("not cached" if again is None else f"cache fetched {again[1]['fetched_at'][:10]} is {'being refreshed' if refresh else 'stale'}")
        try:
            raw, url = download(spec, tried)
        except DataError as exc:
            if again is None or refresh:
                raise
            warnings.warn(f"series {spec.name!r}: using the cache fetched {again[1]['fetched_at'][:10]} (older than {cache_max_age():g} days): {exc}", stacklevel=2)
            return _from_cache(spec, *again)
        write_cache(spec, raw, url)
    return _finish(raw, spec, f"{_origin(spec)}, downloaded from {url}")


def local_file(path: Path) -> bool:
    """True when ``path`` is a regular file (through links); False when nothing is there; a folder, a pipe
    or a device standing under a series' file name is refused in one line (never taken for a missing file)."""
    import stat

    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        if path.is_symlink():
            raise DataError(f"{path}: a symbolic link to a missing file (a series file must be a regular CSV file)") from None
        return False
    except OSError as exc:
        raise DataError(f"{path}: cannot be read ({exc.strerror or _one_line(exc)})") from None
    if stat.S_ISREG(mode):
        return True
    kind = "a folder" if stat.S_ISDIR(mode) else "a named pipe (FIFO)" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else "a device"
    raise DataError(f"{path}: is {kind}, not a CSV file; remove it or put the series' CSV file there")


def _from_cache(spec: SeriesSpec, raw: pd.DataFrame, manifest: dict) -> pd.DataFrame:
    return _finish(raw, spec, f"{_origin(spec)}, cached {manifest['file']} fetched {manifest['fetched_at'][:10]}")


def cache_max_age() -> float:
    """Days a cached download stays fresh: ``ROTATION_CACHE_MAX_AGE_DAYS``, else ``CACHE_MAX_AGE_DAYS``."""
    text = os.environ.get("ROTATION_CACHE_MAX_AGE_DAYS", "").strip()
    if not text:
        return CACHE_MAX_AGE_DAYS
    try:
        days = float(text)
        if not days >= 0:
            raise ValueError
    except ValueError:
        raise ParameterError(f"ROTATION_CACHE_MAX_AGE_DAYS must be a non-negative number of days, got {text!r}") from None
    return days


def _stale(manifest: dict) -> bool:
    try:
        fetched = dt.datetime.fromisoformat(manifest["fetched_at"])
    except (KeyError, TypeError, ValueError):
        return True
    if fetched.tzinfo is None:
        fetched = fetched.replace(tzinfo=dt.timezone.utc)
    return dt.datetime.now(dt.timezone.utc) - fetched > dt.timedelta(days=cache_max_age())


def _origin(spec: SeriesSpec) -> str:
    label = {"yahoo": "Yahoo", "fred": "FRED", "french": "Ken French library"}[spec.source]
    return f"{label} {spec.remote}"


def _finish(raw: pd.DataFrame, spec: SeriesSpec, source: str) -> pd.DataFrame:
    blank_rows = int(raw.attrs.get("blank_rows", 0))
    frame = raw[list(spec.columns)].astype("float64")
    if spec.kind == "factor":
        frame = frame / 100.0  # percent per day on disk -> fraction per day
    frame.attrs = {
        "name": spec.name,
        "description": spec.description,
        "source": source,
        "definition": spec.definition,
        "unit": spec.unit,
        "blank_rows": blank_rows,  # rate series: business days FRED left blank (dropped)
    }
    return frame


# ---------------------------------------------------------------------------------------------
# Validation


# Files already read and validated in this process: (series, BLAKE2 digest of the file's bytes, today's
# date, which validation depends on) -> the validated frame. Same bytes, same frame: nothing can go stale.
# At most VALIDATED_KEPT frames are kept (the oldest go first): a long session re-reading edited files stays bounded.
_VALIDATED: dict[tuple[str, str, dt.date], pd.DataFrame] = {}
VALIDATED_KEPT = 64


def read_csv_file(path: Path, spec: SeriesSpec) -> pd.DataFrame:
    """Read one CSV of the data-folder schema (``date`` + value columns) and validate it.

    Bytes this process (or the kernel server it was forked from, see ``preload``) has already
    parsed and validated for ``spec`` are not parsed again: the caller gets a copy of that frame
    (hashing a file costs about a millisecond per MB, parsing it some twenty).
    """
    try:
        content = path.read_bytes()
    except OSError as exc:  # unreadable file or folder
        raise DataError(f"{path}: cannot be read ({exc.strerror or _one_line(exc)})") from None
    key = (spec.name, hashlib.blake2b(content, digest_size=16).hexdigest(), latest_today())
    known = _VALIDATED.get(key)
    if known is not None:
        return known.copy()
    try:
        raw = pd.read_csv(io.BytesIO(content), dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError:
        raise DataError(f"{path}: file is empty (expected a header 'date,{','.join(spec.columns)}' and rows)") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: not a readable CSV ({_one_line(exc)})") from None
    frame = validate_frame(raw, spec, str(path))
    _VALIDATED[key] = frame.copy()
    while len(_VALIDATED) > VALIDATED_KEPT:
        del _VALIDATED[next(iter(_VALIDATED))]
    return frame


VALIDATED_ENV = "ROTATION_VALIDATED_FRAMES"  # a file of validated frames (save_validated) a kernel server starts from


def save_validated(path: Path) -> Path | None:
    """Write this process's validated frames (by content digest) to ``path``, for ``load_validated`` in
    another process; None (nothing written) when there are none."""
    import pickle

    if not _VALIDATED:
        return None
    return write_bytes_atomic(Path(path), pickle.dumps(dict(_VALIDATED), protocol=pickle.HIGHEST_PROTOCOL))


def load_validated(path: Path) -> int:
    """Add the frames ``save_validated`` wrote to this process's memory; returns how many.

    Only a file this project wrote is read (the runner's private folder). The frames are keyed
    by the digest of the bytes they were parsed from, so one is used only for those same bytes.
    """
    import pickle

    frames = pickle.loads(Path(path).read_bytes())  # noqa: S301 - written by save_validated in the runner's 0700 folder
    _VALIDATED.update(frames)
    return len(frames)


def preload(data_dir: str | os.PathLike | None = None) -> list[str]:
    """Read and validate every catalogue file present in the data folder (kept by ``read_csv_file``).

    The kernel server calls it before it forks kernels, so that no notebook parses a file again.
    A file that fails validation is skipped here: the notebook reading it reports the error.
    Returns the files read.
    """
    folder = resolve_data_dir(data_dir)
    read: list[str] = []
    if folder is None:
        return read
    for spec in CATALOGUE.values():
        path = folder / spec.file
        if path.is_file():
            try:
                read_csv_file(path, spec)
            except DataError:
                continue
            read.append(spec.file)
    return read


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


# ---------------------------------------------------------------------------------------------
# Cache: data/cache/<name>-<sha12>.parquet plus a manifest <name>.json written last (the commit point)


def _cache_key(spec: SeriesSpec) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", spec.name.replace("^", "idx_"))


def manifest_path(spec: SeriesSpec) -> Path:
    return cache_dir() / f"{_cache_key(spec)}.json"


@contextlib.contextmanager
def cache_lock(spec: SeriesSpec, exclusive: bool) -> Iterator[None]:
    """Hold ``data/cache/.<series>.lock``: exclusive for a download and cache write, shared for a read.

    Writers of one series run one after the other; a reader never sees a manifest whose data
    file another writer is deleting. When the cache folder cannot be written (read-only
    checkout), reads go ahead unlocked and a write fails on its own with one line.
    """
    folder = cache_dir()
    with contextlib.ExitStack() as stack:
        try:
            if exclusive:
                folder.mkdir(parents=True, exist_ok=True)
            stack.enter_context(file_lock(folder / f".{_cache_key(spec)}.lock", exclusive=exclusive))
        except OSError:
            if exclusive:
                raise DataError(f"cache folder {folder} is not writable; set ROTATION_DATA_DIR to a folder holding {spec.file}") from None
        yield


def read_cache(spec: SeriesSpec) -> tuple[pd.DataFrame, dict] | None:
    """The cached raw frame and its manifest, or None when nothing is cached.

    A manifest whose data file is missing or fails its checksum raises ``DataError``.
    """
    mpath = manifest_path(spec)
    if not mpath.is_file():
        return None
    try:
        manifest = json.loads(mpath.read_text(encoding="utf-8"))
        name = str(manifest["file"])
        data_path = mpath.parent / name
        expected = manifest["sha256"]
    except (ValueError, KeyError, TypeError) as exc:
        raise DataError(f"cache manifest {mpath} is unreadable ({_one_line(exc)}); delete it to download {spec.name!r} again") from None
    if not name or name != Path(name).name or name in (".", "..") or data_path.is_symlink():  # only a plain file of the cache folder
        raise DataError(f"cache manifest {mpath} names {name!r}, which is not a file of the cache folder; refused (delete {mpath} to download {spec.name!r} again)")
    if not data_path.is_file():
        raise DataError(f"cache file {data_path} named by {mpath.name} is missing; delete {mpath} to download {spec.name!r} again")
    payload = data_path.read_bytes()
    if hashlib.sha256(payload).hexdigest() != expected:
        raise DataError(f"cache file {data_path} is damaged (checksum differs from {mpath.name}); delete both to download {spec.name!r} again")
    # parsed from the file itself (pyarrow's own file, checked above and never rewritten: its name holds
    # its digest, and writers wait for this reader's lock), not from a Python buffer: pyarrow's worker
    # threads release the Python object they read from, and one doing so while the interpreter exits
    # aborts the process (SIGABRT, "terminate called without an active exception") after a good run
    try:
        raw = pd.read_parquet(str(data_path)).reset_index()
    except (OSError, ValueError) as exc:  # damaged though its checksum matches (written damaged)
        raise DataError(f"cache file {data_path} is damaged ({_one_line(exc)[:200]}); delete it and {mpath} to download {spec.name!r} again") from None
    return validate_frame(raw, spec, str(data_path)), manifest


def write_cache(spec: SeriesSpec, raw: pd.DataFrame, url: str) -> Path:
    """Cache a validated raw frame atomically; the previous cache stays valid until the manifest is replaced."""
    buffer = io.BytesIO()
    raw.to_parquet(buffer)
    payload = buffer.getvalue()
    digest = hashlib.sha256(payload).hexdigest()
    key = _cache_key(spec)
    data_path = cache_dir() / f"{key}-{digest[:12]}.parquet"
    write_bytes_atomic(data_path, payload)
    manifest = {
        "series": spec.name,
        "source": _origin(spec),
        "url": url,
        "fetched_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "first": str(raw.index[0].date()),
        "last": str(raw.index[-1].date()),
        "rows": int(len(raw)),
        "file": data_path.name,
        "sha256": digest,
    }
    mpath = manifest_path(spec)
    write_text_atomic(mpath, json.dumps(manifest, indent=2) + "\n")
    for stale in mpath.parent.glob(f"{key}-*.parquet"):  # earlier versions, or orphans of an interrupted write
        if stale.name != data_path.name:
            stale.unlink(missing_ok=True)
    return mpath


# ---------------------------------------------------------------------------------------------
# Live downloads (network). Tests replace _http_get and _yf_download.


def _http_get(url: str) -> bytes:
    import requests

    response = requests.get(url, timeout=DOWNLOAD_TIMEOUT_S, headers={"User-Agent": "rotation-research-tool"})
    response.raise_for_status()
    return response.content


def _yf_download(ticker: str, auto_adjust: bool) -> pd.DataFrame:
    """yfinance's daily history of ``ticker``, its own printed errors and warnings kept off the terminal
    (a failure is reported by ``download`` in one line)."""
    import contextlib
    import io
    import logging
    import warnings

    import yfinance as yf

    logging.getLogger("yfinance").setLevel(logging.CRITICAL)
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return yf.download(
        ticker,
        period="max",
        interval="1d",
        auto_adjust=auto_adjust,
        actions=False,
        progress=False,
        threads=False,
        multi_level_index=False,
        timeout=DOWNLOAD_TIMEOUT_S,
    )


def download(spec: SeriesSpec, tried: list[str] | None = None) -> tuple[pd.DataFrame, str]:
    """Fetch ``spec`` from its live source; returns the validated raw frame (file schema) and the URL."""
    url = {
        "yahoo": YAHOO_URL.format(ticker=spec.remote),
        "fred": FRED_CSV_URL.format(series_id=spec.remote),
        "french": FRENCH_ZIP_URL.format(name=spec.remote),
    }[spec.source]
    before = "; ".join(tried or [])
    hint = "check the connection, or set ROTATION_DATA_DIR to a folder holding " + spec.file
    try:
        if spec.source == "yahoo":
            problem = _resolve_host(YAHOO_HOST)  # offline: say so at once, before yfinance tries
            if problem:
                raise DataError(problem)
            frame = _yf_download(spec.remote, spec.auto_adjust)
            if frame is None or len(frame) == 0:  # yfinance prints its errors and returns nothing
                problem = _resolve_host(YAHOO_HOST)
                if problem:
                    raise DataError(problem)
            raw = drop_unfinished_session(parse_yahoo(frame, spec))
        elif spec.source == "fred":
            raw = parse_fred_csv(_http_get(url), spec.remote)
        else:
            raw = parse_french_zip(_http_get(url))
    except DataError as exc:
        raise DataError(f"series {spec.name!r}: download from {url} failed ({exc}){'; ' + before if before else ''}; {hint}") from None
    except Exception as exc:  # network stacks raise many types; the user needs one line
        raise DataError(f"series {spec.name!r}: download from {url} failed ({download_cause(exc)}){'; ' + before if before else ''}; {hint}") from None
    return validate_frame(raw.reset_index(), spec, url), url


def _resolve_host(host: str) -> str | None:
    """None when ``host`` resolves; otherwise the one-line reason (tests replace this function)."""
    try:
        socket.getaddrinfo(host, 443)
    except OSError as exc:
        return f"cannot resolve host {host}: name resolution failed ({exc.strerror or exc})"
    return None


def download_cause(exc: BaseException) -> str:
    """The real cause of a failed download in one line: a name-resolution failure is named as such."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, socket.gaierror) or type(current).__name__ == "NameResolutionError":
            host = re.search(r"(?:host='|resolve ')([^']+)'", str(exc))
            where = f"host {host.group(1)}" if host else "the host"
            return f"cannot resolve {where}: name resolution failed"
        todo.extend(e for e in (current.__cause__, current.__context__, getattr(current, "reason", None)) if isinstance(e, BaseException))
        todo.extend(a for a in current.args if isinstance(a, BaseException))
    text = str(exc)
    if "NameResolutionError" in text or "Name or service not known" in text or "Temporary failure in name resolution" in text:
        host = re.search(r"host='([^']+)'", text)
        return f"cannot resolve host {host.group(1) if host else '?'}: name resolution failed"
    return _one_line(exc)


def drop_unfinished_session(frame: pd.DataFrame, now: dt.datetime | None = None) -> pd.DataFrame:
    """Drop today's bar before the US market's close: it is an intraday snapshot, not a close.

    ``now`` is the current time (any time zone; default: now). The exchange's date and time
    are those of New York.
    """
    if frame is None or len(frame) == 0:
        return frame
    moment = (now or dt.datetime.now(dt.timezone.utc)).astimezone(_new_york())
    last = pd.Timestamp(frame.index[-1]).date()
    if last > moment.date() or (last == moment.date() and moment.time() < MARKET_CLOSE_NY):
        return frame.iloc[:-1]
    return frame


def _new_york() -> dt.tzinfo:
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo("America/New_York")
    except Exception:  # noqa: BLE001 - no time-zone database: standard time, off by one hour in summer
        return dt.timezone(dt.timedelta(hours=-5), "EST")


def parse_yahoo(frame: pd.DataFrame, spec: SeriesSpec) -> pd.DataFrame:
    """yfinance's OHLCV frame to the file schema: ``close``... or ``adj_close``... (auto-adjusted)."""
    if frame is None or len(frame) == 0:
        raise DataError("empty response")
    if isinstance(frame.columns, pd.MultiIndex):
        frame = frame.droplevel(-1, axis=1) if frame.columns.nlevels > 1 else frame
    prefix = "adj_" if spec.auto_adjust else ""
    out = frame.rename(columns=lambda c: prefix + str(c).lower() if str(c).lower() != "volume" else "volume")
    out.index = pd.DatetimeIndex(pd.to_datetime(out.index).tz_localize(None).normalize(), name="date")
    out = out.dropna(subset=[spec.columns[0]]) if spec.columns[0] in out else out
    return out


def parse_fred_csv(payload: bytes, series_id: str) -> pd.DataFrame:
    """FRED's ``fredgraph.csv`` (``observation_date,<ID>``; missing values as '.' or empty) to ``date,value``."""
    frame = pd.read_csv(io.BytesIO(payload), dtype=str, keep_default_na=False)
    if frame.shape[1] < 2:
        raise DataError("unexpected FRED CSV layout")
    frame.columns = ["date", "value", *frame.columns[2:]]
    frame = frame[~frame["value"].str.strip().isin(["", "."])]
    if frame.empty:
        raise DataError(f"FRED returned no observations for {series_id}")
    out = frame[["date", "value"]].copy()
    out["date"] = pd.to_datetime(out["date"], format="%Y-%m-%d")
    out["value"] = out["value"].astype(float)
    return out.set_index("date")


def parse_french_zip(payload: bytes) -> pd.DataFrame:
    """The daily table of a Ken French ``*_CSV.zip``: ``YYYYMMDD`` rows under the first header, in percent."""
    with zipfile.ZipFile(io.BytesIO(payload)) as archive:
        text = archive.read(archive.namelist()[0]).decode("latin-1")
    header: list[str] | None = None
    rows: list[list[str]] = []
    for line in text.splitlines():
        cells = [c.strip() for c in line.split(",")]
        if header is None:
            if len(cells) > 1 and cells[0] == "" and any(cells[1:]):
                header = [_french_column(c) for c in cells[1:]]
            continue
        if re.fullmatch(r"\d{8}", cells[0]):
            rows.append(cells[: len(header) + 1])
        elif rows:
            break  # end of the daily table
    if header is None or not rows:
        raise DataError("no daily table found in the Ken French file")
    frame = pd.DataFrame(rows, columns=["date", *header])
    frame["date"] = pd.to_datetime(frame["date"], format="%Y%m%d")
    return frame.set_index("date").astype(float)


def _french_column(name: str) -> str:
    return name.strip().lower().replace("-", "_")


