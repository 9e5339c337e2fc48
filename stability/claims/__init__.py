"""Every checkable claim of the two source papers, re-derived by code, with a verdict.

A :class:`Claim` names its place in a paper, paraphrases it (in our words), and carries a
check: a function that computes with the public API of :mod:`stability` (and, where
useful, sympy, mpmath or a direct simulation of the update rules) and returns a
:class:`Finding`: the verdict, the numbers it found and, for every verdict other than
``holds``, the counterexample or the corrected statement.

The papers are "At Stability's Edge" (``paper="edge"``) and Liu et al. (2018),
"Towards understanding acceleration tradeoff between momentum and asynchrony in
nonconvex stochastic optimization" (``paper="liu"``).

Numbers are reported to :data:`DIGITS` significant digits; quantities that are zero up
to rounding are reported as a bound (``< 1e-9``), so that changes at the ``1e-12`` level
in the edge computation do not change the report.  Every simulation is seeded.

Run all checks with :func:`run` or ``stability claims`` on the command line.  This
subpackage imports sympy and scipy, so :mod:`stability` does not import it.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

__all__ = ["VERDICTS", "DIGITS", "Claim", "Finding", "ClaimResult", "registry", "run",
           "to_markdown", "to_json", "format_number"]

VERDICTS = ("holds", "holds with caveat", "wrong (typo)", "wrong (substance)",
            "needs training (not checked)")
PAPERS = ("edge", "liu")
#: Significant digits of every reported number.
DIGITS = 4


@dataclass(frozen=True)
class Finding:
    """What a check found.

    Attributes
    ----------
    verdict : str
        One of :data:`VERDICTS`.
    numbers : mapping
        Name -> number (or short text) that the verdict rests on.
    note : str
        The counterexample or corrected statement (required unless ``holds``).
    """

    verdict: str
    numbers: Mapping = field(default_factory=dict)
    note: str = ""

    def __post_init__(self):
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, got {self.verdict!r}")
        if self.verdict != "holds" and not self.note.strip():
            raise ValueError(f"a {self.verdict!r} finding needs a note (counterexample or correction)")


@dataclass(frozen=True)
class Claim:
    """One checkable statement of a paper.

    Attributes
    ----------
    id : str
        Stable identifier, ``E..`` (edge paper) or ``L..`` (Liu et al.).
    paper : {"edge", "liu"}
    where : str
        Section, equation, figure, appendix, lemma.
    statement : str
        The claim in our own words.
    check : callable
        ``check() -> Finding``.
    """

    id: str
    paper: str
    where: str
    statement: str
    check: Callable[[], Finding]


@dataclass(frozen=True)
class ClaimResult:
    """A claim with the finding of its check."""

    claim: Claim
    finding: Finding


_REGISTRY: dict[str, Claim] = {}


def claim(id: str, paper: str, where: str, statement: str):
    """Decorator registering ``check`` as the check of a new claim."""
    if paper not in PAPERS:
        raise ValueError(f"paper must be one of {PAPERS}, got {paper!r}")

    def register(check):
        if id in _REGISTRY:
            raise ValueError(f"duplicate claim id {id!r}")
        _REGISTRY[id] = Claim(id, paper, where, " ".join(statement.split()), check)
        return check

    return register


def _load() -> None:
    from . import _edge, _liu  # noqa: F401  (registration happens on import)


def registry(paper: str = "all") -> tuple[Claim, ...]:
    """Every registered claim of ``paper`` ("edge", "liu" or "all"), in report order.

    Parameters
    ----------
    paper : {"all", "edge", "liu"}
    """
    if paper not in ("all",) + PAPERS:
        raise ValueError(f"paper must be 'all', 'edge' or 'liu', got {paper!r}")
    _load()
    return tuple(c for c in _REGISTRY.values() if paper in ("all", c.paper))


def run(paper: str = "all", *, progress: bool = False) -> tuple[ClaimResult, ...]:
    """Run the check of every claim of ``paper``.

    Parameters
    ----------
    paper : {"all", "edge", "liu"}
    progress : bool
        Show a tqdm progress bar (only when stderr is a terminal).

    Returns
    -------
    tuple of ClaimResult
    """
    claims = registry(paper)
    from tqdm import tqdm

    out = []
    for c in tqdm(claims, disable=None if progress else True, desc="claims", leave=False):
        finding = c.check()
        if not isinstance(finding, Finding):
            raise TypeError(f"check of claim {c.id} returned {type(finding).__name__}, not Finding")
        out.append(ClaimResult(c, finding))
    return tuple(out)


def format_number(x) -> str:
    """``x`` to :data:`DIGITS` significant digits (ints and text unchanged).

    Parameters
    ----------
    x : int, float or str
    """
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, int):
        return str(x)
    if isinstance(x, float):
        if x == 0.0:
            return "0"
        if not math.isfinite(x):
            return str(x)
        return f"{x:.{DIGITS}g}"
    return str(x)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def counts(results) -> dict[str, int]:
    """Number of claims per verdict (every verdict listed, zeros included)."""
    out = {v: 0 for v in VERDICTS}
    for r in results:
        out[r.finding.verdict] += 1
    return out


LAW_MS = (0.3, 0.6, 0.9, 0.99)
LAW_TAUS = (100, 1000, 100000)
#: Errors of the laws below this are reported as a bound, so that the table does not move
#: with rounding-level changes of ``threshold`` (accurate to about 1e-12 here; before ``P``
#: was evaluated through ``P / (z - 1)``, 1.1e-9 at tau = 1e5, shifted, m = 0.99).
LAW_ERROR_FLOOR = 3e-9


def large_delay_table() -> list[dict]:
    """See :func:`_large_delay_rows` (a fresh list of dicts; the computation is cached)."""
    return [dict(r) for r in _large_delay_rows()]


@functools.lru_cache(maxsize=1)
def _large_delay_rows() -> tuple:
    """The large-delay laws for a few momenta, with their error against ``threshold``.

    Errors below :data:`LAW_ERROR_FLOOR` (relative) are reported as that bound and larger
    ones to 2 digits, so the table does not move with ``1e-12``-level changes of the edge
    computation.
    """
    from .. import large_delay_law, threshold

    rows = []
    for momentum, ms in (("none", (0.0,)), ("standard", LAW_MS), ("shifted", LAW_MS)):
        for m in ms:
            law = large_delay_law(momentum=momentum, m=m)
            row = {"scheme": momentum, "m": m, "slope": law.slope, "offset": law.offset,
                   "correction": law.correction, "gain over plain": law.gain_over_plain}
            for tau in LAW_TAUS:
                err = law.inverse_edge(tau) * threshold(tau, momentum=momentum, m=m) - 1
                row[f"rel. error at tau = {tau}"] = (f"< {LAW_ERROR_FLOOR:g}" if abs(err) < LAW_ERROR_FLOOR
                                                     else f"{err:.2g}")
            rows.append(tuple(row.items()))
    return tuple(rows)


def to_markdown(results) -> str:
    """The report as markdown: a summary and one table per paper.

    Parameters
    ----------
    results : sequence of ClaimResult
    """
    lines = ["# Claims of the two papers, checked", "",
             "Generated by `stability claims` (do not edit by hand). Each row is one checkable "
             "statement of a paper, paraphrased; the check recomputes it with this toolkit "
             f"(numbers to {DIGITS} significant digits; values that vanish up to rounding are shown "
             "as bounds; simulations are seeded). Every verdict other than `holds` carries the "
             "counterexample or the corrected statement.", ""]
    c = counts(results)
    lines += ["| verdict | claims |", "|---|---|"]
    lines += [f"| {v} | {n} |" for v, n in c.items()]
    lines += [f"| total | {len(results)} |", ""]
    titles = {"edge": "At Stability's Edge (constant and random delays, momentum)",
              "liu": "Liu et al. (2018), Async-MSGD on streaming PCA"}
    for paper in PAPERS:
        rows = [r for r in results if r.claim.paper == paper]
        if not rows:
            continue
        lines += [f"## {titles[paper]}", "",
                  "| id | where | claim | verdict | numbers | counterexample / correction |",
                  "|---|---|---|---|---|---|"]
        for r in rows:
            nums = "; ".join(f"{k} = {format_number(v)}" for k, v in r.finding.numbers.items())
            lines.append("| " + " | ".join(_cell(s) for s in (
                r.claim.id, r.claim.where, r.claim.statement, f"**{r.finding.verdict}**",
                nums, r.finding.note)) + " |")
        lines.append("")
    rows = large_delay_table()
    lines += ["## Large-delay laws (new; not in either paper)", "",
              "`1/alpha* = slope tau + offset + correction/tau + O(tau^-2)` from `stability.large_delay_law` "
              "(derivation in its docstring); 'gain over plain' is the limit of alpha* / alpha*_plain; the "
              "errors compare the three-term law with `threshold` (relative, in 1/alpha*).", "",
              "| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
    lines += ["| " + " | ".join(format_number(v) for v in r.values()) + " |" for r in rows]
    lines.append("")
    return "\n".join(lines)


def to_json(results) -> str:
    """The report as JSON: a list of objects (numbers formatted as in the markdown).

    Parameters
    ----------
    results : sequence of ClaimResult
    """
    return json.dumps({
        "digits": DIGITS,
        "counts": counts(results),
        "claims": [{
            "id": r.claim.id, "paper": r.claim.paper, "where": r.claim.where,
            "claim": r.claim.statement, "verdict": r.finding.verdict,
            "numbers": {k: format_number(v) for k, v in r.finding.numbers.items()},
            "note": r.finding.note,
        } for r in results],
    }, indent=1, ensure_ascii=False) + "\n"


def write_atomic(path: str, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same directory and a rename.

    Parameters
    ----------
    path : str
    text : str
    """
    import os
    import tempfile

    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=os.path.basename(path), dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
