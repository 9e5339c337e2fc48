"""Command line: ``stability threshold``, ``stability lr`` and ``stability figures``.

Bad input exits with status 2 and one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import sys
from collections.abc import Sequence


from ._validation import MAX_DELAY, check_weights
from .delays import DiscreteGaussian, Empirical, Uniform, as_pmf, mean_delay
from .thresholds import (
    reference_configuration,
    scaled_learning_rate,
    scaled_learning_rate_approx,
    threshold_result,
)

#: Relative accuracy promised by :func:`stability.threshold`; numbers are printed to it.
RELATIVE_ACCURACY = 1e-10
_DIGITS = 10  # significant digits that RELATIVE_ACCURACY guarantees


class UsageError(Exception):
    """Bad command-line input: reported as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, no usage dump
        raise UsageError(message)


#: Largest --pmf file read (a pmf over 0..MAX_DELAY written with full precision fits).
MAX_PMF_FILE_BYTES = 32 * 2**20


def _read_pmf(path: str, normalize: bool):
    """Weights from a text file; every error names the file (one line, exit 2)."""
    try:
        if os.path.isdir(path):
            raise UsageError(f"pmf file {path!r} is a directory")
        size = os.path.getsize(path)
        if size > MAX_PMF_FILE_BYTES:
            raise UsageError(f"pmf file {path!r} has {size} bytes, above the limit of {MAX_PMF_FILE_BYTES}")
        with open(path, "rb") as fh:
            data = fh.read(MAX_PMF_FILE_BYTES + 1)
    except OSError as exc:
        raise UsageError(f"cannot read pmf file {path!r}: {exc.strerror or exc}") from None
    nul = data.find(b"\0")
    if nul >= 0:
        raise UsageError(f"pmf file {path!r} is binary (NUL byte at offset {nul}), not a text file of weights")
    try:
        text = data.decode("utf-8-sig")  # a UTF-8 byte-order mark is accepted and dropped
    except UnicodeDecodeError as exc:
        raise UsageError(f"pmf file {path!r} is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset "
                         f"{exc.start})") from None
    tokens = []
    for line in text.splitlines():
        line = line.split("#", 1)[0]
        for match in re.finditer(r"[^\s,]+", line):
            tokens.append(match.group())
            if len(tokens) > MAX_DELAY + 1:
                raise UsageError(f"pmf file {path!r} has more than {MAX_DELAY + 1} weights, the longest "
                                 f"pmf supported (delays up to {MAX_DELAY})")
    try:
        values = [float(t) for t in tokens]
    except ValueError:
        bad = next(t for t in tokens if not _is_float(t))
        raise UsageError(f"pmf file {path!r} holds {bad[:40]!r}, which is not a number") from None
    try:
        return Empirical(check_weights(values, f"pmf in {path!r}", normalize=normalize))
    except (TypeError, ValueError) as exc:
        raise UsageError(str(exc)) from None


def _is_float(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


def _add_delay_options(p: argparse.ArgumentParser) -> None:
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--delay", type=int, metavar="TAU", help="constant delay tau >= 0")
    g.add_argument("--uniform", type=int, nargs=2, metavar=("LOW", "HIGH"),
                   help="delay uniform on {LOW..HIGH}")
    g.add_argument("--gaussian", type=int, metavar="MU",
                   help="the paper's discretised Gaussian on 1..2MU (normalised)")
    g.add_argument("--pmf", metavar="FILE",
                   help="text file of weights Pr(tau=0), Pr(tau=1), ... (spaces, commas or lines)")
    p.add_argument("--sigma", type=float, default=None, help="sigma of --gaussian (default 1)")
    p.add_argument("--normalize", action="store_true", default=None,
                   help="rescale --pmf weights to sum to 1 (e.g. raw counts)")
    p.add_argument("--momentum", default="none", choices=("none", "standard", "shifted"),
                   help="optimizer (default none)")
    p.add_argument("--m", type=float, default=0.0, help="momentum coefficient, 0 <= m <= 0.9999")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--method", default=None, choices=("auto", "locus", "brentq"),
                   help="edge-finding method of threshold (default auto: the boundary locus); "
                        "an error with lr")
    p.add_argument("--criterion", default=None, choices=("mean", "mean-square", "almost-sure"),
                   help="stability of the expected iterate (mean), of E[x^2] (mean-square) or of one "
                        "run (almost-sure, simulated); default: mean for threshold, mean-square for lr")


def _delay_from(args):
    # An option that would be silently ignored is an error, naming the option it needs.
    if args.sigma is not None and args.gaussian is None:
        raise UsageError("--sigma applies only to --gaussian")
    if args.normalize is not None and args.pmf is None:
        raise UsageError("--normalize applies only to --pmf")
    if args.delay is not None:
        return args.delay
    if args.uniform is not None:
        return Uniform(*args.uniform)
    if args.gaussian is not None:
        return DiscreteGaussian(args.gaussian, sigma=1.0 if args.sigma is None else args.sigma)
    return _read_pmf(args.pmf, bool(args.normalize))


def _describe(delay) -> str:
    return f"constant {delay}" if isinstance(delay, int) else repr(delay)


def _fmt(x: float) -> str:
    return f"{x:.{_DIGITS}g}"


def _echo(x: float) -> str:
    """An input number echoed back exactly (``repr``: 0.9999999 stays 0.9999999)."""
    return repr(float(x))


def _accuracy(delay, m: float, criterion: str = "mean") -> float:
    """Relative accuracy the edge is promised to (the docstrings of threshold and moments).

    ``RELATIVE_ACCURACY`` (1e-10) for ``m <= 0.99``; above, the mean edge's bound
    ``2 eps (K + 1) / (1 - m)`` and the mean-square edge's measured 1e-7 at ``m = 0.9999``.
    """
    if m <= 0.99:
        return RELATIVE_ACCURACY
    if criterion == "mean-square":
        return 1e-7
    return max(RELATIVE_ACCURACY, 2 * sys.float_info.epsilon * as_pmf(delay).size / (1 - m))


def _cmd_threshold_criterion(args, delay, criterion) -> int:
    """``stability threshold --criterion mean-square|almost-sure``."""
    from .moments import almost_sure_edge, mean_square_edge

    if args.method is not None:
        raise UsageError(f"--method {args.method} applies to the mean edge only, not to --criterion {criterion}")
    constant = isinstance(delay, int)
    ci = None
    if criterion == "mean-square" or constant:
        alpha = mean_square_edge(delay, momentum=args.momentum, m=args.m)
        accuracy = (f"relative accuracy {_accuracy(delay, args.m, criterion):.2g}"
                    + ("; constant delay: all criteria agree" if constant else ""))
    else:
        res = almost_sure_edge(delay, momentum=args.momentum, m=args.m)
        alpha, ci = res.alpha, res.ci
        accuracy = f"simulated, {res.confidence:.0%} CI [{_fmt(ci[0])}, {_fmt(ci[1])}], seed 0"
    if args.json:
        print(json.dumps({"alpha": alpha, "inverse_alpha": 1.0 / alpha, "criterion": criterion,
                          "ci": None if ci is None else list(ci), "delay": _describe(delay),
                          "mean_delay": mean_delay(delay), "momentum": args.momentum, "m": args.m}))
    else:
        print(_fmt(alpha))
        print(f"# a*eta at the {criterion} edge ({accuracy}); 1/(a*eta) = {_fmt(1.0 / alpha)}; "
              f"delay {_describe(delay)} (mean {mean_delay(delay):.6g}), momentum {args.momentum}, m = {_echo(args.m)}")
    return 0


def _cmd_threshold(args) -> int:
    delay = _delay_from(args)
    criterion = args.criterion or "mean"
    if criterion != "mean":
        return _cmd_threshold_criterion(args, delay, criterion)
    res = threshold_result(delay, momentum=args.momentum, m=args.m, method=args.method or "auto")
    if args.json:
        print(json.dumps({
            "alpha": res.alpha, "inverse_alpha": res.inverse, "relative_accuracy": _accuracy(delay, args.m),
            "delay": _describe(delay), "mean_delay": mean_delay(delay),
            "momentum": args.momentum, "m": args.m, "method": res.method,
            "angle": res.angle, "bracket": None if res.bracket is None else list(res.bracket),
            "iterations": res.iterations, "residual": res.residual,
        }))
    else:
        print(_fmt(res.alpha))
        print(f"# a*eta at the edge of stability (relative accuracy {_accuracy(delay, args.m):.2g}); "
              f"1/(a*eta) = {_fmt(res.inverse)}; delay {_describe(delay)} (mean {mean_delay(delay):.6g}), "
              f"momentum {args.momentum}, m = {_echo(args.m)}, method {res.method}")
    return 0


def _cmd_lr(args) -> int:
    if args.method is not None:
        raise UsageError("--method does not apply to lr (the learning-rate rule always uses the default "
                         "method); use it with threshold")
    delay = _delay_from(args)
    ref_momentum, ref_m = reference_configuration(args.momentum, args.m, args.reference_momentum,
                                                  args.reference_m)
    criterion = args.criterion or "mean-square"  # safe for one run (see the README)
    eta = scaled_learning_rate(args.eta0, delay, momentum=args.momentum, m=args.m,
                               reference=args.reference_delay,
                               reference_momentum=ref_momentum, reference_m=ref_m, criterion=criterion)
    # A random target delay under --criterion almost-sure gives a simulated edge (a 95% CI
    # of about 1%), not one to 1e-10: say so instead of printing RELATIVE_ACCURACY.
    simulated = criterion == "almost-sure" and int((as_pmf(delay) > 0).sum()) > 1
    approx = None
    if (args.momentum == "none" and isinstance(delay, int) and args.reference_delay == 0
            and args.reference_momentum in (None, "none")):
        approx = scaled_learning_rate_approx(args.eta0, delay)
    if args.json:
        print(json.dumps({"eta": eta, "eta0": args.eta0,
                          "relative_accuracy": None if simulated else _accuracy(delay, max(args.m, ref_m), criterion),
                          "delay": _describe(delay), "momentum": args.momentum, "m": args.m,
                          "reference_delay": args.reference_delay,
                          "reference_momentum": ref_momentum, "reference_m": ref_m,
                          "criterion": criterion, "eq8_approximation": approx}))
    else:
        print(_fmt(eta))
        line = (f"# learning rate keeping the minima that eta0 = {_echo(args.eta0)} keeps stable at "
                f"delay {args.reference_delay} ({ref_momentum}, m = {_echo(ref_m)}); target delay "
                f"{_describe(delay)}, momentum {args.momentum}, m = {_echo(args.m)}; {criterion} edge")
        if simulated:
            line += " (simulated: 95% CI of about 1%, seed 0; not to 1e-10)"
        if approx is not None:
            line += f"; eq. 8 approximation pi*eta0/(4(tau+0.5)) = {_fmt(approx)}"
        print(line)
    return 0


def _cmd_figures(args) -> int:
    from .render import run  # matplotlib is imported only for this command

    return run(out=args.out, only=args.only, formats=args.format, progress=not args.no_progress)


# --- `stability claims` (issue 12): the claims report; self-contained block -----------------
def _cmd_claims(args) -> int:
    from . import claims  # sympy, scipy and the simulations load only for this command

    results = claims.run(args.paper, progress=True)  # tqdm shows a bar only on a terminal
    text = claims.to_markdown(results) if args.format == "md" else claims.to_json(results)
    if args.out:
        try:
            claims.write_atomic(args.out, text)
        except OSError as exc:
            raise UsageError(f"cannot write {args.out!r}: {exc.strerror or exc}") from None
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0


def _add_claims_parser(sub) -> None:
    p = sub.add_parser("claims", help="check every claim of both papers and print the verdicts",
                       formatter_class=argparse.RawDescriptionHelpFormatter, epilog="""examples:
  stability claims                                   # the markdown report of both papers
  stability claims --paper liu --format json
  stability claims --out CLAIMS.md                   # also write it (atomically)""")
    p.add_argument("--paper", choices=("edge", "liu", "all"), default="all",
                   help="which paper (default all)")
    p.add_argument("--format", choices=("md", "json"), default="md", help="output format (default md)")
    p.add_argument("--out", default=None, metavar="FILE", help="also write the report to FILE (atomically)")
    p.set_defaults(func=_cmd_claims)


_EXAMPLES = {
    None: """examples:
  stability threshold --delay 32
  stability lr --eta0 0.8 --delay 32
  stability figures --only fig6 --no-progress
run 'stability COMMAND --help' for the options of each command""",
    "threshold": """examples:
  stability threshold --delay 32
  stability threshold --uniform 1 63 --momentum shifted --m 0.9 --json
  stability threshold --gaussian 16 --sigma 2
  stability threshold --pmf staleness.txt --normalize      # counts, one per delay 0, 1, ...""",
    "lr": """examples:
  stability lr --eta0 0.8 --delay 32                 # eq. 8: from delay 0 to delay 32
  stability lr --eta0 0.1 --delay 8 --momentum standard --m 0.9
  stability lr --eta0 0.1 --delay 8 --momentum standard --m 0.9 --reference-momentum none""",
    "figures": """examples:
  stability figures                                  # every figure into figures/
  stability figures --only fig6 fig10 --format png,pdf --out /tmp/figs""",
}


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    fmt = argparse.RawDescriptionHelpFormatter
    parser = _Parser(prog="stability", description="Edges of stability of delayed gradient descent.",
                     epilog=_EXAMPLES[None], formatter_class=fmt)
    parser.add_argument("--version", action="version", version=f"stability {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("threshold", help="a*eta at the edge of stability", epilog=_EXAMPLES["threshold"],
                       formatter_class=fmt)
    _add_delay_options(p)
    p.set_defaults(func=_cmd_threshold)

    p = sub.add_parser("lr", help="rescale a learning rate for a new delay or momentum (eq. 8)",
                       epilog=_EXAMPLES["lr"], formatter_class=fmt)
    p.add_argument("--eta0", type=float, required=True, help="learning rate in the reference setting")
    _add_delay_options(p)
    p.add_argument("--reference-delay", type=int, default=0, help="reference constant delay (default 0)")
    p.add_argument("--reference-momentum", choices=("none", "standard", "shifted"), default=None,
                   help="reference optimizer (default: the target's)")
    p.add_argument("--reference-m", type=float, default=None,
                   help="reference momentum coefficient (default: the target's --m when the reference "
                        "optimizer is the target's, else 0)")
    p.set_defaults(func=_cmd_lr)

    p = sub.add_parser("figures", help="regenerate the paper's figures and their CSVs",
                       epilog=_EXAMPLES["figures"], formatter_class=fmt)
    p.add_argument("--out", default="figures", help="output directory (default figures/)")
    p.add_argument("--only", nargs="+", metavar="NAME", default=None, help="only these figures")
    p.add_argument("--format", default="png", help="comma-separated: png,pdf,svg (default png)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_figures)
    _add_claims_parser(sub)
    return parser


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


class _Terminated(Exception):
    """SIGTERM, turned into an exception so that half-written files are removed."""


def _on_sigterm(signum, frame):
    raise _Terminated()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 2 bad input, 1 failure).

    ``--help`` and ``--version`` return 0 after printing.  SIGTERM is turned into an
    exception while the command runs, so that a temporary file being written is removed
    (as on Ctrl-C) and the exit status is 143.
    """
    previous = None
    if hasattr(signal, "SIGTERM"):
        try:
            previous = signal.signal(signal.SIGTERM, _on_sigterm)
        except ValueError:  # not the main thread: leave signals alone
            previous = None
    try:
        return _main(argv)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        return args.func(args)
    except SystemExit as exc:  # --help, --version
        return exc.code if isinstance(exc.code, int) else 0
    except _Terminated:
        print("stability: terminated", file=sys.stderr)
        return 143
    except (UsageError, TypeError, ValueError) as exc:
        print(f"stability: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except ArithmeticError as exc:
        print(f"stability: failed: {_one_line(exc)}", file=sys.stderr)
        return 1
    except MemoryError:
        print("stability: failed: out of memory", file=sys.stderr)
        return 1
    except OSError as exc:
        where = f" {exc.filename!r}" if exc.filename else ""
        print(f"stability: failed:{where} {exc.strerror or exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("stability: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
