"""``stability figures``: compute every registered figure, write its CSV and draw it.

The registry (:data:`stability.figures.FIGURES`) says *what* each figure is; the plotting
layer (:mod:`stability.plotting`, ``plot_<name>``) says how it looks; this module is the
command that puts them together on disk, deterministically (same bytes on every run) and
atomically (every file is written to a temporary name and renamed).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Sequence

from . import figures
from .figures import FIGURES, FigureData, _atomic_write, write_csv

__all__ = ["run", "write_figure", "FORMATS"]

FORMATS = ("png", "pdf", "svg")


def _check_out(out: str) -> None:
    try:
        os.makedirs(out, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".probe-", dir=out)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise ValueError(f"cannot write to output directory {out!r}: {exc.strerror or exc}") from None


def _parse_formats(formats: str | Sequence[str]) -> list[str]:
    items = formats.split(",") if isinstance(formats, str) else list(formats)
    items = [f.strip().lower() for f in items if f.strip()]
    bad = [f for f in items if f not in FORMATS]
    if bad or not items:
        raise ValueError(f"unknown figure format {(bad or [formats])[0]!r}; choose from {', '.join(FORMATS)}")
    return list(dict.fromkeys(items))


def write_figure(data: FigureData, out: str, formats: str | Sequence[str] = "png") -> None:
    """Write ``<out>/<name>.csv`` and ``<out>/<name>.<fmt>`` for already computed ``data``.

    Parameters
    ----------
    data : FigureData
        The numbers of one registered figure (``data.name`` in :data:`FIGURES`).
    out : str
        Existing output directory.
    formats : str or sequence of str
        ``"png"``, ``"pdf"``, ``"svg"`` or a comma-separated combination.

    Notes
    -----
    The figure is laid out once (:func:`stability.plotting.laid_out`), as the PNG sees it,
    whatever ``formats``: the PNG is the same bytes as ``plotting.save`` writes, and the
    SVG and PDF use the PNG's layout (their text placed by Agg's extents, a fraction of a
    point from their own).
    """
    fmts = _parse_formats(formats)
    from . import plotting  # matplotlib is imported only here

    write_csv(data, os.path.join(out, f"{data.name}.csv"))
    fig, _ = getattr(plotting, f"plot_{data.name}")(data)
    try:
        # laid out once for every format, the labels parsed once: the PNG is the same bytes
        # as a figure saved alone, the SVG and PDF use the PNG's layout
        with plotting.shared_mathtext(), plotting.laid_out(fig):
            for fmt in fmts:
                path = os.path.join(out, f"{data.name}.{fmt}")
                _atomic_write(path, lambda fh, fmt=fmt: plotting.save(fig, fh, fmt), binary=True)
    finally:
        plotting.close(fig)


def run(out: str = "figures", only: Iterable[str] | None = None, formats: str | Sequence[str] = "png",
        progress: bool = True) -> int:
    """Regenerate figures into ``out``: ``<name>.<fmt>`` and ``<name>.csv`` for each.

    Parameters
    ----------
    out : str
        Output directory (created if missing).
    only : iterable of str, optional
        Figure names to make (default: all of :data:`~stability.figures.FIGURES`).
    formats : str or sequence of str
        ``"png"``, ``"pdf"``, ``"svg"`` or a comma-separated combination.
    progress : bool
        Show a tqdm progress bar (only when stderr is a terminal).

    Returns
    -------
    int
        0 on success.  Bad names, formats or an unwritable ``out`` raise ``ValueError``
        before anything is computed or written.
    """
    names = list(FIGURES) if only is None else list(dict.fromkeys(only))
    unknown = [n for n in names if n not in FIGURES]
    if unknown:
        raise ValueError(f"unknown figure {unknown[0]!r}; choose from {', '.join(FIGURES)}")
    fmts = _parse_formats(formats)
    _check_out(out)
    for name in names:  # an output path taken by a directory: refuse before computing
        for ext in ["csv", *fmts]:
            if os.path.isdir(os.path.join(out, f"{name}.{ext}")):
                raise ValueError(f"cannot write {os.path.join(out, f'{name}.{ext}')!r}: it is a directory")

    from tqdm import tqdm

    from . import plotting

    total = sum(FIGURES[n][1] for n in names)
    with tqdm(total=total, desc="edges", unit="edge", disable=None if progress else True,
              leave=False) as bar, plotting.shared_mathtext():  # labels common to figures parsed once
        for name in names:
            bar.set_postfix_str(name)
            write_figure(figures.compute(name, progress=bar), out, fmts)
    return 0
