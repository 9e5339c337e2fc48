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
    from sklearn.datasets import load_digits  # lazy: scikit-learn is heavy

    bunch = load_digits()
    keep = bunch.target < classes
    images = bunch.data[keep].astype(float)
    labels = bunch.target[keep].astype(np.int64)
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
        val, g = self._value_and_gradient(th, x, y, None)
        return (float(val[0]), g[0]) if single else (val, g)

    def _value_and_gradient(self, th, x, y, work):
        """Batched loss and gradient for validated ``(B, P)`` input.

        ``work`` is None or a dict of scratch arrays reused between calls (the training
        loop passes one): the ``(B, n, h)`` and ``(B, n, c)`` temporaries are then not
        allocated at every step, which spares the page faults that fresh large arrays
        cost (more than the arithmetic at these sizes).
        """
        B, n = th.shape[0], x.shape[-2]
        h, c = self.n_hidden, self.n_out

        def buf(name, shape):
            if work is None:
                return np.empty(shape)
            arr = work.get(name)
            if arr is None or arr.shape[0] < shape[0] or arr.shape[1:] != shape[1:]:
                arr = work[name] = np.empty(shape)
            return arr[:shape[0]]

        W1, b1, W2, b2 = self._unpack(th)
        a1 = buf("a1", (B, n, h))
        np.matmul(x, W1.transpose(0, 2, 1), out=a1)
        a1 += b1[:, None, :]
        h1 = buf("h1", (B, n, h))
        d1 = buf("d1", (B, n, h))
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
        f = buf("f", (B, n, c))
        np.matmul(h1, W2.transpose(0, 2, 1), out=f)
        f += b2[:, None, :]
        if self.loss == "mse":
            f -= y  # residual, in place
            val = 0.5 * np.einsum("bnc,bnc->b", f, f) / n
            f /= n
            df = f
        else:
            val, df, _ = self._loss_terms(f, y)
        g = np.empty_like(th)
        gW1, gb1, gW2, gb2 = self._unpack(g)
        ones = np.ones(n)  # sums over samples as products: faster than a middle-axis reduction
        np.matmul(df.transpose(0, 2, 1), h1, out=gW2)
        gb2[:] = np.matmul(ones, df)
        da = buf("da", (B, n, h))
        np.matmul(df, W2, out=da)
        da *= d1
        gW1[:] = np.matmul(da.transpose(0, 2, 1), x)
        gb1[:] = np.matmul(ones, da)
        if self.weight_decay:
            val = val + 0.5 * self.weight_decay * np.einsum("bp,bp->b", th, th)
            g += self.weight_decay * th
        return val, g

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
        (W1, b1, W2, b2), a1, h1, d1, d2, f = self._forward(th, x)
        V1, c1, V2, c2 = self._unpack(vv)
        _, df, p = self._loss_terms(f, y)
        n = f.shape[1]
        # R-forward
        ra = np.matmul(x, V1.transpose(0, 2, 1)) + c1[:, None, :]
        rh = d1 * ra
        rf = np.matmul(rh, W2.transpose(0, 2, 1)) + np.matmul(h1, V2.transpose(0, 2, 1)) + c2[:, None, :]
        # R of the output gradient
        if self.loss == "mse":
            rdf = rf / n
        else:
            rdf = (p * rf - p * np.sum(p * rf, axis=2, keepdims=True)) / n
        out = np.empty_like(th)
        oW1, ob1, oW2, ob2 = self._unpack(out)
        oW2[:] = np.matmul(rdf.transpose(0, 2, 1), h1) + np.matmul(df.transpose(0, 2, 1), rh)
        ob2[:] = rdf.sum(axis=1)
        dh = np.matmul(df, W2)
        rda = (np.matmul(rdf, W2) + np.matmul(df, V2)) * d1 + dh * d2 * ra
        oW1[:] = np.matmul(rda.transpose(0, 2, 1), x)
        ob1[:] = rda.sum(axis=1)
        if self.weight_decay:
            out += self.weight_decay * vv
        return out[0] if single else out

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
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    n = x.shape[0]
    if x.ndim != 2 or y.shape != (n, model.n_out) or x.shape[1] != model.n_in:
        raise ValueError(f"x, y must have shapes (n, {model.n_in}), (n, {model.n_out}); got {x.shape}, {y.shape}")
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
    L = K + 2
    X = np.empty((L, B, P))
    X[:] = th0
    momentum_any = any(s_ != "none" for s_ in schemes)
    V = np.zeros((L, B, P)) if momentum_any else None
    mcoef = np.array([m_ if s_ != "none" else 0.0 for s_, m_ in zip(schemes, ms)])[:, None]
    step = (lr * np.where(np.array(schemes) == "none", 1.0, 1.0 - mcoef[:, 0]))[:, None]
    shifted = np.array([s_ == "shifted" for s_ in schemes])
    uniform_delay = bool(np.all(taus == taus[0]))
    cols = np.arange(B)

    if batch_size is not None:
        if isinstance(rng, (list, tuple)):
            if len(rng) != B:
                raise ValueError(f"rng was given as a sequence of {len(rng)} seeds for {B} configurations")
            seqs = [_as_seed_sequence(r) for r in rng]
        else:
            base = _as_seed_sequence(rng)
            seqs = [_child(base, b) for b in range(B)]
        gens = [np.random.default_rng(s) for s in seqs]
    alive = np.ones(B, dtype=bool)
    escaped_at = np.full(B, -1, dtype=np.int64)
    track = ref is not None
    if track:
        d0sq = np.einsum("bp,bp->b", X[0] - ref, X[0] - ref)
        lim = (escape ** 2) * d0sq if escape is not None else np.full(B, np.inf)
        window = max(1, min(steps // 4, 8 * (K + 2)))
        mid = steps // 2
        wmax_mid = np.zeros(B)
        wmax_end = np.zeros(B)
    snaps, snap_steps, snap_loss = [], [], []

    def snapshot(t, cur):
        snaps.append(X[cur].copy())
        snap_steps.append(t)
        snap_loss.append(model.value(X[cur], x, y))

    if record_every is not None:
        snapshot(0, 0)
    idx_block = None
    sel = slice(None)  # rows still training (escaped rows are frozen and skipped)
    work = {}  # scratch arrays of the gradient, reused at every step
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(steps):
            cur = t % L
            nxt = (t + 1) % L
            if uniform_delay:
                slot = (t - int(taus[0])) % L
                stale = X[slot][sel]
            else:
                slot = (t - taus) % L
                stale = X[slot, cols][sel]
            if batch_size is None:
                g = model._value_and_gradient(stale, x, y, work)[1]
            else:
                j = t % chunk
                if j == 0:
                    k = min(chunk, steps - t)
                    idx_block = np.stack([gen.integers(0, n, size=(k, batch_size)) for gen in gens], axis=1)
                idx = idx_block[j][sel]
                g = model._value_and_gradient(stale, x[idx], y[idx], work)[1]
            g *= step[sel]
            if momentum_any:
                if not shifted.any():
                    v_old = V[cur][sel]
                elif uniform_delay:
                    v_old = np.where(shifted[sel, None], V[slot][sel], V[cur][sel])
                else:
                    v_old = np.where(shifted[sel, None], V[slot, cols][sel], V[cur][sel])
                v_new = v_old * mcoef[sel]
                v_new -= g
                V[nxt][sel] = v_new
                X[nxt][sel] = X[cur][sel] + v_new
            else:
                X[nxt][sel] = X[cur][sel] - g
            bad = ~np.isfinite(X[nxt]).all(axis=1)
            s = t + 1
            if track:
                dev = X[nxt] - ref
                sq = np.einsum("bp,bp->b", dev, dev)
                bad |= ~(sq <= lim)
                if radius is not None:
                    bad |= ~(np.abs(dev @ direction) <= radius)
                if mid - window < s <= mid:
                    np.maximum(wmax_mid, sq, out=wmax_mid)
                if s > steps - window:
                    np.maximum(wmax_end, sq, out=wmax_end)
            if loss_escape is not None and s % check_every == 0:
                bad |= ~(model.value(X[nxt], x, y) <= loss_escape)
            newly = bad & alive
            if newly.any():
                escaped_at[newly] = s
                alive &= ~newly
                X[:, newly] = X[cur][newly]  # freeze at the last state inside the limits
                if momentum_any:
                    V[:, newly] = 0.0
                sel = np.flatnonzero(alive)
                if sel.size == 0 and record_every is None:
                    break
            if record_every is not None and s % record_every == 0:
                snapshot(s, nxt)
    if track:
        with np.errstate(divide="ignore", invalid="ignore"):
            rate = 0.5 * (np.log(wmax_end) - np.log(wmax_mid)) / max(1, steps - mid)
        rate = np.where(escaped_at >= 0, np.inf, rate)
        start_d, end_d = np.sqrt(d0sq), np.sqrt(wmax_end)
    else:
        rate = start_d = end_d = np.full(B, np.nan)
    rec = record_every is not None
    return DelayedRun(X[steps % L].copy(), escaped_at >= 0, escaped_at, rate,
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
    if not isinstance(minimum, Minimum):
        raise TypeError(f"minimum must be a Minimum (from find_minimum), got {type(minimum).__name__}")
    delay = _check_int(delay, "delay", low=0)
    steps = edge_horizon(delay) if steps is None else _check_int(steps, "steps")
    grid = _check_int(grid, "grid")
    rounds = _check_int(rounds, "rounds")
    perturbation = check_real(perturbation, "perturbation", low=0.0, low_inclusive=False)
    lower = check_real(lower, "lower", low=0.0, low_inclusive=False)
    schemes = [(str(s_), float(m_)) for s_, m_ in schemes]
    for s_, m_ in schemes:
        check_momentum(s_, m_)
    radius = check_real(radius, "radius", low=0.0, low_inclusive=False)
    a = minimum.sharpness
    start = minimum.theta + perturbation * minimum.direction
    seeds = [None] if batch_size is None else (list(rng) if isinstance(rng, (list, tuple)) else [rng])
    if not seeds:
        raise ValueError("rng is an empty sequence of seeds")
    searches = [(s_, m_, sd) for s_, m_ in schemes for sd in seeds]
    S = len(searches)
    lo = np.array([lower / a] * S)
    hi = np.array([4.0 * (1.0 + m_) / (1.0 - m_) / a for _, m_, _ in searches])

    def leaves(etas):  # etas (S, k) -> bool (S, k)
        k = etas.shape[1]
        mom = [s_ for s_, _, _ in searches for _ in range(k)]
        mm = [m_ for _, m_, _ in searches for _ in range(k)]
        streams = [sd for _, _, sd in searches for _ in range(k)] if batch_size is not None else None
        run = run_delayed(model, x, y, start, etas.ravel(), delay, momentum=mom, m=mm, steps=steps,
                          batch_size=batch_size, rng=streams, reference=minimum.theta,
                          escape=None if batch_size is not None else escape,
                          direction=None if batch_size is None else minimum.direction,
                          radius=None if batch_size is None else radius)
        out = run.escaped if batch_size is not None else run.left
        return out.reshape(S, k)

    for _ in range(8):  # widen until the top leaves and the bottom stays
        ends = leaves(np.stack([lo, hi], axis=1))
        if ends[:, 1].all() and not ends[:, 0].any():
            break
        hi = np.where(ends[:, 1], hi, hi * 4.0)
        lo = np.where(ends[:, 0], lo / 16.0, lo)
    else:
        raise ArithmeticError(f"no learning-rate bracket found between {lo.min():.3g} and {hi.max():.3g}")
    for _ in range(rounds):
        frac = np.arange(1, grid + 1) / (grid + 1)
        etas = lo[:, None] * (hi / lo)[:, None] ** frac[None, :]
        bad = leaves(etas)
        for i in range(S):
            first = int(np.argmax(bad[i])) if bad[i].any() else grid
            new_lo = lo[i] if first == 0 else etas[i, first - 1]
            new_hi = hi[i] if first == grid else etas[i, first]
            lo[i], hi[i] = new_lo, new_hi
    return tuple(EdgeSearch(s_, m_, delay, float(math.sqrt(lo[i] * hi[i])), (float(lo[i]), float(hi[i])),
                            rounds, steps, sd) for i, (s_, m_, sd) in enumerate(searches))
