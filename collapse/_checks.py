"""Input checks shared by the engine: each raises ValueError saying what was wrong and what is allowed."""

from __future__ import annotations

import numbers


def check_int(name: str, value, low: int, high: int | None = None, why: str = "") -> int:
    """Return `value` as an int if it is a whole number in [low, high]; otherwise raise a readable ValueError."""
    allowed = f"from {low:,} to {high:,}" if high is not None else f"of at least {low:,}"
    reason = f" ({why})" if why else ""
    # bool is an Integral in Python, but `seeds=True` is always a slip, never a count.
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be a whole number {allowed}{reason}; got {value!r}.")
    if value < low or (high is not None and value > high):
        raise ValueError(f"{name} must be a whole number {allowed}{reason}; got {value:,}.")
    return int(value)


def check_fraction(name: str, value, why: str = "") -> float:
    """Return `value` as a float if it lies in [0, 1]; otherwise raise a readable ValueError."""
    reason = f" ({why})" if why else ""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0.0 <= float(value) <= 1.0:
        raise ValueError(f"{name} must be a number from 0 to 1{reason}; got {value!r}.")
    return float(value)


def check_choice(name: str, value, choices) -> str:
    """Return `value` if it is one of `choices`; otherwise raise a ValueError listing them."""
    if value not in choices:
        listed = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{name} must be one of {listed}; got {value!r}.")
    return value


def check_positive(name: str, value) -> float:
    """Return `value` as a float if it is a finite number above zero."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0.0 < float(value) < float("inf"):
        raise ValueError(f"{name} must be a finite number above 0; got {value!r}.")
    return float(value)
