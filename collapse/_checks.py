"""Input checks shared by the engine.

Each names the parameter, says what was wrong and what is allowed. A wrong value raises ValueError; a wrong type
raises InputTypeError, a TypeError that is also a ValueError, so that callers which show the engine's ValueErrors
to a reader (the panels' message line) show these too.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

# Binder gives a kernel about 2 GB: a run that needs more cannot finish there, and on a laptop it would swap.
MAX_RUN_BYTES = 2 * 1024**3


class InputTypeError(TypeError, ValueError):
    """An argument of the wrong type (a string where a number or an object is expected, say)."""


def describe(value) -> str:
    """A value as an error message quotes it: its type, then a short repr ("the str 'replace'")."""
    if value is None:
        return "None"
    shown = repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return f"the {type(value).__name__} {shown}"


def _is_number(value) -> bool:
    # bool is a number to Python, but `seeds=True` or `mean=False` is always a slip, never a quantity.
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def check_int(name: str, value, low: int, high: int | None = None, why: str = "") -> int:
    """Return `value` as an int if it is a whole number in [low, high]; otherwise raise a readable error."""
    allowed = f"from {low:,} to {high:,}" if high is not None else f"of at least {low:,}"
    reason = f" ({why})" if why else ""
    if not _is_number(value):
        raise InputTypeError(f"{name} must be a whole number {allowed}{reason}; got {describe(value)}.")
    if not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be a whole number {allowed}{reason}; got {value!r}.")
    if value < low or (high is not None and value > high):
        raise ValueError(f"{name} must be a whole number {allowed}{reason}; got {value:,}.")
    return int(value)


def check_real(name: str, value, low: float | None = None, high: float | None = None, why: str = "",
               low_inclusive: bool = True) -> float:
    """Return `value` as a float if it is a finite real number within the bounds given; otherwise raise a readable
    error. `low_inclusive=False` asks for a number strictly above `low`."""
    if low is None:
        allowed = f"of at most {high:g}" if high is not None else ""
    elif low_inclusive:
        allowed = f"from {low:g} to {high:g}" if high is not None else f"of at least {low:g}"
    else:
        allowed = f"above {low:g}" + (f" and at most {high:g}" if high is not None else "")
    # between two bounds a number is finite anyway; otherwise say so, since NaN and infinity are what get through
    kind = "number" if low is not None and high is not None else "finite number"
    message = f"{name} must be a {kind}{' ' + allowed if allowed else ''}{f' ({why})' if why else ''}"
    if not _is_number(value):
        raise InputTypeError(f"{message}; got {describe(value)}.")
    try:
        number = float(value)
    except OverflowError:  # a Python int beyond any float
        number = math.inf
    if not math.isfinite(number) or (low is not None and (number < low if low_inclusive else number <= low)) \
            or (high is not None and number > high):
        raise ValueError(f"{message}; got {value!r}.")
    return number


def check_fraction(name: str, value, why: str = "") -> float:
    """Return `value` as a float if it lies in [0, 1]; otherwise raise a readable error."""
    return check_real(name, value, 0.0, 1.0, why)


def check_positive(name: str, value, why: str = "") -> float:
    """Return `value` as a float if it is a finite number above zero."""
    return check_real(name, value, 0.0, why=why, low_inclusive=False)


def check_choice(name: str, value, choices) -> str:
    """Return `value` if it is one of `choices` (strings); otherwise raise an error listing them."""
    listed = ", ".join(repr(c) for c in choices)
    if not isinstance(value, str):
        raise InputTypeError(f"{name} must be one of {listed}; got {describe(value)}.")
    if value not in choices:
        raise ValueError(f"{name} must be one of {listed}; got {value!r}.")
    return value


def check_bool(name: str, value) -> bool:
    """Return `value` as a bool if it is True or False (not 0, 1 or "yes")."""
    if not isinstance(value, (bool, np.bool_)):
        raise InputTypeError(f"{name} must be True or False; got {describe(value)}.")
    return bool(value)


def check_instance(name: str, value, kind: type, example: str):
    """Return `value` if it is a `kind`; otherwise raise InputTypeError naming an example of what is wanted."""
    if not isinstance(value, kind):
        raise InputTypeError(f"{name} must be {example}; got {describe(value)}.")
    return value


# What the loop calls on each kind of object (collapse.models.base), and how to make one.
INTERFACES = {
    # what the engine reads of each: the methods, and the capabilities that collapse.models.base declares
    "model": (("name", "min_rows", "summarise", "fit", "sample", "score", "describe", "additive_summaries",
               "describes_output", "true_error", "describe_output", "validation_loss"),
              "a model object such as collapse.GaussianModel()"),
    "real data": (("draw", "heldout", "values_per_row", "validation"), "a real-data source such as collapse.GaussianSource()"),
    "regime": (("name", "keeps_old_rows", "cap", "synthetic_rows", "training_set"),
               "a regime object such as collapse.Replace() or collapse.make_regime('replace')"),
}


def check_interface(name: str, value, kind: str):
    """Return `value` if it has what the engine calls on a `kind` ("model", "real data" or "regime")."""
    needed, example = INTERFACES[kind]
    if isinstance(value, type):  # the class itself, not an instance of it: collapse.Replace instead of Replace()
        raise InputTypeError(f"{name} must be {example}; got the class {value.__name__} itself; "
                             f"make one: {value.__name__}(...).")
    missing = [attribute for attribute in needed if not hasattr(value, attribute)]
    if missing:
        # an object that has part of the interface is told what it lacks; a string or a number is simply wrong
        lacks = f", which has no {', '.join(missing)}" if len(missing) < len(needed) else ""
        raise InputTypeError(f"{name} must be {example}; got {describe(value)}{lacks}.")
    return value


def check_callable(name: str, value, what: str):
    """Return `value` if it is None or can be called; otherwise raise InputTypeError."""
    if value is not None and not callable(value):
        raise InputTypeError(f"{name} must be None or {what}; got {describe(value)}.")
    return value


def check_array(name: str, values, what: str, integer: bool = False, finite: bool = True) -> np.ndarray:
    """`values` as a numpy array of numbers (whole numbers if `integer`; finite ones if `finite`), or a readable
    error. `what` says what the array holds, for the message."""
    try:
        array = np.asarray(values)
    except ValueError as error:  # ragged nested lists
        raise InputTypeError(f"{name} must be {what}; got {describe(values)} ({error}).") from None
    kind = array.dtype.kind
    # an empty list becomes a float array: there is nothing in it to be a wrong number
    if kind not in ("iu" if integer else "iuf") and not (array.size == 0 and kind == "f"):
        wanted = "whole numbers" if integer else "numbers"
        raise InputTypeError(f"{name} must be {what}: {wanted}; got {describe(values)} (an array of {array.dtype}).")
    if finite and kind == "f" and not np.isfinite(array).all():
        raise ValueError(f"{name} must be {what}, all finite; got {describe(values)}, which holds NaN or infinity.")
    return array


def check_probabilities(name: str, values) -> np.ndarray:
    """`values` as a float array if they are at least 2 non-negative finite numbers that add up to 1."""
    p = check_array(name, values, "at least 2 non-negative numbers that add up to 1").astype(float)
    if p.ndim != 1 or p.size < 2 or (p < 0).any() or not np.isclose(p.sum(), 1.0):
        raise ValueError(f"{name} must be at least 2 non-negative numbers that add up to 1; got {values!r}.")
    return p


def check_generations_array(name: str, t, low: int, high: int | None = None) -> np.ndarray:
    """`t` as an array (a scalar gives a 0-d one) if every entry is a whole number of generations in [low, high].

    Whole-valued floats pass (np.linspace gives them); the array is returned as given, so a caller's arithmetic
    is unchanged.
    """
    allowed = f"from {low:,} to {high:,}" if high is not None else f"of at least {low:,}"
    what = f"a number of generations, or an array of them: whole numbers {allowed}"
    if isinstance(t, (bool, np.bool_)):
        raise InputTypeError(f"{name} must be {what}; got {describe(t)}.")
    if _is_number(t):  # one number, perhaps a Python int too large for numpy's int64
        finite_whole = isinstance(t, numbers.Integral) or (math.isfinite(t) and float(t).is_integer())
        if not finite_whole or t < low or (high is not None and t > high):
            raise ValueError(f"{name} must be {what}; got {t!r}.")
        return np.asarray(t)
    array = check_array(name, t, what)
    if array.size and ((array != np.round(array)).any() or array.min() < low or
                       (high is not None and array.max() > high)):
        wrong = array[(array != np.round(array)) | (array < low) | (array > (high if high is not None else np.inf))]
        raise ValueError(f"{name} must be {what}; got {wrong.ravel()[0].item()!r} among its values.")
    return array


def format_bytes(count: float) -> str:
    for unit, size in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if count >= size:
            return f"{count / size:,.1f} {unit}"
    return f"{count:,.0f} bytes"


def check_memory(what: str, bytes_needed: float, reduce: str, limit: int = MAX_RUN_BYTES) -> None:
    """Refuse, before anything is allocated, work whose arrays would need more than `limit` bytes.

    `what` names the sizes that multiply up ("10,000 generations x 100,000 seeds"), `reduce` the settings to lower.
    """
    if bytes_needed > limit:
        raise ValueError(f"{what} would need about {format_bytes(bytes_needed)} of memory, more than the "
                         f"{format_bytes(limit)} a run may use (MAX_RUN_BYTES: Binder gives a kernel about 2 GB). "
                         f"Lower {reduce}.")
