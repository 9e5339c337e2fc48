"""The random streams of a whole batch of configurations at once, bit for bit numpy's.

:func:`stability.simulation.run_delayed_sgd` gives configuration ``b`` the streams
``default_rng(SeedSequence(entropy, spawn_key=spawn_key + (b, i)))``, ``i = 0, 1, ...``
(children of the caller's seed sequence).  numpy builds each one in two hashing passes
written as Python-level loops over a few 32-bit words: ``SeedSequence.__init__`` mixes the
entropy and the spawn key into a pool, and PCG64 asks the pool for its 256-bit seed
(``generate_state(4, uint64)``).  That is about 11 us a stream: 0.25 s for 20000 runs.

Both passes use hash constants that do not depend on the data, so the same arithmetic
can run for every child at once, as uint32 array operations that wrap modulo 2**32 like
numpy's C code.  Each PCG64 is then built from its precomputed seed words, which it asks
for through the ``ISeedSequence`` interface (about 1 us a stream).  The algorithm is
numpy's ``SeedSequence`` (NEP 19, unchanged since numpy 1.17).  In case a later numpy
changes it, every call also builds its first stream numpy's way and returns None
(the caller then uses numpy for every stream) unless the two seeds are equal.  The tests
compare the states of many streams with numpy's.
"""

from __future__ import annotations

import numpy as np
from numpy.random.bit_generator import ISpawnableSeedSequence

_MASK = 0xFFFFFFFF
_INIT_A, _MULT_A = 0x43B0D7E5, 0x931E8875  # the pool's hash (SeedSequence.mix_entropy)
_INIT_B, _MULT_B = 0x8B51F9DD, 0x58F38DED  # the output hash (SeedSequence.generate_state)
_MIX_L, _MIX_R = 0xCA01F9DD, 0x4973F715
_SHIFT = np.uint32(16)


def _words(x) -> list[int] | None:
    """numpy's conversion of a non-negative int, or a sequence of them, to 32-bit words
    (least significant first; 0 is one word); None for any other kind of entropy."""
    if isinstance(x, (int, np.integer)) and not isinstance(x, bool):
        x = int(x)
        if x < 0:
            return None
        out = [] if x else [0]
        while x:
            out.append(x & _MASK)
            x >>= 32
        return out
    if isinstance(x, (tuple, list)):
        out = []
        for v in x:
            w = _words(v)
            if w is None:
                return None
            out += w
        return out
    return None


class _Hash:
    """A hash whose multiplier advances at every use, the same for every column."""

    def __init__(self, init: int, mult: int):
        self.const, self.mult = init, mult

    def __call__(self, value: np.ndarray) -> np.ndarray:
        value = value ^ np.uint32(self.const)
        self.const = (self.const * self.mult) & _MASK
        value = value * np.uint32(self.const)
        return value ^ (value >> _SHIFT)


def _mix(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    r = x * np.uint32(_MIX_L) - y * np.uint32(_MIX_R)
    return r ^ (r >> _SHIFT)


def seed_words(entropy: np.ndarray, pool_size: int) -> np.ndarray:
    """``SeedSequence.generate_state(4, uint64)`` of sequences with the assembled entropy
    words ``entropy`` (``(N, n)`` uint32, one row a sequence) and pool size ``pool_size``:
    ``(N, 4)`` uint64."""
    N, n = entropy.shape
    h = _Hash(_INIT_A, _MULT_A)
    pool = [h(entropy[:, i] if i < n else np.zeros(N, np.uint32)) for i in range(pool_size)]
    for src in range(pool_size):  # every word mixed into every other one
        for dst in range(pool_size):
            if src != dst:
                pool[dst] = _mix(pool[dst], h(pool[src]))
    for src in range(pool_size, n):  # entropy beyond the pool, mixed into every word
        for dst in range(pool_size):
            pool[dst] = _mix(pool[dst], h(entropy[:, src]))
    h = _Hash(_INIT_B, _MULT_B)
    out = np.empty((N, 8), dtype=np.uint32)
    for k in range(8):
        out[:, k] = h(pool[k % pool_size])
    return out[:, 0::2].astype(np.uint64) | (out[:, 1::2].astype(np.uint64) << np.uint64(32))


class _Seeded(ISpawnableSeedSequence):
    """The seed sequence ``SeedSequence(entropy, spawn_key=..., pool_size=...)`` with its
    PCG64 seed already computed; numpy's own sequence (built on first need) answers any
    other request, so a stream behaves like one made by ``default_rng``."""

    __slots__ = ("entropy", "spawn_key", "pool_size", "_words", "_seq")

    def __init__(self, entropy, spawn_key: tuple, pool_size: int, words: np.ndarray):
        self.entropy, self.spawn_key, self.pool_size, self._words, self._seq = entropy, spawn_key, pool_size, words, None

    def _numpy(self) -> np.random.SeedSequence:
        if self._seq is None:
            self._seq = np.random.SeedSequence(self.entropy, spawn_key=self.spawn_key, pool_size=self.pool_size)
        return self._seq

    def generate_state(self, n_words, dtype=np.uint32):
        if n_words == 4 and np.dtype(dtype) == np.uint64 and self._seq is None:
            return self._words.copy()
        return self._numpy().generate_state(n_words, dtype)

    def spawn(self, n_children):
        return self._numpy().spawn(n_children)

    def __getattr__(self, name):  # pool, n_children_spawned, state
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._numpy(), name)


def child_generators(key: tuple, batch: int, need: list[bool]) -> list | None:
    """``[[default_rng(SeedSequence(entropy, spawn_key=spawn_key + (b, i), pool_size=...))
    if need[i] else None for i in range(len(need))] for b in range(batch)]`` for ``key =
    (entropy, spawn_key, pool_size)``, built together; None where this module cannot
    promise numpy's streams (an entropy that is not ints, or a numpy whose seeding differs)."""
    entropy, spawn_key, pool_size = key
    spawn_key = tuple(spawn_key)
    run, prefix = _words(entropy), _words(spawn_key)
    streams = [i for i, n in enumerate(need) if n]
    if run is None or prefix is None or batch < 1 or not streams or batch > _MASK or len(need) > _MASK:
        return None
    run = run + [0] * max(0, pool_size - len(run))  # numpy pads the run entropy when a spawn key follows
    head = np.array(run + prefix, dtype=np.uint32)
    b = np.repeat(np.arange(batch, dtype=np.uint32), len(streams))
    i = np.tile(np.array(streams, dtype=np.uint32), batch)
    words = seed_words(np.column_stack([np.broadcast_to(head, (b.size, head.size)), b, i]), pool_size)
    first = np.random.SeedSequence(entropy, spawn_key=spawn_key + (0, streams[0]), pool_size=pool_size)
    if not np.array_equal(first.generate_state(4, np.uint64), words[0]):
        return None
    out, k = [], 0
    for bb in range(batch):
        row = [None] * len(need)
        for s in streams:
            row[s] = np.random.Generator(np.random.PCG64(_Seeded(entropy, spawn_key + (bb, s), pool_size, words[k])))
            k += 1
        out.append(row)
    return out
