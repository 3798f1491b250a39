"""The strict schema of a claims file: every field and parameter declared with its type and range.

A small declarative checker (no schema library: its messages must be one line naming the file,
the claim and the field, with a "did you mean" for a misspelled key). Rules:

* unknown keys are refused, with the nearest known key suggested;
* numbers are finite (no ``.inf``/``.nan``), of the declared type (``true`` is not a number) and
  inside the declared range; tolerances are at least 0; ``n_sims`` and other budgets are capped;
* dates are strictly ``YYYY-MM-DD`` (real calendar dates); periods strictly
  ``YYYY-MM-DD to YYYY-MM-DD`` with start <= end;
* a file holds at most ``MAX_CLAIMS`` claims, a claim at most ``MAX_ALTERNATIVES`` alternatives;
* a ``query`` claim's query is checked field by field and for consistency (a window where the
  measure needs one, a pair where the condition needs one, ...).

``check_document(path, doc, kinds, known_kinds)`` raises ``SchemaError`` (a ``ParameterError``) at
the first failure; the kinds' parameter schemas come from the measures
(``rotation.claims.measures.params``). ``rotation.claims.registry`` calls it whenever a claims file is loaded, so the runner refuses a bad file
before any kernel starts.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from rotation.core.errors import ParameterError

MAX_CLAIMS = 500
MAX_ALTERNATIVES = 50
MAX_TEXT = 5000
MAX_TITLE = 300  # an article's title (a 200,000-character title once hung the scorecard)
MAX_QUOTE = 2000  # a claim's quote: a sentence or two of the article
MAX_WORDS = 300  # a claim's part, an alternative's rests_on / contradicts: words of the quote
READINGS = ("allowed", "context", "sensitivity")  # what an alternative is (docs/readings.md)
JUDGING_FIELDS = ("claimed", "tolerance", "partly_tolerance")  # fields of the decision rule, not of the measurement
MAX_SIMS = 100_000
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class SchemaError(ParameterError):
    """A claims file that breaks the schema: the message is one line naming file, claim and field."""


class Bad(Exception):
    """Raised inside the checker: ``field`` (dotted path) and what is wrong."""

    def __init__(self, where: str, what: str) -> None:
        super().__init__(what)
        self.where, self.what = where, what


def _join(where: str, key: object) -> str:
    return f"{where}.{key}" if where else str(key)


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# ---------------------------------------------------------------------------------------------
# Types


class Spec:
    """A declared type; ``check(value, where)`` raises ``Bad``."""

    doc = ""

    def check(self, value: object, where: str) -> None:  # pragma: no cover - interface
        raise NotImplementedError


@dataclass
class Text(Spec):
    max_len: int = MAX_TEXT
    pattern: str | None = None
    hint: str = ""

    def check(self, value, where):
        if not isinstance(value, str):
            raise Bad(where, f"expected text, got {_show(value)}")
        if not value.strip():
            raise Bad(where, "expected non-empty text")
        if len(value) > self.max_len:
            raise Bad(where, f"text longer than {self.max_len} characters")
        if self.pattern and not re.fullmatch(self.pattern, value):
            raise Bad(where, f"expected {self.hint or self.pattern}, got {_show(value)}")


@dataclass
class Number(Spec):
    lo: float | None = None
    hi: float | None = None
    whole: bool = False
    lo_open: bool = False

    def check(self, value, where):
        kind = "a whole number" if self.whole else "a number"
        if isinstance(value, str) and re.fullmatch(r"[-+]?\d+(\.\d*)?[eE][-+]?\d+", value.strip()):
            raise Bad(
                where, f"YAML reads {value} as text: write it with a decimal point and a signed exponent (1.0e+3)"
            )
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise Bad(where, f"expected {kind}, got {_show(value)}")
        if not math.isfinite(value):
            raise Bad(where, f"expected a finite number, got {value!r}")
        if self.whole and value != int(value):
            raise Bad(where, f"expected {kind}, got {value!r}")
        if self.lo is not None and (value < self.lo or (self.lo_open and value == self.lo)):
            raise Bad(where, f"must be {'above' if self.lo_open else 'at least'} {self.lo:g}, got {value!r}")
        if self.hi is not None and value > self.hi:
            raise Bad(where, f"must be at most {self.hi:g}, got {value!r}")


def Int(lo: float | None = None, hi: float | None = None) -> Number:
    return Number(lo, hi, whole=True)


@dataclass
class Boolean(Spec):
    def check(self, value, where):
        if not isinstance(value, bool):
            raise Bad(where, f"expected true or false, got {_show(value)}")


@dataclass
class Choice(Spec):
    values: tuple

    def check(self, value, where):
        if isinstance(value, bool) or value not in self.values:
            near = difflib.get_close_matches(str(value), [str(v) for v in self.values], n=1, cutoff=0.6)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            raise Bad(where, f"unknown value {_show(value)}{hint}; use one of {', '.join(map(str, self.values))}")


def parse_date(value: object, where: str) -> dt.date:
    if not isinstance(value, str) or not DATE.fullmatch(value):
        raise Bad(where, f"expected a date YYYY-MM-DD, got {_show(value)}")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise Bad(where, f"{value!r} is not a calendar date") from None


@dataclass
class Date(Spec):
    allow: tuple = ()  # words accepted besides a date (e.g. "as_of")

    def check(self, value, where):
        if value in self.allow:
            return
        try:
            parse_date(value, where)
        except Bad as exc:
            if self.allow:
                raise Bad(
                    where, f"expected {' or '.join(self.allow)} or a date YYYY-MM-DD, got {_show(value)}"
                ) from None
            raise exc


def parse_period(value: object, where: str) -> tuple[dt.date, dt.date]:
    parts = value.split(" to ") if isinstance(value, str) else []
    if len(parts) != 2 or not all(DATE.fullmatch(p) for p in parts):
        raise Bad(where, f"expected a period 'YYYY-MM-DD to YYYY-MM-DD', got {_show(value)}")
    first, last = parse_date(parts[0], where), parse_date(parts[1], where)
    if last < first:
        raise Bad(where, f"period {value!r} ends before it starts")
    return first, last


@dataclass
class Period(Spec):
    def check(self, value, where):
        parse_period(value, where)


@dataclass
class SeriesId(Spec):
    roles: tuple = ()  # words accepted besides a series id ("small", "large")
    pair: bool = False  # a leg of the article's compared pair: a price series (catalogue.pair_series)

    def check(self, value, where):
        if value in self.roles:
            return
        from rotation.data.catalogue import CATALOGUE, pair_series, series_spec

        if not isinstance(value, str):
            raise Bad(where, f"expected a series id, got {_show(value)}")
        try:
            series_spec(value)
        except ParameterError:
            near = difflib.get_close_matches(value, list(CATALOGUE) + list(self.roles), n=1, cutoff=0.6)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            raise Bad(
                where,
                f"unknown series {value!r}{hint}: use a catalogue id (data/README.md) or an upper-case Yahoo ticker",
            ) from None
        if self.pair:
            try:
                pair_series(value)
            except ParameterError as exc:
                raise Bad(where, str(exc)) from None


@dataclass
class ListOf(Spec):
    item: Spec
    min_items: int = 0
    max_items: int = 100

    def check(self, value, where):
        if not isinstance(value, list):
            raise Bad(where, f"expected a list, got {_show(value)}")
        if not self.min_items <= len(value) <= self.max_items:
            size = (
                f"exactly {self.min_items}"
                if self.min_items == self.max_items
                else f"{self.min_items} to {self.max_items}"
            )
            raise Bad(where, f"expected {size} items, got {len(value)}")
        for i, v in enumerate(value):
            self.item.check(v, f"{where}[{i}]")


@dataclass
class AnyOf(Spec):
    options: tuple
    hint: str

    def check(self, value, where):
        for option in self.options:
            try:
                option.check(value, where)
                return
            except Bad:
                if (
                    isinstance(value, list)
                    and isinstance(option, ListOf)
                    or isinstance(value, Mapping)
                    and isinstance(option, Fields)
                ):
                    raise  # the one option of the value's shape says what is wrong inside it
                continue
        raise Bad(where, f"expected {self.hint}, got {_show(value)}")


@dataclass
class Fields(Spec):
    """A mapping with declared keys: unknown keys are refused with the nearest known one suggested."""

    fields: dict
    required: tuple = ()
    rule: Callable[[Mapping, str], None] | None = None
    partial: bool = False  # an alternative's partial mapping: required keys and rules not enforced

    def check(self, value, where):
        if not isinstance(value, Mapping):
            raise Bad(where, f"expected a mapping, got {_show(value)}")
        for key in value:
            if key not in self.fields:
                near = difflib.get_close_matches(str(key), list(self.fields), n=1, cutoff=0.6)
                hint = f"did you mean {near[0]!r}?" if near else f"known: {', '.join(self.fields)}"
                raise Bad(_join(where, key), f"unknown field ({hint})")
        if not self.partial:
            for key in self.required:
                if key not in value:
                    raise Bad(_join(where, key), "missing field")
        for key, v in value.items():
            self.fields[key].check(v, _join(where, key))
        if self.rule and not self.partial:
            self.rule(value, where)

    def loose(self) -> Fields:
        return Fields(self.fields, self.required, self.rule, partial=True)


@dataclass
class DictOf(Spec):
    """A mapping of free names (text) to values of one type (e.g. named episodes, feature sets)."""

    value: Spec
    max_items: int = 50

    def check(self, value, where):
        if not isinstance(value, Mapping) or not value:
            raise Bad(where, f"expected a non-empty mapping, got {_show(value)}")
        if len(value) > self.max_items:
            raise Bad(where, f"at most {self.max_items} entries")
        for k, v in value.items():
            if not isinstance(k, str) or not k.strip():
                raise Bad(_join(where, k), f"a name must be text (quote it), got {_show(k)}")
            self.value.check(v, _join(where, k))


# ---------------------------------------------------------------------------------------------
# The query


RATE_MOVES = ("change_bp",)  # measures of a rate quoted in percent
PRICE_MOVES = (
    "return",
    "log_return",
    "mean_return",
    "annualized_return",
    "volatility",
    "rise_from_low",
    "drawdown",
    "above_average",
)


def _is_rate(series_id: str) -> bool:
    """A series quoted in percent (a yield, the fed funds rate, unemployment): it moves in basis points."""
    from rotation.data.catalogue import series_spec

    spec = series_spec(str(series_id))
    return spec.kind == "rate" or spec.unit.startswith("percent")


def _units_rule(q: Mapping, where: str) -> None:
    """A rate moves in basis points (``change_bp``); a price or another level moves in percent (the returns)."""
    if q.get("pair_as") == "ratio":
        return
    if "series" in q:
        ids = [str(q["series"])]
    elif q.get("leg"):
        ids = [str(q["pair"][0 if q["leg"] == "small" else 1])]
    else:
        ids = [str(s) for s in q["pair"]]
    rates = [s for s in ids if _is_rate(s)]
    others = [s for s in ids if s not in rates]
    if q["measure"] in RATE_MOVES and others:
        raise Bad(
            _join(where, "measure"),
            f"change_bp is the move of a rate quoted in percent; {others[0]!r} is not a rate: use return",
        )
    if q["measure"] in PRICE_MOVES and rates:
        raise Bad(
            _join(where, "measure"),
            f"{rates[0]!r} is a rate quoted in percent: its move is measure change_bp (basis points), not {q['measure']}",
        )


def _streak_window_rule(window: Mapping, spread_pair: bool, where: str) -> None:
    """A streak window of the subject itself: ``beats`` for a pair read as a spread, rises/falls for one series."""
    if "streak" in window and "pair" not in window and (window["streak"] == "beats") != spread_pair:
        raise Bad(
            _join(where, "streak"),
            "beats needs a pair: the subject read as a spread, or the window's own pair (window: {streak: beats, "
            "pair: [rut, spx]}); rises/falls/rises_by... need one series or a ratio pair",
        )


def _query_rule(q: Mapping, where: str) -> None:
    from rotation.language.primitives import COUNTING_STATS, LOOKBACK_MEASURES, ROLLING_EVENT_WINDOWS, WINDOW_MEASURES

    measure = q["measure"]
    if ("series" in q) == ("pair" in q):
        raise Bad(_join(where, "series"), "give exactly one of series or pair")
    for key, pair in (("pair", q.get("pair")), ("window.pair", (q.get("window") or {}).get("pair"))):
        if pair and str(pair[0]) == str(pair[1]):
            raise Bad(_join(where, key), f"a pair of two different series, got {pair[0]!r} twice")
    spread_pair = "pair" in q and q.get("pair_as", "spread") == "spread"
    if "pair_as" in q and "pair" not in q:
        raise Bad(_join(where, "pair_as"), "only with pair")
    if measure in WINDOW_MEASURES and "window" not in q:
        raise Bad(_join(where, "window"), f"missing field (measure {measure} is a change over a window)")
    every_period = (q.get("history") or {}).get("among") == "every_period"
    if measure not in (*WINDOW_MEASURES, "drawdown") and "window" in q and not every_period:
        raise Bad(_join(where, "window"), f"measure {measure} takes no window")
    if (measure in LOOKBACK_MEASURES) != ("lookback" in q):
        if "lookback" in q:
            raise Bad(_join(where, "lookback"), f"only with measure {' or '.join(LOOKBACK_MEASURES)}")
        raise Bad(_join(where, "lookback"), f"missing field (measure {measure}: the sessions it looks back over)")
    if "leg" in q and not spread_pair:
        raise Bad(_join(where, "leg"), "only with a pair read as a spread (the leg the measure reads)")
    if "leg" in q and measure == "forward":
        raise Bad(_join(where, "leg"), "measure forward reads its legs with of: small|large|relative")
    one_series = "series" in q or not spread_pair or "leg" in q
    if measure in ("level", "rise_from_low", "drawdown", *LOOKBACK_MEASURES) and not one_series:
        raise Bad(_join(where, "pair_as"), f"measure {measure} of a pair: set pair_as: ratio, or leg: small|large")
    _streak_window_rule(q.get("window") or {}, spread_pair, _join(where, "window"))
    if measure in ("streak", "count", "sessions_meeting"):
        cond = q.get("condition", "beats" if spread_pair and "leg" not in q else None)
        if cond is None:
            raise Bad(_join(where, "condition"), f"missing field (measure {measure} counts sessions of a condition)")
        if cond == "beats" and not spread_pair or cond != "beats" and not one_series:
            raise Bad(
                _join(where, "condition"),
                "beats needs a pair (read as a spread); rises/falls/rises_by... need one series or a ratio pair",
            )
    elif "condition" in q:
        raise Bad(_join(where, "condition"), f"measure {measure} takes no condition (streak, count, sessions_meeting)")
    if measure == "count" and "min_length" not in q:
        raise Bad(_join(where, "min_length"), "missing field (count: streaks of at least this many sessions)")
    if measure != "count":
        for key in ("min_length", "since"):
            if key in q:
                raise Bad(_join(where, key), "only with measure count")
    forward_keys = ("event", "horizon", "stat", "of", "independent", "then", "start")
    if "over" in q:
        if measure == "forward":
            raise Bad(_join(where, "over"), "measure forward takes no over (its outcomes are already a sample)")
        _streak_window_rule(q["over"]["window"], spread_pair, _join(where, "over.window"))
    if measure == "forward":
        condition = (q.get("event") or {}).get("condition", "beats" if spread_pair else "rises")
        if (condition == "beats") != spread_pair:
            raise Bad(
                _join(where, "event.condition"),
                "beats: streaks of a pair read as a spread; rises: streaks of one series (or a ratio pair)",
            )
        if not spread_pair and q.get("of", "small") != "small":
            raise Bad(_join(where, "of"), "one series: its own return (of: small), nothing to beat")
        event_window = (q.get("event") or {}).get("window") or {}
        calendar = bool(event_window) and not (set(ROLLING_EVENT_WINDOWS) & set(event_window))
        for key in ("event", "then" if calendar else "horizon", "stat"):
            if key not in q:
                raise Bad(_join(where, key), "missing field (measure forward)")
        if ("horizon" if calendar else "then") in q:
            key = "horizon" if calendar else "then"
            raise Bad(
                _join(where, key),
                "horizon with streak and rolling-window events, then with calendar events (event.window: dates, first_sessions, year)",
            )
        if "history" in q:
            raise Bad(_join(where, "history"), "measure forward takes no history comparison")
    else:
        for key in forward_keys:
            if key in q:
                raise Bad(_join(where, key), "only with measure forward")
    _units_rule(q, where)
    h = q.get("history")
    if h:
        stat, among = h["stat"], h.get("among")
        if stat == "since" and "in" not in h:
            raise Bad(
                _join(where, "history.in"),
                "missing field (stat since: the period the last value at least as extreme fell in)",
            )
        if stat != "since" and "in" in h:
            raise Bad(_join(where, "history.in"), "only with stat since")
        if (stat in COUNTING_STATS) != (("above" in h) != ("below" in h)) or ("above" in h and "below" in h):
            raise Bad(_join(where, "history.above"), "count, run and share take one of above or below (only they)")
        if among == "streaks" and measure != "streak":
            raise Bad(_join(where, "history.among"), "streaks only with measure streak")
        if among == "every_period" and "period" not in (q.get("window") or {}):
            raise Bad(_join(where, "history.among"), "every_period needs window: {period: month|quarter|year}")
        if among == "same_period" and not ({"period", "first_sessions", "dates"} & set(q.get("window") or {})):
            raise Bad(_join(where, "history.among"), "same_period needs a calendar window (period, first_sessions...)")


def _window_rule(w: Mapping, where: str) -> None:
    kinds = [k for k in ("sessions", "months", "period", "first_sessions", "dates", "streak", "from") if k in w]
    if len(kinds) != 1:
        raise Bad(where, "give exactly one of sessions, months, period, first_sessions, dates, streak, from")
    if "pair" in w and "streak" not in w:
        raise Bad(_join(where, "pair"), "only with streak (the pair whose streak the window is)")
    if "pair" in w and w["streak"] != "beats":
        raise Bad(_join(where, "streak"), "a streak of another pair is a streak of beats")
    if "dates" in w:
        from rotation.language.primitives import month_days

        try:
            month_days(w["dates"])
        except ParameterError as exc:
            raise Bad(_join(where, "dates"), str(exc)) from None
    if "to" in w:
        if "from" not in w:
            raise Bad(_join(where, "to"), "only with from")
        if parse_date(w["to"], where) <= parse_date(w["from"], where):
            raise Bad(_join(where, "to"), f"{w['to']} is not after from {w['from']}")


def _event_rule(e: Mapping, where: str) -> None:
    """Streak events (min_length, condition, anchor) or calendar events (window, above|below), not both."""
    streak = {"min_length", "condition", "anchor"} & set(e)
    if "window" in e:
        if streak:
            raise Bad(_join(where, sorted(streak)[0]), "a calendar event (window) takes no streak fields")
        if "above" in e and "below" in e:
            raise Bad(_join(where, "below"), "give one of above or below")
        every_year = {"first_sessions", "dates"} & set(e["window"]) or e["window"].get("period") in ("year", "ytd")
        from rotation.language.primitives import ROLLING_EVENT_WINDOWS

        rolling = set(ROLLING_EVENT_WINDOWS) & set(e["window"])
        if not every_year and not rolling:
            raise Bad(
                _join(where, "window"),
                "an event window recurs (dates, first_sessions, year) or rolls (sessions, months, with above or below)",
            )
        if rolling and not ({"above", "below"} & set(e)):
            raise Bad(_join(where, "above"), "missing field (a rolling event window: the threshold it first passes)")
    else:
        if "min_length" not in e:
            raise Bad(_join(where, "min_length"), "missing field (streak events; or give window: for calendar events)")
        for key in ("above", "below"):
            if key in e:
                raise Bad(_join(where, key), "only with window (calendar events)")


def _condition() -> Spec:
    size = Fields(
        {
            "rises_by": Number(0, 10, lo_open=True),
            "falls_by": Number(0, 1, lo_open=True),
            "rises_by_bp": Number(0, 10_000, lo_open=True),
            "falls_by_bp": Number(0, 10_000, lo_open=True),
        },
        rule=lambda v, w: None if len(v) == 1 else (_ for _ in ()).throw(Bad(w, "give exactly one threshold")),
    )
    return AnyOf(
        (Choice(("beats", "rises", "falls")), size),
        "beats, rises, falls, or one of {rises_by: fraction}, {falls_by: fraction}, {rises_by_bp: bp}, {falls_by_bp: bp}",
    )


def query_spec() -> Fields:
    from rotation.analytics.forward import ANCHORS
    from rotation.language.primitives import HORIZONS, MEASURES, REDUCTIONS

    stats = (
        "n",
        "n_independent",
        "n_beating",
        "share_beating",
        "n_positive",
        "share_positive",
        "mean",
        "median",
        "base_share_beating",
        "base_share_positive",
        "base_mean",
        "base_median",
        "base_n",
        "excess_mean",
    )
    window = Fields(
        {
            "sessions": Int(1, 100_000),
            "period": Choice(("month", "quarter", "ytd", "year")),
            "first_sessions": Int(1, 260),
            "dates": Text(14, r"\d{2}-\d{2} to \d{2}-\d{2}", "'MM-DD to MM-DD'"),
            "months": Int(1, 1200),
            "streak": _condition(),
            "pair": ListOf(SeriesId(), 2, 2),
            "from": Date(),
            "to": Date(),
        },
        rule=_window_rule,
    )
    return Fields(
        {
            "series": SeriesId(),
            "pair": ListOf(SeriesId(), 2, 2),
            "pair_as": Choice(("spread", "ratio")),
            "leg": Choice(("small", "large")),
            "measure": Choice(MEASURES),
            "lookback": Int(1, 5000),
            "window": window,
            "condition": _condition(),
            "min_length": Int(1, 10_000),
            "since": Date(),
            "history": Fields(
                {
                    "stat": Choice(("rank", "percentile", "record", "since", "since_year", "count", "run", "share")),
                    "among": Choice(("rolling", "same_period", "every_period", "streaks")),
                    "direction": Choice(("high", "low")),
                    "start": Date(),
                    "in": Period(),
                    "above": Number(),
                    "below": Number(),
                },
                required=("stat",),
            ),
            "event": Fields(
                {
                    "condition": Choice(("beats", "rises")),
                    "min_length": Int(1, 10_000),
                    "anchor": Choice(ANCHORS),
                    "window": window,
                    "above": Number(),
                    "below": Number(),
                },
                rule=_event_rule,
            ),
            "then": AnyOf(
                (
                    Choice(("rest_of_year", "next_year")),
                    Fields(
                        {
                            "dates": Text(14, r"\d{2}-\d{2} to \d{2}-\d{2}", "'MM-DD to MM-DD'"),
                            "year": Choice(("same", "next")),
                        },
                        required=("dates",),
                    ),
                ),
                "rest_of_year, next_year or {dates: 'MM-DD to MM-DD', year: same|next}",
            ),
            "start": Date(),
            "horizon": AnyOf(
                (Int(1, 2520), Choice(tuple(HORIZONS))),
                f"a number of sessions (1 to 2520) or one of {', '.join(HORIZONS)}",
            ),
            "stat": Choice(stats),
            "over": Fields({"window": window, "stat": Choice(REDUCTIONS)}, required=("window", "stat")),
            "of": Choice(("small", "large", "relative")),
            "independent": Boolean(),
        },
        required=("measure",),
        rule=_query_rule,
    )


# ---------------------------------------------------------------------------------------------
# The file


NUMERIC_COMPARES = ("equal", "at_least", "at_most", "above", "below")  # claims.judge's rules for a number
COMPARES = (*NUMERIC_COMPARES, "boolean", "criteria", "untestable", "no_data")


def article_spec() -> Fields:
    return Fields(
        {
            "title": Text(MAX_TITLE),
            "published": Date(),
            "as_of": Date(),
            "small": SeriesId(pair=True),
            "large": SeriesId(pair=True),
            "streak_premise": Int(1, 10_000),
        },
        required=("title", "as_of", "small", "large"),
    )


def claim_fields() -> dict:
    tol = Number(0)
    claimed = AnyOf((Number(), Boolean(), Text(500)), "a finite number, true/false, or text (criteria)")
    return {
        "quote": Text(MAX_QUOTE),
        "part": Text(MAX_WORDS),
        "notebook": Text(100, r"[0-9A-Za-z_\-]+", "a notebook stem"),
        "kind": Text(100),
        "measure": Text(),
        "about": Fields({"at": Date(("as_of",)), "period": Period(), "looks": Choice(("back", "ahead"))}),
        "premise": Choice(("streak", None)),
        "params": _Any(),
        "query": _Any(),
        "criteria": _Any(),
        "claimed": claimed,
        "unit": Text(100),
        "compare": Choice(COMPARES),
        "tolerance": tol,
        "partly_tolerance": tol,
        "reason": Text(),
        "rule": Text(),
        "alternatives": ListOf(
            Fields(
                {
                    "choice": Text(200),
                    "label": Text(500),
                    "reading": Choice(READINGS),
                    "rests_on": Text(MAX_WORDS),
                    "contradicts": Text(MAX_WORDS),
                    "params": _Any(),
                    "query": _Any(),
                    "criteria": _Any(),
                    "claimed": claimed,
                    "tolerance": tol,
                    "partly_tolerance": tol,
                },
                required=("choice", "label", "reading"),
            ),
            0,
            MAX_ALTERNATIVES,
        ),
    }


MAX_CRITERIA = 12
CRITERION_COMPARES = (*NUMERIC_COMPARES, "boolean")


def _criterion_rule(c: Mapping, where: str) -> None:
    compare_rule(c["query"], c["compare"], _join(where, "compare"))
    if c["compare"] == "boolean":
        if "claimed" in c or "tolerance" in c:
            raise Bad(_join(where, "claimed" if "claimed" in c else "tolerance"), "not with compare boolean")
        return
    if "claimed" not in c:
        raise Bad(_join(where, "claimed"), f"missing field (needed for compare {c['compare']})")
    if c["compare"] in ("above", "below") and "tolerance" in c:
        raise Bad(_join(where, "tolerance"), f"not with compare {c['compare']} (strictly above or below claimed)")
    claimed_in_range(c["query"], c["claimed"], _join(where, "claimed"))


def boolean_query(q: Mapping) -> bool:
    """Whether a query's value is true/false: a history ``record`` or ``since`` not reduced by ``over``."""
    return (q.get("history") or {}).get("stat") in ("record", "since") and not q.get("over")


def compare_rule(q: Mapping, compare: str, where: str) -> None:
    """``compare: boolean`` for a true/false query, a numeric compare for a number (one line naming ``compare``)."""
    if compare == "boolean" and not boolean_query(q):
        raise Bad(where, "boolean needs a true/false query (history stat record or since); this one gives a number")
    if compare in NUMERIC_COMPARES and boolean_query(q):
        raise Bad(where, f"the query gives true/false (history stat {q['history']['stat']}): compare: boolean")


INF = float("inf")
HISTORY_RANGES = {
    "share": (0.0, 1.0, "history stat share is a fraction from 0 to 1 (write 40% as 0.4)"),
    "percentile": (0.0, 100.0, "history stat percentile runs from 0 to 100"),
    "rank": (1.0, INF, "history stat rank is 1 (the most extreme) or more"),
    "count": (0.0, INF, "history stat count is 0 or more"),
    "run": (0.0, INF, "history stat run is 0 or more"),
}
MEASURE_RANGES = {
    "rsi": (0.0, 100.0, "an RSI runs from 0 to 100 points"),
    "streak": (0.0, INF, "a streak is 0 sessions or more"),
    "count": (0.0, INF, "a count is 0 or more"),
    "sessions_meeting": (0.0, INF, "a number of sessions is 0 or more"),
    "volatility": (0.0, INF, "a volatility is 0 or more (a fraction a year)"),
    "drawdown": (-1.0, 0.0, "a drawdown is a fraction from -1 to 0 (write -20% as -0.2)"),
}


def value_range(q: Mapping) -> tuple[float, float, str] | None:
    """The values a (number-giving) query can take, ``(low, high, why)``, or None when any finite number may come.

    A history statistic sets the range (a rank, a percentile, a share); else the measure does (an
    RSI, a count, a volatility, a drawdown; a forward ``share_*`` is a fraction and ``n*`` a count).
    ``over`` keeps the range: the largest, smallest, mean or median of values in it stays in it."""
    stat = (q.get("history") or {}).get("stat")
    if stat is not None:
        return HISTORY_RANGES.get(stat)
    if q.get("measure") == "forward":
        name = str(q.get("stat", "share_beating")).removeprefix("base_")
        if name.startswith("share_"):
            return (0.0, 1.0, f"forward stat {name} is a fraction from 0 to 1 (write 70% as 0.7)")
        if name == "n" or name.startswith("n_"):
            return (0.0, INF, f"forward stat {name} is a count, 0 or more")
        return None
    return MEASURE_RANGES.get(q.get("measure"))


def claimed_in_range(q: Mapping, claimed: object, where: str) -> None:
    """A claimed number the query can give (one line naming ``where`` otherwise): a share of 2 or an RSI of 500
    would only ever be refuted, and "at least" a value below the range always confirmed."""
    bounds = value_range(q)
    if bounds is None or isinstance(claimed, bool) or not isinstance(claimed, (int, float)):
        return
    low, high, why = bounds
    if not low <= claimed <= high:
        raise Bad(where, f"{claimed:g} is outside what the query gives: {why}")


def criteria_spec() -> DictOf:
    """``criteria:`` of a query claim: name -> {query, compare, claimed, tolerance}, each judged on its own.

    ``compare``: ``equal``/``at_least``/``at_most`` as a claim's own rule (``claims.judge``, met when
    it would be confirmed), ``above``/``below`` strictly (a yield "rose": its change above 0 bp), or
    ``boolean`` (a history ``record``/``since``)."""
    criterion = Fields(
        {
            "query": query_spec(),
            "compare": Choice(CRITERION_COMPARES),
            "claimed": Number(),
            "tolerance": Number(0),
        },
        required=("query", "compare"),
        rule=_criterion_rule,
    )
    return DictOf(criterion, MAX_CRITERIA)


def merge_keys(base: Mapping | None, change: Mapping) -> dict:
    """An alternative's ``query:`` or ``params:`` over the claim's: each key it names replaces the claim's whole
    value of that key (a window, a history, an ``over``), and ``key: null`` removes the key."""
    out = {**dict(base or {}), **dict(change)}
    return {k: v for k, v in out.items() if v is not None}


def merge_criteria(base: object, change: object, where: str) -> dict:
    """An alternative's ``criteria:`` over the claim's: each named criterion's fields replaced, its query merged."""
    if not isinstance(base, Mapping) or not isinstance(change, Mapping):
        raise Bad(where, "expected a mapping of criterion name -> fields")
    out = {name: dict(c) for name, c in base.items()}
    for name, fields in change.items():
        if name not in out:
            near = difflib.get_close_matches(str(name), list(out), n=1)
            raise Bad(
                _join(where, name), "not a criterion of the claim" + (f" (did you mean {near[0]!r}?)" if near else "")
            )
        if not isinstance(fields, Mapping):
            raise Bad(_join(where, name), "expected a mapping")
        merged = {**out[name], **dict(fields)}
        if "query" in fields and isinstance(fields["query"], Mapping):
            merged["query"] = merge_keys(out[name].get("query"), fields["query"])
        out[name] = merged
    return out


def check_claim(entry: object, kinds: Mapping[str, Fields], known_kinds: set) -> None:
    """One claim against the schema; raises ``Bad`` naming the field."""
    fields = claim_fields()
    # params/query depend on the kind: check the claim's own keys first, then them
    shell = Fields(
        {k: (_Any() if k == "alternatives" else v) for k, v in fields.items()},
        required=("quote", "notebook", "compare"),
    )
    shell.check(entry, "")
    compare, kind = entry["compare"], entry.get("kind")
    if compare in ("untestable", "no_data"):
        if "reason" not in entry:
            raise Bad("reason", f"missing field (needed for compare {compare})")
    elif kind is None:
        raise Bad("kind", "missing field")
    if kind is not None and kind not in known_kinds:
        near = difflib.get_close_matches(str(kind), sorted(known_kinds), n=1, cutoff=0.6)
        raise Bad(
            "kind",
            f"unknown claim kind {kind!r}"
            + (f" (did you mean {near[0]!r}?)" if near else f" (known: {', '.join(sorted(known_kinds))})"),
        )
    if compare in NUMERIC_COMPARES:
        if "claimed" not in entry:
            raise Bad("claimed", f"missing field (needed for compare {compare})")
        Number().check(entry["claimed"], "claimed")
    if compare in ("above", "below"):
        for key in ("tolerance", "partly_tolerance"):
            if key in entry:
                raise Bad(key, f"not with compare {compare} (strictly {compare} claimed)")
    if "partly_tolerance" in entry and entry["partly_tolerance"] < entry.get("tolerance", 0):
        raise Bad("partly_tolerance", f"must be at least tolerance ({entry.get('tolerance', 0)})")
    about = entry.get("about", {"at": "as_of"})
    if ("at" in about) == ("period" in about):
        raise Bad("about", "give exactly one of at (as_of or YYYY-MM-DD) or period")
    if "looks" in about and "period" not in about:
        raise Bad("about.looks", "only with period")
    if about.get("at", "as_of") != "as_of" and kind != "query":
        raise Bad(
            "about.at", "only query claims carry their own date; other kinds are measured at as_of (use kind: query)"
        )
    if kind == "query" and "period" in about:
        raise Bad(
            "about.period",
            "a query claim is dated with about.at; a claim about a period (a forecast) is a query over "
            "window {from, to} dated at the period's last day: about: {at: 'YYYY-MM-DD'}",
        )
    if kind == "query":
        if "params" in entry:
            raise Bad("params", "a query claim states its query under query:, not params:")
        if ("query" in entry) == ("criteria" in entry):
            raise Bad("query", "give exactly one of query (one value) or criteria (several, each judged)")
        if "criteria" in entry:
            if compare != "criteria":
                raise Bad("criteria", "only with compare: criteria")
            criteria_spec().check(entry["criteria"], "criteria")
        else:
            if compare == "criteria":
                raise Bad("compare", "a query claim judged on criteria lists them under criteria:")
            spec = query_spec()
            spec.check(entry["query"], "query")
            if compare not in ("untestable", "no_data"):
                compare_rule(entry["query"], compare, "compare")
            if compare in NUMERIC_COMPARES:
                claimed_in_range(entry["query"], entry["claimed"], "claimed")
    else:
        for key in ("query", "criteria"):
            if key in entry:
                raise Bad(key, "only with kind: query")
        spec = kinds.get(kind) or _Undeclared()
        if "params" in entry:
            spec.check(entry["params"], "params")
    ListOf(_Any(), 0, MAX_ALTERNATIVES).check(entry.get("alternatives", []), "alternatives")
    own = "params" if kind != "query" else "criteria" if "criteria" in entry else "query"
    for i, alt in enumerate(entry.get("alternatives") or []):
        fields["alternatives"].item.check(alt, f"alternatives[{i}]")
        for other in {"params", "query", "criteria"} - {own}:
            if other in alt:
                raise Bad(f"alternatives[{i}].{other}", f"this claim varies its {own}:, not {other}:")
        if own == "criteria" and own in alt:
            merged = merge_criteria(entry["criteria"], alt["criteria"], f"alternatives[{i}].criteria")
            criteria_spec().check(merged, f"alternatives[{i}].criteria")
        elif own in alt:
            if not isinstance(alt[own], Mapping):
                raise Bad(f"alternatives[{i}].{own}", f"expected a mapping, got {_show(alt[own])}")
            spec.loose().check({k: v for k, v in alt[own].items() if v is not None}, f"alternatives[{i}].{own}")
            merged = merge_keys(entry.get(own), alt[own])
            spec.check(merged, f"alternatives[{i}].{own}")
        if "claimed" in alt and compare in NUMERIC_COMPARES:
            Number().check(alt["claimed"], f"alternatives[{i}].claimed")
        if compare in ("above", "below") and ({"tolerance", "partly_tolerance"} & set(alt)):
            raise Bad(f"alternatives[{i}]", f"a tolerance does not apply to compare {compare} (strictly {compare})")
        if own == "query" and compare in NUMERIC_COMPARES and ("claimed" in alt or own in alt):
            merged = merge_keys(entry["query"], alt.get("query") or {})
            claimed_in_range(merged, alt.get("claimed", entry["claimed"]), f"alternatives[{i}].claimed")
        check_reading(alt, entry["quote"], f"alternatives[{i}]")
    if "part" in entry and not in_words(entry["part"], entry["quote"]):
        raise Bad("part", f"{_show(entry['part'])} does not occur in the quote (the part is words of the quote)")


def normal_words(text: str) -> str:
    """``text`` compared as words: case-folded, runs of white space as one space."""
    return " ".join(str(text).split()).casefold()


def in_words(words: str, quote: str) -> bool:
    """True when ``words`` occur in ``quote`` (case-insensitive, white space normalised)."""
    return normal_words(words) in normal_words(quote)


def judging_only(alt: Mapping) -> bool:
    """True when an alternative changes only the decision rule (claimed value, tolerances), not the measurement.

    Under ``criteria:`` a criterion's query or claimed value counts as a change of what is judged
    (as a claim's own ``claimed`` may be a reading); its tolerance alone does not.
    """
    criteria = alt.get("criteria") or {}
    changes = isinstance(criteria, Mapping) and any(
        not isinstance(c, Mapping) or set(c) - {"tolerance"} for c in criteria.values()
    )
    return not alt.get("params") and not alt.get("query") and not changes


def check_reading(alt: Mapping, quote: str, where: str) -> None:
    """The reading rule (docs/readings.md): what an alternative is, and the quote's words it rests on or contradicts.

    ``allowed`` needs ``rests_on`` and ``context`` needs ``contradicts``: words that occur in the quote.
    A changed measurement (params, query) or a changed claimed value (another number the words may
    mean: "exceedingly rare" as one streak in twenty years rather than in ten) is a reading; an
    alternative that changes only the tolerances widens the decision rule and is always a
    ``sensitivity``, never a reading. A sensitivity never changes the measurement.
    """
    reading = alt["reading"]
    own = {"allowed": "rests_on", "context": "contradicts"}.get(reading)
    for key in ("rests_on", "contradicts"):
        if key in alt and key != own:
            raise Bad(f"{where}.{key}", f"only with reading {'allowed' if key == 'rests_on' else 'context'}")
    if own is not None:
        if own not in alt:
            raise Bad(
                f"{where}.{own}",
                f"missing field (reading {reading}: the words of the quote it {'rests on' if own == 'rests_on' else 'contradicts'})",
            )
        if not in_words(alt[own], quote):
            raise Bad(f"{where}.{own}", f"{_show(alt[own])} does not occur in the quote")
    if judging_only(alt) and "claimed" not in alt and reading != "sensitivity":
        raise Bad(
            f"{where}.reading",
            f"{reading} for an alternative that changes "
            + (
                f"only {', '.join(k for k in JUDGING_FIELDS if k in alt)}"
                if any(k in alt for k in JUDGING_FIELDS)
                else "nothing measured"
            )
            + ": a widened tolerance is reading: sensitivity",
        )
    if not judging_only(alt) and reading == "sensitivity":
        raise Bad(
            f"{where}.reading",
            "sensitivity for an alternative that changes the measurement (params or query): use allowed (rests_on) or context (contradicts)",
        )


class _Any(Spec):
    def check(self, value, where):
        return None


class _Undeclared(Spec):
    """Parameters of a kind this schema does not declare yet (a kind may declare them: ``rotation.claims.measures.params.PARAMS[kind] = Fields(...)``):
    a mapping whose numbers are all finite."""

    def check(self, value, where):
        if not isinstance(value, Mapping):
            raise Bad(where, f"expected a mapping, got {_show(value)}")
        _finite_everywhere(value, where)

    def loose(self) -> _Undeclared:
        return self


def _finite_everywhere(value: object, where: str) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise Bad(where, f"expected a finite number, got {value!r}")
    if isinstance(value, Mapping):
        for k, v in value.items():
            _finite_everywhere(v, _join(where, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _finite_everywhere(v, f"{where}[{i}]")


def check_document(path: str, doc: object, kinds: Mapping[str, Fields], known_kinds: Iterable[str]) -> None:
    """The whole claims file; raises ``SchemaError``: ``<file>: claim '<id>': field '<field>': <what>``.

    ``kinds``: each kind's parameter schema (``rotation.claims.measures.params.kind_params``);
    ``known_kinds``: the names of the registered measures (``rotation.claims.measures.base.KINDS``).
    """

    def fail(claim_id: str | None, where: str, what: str) -> SchemaError:
        parts = [str(path)] + ([f"claim {claim_id!r}"] if claim_id else []) + ([f"field {where!r}"] if where else [])
        return SchemaError(": ".join(parts + [what]))

    if not isinstance(doc, Mapping):
        raise fail(None, "", "expected a mapping with top-level keys 'article' and 'claims'")
    try:
        Fields({"article": _Any(), "claims": _Any()}, required=("article", "claims")).check(doc, "")
        article_spec().check(doc["article"], "article")
    except Bad as exc:
        raise fail(None, exc.where, exc.what) from None
    claims = doc["claims"]
    if not isinstance(claims, Mapping) or not claims:
        raise fail(None, "claims", "expected a non-empty mapping of claim id to fields")
    if len(claims) > MAX_CLAIMS:
        raise fail(None, "claims", f"{len(claims)} claims; a claims file holds at most {MAX_CLAIMS}")
    for cid, entry in claims.items():
        try:
            check_claim(entry, kinds, set(known_kinds))
        except Bad as exc:
            raise fail(str(cid), exc.where, exc.what) from None


__all__ = [
    "MAX_CLAIMS",
    "MAX_SIMS",
    "READINGS",
    "SchemaError",
    "check_document",
    "check_reading",
    "in_words",
    "judging_only",
    "query_spec",
]
