"""One settings object per chapter: every default, range and step stated once, in a frozen dataclass.

A chapter's experiment takes one of these. The same declaration is read by the live panel (which builds its controls
from it: a slider over the steps, a menu over the choices), by the budget check (which refuses a run too costly for
a reader's kernel), by the static chart's grid and by the prose (which quotes the defaults through `glue`). So a
default or a range changes in one place.

    @dataclass(frozen=True)
    class TelephoneSettings(Settings):
        samples_per_generation: int = setting(10, "samples per generation", steps=(2, 3, 5, 10, 20))
        estimator: str = setting("mle", "variance estimator", choices={"mle": "MLE", "unbiased": "unbiased"})

Constructing one checks every value against its declaration (a ValueError or TypeError naming the setting and what
is allowed), then calls `check_budget`, which a chapter overrides to refuse costly combinations.
"""

from __future__ import annotations

import dataclasses
import numbers
from typing import Any

from collapse._checks import InputTypeError, check_choice, check_int, check_real, describe
from collapse.regimes import REGIME_LABELS


def setting(default: Any, label: str, *, steps: tuple | None = None, choices: dict | None = None,
            low: float | None = None, high: float | None = None, step: float | None = None,
            control: str | None = None, when: tuple[str, str] | None = None) -> Any:
    """A field of a Settings dataclass: its default, the label a control shows, and what values it may take.

    steps: the allowed values of a quantity that spans orders of magnitude (a slider over uneven steps);
    choices: allowed values and their labels, {value: label} (a menu or buttons);
    low, high, step: a whole or real number in [low, high] (high None: no upper bound), moved by `step`;
    control: how a panel shows it, where the default would not do ("buttons" for a few choices, "box" for a number
        typed in; by default choices get a menu, steps and ranges a slider);
    when: (setting, value): the setting matters only when another one has that value (a regime's own option), and
        a panel hides its control otherwise.
    """
    metadata = {"label": label, "steps": tuple(steps) if steps is not None else None,
                "choices": dict(choices) if choices is not None else None, "low": low, "high": high, "step": step,
                "control": control, "when": when}
    return dataclasses.field(default=default, metadata=metadata)


@dataclasses.dataclass(frozen=True)
class Settings:
    """Base of every chapter's settings: checks each field against its declaration when constructed."""

    def __post_init__(self):
        for field in dataclasses.fields(self):
            checked = check_declared(field, getattr(self, field.name))
            object.__setattr__(self, field.name, checked)  # frozen: store the checked (normalised) value
        self.check_budget()

    def check_budget(self) -> None:
        """Refuse, with a message saying what to lower, settings whose run would be too costly (a chapter's own)."""

    @classmethod
    def declared(cls) -> dict[str, dataclasses.Field]:
        return {field.name: field for field in dataclasses.fields(cls)}

    @classmethod
    def label(cls, name: str) -> str:
        return cls.declared()[name].metadata["label"]

    def replace(self, **changes) -> "Settings":
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


def check_declared(field: dataclasses.Field, value):
    """`value` checked against the field's declaration: one of its steps or choices, or a number in its range."""
    meta = field.metadata
    name = field.name
    if meta.get("steps") is not None:
        return check_step(name, value, meta["steps"])
    if meta.get("choices") is not None:
        return check_choice(name, value, tuple(meta["choices"]))
    if isinstance(field.default, bool):
        if not isinstance(value, bool):
            raise InputTypeError(f"{name} must be True or False; got {describe(value)}.")
        return value
    if isinstance(field.default, numbers.Integral):
        low = 0 if meta.get("low") is None else meta["low"]
        return check_int(name, value, low, meta.get("high"))
    if isinstance(field.default, numbers.Real):
        return check_real(name, value, meta.get("low"), meta.get("high"))
    return value


def check_step(name: str, value, steps: tuple):
    """`value` if it is one of `steps` (numbers, or strings); otherwise an error listing them."""
    if all(isinstance(step, str) for step in steps):
        return check_choice(name, value, steps)
    listed = ", ".join(f"{step:,}" if isinstance(step, int) else f"{step:g}" for step in steps)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InputTypeError(f"{name} must be one of {listed}; got {describe(value)}.")
    if value not in steps:
        raise ValueError(f"{name} must be one of {listed}; got {value!r}.")
    return value


# The regime options a chapter's settings share: the regime, and the one option that each of two regimes needs.
def regime_setting(default: str = "replace") -> Any:
    return setting(default, "regime", choices=REGIME_LABELS)


def cap_setting(default: int = 2) -> Any:
    return setting(default, "cap (generations' worth)", low=1, high=20, when=("regime", "accumulate-subsample"))


def real_share_setting(default: float = 0.1) -> Any:
    return setting(default, "fresh real share", low=0.0, high=1.0, step=0.05, when=("regime", "fresh-mix"))
