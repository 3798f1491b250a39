"""The catalogue of named daily series: what each id means, where it lives locally and remotely.

A ``SeriesSpec`` names the CSV file in the data folder, its value columns, its kind (``price``:
finite and positive; ``rate``: percent per year; ``factor``: percent per day on disk; ``level``:
any finite value), the live source (Yahoo ticker, FRED id, Ken French file), the definition, the
unit, the frequency and the earliest date it can hold. ``series_spec`` also accepts any upper-case
Yahoo ticker (``HBAN``, ``^RUT``). A new series goes in ``CATALOGUE``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rotation.core.errors import ParameterError

EARLIEST_DEFAULT = "1885-02-16"  # no daily market series is older than the first published daily stock average (Dow's)
_INDEX_DEF = "price index (no dividends), daily close"
_ADJ_DEF = "Yahoo auto-adjusted close (splits and dividends reinvested), daily"
_TICKER = re.compile(r"^\^?[A-Z0-9][A-Z0-9.\-=]{0,11}$")


@dataclass(frozen=True)
class SeriesSpec:
    """One catalogue entry: where a series lives locally and remotely, and what it means."""

    name: str
    description: str
    file: str  # CSV file name in the data folder
    columns: tuple[str, ...]  # value columns returned by load()
    kind: str  # "price" (finite, > 0), "rate" (finite), "factor" (finite, % per day on disk) or "level" (finite, any sign: FRED indexes, counts, oil)
    source: str  # "yahoo", "fred" or "french"
    remote: str  # Yahoo ticker, FRED series id or Ken French file name
    definition: str
    unit: str
    auto_adjust: bool = False  # Yahoo only: split/dividend-adjusted prices
    frequency: str = "daily"  # "daily" or "monthly" (FRED monthly series: one row dated the first of each month)
    earliest: str = ""  # first date the series can hold: the index's base date, the fund's launch, the library's first day ("": EARLIEST_DEFAULT)


CATALOGUE: dict[str, SeriesSpec] = {
    s.name: s
    for s in [
        SeriesSpec("rut", "Russell 2000 index", "RUT.csv", ("close",), "price", "yahoo", "^RUT", _INDEX_DEF, "index points", earliest="1978-12-29"),
        SeriesSpec("spx", "S&P 500 index", "GSPC.csv", ("close",), "price", "yahoo", "^GSPC", _INDEX_DEF, "index points", earliest="1927-12-30"),
        SeriesSpec("iwm", "iShares Russell 2000 ETF (IWM)", "IWM.csv", ("adj_close",), "price", "yahoo", "IWM", _ADJ_DEF, "USD", True, earliest="2000-05-22"),
        SeriesSpec("spy", "SPDR S&P 500 ETF (SPY)", "SPY.csv", ("adj_close",), "price", "yahoo", "SPY", _ADJ_DEF, "USD", True, earliest="1993-01-22"),
        SeriesSpec("vix", "CBOE Volatility Index (VIX)", "VIX.csv", ("close",), "price", "yahoo", "^VIX", "index level, daily close", "index points", earliest="1990-01-02"),
        SeriesSpec("dff", "Effective federal funds rate", "DFF.csv", ("value",), "rate", "fred", "DFF", "FRED DFF, daily (7 days a week)", "percent per year"),
        SeriesSpec("fed_upper", "Fed funds target, upper bound", "DFEDTARU.csv", ("value",), "rate", "fred", "DFEDTARU", "FRED DFEDTARU (single target DFEDTAR before 2008-12-16), daily", "percent per year"),
        SeriesSpec("fed_lower", "Fed funds target, lower bound", "DFEDTARL.csv", ("value",), "rate", "fred", "DFEDTARL", "FRED DFEDTARL (single target DFEDTAR before 2008-12-16), daily", "percent per year"),
        SeriesSpec("dgs10", "10-year Treasury constant-maturity yield", "DGS10.csv", ("value",), "rate", "fred", "DGS10", "FRED DGS10, business days (blank where FRED publishes no value)", "percent per year"),
        SeriesSpec("dgs2", "2-year Treasury constant-maturity yield", "DGS2.csv", ("value",), "rate", "fred", "DGS2", "FRED DGS2, business days (blank where FRED publishes no value)", "percent per year"),
        SeriesSpec("rsp", "Invesco S&P 500 Equal Weight ETF (RSP)", "RSP.csv", ("adj_close",), "price", "yahoo", "RSP", _ADJ_DEF, "USD", True),
        SeriesSpec("xlf", "Financial Select Sector SPDR (XLF, S&P 500 financials)", "XLF.csv", ("adj_close",), "price", "yahoo", "XLF", _ADJ_DEF, "USD", True),
        SeriesSpec("xli", "Industrial Select Sector SPDR (XLI, S&P 500 industrials)", "XLI.csv", ("adj_close",), "price", "yahoo", "XLI", _ADJ_DEF, "USD", True),
        SeriesSpec("xly", "Consumer Discretionary Select Sector SPDR (XLY, S&P 500 consumer discretionary)", "XLY.csv", ("adj_close",), "price", "yahoo", "XLY", _ADJ_DEF, "USD", True),
        SeriesSpec("xlk", "Technology Select Sector SPDR (XLK, S&P 500 information technology)", "XLK.csv", ("adj_close",), "price", "yahoo", "XLK", _ADJ_DEF, "USD", True),
        SeriesSpec("kre", "SPDR S&P Regional Banking ETF (KRE)", "KRE.csv", ("adj_close",), "price", "yahoo", "KRE", _ADJ_DEF, "USD", True),
        SeriesSpec("hban", "Huntington Bancshares (HBAN)", "HBAN.csv", ("adj_close",), "price", "yahoo", "HBAN", _ADJ_DEF, "USD", True),
        SeriesSpec("rf", "Regions Financial (RF)", "RF.csv", ("adj_close",), "price", "yahoo", "RF", _ADJ_DEF, "USD", True),
        SeriesSpec("nvda", "NVIDIA (NVDA)", "NVDA.csv", ("adj_close",), "price", "yahoo", "NVDA", _ADJ_DEF, "USD", True),
        SeriesSpec("msft", "Microsoft (MSFT)", "MSFT.csv", ("adj_close",), "price", "yahoo", "MSFT", _ADJ_DEF, "USD", True),
        SeriesSpec("ff_factors", "Fama-French 3 factors, daily", "FF_daily.csv", ("mkt_rf", "smb", "hml", "rf"), "factor", "french", "F-F_Research_Data_Factors_daily", "Ken French data library, daily factor returns", "fraction per day", earliest="1926-07-01"),
        SeriesSpec("ff_mom", "Fama-French momentum factor, daily", "FF_MOM_daily.csv", ("mom",), "factor", "french", "F-F_Momentum_Factor_daily", "Ken French data library, daily factor return", "fraction per day", earliest="1926-11-03"),
        SeriesSpec("dji", "Dow Jones Industrial Average", "DJI.csv", ("close",), "price", "yahoo", "^DJI", _INDEX_DEF, "index points"),
        SeriesSpec("ixic", "Nasdaq Composite index", "IXIC.csv", ("close",), "price", "yahoo", "^IXIC", _INDEX_DEF, "index points"),
        SeriesSpec("ndx", "Nasdaq-100 index", "NDX.csv", ("close",), "price", "yahoo", "^NDX", _INDEX_DEF, "index points"),
        SeriesSpec("qqq", "Invesco QQQ Trust (QQQ, Nasdaq-100)", "QQQ.csv", ("adj_close",), "price", "yahoo", "QQQ", _ADJ_DEF, "USD", True),
        SeriesSpec("dia", "SPDR Dow Jones Industrial Average ETF (DIA)", "DIA.csv", ("adj_close",), "price", "yahoo", "DIA", _ADJ_DEF, "USD", True),
        SeriesSpec("ijr", "iShares Core S&P Small-Cap ETF (IJR, S&P 600)", "IJR.csv", ("adj_close",), "price", "yahoo", "IJR", _ADJ_DEF, "USD", True),
        SeriesSpec("mdy", "SPDR S&P MidCap 400 ETF (MDY)", "MDY.csv", ("adj_close",), "price", "yahoo", "MDY", _ADJ_DEF, "USD", True),
        SeriesSpec("cpi", "Consumer price index, all urban consumers", "CPIAUCSL.csv", ("value",), "level", "fred", "CPIAUCSL", "FRED CPIAUCSL, monthly, seasonally adjusted, dated the first of the month (current vintage: revised values)", "index, 1982-84 = 100", frequency="monthly"),
        SeriesSpec("core_cpi", "Consumer price index less food and energy", "CPILFESL.csv", ("value",), "level", "fred", "CPILFESL", "FRED CPILFESL, monthly, seasonally adjusted, dated the first of the month (current vintage)", "index, 1982-84 = 100", frequency="monthly"),
        SeriesSpec("unrate", "Unemployment rate", "UNRATE.csv", ("value",), "level", "fred", "UNRATE", "FRED UNRATE, monthly, seasonally adjusted, dated the first of the month (current vintage)", "percent of the labour force", frequency="monthly"),
        SeriesSpec("payems", "Nonfarm payroll employment", "PAYEMS.csv", ("value",), "level", "fred", "PAYEMS", "FRED PAYEMS, all employees, total nonfarm, monthly, seasonally adjusted (current vintage)", "thousands of persons", frequency="monthly"),
        SeriesSpec("indpro", "Industrial production index", "INDPRO.csv", ("value",), "level", "fred", "INDPRO", "FRED INDPRO, monthly, seasonally adjusted (current vintage)", "index, 2017 = 100", frequency="monthly"),
        SeriesSpec("usrec", "NBER recession indicator", "USREC.csv", ("value",), "level", "fred", "USREC", "FRED USREC: 1 in a month of NBER-dated recession (peak month excluded, trough included), else 0; monthly", "indicator (0 or 1)", frequency="monthly"),
        SeriesSpec("wti", "Crude oil, West Texas Intermediate spot price", "DCOILWTICO.csv", ("value",), "level", "fred", "DCOILWTICO", "FRED DCOILWTICO, Cushing OK spot, business days (blank where FRED publishes no value; negative on 2020-04-20 as published)", "USD per barrel"),
        SeriesSpec("busloans", "Commercial and industrial loans, all commercial banks", "BUSLOANS.csv", ("value",), "level", "fred", "BUSLOANS", "FRED BUSLOANS (Fed H.8), monthly average, seasonally adjusted (current vintage)", "billions of USD", frequency="monthly"),
        SeriesSpec("t10y2y", "10-year minus 2-year Treasury yield spread", "T10Y2Y.csv", ("value",), "rate", "fred", "T10Y2Y", "FRED T10Y2Y, business days (blank where FRED publishes no value)", "percentage points"),
    ]
}


def pair_series(name: str) -> SeriesSpec:
    """``series_spec`` of a series that can be one leg of a compared pair: a price series (an index, a fund, a
    stock) of one close column. Anything else is refused in one line saying what it is: a pair's streaks,
    spreads and odds are built on daily returns, which a rate, a factor file or a macro level does not have."""
    spec = series_spec(name)
    if spec.kind != "price" or len(spec.columns) != 1:
        advice = "; to check a claim about it, write a claims-file query (a rate moves in change_bp)" if spec.kind == "rate" else ""
        raise ParameterError(
            f"series {spec.name!r} is a {spec.kind} series ({spec.unit}); a pair compares the daily returns of two "
            f"price series (indexes, funds, stocks){advice}"
        )
    return spec


PRICE_RETURNS = "price returns (no dividends)"
TOTAL_RETURNS = "total returns (Yahoo auto-adjusted closes, dividends reinvested)"
PRICE_CLOSES = "price-index closes (no dividends)"
TOTAL_CLOSES = "Yahoo auto-adjusted closes (dividends reinvested)"


def returns_words(*names: str, short: bool = False, closes: bool = False) -> str:
    """What the daily returns of the series ``names`` are, for a source line: price returns of price indexes, total
    returns of auto-adjusted funds and stocks; grouped by kind and named when they differ ("price returns of rut and
    spx (no dividends), total returns of xlk (...)"). ``short``: without the parenthesis, for titles and running
    text ("price returns"; "returns (price for rut, total for ijr)"). ``closes``: the closes themselves ("price-index
    closes (no dividends)"), for figures of levels. Not for rates or levels, which have no returns."""
    groups: dict[bool, list[str]] = {}
    for n in names:
        groups.setdefault(bool(series_spec(n).auto_adjust), []).append(str(n))
    words = {False: PRICE_CLOSES if closes else PRICE_RETURNS, True: TOTAL_CLOSES if closes else TOTAL_RETURNS}
    if len(groups) == 1:
        text = words[next(iter(groups))]
        return text.split(" (")[0] if short else text
    if short:
        kind = {False: "price", True: "total"}
        noun = "closes" if closes else "returns"
        return f"{noun} (" + ", ".join(f"{kind[k]} for {' and '.join(ns)}" for k, ns in groups.items()) + ")"
    return ", ".join(
        f"{words[k].split(' (')[0]} of {' and '.join(ns)} ({words[k].split(' (', 1)[1]}" for k, ns in groups.items()
    )


def series_spec(name: str) -> SeriesSpec:
    """The catalogue entry for ``name``: a catalogue id (``rut``) or an upper-case Yahoo ticker (``HBAN``, ``^RUT``)."""
    key = str(name).strip()
    if any(not c.isprintable() and c != " " for c in str(name)):
        raise ParameterError(f"series name {ascii(str(name))} holds a control or non-printable character")
    if key in CATALOGUE:
        return CATALOGUE[key]
    if _TICKER.match(key):
        index = key.startswith("^")
        same_file = [s for s in CATALOGUE.values() if s.file == f"{key.lstrip('^')}.csv" and s.source != "yahoo"]
        if same_file:
            other = same_file[0]
            raise ParameterError(
                f"series {key!r}: {other.file} is the catalogue series {other.name!r} ({other.description}, "
                f"{other.source.upper()} {other.remote}), not a Yahoo ticker: write {other.name}"
            )
        return SeriesSpec(
            name=key,
            description=f"Yahoo {key}",
            file=f"{key.lstrip('^')}.csv",
            columns=("close",) if index else ("adj_close",),
            kind="price",
            source="yahoo",
            remote=key,
            definition=_INDEX_DEF if index else _ADJ_DEF,
            unit="index points" if index else "USD",
            auto_adjust=not index,
        )
    known = ", ".join(CATALOGUE)
    raise ParameterError(f"unknown series {name!r}: use one of {known}, or an upper-case Yahoo ticker such as HBAN or ^RUT")
