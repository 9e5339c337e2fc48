"""The real transforms of the boundary-locus grid (stability.locus._dct2, _dst2, _fast_length).

They replaced scipy.fft's DCT-II and DST-II so that the command line does not pay scipy.fft's
import (issue 14).  Truths: the defining cosine and sine sums evaluated directly, and
scipy.fft itself (a second FFT implementation).
"""

import math

import numpy as np
import pytest
from scipy.fft import dct, dst

from stability import locus


def direct(x, M, kind):
    # the angle pi * i / 2M with the integer i reduced mod 4M first (exact), so that the
    # kernel is correctly rounded however large k (2j + 1) grows
    j = np.arange(x.shape[-1])
    k = np.arange(M) + (kind == "sin")
    angle = np.pi * (np.outer(k, 2 * j + 1) % (4 * M)) / (2 * M)
    kernel = np.cos(angle) if kind == "cos" else np.sin(angle)
    return 2.0 * np.array([math.fsum(row) for row in x * kernel])


@pytest.mark.parametrize("n,M", [(1, 16), (2, 16), (3, 16), (15, 16), (16, 16), (17, 64), (100, 256),
                                 (255, 256), (1000, 4096)])
def test_dct2_and_dst2_equal_their_defining_sums(n, M):
    rng = np.random.default_rng(n * 7919 + M)
    x = rng.standard_normal(n)
    scale = np.sum(np.abs(x)) * 2
    # one FFT of length M: rounding a few eps * log2(M) of the l1 norm, the _H.fp model
    tol = 4 * np.finfo(float).eps * math.log2(M) * scale
    np.testing.assert_allclose(locus._dct2(x, M), direct(x, M, "cos"), rtol=0, atol=tol)
    np.testing.assert_allclose(locus._dst2(x, M), direct(x, M, "sin"), rtol=0, atol=tol)


def test_batched_rows_equal_scipy_fft_row_by_row():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((5, 40))
    for M in (64, 128):
        a, b = locus._dct2(X, M), locus._dst2(X, M)
        assert a.shape == b.shape == (5, M)
        for row in range(5):
            tol = 8 * np.finfo(float).eps * np.sum(np.abs(X[row])) * math.log2(M)
            np.testing.assert_allclose(a[row], dct(X[row], type=2, n=M), rtol=0, atol=tol)
            np.testing.assert_allclose(b[row], dst(X[row], type=2, n=M), rtol=0, atol=tol)
    assert np.all(X == np.random.default_rng(3).standard_normal((5, 40)))  # the input is not modified


def test_fast_length_is_the_smallest_5_smooth_number_not_below_n():
    def smooth(v):
        for f in (2, 3, 5):
            while v % f == 0:
                v //= f
        return v == 1

    for n in list(range(1, 400)) + [1000, 4097, 65537, 200001]:
        got = locus._fast_length(n)
        assert got >= n and smooth(got)
        assert not any(smooth(v) for v in range(n, got)), n
