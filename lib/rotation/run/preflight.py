"""Load and validate the data a run needs once, before any kernel starts.

A bad file then stops the run in well under a second with one line, instead of failing in
every notebook. The series come from the run's parameters, or the notebooks' defaults:
``small`` and ``large`` must load (and differ); the other series a notebook names (its
series parameters such as ``etf``, ``banks``, ``other_pairs``, and the catalogue ids its code
quotes, e.g. ``"vix"``) are checked when the data folder or the cache holds them, and left
to the notebook otherwise (a notebook may treat a missing optional series as "not verifiable").
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from rotation.run import parameters as validation

REQUIRED_SERIES = ("small", "large")
OPTIONAL_SERIES_PARAMETERS = ("etf", "banks", "megacaps", "other_pairs")


def _value(name: str, parameters: Mapping[str, object], declared: Mapping[str, dict]) -> object:
    if name in parameters:
        return parameters[name]
    if name in declared:
        return validation.default_value(declared[name].get("default"))
    return None


def _flatten(value: object) -> list[str]:
    if isinstance(value, list):
        return [s for item in value for s in _flatten(item)]
    return [value] if isinstance(value, str) and value.strip() else []


def quoted_catalogue_ids(notebooks: Sequence[Path]) -> list[str]:
    """Catalogue ids a notebook's code quotes as a string literal (``load("vix")``, ``"ff_factors"``)."""
    from rotation.data.catalogue import CATALOGUE

    pattern = re.compile(r"""["'](""" + "|".join(re.escape(k) for k in CATALOGUE) + r""")["']""")
    found: list[str] = []
    for path in notebooks:
        try:
            cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
        except (OSError, ValueError):
            continue
        for cell in cells:
            if cell.get("cell_type") == "code" and "parameters" not in cell.get("metadata", {}).get("tags", []):
                source = "".join(cell.get("source", []))
                found.extend(m.group(1) for m in pattern.finditer(source))
    return list(dict.fromkeys(found))


def pair_needed(parameters: Mapping[str, object], notebooks: Sequence[Path]) -> list[tuple[str, str]]:
    """The (small, large) pairs the notebooks will load: the parameters, else each notebook's
    default, where an empty default means the claims file's pair."""
    from rotation.run.notebooks import notebook_parameters

    pairs: list[tuple[str, str]] = []
    for path in notebooks:
        declared = notebook_parameters(path)
        if not all(n in declared for n in REQUIRED_SERIES):
            continue
        pair = []
        for name in REQUIRED_SERIES:
            value = parameters.get(name) or validation.default_value(declared[name].get("default"))
            if not value:
                value = _claims_default(name, parameters.get("claims"))
            pair.append(str(value).strip() if value else "")
        if all(pair):
            pairs.append((pair[0], pair[1]))
    return list(dict.fromkeys(pairs))


def _claims_default(name: str, claims_file: object) -> object:
    try:
        from rotation.claims.registry import article_defaults

        return article_defaults(str(claims_file) if claims_file else None).get(name)
    except Exception:  # noqa: BLE001 - no claims file: the notebook will say so itself
        return None


def series_needed(
    parameters: Mapping[str, object], declared: Mapping[str, dict], notebooks: Sequence[Path]
) -> tuple[list[str], list[str]]:
    """(required, optional) series ids of a run."""
    required = [sid for pair in pair_needed(parameters, notebooks) for sid in pair]
    optional: list[str] = []
    for name in OPTIONAL_SERIES_PARAMETERS:
        if name in declared:
            optional.extend(s.strip() for s in _flatten(_value(name, parameters, declared)))
    optional.extend(quoted_catalogue_ids(notebooks))
    optional = [s for s in dict.fromkeys(optional) if s not in required]
    return list(dict.fromkeys(required)), optional


def _available(spec, data_dir) -> bool:
    from rotation.data.loading import local_file, manifest_path, resolve_data_dir

    folder = resolve_data_dir(data_dir)
    if folder is not None and local_file(folder / spec.file):
        return True
    return manifest_path(spec).is_file()


def check_data(
    parameters: Mapping[str, object], declared: Mapping[str, dict], notebooks: Sequence[Path], *, refresh: bool = False
) -> list[str]:
    """Load every series the run needs once; raises one ``DataError``/``ParameterError`` line; returns the ids loaded.

    With ``refresh`` the series are downloaded again into the cache (the kernels then read
    the fresh cache).
    """
    from rotation.data import catalogue, checks, loading

    data_dir = parameters.get("data_dir") or None
    loading.resolve_data_dir(data_dir)  # a missing folder: one line, before anything else
    required, optional = series_needed(parameters, declared, notebooks)
    pairs = pair_needed(
        parameters, notebooks
    )  # the pair first: dates outside the data are refused before the other series load
    loaded: dict[str, object] = {}
    for sid in required:
        loaded[sid] = loading.load(sid, data_dir=data_dir, refresh=refresh)
    for small_id, large_id in pairs:
        small, large = loaded[small_id], loaded[large_id]
        if getattr(small, "ndim", 2) == 1 and getattr(large, "ndim", 2) == 1:
            checks.check_distinct(small, large)
            checks.check_calendar(small, large)
            check_dates_in_data(parameters, small, large, declared)
    for sid in optional:
        spec = catalogue.series_spec(sid)
        if _available(spec, data_dir):
            loading.load(sid, data_dir=data_dir, refresh=refresh)
            loaded.setdefault(sid, None)
        elif refresh:  # not held yet: fetch it now if possible, else leave it to the notebook
            try:
                loading.load(sid, data_dir=data_dir, refresh=True)
                loaded.setdefault(sid, None)
            except loading.DataError:
                pass
    return list(loaded)


def check_dates_in_data(
    parameters: Mapping[str, object], small, large, declared: Mapping[str, dict] | None = None
) -> None:
    """``as_of`` and ``data_end`` must fall inside the sessions both series of the pair cover
    (one line naming the parameter and the data's span; before any kernel starts). Without an
    ``as_of`` parameter or notebook default, notebooks that read a claims file take its ``article.as_of``:
    that date is checked, and named."""
    import pandas as pd

    from rotation.core.errors import ParameterError

    first, last = max(small.index[0], large.index[0]), min(small.index[-1], large.index[-1])
    span = f"{small.name} and {large.name} share {first.date()} to {last.date()}"
    end = parameters.get("data_end") or None
    for name in ("data_end", "as_of"):
        text = str(_value(name, parameters, declared or {}) or "").strip()
        label = f"parameter {name}"
        if not text and name == "as_of" and "claims" in (declared or {}):  # notebooks that read a claims file
            text = str(_claims_default("as_of", parameters.get("claims")) or "").strip()
            label = f"claims file {parameters.get('claims') or 'data/claims.yaml'}: field 'article.as_of'"
        if not text:
            continue
        when = pd.Timestamp(text)
        if when < first:
            raise ParameterError(f"{label}: {text} is before the data ({span})")
        if when > last:
            raise ParameterError(f"{label}: {text} is after the data ({span}); give a date up to {last.date()}")
        if name == "as_of" and end and when > pd.Timestamp(str(end)):
            raise ParameterError(
                f"{label}: {text} is after data_end ({end}); the claims cannot be checked on data that stop earlier"
            )


def check_scan_inputs(small: str, large: str, out: str | None) -> tuple[str, str]:
    """``rotation scan``'s series and output folder, refused in one line: a series that is not one
    price series (a factor file), the same series twice, or ``--out`` inside a run folder the runner
    publishes (``runs/<run>/``, ``figures/<run>/``). Returns the catalogue ids."""
    from rotation.core.errors import ParameterError
    from rotation.core.paths import project_dir
    from rotation.data.catalogue import pair_series

    ids = []
    for flag, name in (("--small", small), ("--large", large)):
        try:
            ids.append(pair_series(name).name)
        except ParameterError as exc:
            raise ParameterError(f"{flag}: {exc}") from None
    if ids[0] == ids[1]:
        raise ParameterError(f"--small and --large are both {ids[0]!r}; a scan compares two different series")
    if out:
        target = Path(out).expanduser().resolve()
        for root in (project_dir() / "runs", project_dir() / "figures"):
            root = root.resolve()
            if target == root or root in target.parents:
                raise ParameterError(
                    f"--out {out}: inside {root}, where the runner publishes runs; choose a folder outside runs/ and figures/ (or omit --out)"
                )
    return ids[0], ids[1]


__all__ = ["check_data", "check_scan_inputs", "quoted_catalogue_ids", "series_needed"]
