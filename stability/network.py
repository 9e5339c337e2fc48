"""A small fully connected network in numpy, to test the theory on a real minimum.

One hidden layer, a smooth activation (``tanh`` or ``softplus``), squared or
cross-entropy loss, optional L2 weight decay.  The gradient is a hand-written backward
pass and the Hessian-vector product is exact (Pearlmutter's R-operator: the forward and
backward passes differentiated once more along the direction ``v``), so it plugs into
:func:`stability.sharpness.lanczos`.

Everything is *batched over parameter vectors*: ``theta`` may be ``(P,)`` or ``(B, P)``,
``B`` networks sharing one data set (or each with its own mini-batch), so that a sweep
over learning rates or seeds runs as one vectorised state, like
:func:`stability.simulation.run_delayed_sgd`.

:func:`run_delayed` trains with the paper's update rules (eqs. 2, 9, 10) and a constant
delay ``tau`` (a ring buffer of the last ``tau + 2`` parameter vectors and velocities):

* plain A-SGD (eq. 2):        ``theta_{t+1} = theta_t - eta g(theta_{t-tau})``
* standard momentum (eq. 9):  ``v_{t+1} = m v_t - eta (1-m) g(theta_{t-tau})``
* shifted momentum (eq. 10):  ``v_{t+1} = m v_{t-tau} - eta (1-m) g(theta_{t-tau})``

with ``theta_{t+1} = theta_t + v_{t+1}`` and a constant history before the start.

The data set is scikit-learn's bundled handwritten digits (:func:`load_digits_data`;
scikit-learn is imported only when that function is called).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field

import numpy as np

from ._validation import check_momentum, check_real
from .simulation import _as_seed_sequence, _child

__all__ = ["Dataset", "load_digits_data", "MLP", "Minimum", "find_minimum", "network_sharpness",
           "DelayedRun", "run_delayed", "EdgeSearch", "minimum_edge", "edge_horizon"]

_ACTIVATIONS = ("tanh", "softplus")
_LOSSES = ("mse", "cross_entropy")


def _check_int(value, name, low=1):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if value < low:
        raise ValueError(f"{name} must be >= {low}, got {value!r}")
    return int(value)


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Dataset:
    """Inputs and one-hot targets of a training and a test split.

    Attributes
    ----------
    x_train, x_test : ndarray
        ``(n, d)`` inputs (PCA-reduced, each component scaled to unit variance on the
        training split).
    y_train, y_test : ndarray
        ``(n, c)`` one-hot targets.
    labels_train, labels_test : ndarray of int
        Class labels.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    labels_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    labels_test: np.ndarray

    @property
    def n_in(self) -> int:
        return self.x_train.shape[1]

    @property
    def n_out(self) -> int:
        return self.y_train.shape[1]


def _digits() -> tuple[np.ndarray, np.ndarray]:
    """``(data, target)`` of :func:`sklearn.datasets.load_digits`: (1797, 64) and (1797,).

    Read straight from the ``digits.csv.gz`` that scikit-learn installs, the way its
    ``load_digits`` reads it (``numpy.loadtxt``, last column the label), so that the
    0.7 s import of ``sklearn.datasets`` is not paid; where that file is not found,
    through ``load_digits`` itself (the tests check that both give the same arrays).
    """
    import importlib.util

    spec = importlib.util.find_spec("sklearn")  # locates the package without importing it
    path = None if spec is None or not spec.submodule_search_locations else os.path.join(
        spec.submodule_search_locations[0], "datasets", "data", "digits.csv.gz")
    if path is None or not os.path.isfile(path):
        from sklearn.datasets import load_digits  # the library's own loader (or its ImportError)

        bunch = load_digits()
        return bunch.data, bunch.target
    import gzip

    with gzip.open(path, "rt") as fh:
        raw = np.loadtxt(fh, delimiter=",")
    return raw[:, :-1], raw[:, -1].astype(int)


def load_digits_data(*, n_train: int = 256, n_test: int = 512, components: int = 8,
                     classes: int = 10, rng=0) -> Dataset:
    """scikit-learn's handwritten digits (8x8 images, 1797 samples), reduced by PCA.

    The samples of the first ``classes`` digits are shuffled with ``rng``; the first
    ``n_train`` form the training split and the next ``n_test`` the test split.  Inputs
    are centred on the training mean and projected on the top ``components`` principal
    directions of the training split (SVD), each scaled to unit variance.

    Parameters
    ----------
    n_train, n_test : int
        Split sizes (their sum at most the number of samples of those classes).
    components : int
        PCA dimension ``d`` (1..64).
    classes : int
        Use the digits ``0 .. classes - 1`` (2..10); targets are one-hot of that width.
    rng : numpy.random.Generator or int
        Seed of the shuffle.

    Returns
    -------
    Dataset
    """
    n_train = _check_int(n_train, "n_train")
    n_test = _check_int(n_test, "n_test")
    components = _check_int(components, "components")
    classes = _check_int(classes, "classes", low=2)
    if components > 64:
        raise ValueError(f"components must be <= 64 (8x8 images), got {components}")
    if classes > 10:
        raise ValueError(f"classes must be <= 10, got {classes}")
    data, target = _digits()
    keep = target < classes
    images = data[keep].astype(float)
    labels = target[keep].astype(np.int64)
    if n_train + n_test > labels.size:
        raise ValueError(f"n_train + n_test = {n_train + n_test} exceeds the {labels.size} samples "
                         f"of digits 0..{classes - 1}")
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    order = gen.permutation(labels.size)
    tr, te = order[:n_train], order[n_train:n_train + n_test]
    mean = images[tr].mean(axis=0)
    _, s, vt = np.linalg.svd(images[tr] - mean, full_matrices=False)
    k = min(components, vt.shape[0])
    basis = vt[:k].T
    # fix the sign of each direction (SVD signs are arbitrary): largest entry positive
    basis = basis * np.sign(basis[np.argmax(np.abs(basis), axis=0), np.arange(k)])
    z_tr = (images[tr] - mean) @ basis
    scale = z_tr.std(axis=0)
    scale[scale == 0] = 1.0
    z_te = (images[te] - mean) @ basis
    eye = np.eye(classes)
    return Dataset(z_tr / scale, eye[labels[tr]], labels[tr], z_te / scale, eye[labels[te]], labels[te])


# --------------------------------------------------------------------------- network


@dataclass(frozen=True)
class MLP:
    """``f(x) = W2 sigma(W1 x + b1) + b2`` with loss ``L(theta) + weight_decay/2 ||theta||^2``.

    Parameters are one flat vector ``theta = (W1, b1, W2, b2)`` (row-major), of length
    :attr:`size`.  Losses are means over the samples: ``mse`` is
    ``1/(2n) sum_i ||f(x_i) - y_i||^2``, ``cross_entropy`` is
    ``1/n sum_i (logsumexp f(x_i) - y_i . f(x_i))`` (softmax).

    Every method takes ``theta`` of shape ``(P,)`` or ``(B, P)`` and data ``x`` of shape
    ``(n, d)`` (shared by the ``B`` networks) or ``(B, n, d)`` (one mini-batch each),
    with targets ``y`` of matching shape; results have the leading shape of ``theta``.

    Attributes
    ----------
    n_in, n_hidden, n_out : int
        Layer widths.
    activation : {"tanh", "softplus"}
    loss : {"mse", "cross_entropy"}
    weight_decay : float
        ``lambda >= 0``; it adds ``lambda`` to every Hessian eigenvalue.

    Examples
    --------
    >>> import numpy as np
    >>> from stability.network import MLP
    >>> net = MLP(2, 3, 1)
    >>> net.size
    13
    >>> x, y = np.array([[0.0, 1.0], [1.0, -1.0]]), np.array([[1.0], [0.0]])
    >>> theta, v = net.init(0), np.linspace(-1.0, 1.0, 13)
    >>> fd = (net.gradient(theta + 1e-6 * v, x, y) - net.gradient(theta - 1e-6 * v, x, y)) / 2e-6
    >>> bool(np.allclose(net.hvp(theta, v, x, y), fd, rtol=1e-6, atol=1e-9))
    True
    """

    n_in: int
    n_hidden: int
    n_out: int
    activation: str = "tanh"
    loss: str = "mse"
    weight_decay: float = 0.0
    _offsets: tuple = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        for name in ("n_in", "n_hidden", "n_out"):
            _check_int(getattr(self, name), name)
        if self.activation not in _ACTIVATIONS:
            raise ValueError(f"unknown activation {self.activation!r}; expected one of {_ACTIVATIONS}")
        if self.loss not in _LOSSES:
            raise ValueError(f"unknown loss {self.loss!r}; expected one of {_LOSSES}")
        check_real(self.weight_decay, "weight_decay", low=0.0)
        d, h, c = self.n_in, self.n_hidden, self.n_out
        o1 = h * d
        o2 = o1 + h
        o3 = o2 + c * h
        object.__setattr__(self, "_offsets", (o1, o2, o3, o3 + c))

    @property
    def size(self) -> int:
        """Number of parameters ``P = h d + h + c h + c``."""
        return self._offsets[3]

    # -- helpers
    def _unpack(self, theta):
        d, h, c = self.n_in, self.n_hidden, self.n_out
        o1, o2, o3, _ = self._offsets
        B = theta.shape[0]
        return (theta[:, :o1].reshape(B, h, d), theta[:, o1:o2], theta[:, o2:o3].reshape(B, c, h),
                theta[:, o3:])

    def _prepare(self, theta, x, y=None):
        theta = np.asarray(theta, dtype=float)
        single = theta.ndim == 1
        th = theta[None] if single else theta
        if th.ndim != 2 or th.shape[1] != self.size:
            raise ValueError(f"theta must have shape ({self.size},) or (B, {self.size}), got {theta.shape}")
        x = np.asarray(x, dtype=float)
        if x.ndim not in (2, 3) or x.shape[-1] != self.n_in or (x.ndim == 3 and x.shape[0] != th.shape[0]):
            raise ValueError(f"x must have shape (n, {self.n_in}) or ({th.shape[0]}, n, {self.n_in}), "
                             f"got {x.shape}")
        if y is not None:
            y = np.asarray(y, dtype=float)
            if y.shape != x.shape[:-1] + (self.n_out,):
                raise ValueError(f"y must have shape {x.shape[:-1] + (self.n_out,)}, got {y.shape}")
        return th, single, x, y

    def _act(self, a, second=True):
        """``sigma(a), sigma'(a), sigma''(a)`` (the last None unless ``second``)."""
        if self.activation == "tanh":
            s = np.tanh(a)
            d1 = s * s
            np.subtract(1.0, d1, out=d1)
            return s, d1, (-2.0 * s * d1 if second else None)
        sig = np.tanh(0.5 * a)  # logistic, overflow-free: (1 + tanh(a/2)) / 2
        sig += 1.0
        sig *= 0.5
        s = np.logaddexp(0.0, a)
        return s, sig, (sig * (1.0 - sig) if second else None)

    def _forward(self, th, x, second=True):
        W1, b1, W2, b2 = self._unpack(th)
        a1 = np.matmul(x, W1.transpose(0, 2, 1))
        a1 += b1[:, None, :]
        h1, d1, d2 = self._act(a1, second)
        f = np.matmul(h1, W2.transpose(0, 2, 1))
        f += b2[:, None, :]
        return (W1, b1, W2, b2), a1, h1, d1, d2, f

    def _loss_terms(self, f, y):
        """Per-network data loss and its gradient with respect to the outputs."""
        n = f.shape[1]
        if self.loss == "mse":
            r = f - y
            return 0.5 * np.einsum("bnc,bnc->b", r, r) / n, r / n, None
        mx = f.max(axis=2, keepdims=True)
        e = np.exp(f - mx)
        z = e.sum(axis=2, keepdims=True)
        p = e / z
        lse = (mx + np.log(z))[..., 0]
        val = (lse.sum(axis=1) - np.sum(y * f, axis=(1, 2))) / n
        return val, (p - y) / n, p

    # -- public
    def init(self, rng, *, batch: int | None = None) -> np.ndarray:
        """Random parameters: ``W1 ~ N(0, 1/d)``, ``W2 ~ N(0, 1/h)``, zero biases.

        Returns ``(P,)``, or ``(batch, P)`` where row ``b`` is drawn from the ``b``-th
        child of ``rng``'s seed sequence (so a row does not depend on ``batch``).
        """
        if batch is None:
            return self._init_one(np.random.default_rng(_as_seed_sequence(rng)))
        batch = _check_int(batch, "batch")
        base = _as_seed_sequence(rng)
        return np.stack([self._init_one(np.random.default_rng(_child(base, b))) for b in range(batch)])

    def _init_one(self, gen):
        d, h, c = self.n_in, self.n_hidden, self.n_out
        W1 = gen.standard_normal((h, d)) / math.sqrt(d)
        W2 = gen.standard_normal((c, h)) / math.sqrt(h)
        return np.concatenate([W1.ravel(), np.zeros(h), W2.ravel(), np.zeros(c)])

    def value(self, theta, x, y):
        """Loss (data term plus weight decay)."""
        th, single, x, y = self._prepare(theta, x, y)
        f = self._forward(th, x, False)[-1]
        val = self._loss_terms(f, y)[0] + 0.5 * self.weight_decay * np.einsum("bp,bp->b", th, th)
        return float(val[0]) if single else val

    def outputs(self, theta, x):
        """Network outputs ``f(x)``, shape ``(n, c)`` or ``(B, n, c)``."""
        th, single, x, _ = self._prepare(theta, x)
        f = self._forward(th, x, False)[-1]
        return f[0] if single else f

    def accuracy(self, theta, x, labels):
        """Fraction of samples whose largest output is the label."""
        f = self.outputs(theta, x)
        return (np.argmax(f, axis=-1) == np.asarray(labels)).mean(axis=-1)

    def value_and_gradient(self, theta, x, y):
        """Loss and its exact gradient (hand-written backward pass).

        Returns
        -------
        (float, ndarray) or (ndarray, ndarray)
            ``(loss, grad)`` with shapes ``()`` and ``(P,)``, or ``(B,)`` and ``(B, P)``.
        """
        th, single, x, y = self._prepare(theta, x, y)
        val, g = self._value_and_gradient(th, x, y)
        return (float(val[0]), g[0]) if single else (val, g)

    def _value_and_gradient(self, th, x, y):
        """Batched loss and gradient for validated ``(B, P)`` input."""
        g = np.empty_like(th)
        val = self._gradient_into(self._views(th), x, y, self._scratch(th.shape[0], x), g, self._unpack(g),
                                  value=True)
        return val, g

    def _views(self, th):
        """``th`` and the views of its layers that the passes use: ``W1^T``, ``b1`` (as
        ``(B, 1, h)``), ``W2^T``, ``W2``, ``b2`` (as ``(B, 1, c)``)."""
        W1, b1, W2, b2 = self._unpack(th)
        return th, W1.transpose(0, 2, 1), b1[:, None, :], W2.transpose(0, 2, 1), W2, b2[:, None, :]

    def _scratch(self, B, x):
        """Work arrays of :meth:`_gradient_into` for ``B`` networks and data ``x``."""
        n, h, c = x.shape[-2], self.n_hidden, self.n_out
        return (np.empty((B, n, h)), np.empty((B, n, h)), np.empty((B, n, h)), np.empty((B, n, c)),
                np.empty((B, n, h)), np.ones(n))

    def _value_into(self, views, x, y, scratch):
        """The loss of :meth:`value` at ``views`` (from :meth:`_views`), computed in
        ``scratch`` (from :meth:`_scratch`): the same operations in the same order."""
        th, W1t, b1, W2t, _, b2 = views
        a1, h1, _, f, _, _ = scratch
        np.matmul(x, W1t, out=a1)
        a1 += b1
        if self.activation == "tanh":
            np.tanh(a1, out=h1)
        else:
            np.logaddexp(0.0, a1, out=h1)
        np.matmul(h1, W2t, out=f)
        f += b2
        if self.loss == "mse":
            f -= y
            val = 0.5 * np.einsum("bnc,bnc->b", f, f) / x.shape[-2]
        else:
            val = self._loss_terms(f, y)[0]
        return val + 0.5 * self.weight_decay * np.einsum("bp,bp->b", th, th)

    def _gradient_into(self, views, x, y, scratch, g, g_views, *, value=False):
        """Gradient of the loss at ``views`` (from :meth:`_views` of a ``(B, P)`` array),
        written into ``g`` (``(B, P)``, ``g_views = self._unpack(g)``); the loss if ``value``.

        ``scratch`` comes from :meth:`_scratch`: the training loop allocates it once (and
        the views once per ring slot), so that a step pays for the arithmetic, not for page
        faults of fresh arrays or for rebuilding views, and skips the loss value.
        """
        th, W1t, b1, W2t, W2, b2 = views
        a1, h1, d1, f, da, ones = scratch
        n = x.shape[-2]
        np.matmul(x, W1t, out=a1)
        a1 += b1
        if self.activation == "tanh":
            np.tanh(a1, out=h1)
            np.multiply(h1, h1, out=d1)
            np.subtract(1.0, d1, out=d1)
        else:
            np.logaddexp(0.0, a1, out=h1)
            np.multiply(a1, 0.5, out=d1)
            np.tanh(d1, out=d1)  # logistic(a) = (1 + tanh(a/2)) / 2, overflow-free
            d1 += 1.0
            d1 *= 0.5
        np.matmul(h1, W2t, out=f)
        f += b2
        val = None
        if self.loss == "mse":
            f -= y  # residual, in place
            if value:
                val = 0.5 * np.einsum("bnc,bnc->b", f, f) / n
            f /= n
            df = f
        else:
            val, df, _ = self._loss_terms(f, y)
        gW1, gb1, gW2, gb2 = g_views
        # sums over samples as products with ones: faster than a middle-axis reduction
        np.matmul(df.transpose(0, 2, 1), h1, out=gW2)
        gb2[:] = np.matmul(ones, df)
        np.matmul(df, W2, out=da)
        da *= d1
        gW1[:] = np.matmul(da.transpose(0, 2, 1), x)
        gb1[:] = np.matmul(ones, da)
        if self.weight_decay:
            if value:
                val = val + 0.5 * self.weight_decay * np.einsum("bp,bp->b", th, th)
            g += self.weight_decay * th
        return val

    def gradient(self, theta, x, y):
        """Exact gradient, shape of ``theta``."""
        return self.value_and_gradient(theta, x, y)[1]

    def hvp(self, theta, v, x, y):
        """Exact Hessian-vector product ``H(theta) v`` by the R-operator.

        Differentiates the forward and the backward pass along ``v`` (Pearlmutter 1994):
        exact up to rounding, at the cost of about two gradients.  ``v`` has the shape of
        ``theta``.
        """
        th, single, x, y = self._prepare(theta, x, y)
        v = np.asarray(v, dtype=float)
        vv = v[None] if v.ndim == 1 else v
        if vv.shape != th.shape:
            raise ValueError(f"v must have the shape of theta {th.shape[1:] if single else th.shape}, got {v.shape}")
        out = self._hvp_at(self._hvp_state(th, x, y), vv)
        return out[0] if single else out

    def _hvp_state(self, th, x, y):
        """What :meth:`hvp` needs at ``th`` whatever ``v``: the forward pass, the output
        gradient and ``dL/dh`` (Lanczos asks for dozens of products at one point)."""
        (W1, b1, W2, b2), a1, h1, d1, d2, f = self._forward(th, x)
        _, df, p = self._loss_terms(f, y)
        return x, W2, h1, d1, d2, df, p, np.matmul(df, W2)

    def _hvp_at(self, state, vv):
        """``H v`` for validated ``(B, P)`` directions ``vv`` at the point of ``state``."""
        x, W2, h1, d1, d2, df, p, dh = state
        V1, c1, V2, c2 = self._unpack(vv)
        n = df.shape[1]
        # R-forward
        ra = np.matmul(x, V1.transpose(0, 2, 1)) + c1[:, None, :]
        rh = d1 * ra
        rf = np.matmul(rh, W2.transpose(0, 2, 1)) + np.matmul(h1, V2.transpose(0, 2, 1)) + c2[:, None, :]
        # R of the output gradient
        if self.loss == "mse":
            rdf = rf / n
        else:
            rdf = (p * rf - p * np.sum(p * rf, axis=2, keepdims=True)) / n
        out = np.empty_like(vv)
        oW1, ob1, oW2, ob2 = self._unpack(out)
        oW2[:] = np.matmul(rdf.transpose(0, 2, 1), h1) + np.matmul(df.transpose(0, 2, 1), rh)
        ob2[:] = rdf.sum(axis=1)
        rda = (np.matmul(rdf, W2) + np.matmul(df, V2)) * d1 + dh * d2 * ra
        oW1[:] = np.matmul(rda.transpose(0, 2, 1), x)
        ob1[:] = rda.sum(axis=1)
        if self.weight_decay:
            out += self.weight_decay * vv
        return out

    def hessian(self, theta, x, y) -> np.ndarray:
        """The explicit ``(P, P)`` Hessian, column by column from :meth:`hvp` (small nets)."""
        theta = np.asarray(theta, dtype=float)
        if theta.ndim != 1:
            raise ValueError(f"hessian takes one parameter vector (P,), got shape {theta.shape}")
        P = self.size
        cols = self.hvp(np.broadcast_to(theta, (P, P)), np.eye(P), x, y)
        H = cols.T
        return 0.5 * (H + H.T)


# --------------------------------------------------------------------------- minimum


@dataclass(frozen=True)
class Minimum:
    """A minimum of the training loss reached by full-batch gradient descent.

    Attributes
    ----------
    theta : ndarray
        ``(P,)`` parameters.
    loss : float
        Training loss there.
    gradient_norm : float
        ``||grad L(theta)||`` (below the ``tol`` asked of :func:`find_minimum`).
    sharpness : float
        Top Hessian eigenvalue ``a`` (Lanczos, relative accuracy ``1e-10``).
    direction : ndarray
        Unit eigenvector of ``a``.
    smallest : float
        Smallest Hessian eigenvalue (Lanczos): positive at a strict minimum.
    gd_steps : int
        Full-batch gradient-descent steps taken.
    polish_iterations : int
        Newton-CG iterations of the final polish (0 if GD alone met ``tol``).
    """

    theta: np.ndarray
    loss: float
    gradient_norm: float
    sharpness: float
    direction: np.ndarray
    smallest: float
    gd_steps: int
    polish_iterations: int


def network_sharpness(model: MLP, theta, x, y, *, tol: float = 1e-10, rng=0, smallest: bool = False):
    """Top Hessian eigenvalue of the loss at ``theta`` by Lanczos on exact HVPs.

    Parameters
    ----------
    model : MLP
    theta : array_like
        ``(P,)`` parameters.
    x, y : ndarray
        Data.
    tol : float
        Relative accuracy asked of ARPACK (:func:`stability.sharpness.lanczos`).
    rng : numpy.random.Generator or int
        Seed of the start vector.
    smallest : bool
        Return the algebraically smallest eigenvalue instead (Lanczos on ``-H``, sign
        restored).

    Returns
    -------
    stability.sharpness.SharpnessResult

    Notes
    -----
    The products are exact (R-operator), so the accuracy is ARPACK's: relative ``tol``
    on the eigenvalue, with the residual ``||H u - a u||`` reported.  ``which="LA"``
    targets the algebraically largest eigenvalue, so a negative eigenvalue of larger
    magnitude (away from minima) is not mistaken for the sharpness; a random start has a
    component along the top eigenvector almost surely.  Tested against the eigenvalues
    of the explicit Hessian of a small network.
    """
    from .sharpness import SharpnessResult, lanczos

    theta = np.asarray(theta, dtype=float)
    sign = -1.0 if smallest else 1.0
    if theta.shape == (model.size,):  # the forward pass once, not at every product
        th, _, xx, yy = model._prepare(theta, x, y)
        state = model._hvp_state(th, xx, yy)
        res = lanczos(lambda v: sign * model._hvp_at(state, np.asarray(v, dtype=float)[None])[0], model.size,
                      tol=tol, rng=rng)
    else:
        res = lanczos(lambda v: sign * model.hvp(theta, v, x, y), model.size, tol=tol, rng=rng)
    if not smallest:
        return res
    return SharpnessResult(-res.value, res.vector, res.iterations, res.residual, res.converged, res.method)


def find_minimum(model: MLP, x, y, *, eta: float, steps: int, rng=0, theta0=None,
                 tol: float = 1e-9) -> Minimum:
    """Train to a minimum with synchronous full-batch gradient descent, then polish.

    Runs ``steps`` steps of plain gradient descent ``theta <- theta - eta grad L`` from
    ``theta0`` (default :meth:`MLP.init` with ``rng``), then, if the gradient norm is
    still above ``tol``, Newton-CG with trust region (:func:`scipy.optimize.minimize`,
    ``method="trust-ncg"``, exact Hessian-vector products) from the GD end point.

    Parameters
    ----------
    model : MLP
    x, y : ndarray
        Training inputs ``(n, d)`` and targets ``(n, c)``.
    eta : float
        GD learning rate.
    steps : int
        GD steps.
    rng : numpy.random.Generator or int
        Seed of the initialisation.
    theta0 : array_like, optional
        Start instead of a random initialisation.
    tol : float
        Required gradient norm at the returned point.

    Returns
    -------
    Minimum

    Raises
    ------
    ArithmeticError
        If the gradient norm is above ``tol`` at the end, or the point is not a strict
        minimum (smallest Hessian eigenvalue ``<= 0``).

    Notes
    -----
    Gradient descent alone converges only linearly, at the rate of the smallest
    curvature; the polish finds the minimum of the basin GD has reached (the
    trust-region steps only descend), with quadratic convergence, in a handful of
    iterations.  The returned sharpness is therefore that of the minimum GD selected.
    """
    eta = check_real(eta, "eta", low=0.0, low_inclusive=False)
    steps = _check_int(steps, "steps", low=0)
    tol = check_real(tol, "tol", low=0.0, low_inclusive=False)
    theta = model.init(rng) if theta0 is None else np.array(theta0, dtype=float)
    if theta.shape != (model.size,):
        raise ValueError(f"theta0 must have shape ({model.size},), got {theta.shape}")
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(steps):
            theta = theta - eta * model.gradient(theta, x, y)
            if t % 16 == 15 and not np.all(np.abs(theta) < 1e100):
                break
    if not np.all(np.abs(theta) < 1e100):
        raise ArithmeticError(f"gradient descent at eta={eta!r} diverged")
    g = model.gradient(theta, x, y)
    iters = 0
    if np.linalg.norm(g) > tol:
        from scipy.optimize import minimize

        res = minimize(lambda t: model.value_and_gradient(t, x, y), theta, jac=True, method="trust-ncg",
                       hessp=lambda t, v: model.hvp(t, v, x, y), options={"gtol": tol, "maxiter": 200})
        theta, iters = res.x, int(res.nit)
        g = model.gradient(theta, x, y)
    gnorm = float(np.linalg.norm(g))
    if not gnorm <= tol:
        raise ArithmeticError(f"no minimum found: gradient norm {gnorm:.3g} > tol {tol:.3g}")
    top = network_sharpness(model, theta, x, y)
    low = network_sharpness(model, theta, x, y, smallest=True, tol=1e-8)
    if not low.value > 0:
        raise ArithmeticError(f"not a strict minimum: smallest Hessian eigenvalue {low.value:.3g}")
    return Minimum(theta, model.value(theta, x, y), gnorm, top.value, top.vector, low.value, steps, iters)


# --------------------------------------------------------------------------- delayed training


@dataclass(frozen=True)
class DelayedRun:
    """Outcome of :func:`run_delayed` for each of the ``B`` configurations.

    Attributes
    ----------
    theta : ndarray
        ``(B, P)`` last parameters (frozen at the escape for escaped configurations).
    escaped : ndarray of bool
        Left the minimum by the escape tests: distance to ``reference`` above
        ``escape`` times the start distance, component along ``direction`` above
        ``radius``, training loss above ``loss_escape`` at a check, or a non-finite value.
    escaped_at : ndarray of int
        Step of the escape, -1 if none.
    growth_rate : ndarray
        Log-growth per step of ``||theta_t - reference||``: half the log-ratio of the
        largest squared distance over the last window and over the window ending at
        mid-run, per step (``+inf`` if escaped, NaN without ``reference``).
    snapshots : ndarray or None
        ``(k, B, P)`` parameters at steps ``0, record_every, 2 record_every, ...``.
    snapshot_steps : ndarray or None
        Those steps.
    snapshot_loss : ndarray or None
        ``(k, B)`` full-batch training loss at the snapshots.
    start_distance, end_distance : ndarray
        ``||theta_0 - reference||`` and the largest distance over the last window (NaN
        without ``reference``).
    """

    theta: np.ndarray
    escaped: np.ndarray
    escaped_at: np.ndarray
    growth_rate: np.ndarray
    snapshots: np.ndarray | None = None
    snapshot_steps: np.ndarray | None = None
    snapshot_loss: np.ndarray | None = None
    start_distance: np.ndarray | None = None
    end_distance: np.ndarray | None = None

    #: Below this fraction of the start distance a run is at the rounding floor of the
    #: minimum (the residual gradient and round-off), where "growing" is noise.
    FLOOR = 1e-3

    @property
    def left(self) -> np.ndarray:
        """Escaped, or still moving away from ``reference`` at the end: growth rate > 0
        with the distance above :attr:`FLOOR` times its start."""
        return self.escaped | ((self.growth_rate > 0) & (self.end_distance > self.FLOOR * self.start_distance))


def _per_config(values, B, name, conv):
    if isinstance(values, (str, int, float, np.integer, np.floating)) and not isinstance(values, bool):
        return [conv(values)] * B
    vals = list(values)
    if len(vals) != B:
        raise ValueError(f"{name} has {len(vals)} entries for {B} configurations")
    return [conv(v) for v in vals]


def _check_data(model, x, y):
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    n = x.shape[0]
    if x.ndim != 2 or y.shape != (n, model.n_out) or x.shape[1] != model.n_in:
        raise ValueError(f"x, y must have shapes (n, {model.n_in}), (n, {model.n_out}); got {x.shape}, {y.shape}")
    return x, y


def run_delayed(model: MLP, x, y, theta0, learning_rates, delay, *, momentum="none", m=0.0,
                steps: int, batch_size: int | None = None, rng=None, reference=None,
                escape: float | None = None, direction=None, radius: float | None = None,
                loss_escape: float | None = None, check_every: int = 10,
                record_every: int | None = None, chunk: int = 256) -> DelayedRun:
    """Train ``B`` networks at once with a constant delay (paper eqs. 2, 9, 10).

    Parameters
    ----------
    model : MLP
    x, y : ndarray
        Training inputs ``(n, d)`` and targets ``(n, c)``.
    theta0 : array_like
        Start, ``(P,)`` (shared) or ``(B, P)``.  The history before step 0 is constant
        (``theta_s = theta0``) and the velocity starts at 0.
    learning_rates : float or array_like
        One per configuration; ``B`` is its length.
    delay : int or sequence of int
        Constant delay ``tau``, one for all or one per configuration.
    momentum : str or sequence of str
        ``"none"``, ``"standard"`` or ``"shifted"``, for all or per configuration.
    m : float or sequence of float
        Momentum coefficient(s).
    steps : int
        Updates ``T``.
    batch_size : int, optional
        Mini-batch size (samples drawn uniformly *with* replacement, fresh at each step,
        per configuration); default the full batch (no randomness).
    rng : numpy.random.Generator, int or sequence of them
        Needed with ``batch_size``: one stream per configuration, as in
        :func:`stability.simulation.run_delayed_sgd` (the same seed for every
        configuration gives common random numbers).
    reference : array_like, optional
        ``(P,)`` point (a minimum) to which distances are measured.
    escape : float, optional
        Escape when ``||theta_t - reference||`` exceeds ``escape`` times its start value.
    direction, radius : optional
        Escape when ``|direction . (theta_t - reference)|`` exceeds ``radius``
        (``direction`` a ``(P,)`` unit vector, typically the top Hessian eigenvector).
    loss_escape : float, optional
        Escape when the full-batch training loss, checked every ``check_every`` steps,
        exceeds this level.
    record_every : int, optional
        Keep snapshots of the parameters (and their full-batch training loss) this often.
    chunk : int
        Mini-batch indices are drawn this many steps at a time.

    Returns
    -------
    DelayedRun

    Notes
    -----
    Memory ``O(B P (tau + 2))`` for the ring buffers.  Each step costs one batched
    forward and backward pass (``O(B n P)`` flops, ``n`` the full or mini-batch size).
    """
    th0 = np.asarray(theta0, dtype=float)
    lr = np.atleast_1d(np.asarray(learning_rates, dtype=float))
    if lr.ndim != 1 or lr.size == 0:
        raise ValueError(f"learning_rates must be a scalar or a 1-D array, got shape {lr.shape}")
    if not np.all(np.isfinite(lr)) or np.any(lr <= 0):
        bad = lr[~(np.isfinite(lr) & (lr > 0))][0]
        raise ValueError(f"learning rates must be finite and > 0, got {float(bad)!r}")
    B, P = lr.size, model.size
    if th0.shape not in ((P,), (B, P)) or not np.all(np.isfinite(th0)):
        raise ValueError(f"theta0 must be finite with shape ({P},) or ({B}, {P}), got {th0.shape}")
    steps = _check_int(steps, "steps")
    taus = np.array(_per_config(delay, B, "delay", lambda v: _check_int(v, "delay", low=0)))
    schemes = _per_config(momentum, B, "momentum", str)
    ms = _per_config(m, B, "m", float)
    for s_, m_ in zip(schemes, ms):
        check_momentum(s_, m_)
    x, y = _check_data(model, x, y)
    if batch_size is not None:
        batch_size = _check_int(batch_size, "batch_size")
        if rng is None:
            raise ValueError("mini-batch training draws random numbers: pass rng (a Generator or a seed)")
    ref = None if reference is None else np.asarray(reference, dtype=float)
    if ref is not None and ref.shape != (P,):
        raise ValueError(f"reference must have shape ({P},), got {ref.shape}")
    if escape is not None:
        escape = check_real(escape, "escape", low=1.0, low_inclusive=False)
        if ref is None:
            raise ValueError("escape needs a reference point")
    if (direction is None) != (radius is None):
        raise ValueError("direction and radius go together")
    if radius is not None:
        radius = check_real(radius, "radius", low=0.0, low_inclusive=False)
        if ref is None:
            raise ValueError("radius needs a reference point")
        direction = np.asarray(direction, dtype=float)
        if direction.shape != (P,):
            raise ValueError(f"direction must have shape ({P},), got {direction.shape}")
    if loss_escape is not None:
        loss_escape = check_real(loss_escape, "loss_escape")
    check_every = _check_int(check_every, "check_every")
    if record_every is not None:
        record_every = _check_int(record_every, "record_every")

    K = int(taus.max())
    seqs = None
    if batch_size is not None:
        if isinstance(rng, (list, tuple)):
            if len(rng) != B:
                raise ValueError(f"rng was given as a sequence of {len(rng)} seeds for {B} configurations")
            seqs = [_as_seed_sequence(r) for r in rng]
        else:
            base = _as_seed_sequence(rng)
            seqs = [_child(base, b) for b in range(B)]
    return _train(model, x, y, th0, lr, taus, schemes, ms, np.full(B, steps),
                  np.full(B, max(1, min(steps // 4, 8 * (K + 2)))), batch_size=batch_size, seqs=seqs, ref=ref,
                  escape=escape, direction=direction, radius=radius, loss_escape=loss_escape,
                  check_every=check_every, record_every=record_every, chunk=chunk)


def _train(model, x, y, th0, lr, taus, schemes, ms, horizons, windows, *, batch_size, seqs, ref, escape,
           direction, radius, loss_escape, check_every, record_every, chunk, growth=True) -> DelayedRun:
    """The training loop of :func:`run_delayed` for validated input, with a horizon and a
    growth window per configuration (``horizons``, ``windows``: ``(B,)`` ints).

    Configuration ``b`` takes ``horizons[b]`` steps and gets exactly the numbers that
    :func:`run_delayed` with ``steps = horizons[b]`` gives it: every row of the state is
    computed on its own (batched matrix products are one product per row, the reductions
    are per row), so a batch may mix configurations of different horizons, delays and
    schemes (:func:`minimum_edge` runs all its delays in one state this way).  Rows that
    leave (escape, or reach their horizon) are removed from the state, which is then
    compacted, so that every step works on contiguous arrays of the rows still training.
    ``growth=False`` skips the growth windows (the growth rate and end distance are then
    meaningless) for callers that use only the escapes.
    """
    B, P = lr.size, model.size
    n = x.shape[0]
    horizons = np.asarray(horizons, dtype=np.int64)
    windows = np.asarray(windows, dtype=np.int64)
    steps = int(horizons.max())
    mids = horizons // 2
    L = int(taus.max()) + 2
    momentum_any = any(s_ != "none" for s_ in schemes)
    mcoef_all = np.array([m_ if s_ != "none" else 0.0 for s_, m_ in zip(schemes, ms)])[:, None]
    step_all = (lr * np.where(np.array(schemes) == "none", 1.0, 1.0 - mcoef_all[:, 0]))[:, None]
    shifted_all = np.array([s_ == "shifted" for s_ in schemes])
    track = ref is not None
    need_finite = not (track and (escape is not None or radius is not None))  # else the limits catch inf/NaN
    theta = np.array(np.broadcast_to(th0, (B, P)))  # final (or frozen) parameters, row by row
    escaped_at = np.full(B, -1, dtype=np.int64)
    if track:
        d0sq = np.einsum("bp,bp->b", theta - ref, theta - ref)
        lim_all = (escape ** 2) * d0sq if escape is not None else np.full(B, np.inf)
        wmax_mid = np.zeros(B)
        wmax_end = np.zeros(B)
    snaps, snap_steps, snap_loss = [], [], []
    if record_every is not None:
        snaps.append(theta.copy())
        snap_steps.append(0)
        snap_loss.append(model.value(theta, x, y))
    gens_all = [np.random.default_rng(s) for s in seqs] if batch_size is not None else None
    xy = np.concatenate([x, y], axis=1) if batch_size is not None else None

    # the state of the rows still training ("active"), rebuilt when rows leave
    class S:  # noqa: N801 - a namespace
        pass

    st = S()

    def build(act, X, V, idx_block):
        Ba = act.size
        st.act, st.X, st.V, st.idx_block = act, X, V, idx_block
        if Ba == 0:
            st.wmid = st.wend = np.empty(0)
            return
        st.step, st.mcoef, st.shifted = step_all[act], mcoef_all[act], shifted_all[act]
        st.taus = taus[act]
        st.uniform = bool(np.all(st.taus == st.taus[0]))
        st.cols = np.arange(Ba)
        st.hz, st.mid, st.win = horizons[act], mids[act], windows[act]
        st.finish_steps = set(st.hz.tolist())
        st.same_windows = bool(np.all(st.hz == st.hz[0]) and np.all(st.win == st.win[0]))
        st.mid_lo, st.mid_hi = int((st.mid - st.win).min()), int(st.mid.max())
        st.end_lo = int((st.hz - st.win).min())
        if track:
            st.lim = lim_all[act]
            st.wmid, st.wend = wmax_mid[act], wmax_end[act]
            st.dev = np.empty((Ba, P))
        st.gens = None if gens_all is None else [gens_all[i] for i in act]
        st.g = np.empty((Ba, P))
        st.g_views = model._unpack(st.g)
        st.flat = X.reshape(L * Ba, P)
        st.slot_views = [model._views(X[s]) for s in range(L)]
        if not st.uniform:
            st.stale = np.empty((Ba, P))
            st.stale_views = model._views(st.stale)
        if momentum_any:
            st.vflat = V.reshape(L * Ba, P)
            st.vsrc = np.empty((Ba, P))
        if batch_size is not None:  # inputs and targets gathered together, one take a step
            st.xyb = np.empty((Ba, batch_size, xy.shape[1]))
            st.xb, st.yb = st.xyb[..., :x.shape[1]], st.xyb[..., x.shape[1]:]
        st.scratch = model._scratch(Ba, x if batch_size is None else st.xb)

    X0 = np.empty((L, B, P))
    X0[:] = th0
    build(np.arange(B), X0, np.zeros((L, B, P)) if momentum_any else None, None)
    s = 0
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(steps):
            X, Ba = st.X, st.act.size
            cur = t % L
            nxt = (t + 1) % L
            s = t + 1
            if Ba == 0:  # every row has escaped: only the snapshots go on
                if s % record_every == 0:
                    snaps.append(theta.copy())
                    snap_steps.append(s)
                    snap_loss.append(model.value(theta, x, y))
                continue
            if st.uniform:
                slot = (t - int(st.taus[0])) % L
                views = st.slot_views[slot]
            else:
                slot = (t - st.taus) % L
                np.take(st.flat, slot * Ba + st.cols, axis=0, out=st.stale)
                views = st.stale_views
            if batch_size is None:
                xb, yb = x, y
            else:
                j = t % chunk
                if j == 0:
                    k = min(chunk, steps - t)  # a shorter horizon uses a prefix of the same draws
                    st.idx_block = np.stack([gen.integers(0, n, size=(k, batch_size)) for gen in st.gens], axis=1)
                idx = st.idx_block[j]
                xb, yb = st.xb, st.yb
                np.take(xy, idx, axis=0, out=st.xyb)
            g = st.g
            model._gradient_into(views, xb, yb, st.scratch, g, st.g_views)
            g *= st.step
            xn = X[nxt]
            if momentum_any:
                V = st.V
                if not st.shifted.any():
                    v_old = V[cur]
                elif st.shifted.all() and st.uniform:
                    v_old = V[slot]
                else:
                    src = np.where(st.shifted, slot, cur)
                    v_old = st.vsrc
                    np.take(st.vflat, src * Ba + st.cols, axis=0, out=v_old)
                vn = V[nxt]
                np.multiply(v_old, st.mcoef, out=vn)
                vn -= g
                np.add(X[cur], vn, out=xn)
            else:
                np.subtract(X[cur], g, out=xn)
            bad = ~np.isfinite(xn).all(axis=1) if need_finite else None
            if track:
                if not growth:
                    in_mid = in_end = False
                elif st.same_windows:
                    in_mid = st.mid_lo < s <= st.mid_hi
                    in_end = s > st.end_lo
                else:
                    in_mid = st.mid_lo < s <= st.mid_hi and (st.mid - st.win < s) & (s <= st.mid)
                    in_end = s > st.end_lo and (st.hz - st.win < s)
                dev = st.dev
                np.subtract(xn, ref, out=dev)
                if escape is not None or in_mid is not False or in_end is not False:
                    sq = np.einsum("bp,bp->b", dev, dev)
                    if escape is not None:
                        ok = sq <= st.lim
                        if not ok.all():
                            bad = ~ok if bad is None else bad | ~ok
                    if in_mid is True:
                        np.maximum(st.wmid, sq, out=st.wmid)
                    elif in_mid is not False and in_mid.any():
                        np.maximum(st.wmid, np.where(in_mid, sq, st.wmid), out=st.wmid)
                    if in_end is True:
                        np.maximum(st.wend, sq, out=st.wend)
                    elif in_end is not False and in_end.any():
                        np.maximum(st.wend, np.where(in_end, sq, st.wend), out=st.wend)
                if radius is not None:
                    ok = np.abs(dev @ direction) <= radius
                    if not ok.all():
                        bad = ~ok if bad is None else bad | ~ok
            if loss_escape is not None and s % check_every == 0:
                if batch_size is None:  # the full-batch scratch serves the full-batch loss
                    loss = model._value_into(st.slot_views[nxt], x, y, st.scratch)
                else:
                    loss = model.value(xn, x, y)
                ok = loss <= loss_escape
                if not ok.all():
                    bad = ~ok if bad is None else bad | ~ok
            escaping = bad is not None and bad.any()
            finishing = s in st.finish_steps and s < steps
            if escaping or finishing:
                leave = bad.copy() if escaping else np.zeros(Ba, dtype=bool)
                rows = st.act[leave]
                escaped_at[rows] = s
                theta[rows] = X[cur][leave]  # frozen at the last state inside the limits
                if finishing:
                    done = (st.hz == s) & ~leave
                    theta[st.act[done]] = xn[done]
                    leave |= done
                if track:
                    wmax_mid[st.act] = st.wmid
                    wmax_end[st.act] = st.wend
                keep = ~leave
                build(st.act[keep], np.ascontiguousarray(X[:, keep]),
                      np.ascontiguousarray(st.V[:, keep]) if momentum_any else None,
                      None if st.idx_block is None else st.idx_block[:, keep])
                if st.act.size == 0 and record_every is None:
                    break
            if record_every is not None and s % record_every == 0:
                full = theta.copy()
                full[st.act] = st.X[nxt]
                snaps.append(full)
                snap_steps.append(s)
                snap_loss.append(model.value(full, x, y))
    s_run = s  # the last step simulated
    if st.act.size:
        theta[st.act] = st.X[steps % L]
    if track:
        wmax_mid[st.act] = st.wmid
        wmax_end[st.act] = st.wend
        # an escaped row stays frozen, and its frozen distance enters the windows it still
        # spans (up to the last step simulated)
        esc = np.flatnonzero(escaped_at >= 0)
        if esc.size:
            dev = theta[esc] - ref
            fsq = np.einsum("bp,bp->b", dev, dev)
            se, hz, md, wn = escaped_at[esc], horizons[esc], mids[esc], windows[esc]
            last = np.minimum(hz, s_run)
            m_ = np.maximum(se, md - wn) < np.minimum(md, last)
            e_ = np.maximum(se, hz - wn) < last
            wmax_mid[esc[m_]] = np.maximum(wmax_mid[esc[m_]], fsq[m_])
            wmax_end[esc[e_]] = np.maximum(wmax_end[esc[e_]], fsq[e_])
        with np.errstate(divide="ignore", invalid="ignore"):
            rate = 0.5 * (np.log(wmax_end) - np.log(wmax_mid)) / np.maximum(1, horizons - mids)
        rate = np.where(escaped_at >= 0, np.inf, rate)
        start_d, end_d = np.sqrt(d0sq), np.sqrt(wmax_end)
    else:
        rate = start_d = end_d = np.full(B, np.nan)
    rec = record_every is not None
    return DelayedRun(theta, escaped_at >= 0, escaped_at, rate,
                      np.array(snaps) if rec else None, np.array(snap_steps) if rec else None,
                      np.array(snap_loss) if rec else None, start_d, end_d)


# --------------------------------------------------------------------------- edge at a minimum


@dataclass(frozen=True)
class EdgeSearch:
    """Largest learning rate that does not leave the minimum, found by simulation.

    Attributes
    ----------
    momentum : str
    m : float
    delay : int
    eta : float
        Geometric centre of the final bracket.
    bracket : tuple of float
        ``(lo, hi)``: ``lo`` stayed, ``hi`` left (both simulated, or ``lo`` the initial
        lower end).
    rounds : int
    steps : int
        Horizon of every run.
    seed : int or None
        Mini-batch seed (None for full-batch runs).
    """

    momentum: str
    m: float
    delay: int
    eta: float
    bracket: tuple[float, float]
    rounds: int
    steps: int
    seed: object = None


def edge_horizon(delay: int) -> int:
    """Default horizon of :func:`minimum_edge` for a constant ``delay``: ``30 (tau + 2) + 300``."""
    return 30 * (_check_int(delay, "delay", low=0) + 2) + 300


def minimum_edge(model: MLP, x, y, minimum: Minimum, delay: int, *, schemes=(("none", 0.0),),
                 perturbation: float = 1e-4, escape: float = 100.0, steps: int | None = None,
                 grid: int = 10, rounds: int = 3, lower: float = 1e-2, batch_size: int | None = None,
                 radius: float = 0.1, rng=0) -> tuple[EdgeSearch, ...]:
    """Largest learning rate at which delayed training stays at ``minimum``, by bisection.

    Every run restarts at ``theta* + perturbation * u`` (``u`` the top Hessian
    eigenvector, constant history, zero velocity) and trains for ``steps`` updates with
    the given scheme and constant ``delay`` (:func:`run_delayed`).

    *Leaves the minimum* means, with full-batch gradients: the distance
    ``||theta_t - theta*||`` exceeds ``escape`` times its start value within the
    horizon, or it is still growing at the end (its maximum over the last window
    exceeds its maximum over the window ending at mid-run; windows of
    ``min(steps/4, 8 (tau + 2))`` steps, longer than the oscillation period of the
    critical mode) while above ``1e-3`` of its start value (below that, a stable run
    sits at the rounding floor of the minimum and its "growth" is round-off).  With mini-batches (``batch_size``), where the noise keeps the
    iterate fluctuating (and wandering along flat directions): the component along
    ``u``, ``|u . (theta_t - theta*)|``, exceeds ``radius`` within the horizon (or the
    iterate overflows).

    Bisection: each round simulates ``grid`` learning rates spread geometrically over
    the bracket, all schemes in one vectorised state, and keeps the cell between the
    last rate that stayed and the first that left.  The first bracket is
    ``[lower, 4 (1 + m)/(1 - m)] / a`` (``a`` the measured sharpness; it does not use the
    delay), widened upward while its top stays and downward while its bottom leaves.

    Parameters
    ----------
    model, x, y :
        The network and its training data.
    minimum : Minimum
        From :func:`find_minimum`.
    delay : int
        Constant delay.
    schemes : sequence of (str, float)
        ``(momentum, m)`` pairs, searched together.
    perturbation : float
        Start distance from ``theta*``.
    escape : float
        Distance factor that counts as leaving.
    steps : int, optional
        Horizon, default :func:`edge_horizon` ``(delay)``.
    grid, rounds : int
        Learning rates per round and number of rounds: the final bracket is about
        ``(hi/lo)**(1/(grid+1)**rounds)`` wide.
    lower : float
        Lower end of the first bracket, times ``1/a``.
    batch_size : int, optional
        Mini-batch SGD (with replacement) instead of full-batch GD.
    radius : float
        Amplitude along the top eigenvector that counts as leaving (mini-batch runs).
    rng : int, numpy.random.SeedSequence or a sequence of them
        Seed of the mini-batches; every learning rate of a round uses the same stream
        (common random numbers), so the comparison between rates is not blurred by
        sampling.  A sequence runs one search per seed, all in the same vectorised state.

    Returns
    -------
    tuple of EdgeSearch
        One per scheme (and, with mini-batches, per seed: schemes outer, seeds inner).

    Notes
    -----
    Near a strict minimum full-batch delayed GD is, to first order in the distance, the
    linear recurrence of the characteristic polynomial along each Hessian eigenvector,
    and only the top eigenvector can lose stability first.  On the scalar quadratic the
    default horizon resolves the edge to 0.1% for ``tau <= 32`` (all three schemes,
    ``m = 0.9``): near the edge the distance changes by a factor ``rho**t`` with
    ``|log rho|`` about ``0.7 |eta/eta* - 1| / (tau + 1)``.  The bisection itself cannot
    skip the edge only if leaving is monotone in the learning rate over the bracket,
    which holds for the linearisation (every ``alpha < alpha*`` is stable).
    """
    return _minimum_edges(model, x, y, minimum, [delay], steps=None if steps is None else [steps], schemes=schemes,
                          perturbation=perturbation, escape=escape, grid=grid, rounds=rounds, lower=lower,
                          batch_size=batch_size, radius=radius, rng=rng)


def _minimum_edges(model: MLP, x, y, minimum: Minimum, delays, *, steps=None, schemes=(("none", 0.0),),
                   perturbation: float = 1e-4, escape: float = 100.0, grid: int = 10, rounds: int = 3,
                   lower: float = 1e-2, batch_size: int | None = None, radius: float = 0.1,
                   rng=0) -> tuple[EdgeSearch, ...]:
    """:func:`minimum_edge` for several delays at once (``steps``: one horizon per delay,
    default :func:`edge_horizon` of each), all in one vectorised state.

    The searches are independent: each follows its own bracket, and each row of the state
    gets the numbers a separate call would give it (:func:`_train`), so the result is
    exactly ``sum((minimum_edge(..., delay, steps=s, ...) for delay, s in ...), ())``,
    delays outermost.  One state instead of one per delay cuts the per-step overhead of
    the small mini-batch runs, which costs more than their arithmetic.
    """
    if not isinstance(minimum, Minimum):
        raise TypeError(f"minimum must be a Minimum (from find_minimum), got {type(minimum).__name__}")
    delays = [_check_int(d_, "delay", low=0) for d_ in delays]
    if steps is None:
        steps = [edge_horizon(d_) for d_ in delays]
    steps = [_check_int(s_, "steps") for s_ in steps]
    if len(steps) != len(delays):
        raise ValueError(f"steps has {len(steps)} entries for {len(delays)} delays")
    grid = _check_int(grid, "grid")
    rounds = _check_int(rounds, "rounds")
    perturbation = check_real(perturbation, "perturbation", low=0.0, low_inclusive=False)
    lower = check_real(lower, "lower", low=0.0, low_inclusive=False)
    schemes = [(str(s_), float(m_)) for s_, m_ in schemes]
    for s_, m_ in schemes:
        check_momentum(s_, m_)
    radius = check_real(radius, "radius", low=0.0, low_inclusive=False)
    x, y = _check_data(model, x, y)
    if batch_size is None:
        escape = check_real(escape, "escape", low=1.0, low_inclusive=False)
    else:
        batch_size = _check_int(batch_size, "batch_size")
    a = minimum.sharpness
    start = minimum.theta + perturbation * minimum.direction
    seeds = [None] if batch_size is None else (list(rng) if isinstance(rng, (list, tuple)) else [rng])
    if not seeds:
        raise ValueError("rng is an empty sequence of seeds")
    searches = [(d_, st_, s_, m_, sd) for d_, st_ in zip(delays, steps) for s_, m_ in schemes for sd in seeds]
    S = len(searches)
    if S == 0:
        return ()
    lo = np.array([lower / a] * S)
    hi = np.array([4.0 * (1.0 + m_) / (1.0 - m_) / a for _, _, _, m_, _ in searches])

    def leaves(which, etas):  # searches `which`, etas (len(which), k) -> bool (len(which), k)
        k = etas.shape[1]
        rows = [searches[i] for i in which for _ in range(k)]
        taus = np.array([r[0] for r in rows], dtype=np.int64)
        horizons = np.array([r[1] for r in rows], dtype=np.int64)
        windows = np.maximum(1, np.minimum(horizons // 4, 8 * (taus + 2)))
        seqs = None if batch_size is None else [_as_seed_sequence(r[4]) for r in rows]
        run = _train(model, x, y, start, etas.ravel(), taus, [r[2] for r in rows], [r[3] for r in rows],
                     horizons, windows, batch_size=batch_size, seqs=seqs, ref=minimum.theta,
                     escape=None if batch_size is not None else escape,
                     direction=None if batch_size is None else minimum.direction,
                     radius=None if batch_size is None else radius, loss_escape=None, check_every=10,
                     record_every=None, chunk=256, growth=batch_size is None)
        out = run.escaped if batch_size is not None else run.left
        return out.reshape(len(which), k)

    pending = np.arange(S)
    for _ in range(8):  # widen until the top leaves and the bottom stays (each search on its own)
        ends = leaves(pending, np.stack([lo[pending], hi[pending]], axis=1))
        hi[pending] = np.where(ends[:, 1], hi[pending], hi[pending] * 4.0)
        lo[pending] = np.where(ends[:, 0], lo[pending] / 16.0, lo[pending])
        pending = pending[~(ends[:, 1] & ~ends[:, 0])]
        if pending.size == 0:
            break
    else:
        raise ArithmeticError(f"no learning-rate bracket found between {lo.min():.3g} and {hi.max():.3g}")
    every = np.arange(S)
    for _ in range(rounds):
        frac = np.arange(1, grid + 1) / (grid + 1)
        etas = lo[:, None] * (hi / lo)[:, None] ** frac[None, :]
        bad = leaves(every, etas)
        for i in range(S):
            first = int(np.argmax(bad[i])) if bad[i].any() else grid
            new_lo = lo[i] if first == 0 else etas[i, first - 1]
            new_hi = hi[i] if first == grid else etas[i, first]
            lo[i], hi[i] = new_lo, new_hi
    return tuple(EdgeSearch(s_, m_, d_, float(math.sqrt(lo[i] * hi[i])), (float(lo[i]), float(hi[i])),
                            rounds, st_, sd) for i, (d_, st_, s_, m_, sd) in enumerate(searches))
