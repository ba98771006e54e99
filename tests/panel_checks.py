"""Checks shared by the panel tests: drive a control as a reader would, and see what the panel shows."""

import contextlib
import json
import logging

import pytest

from widgets.panel import RunPanel


def assert_control_redraws(panel, control: str, value) -> None:
    """Setting `control` to `value` redraws the chart without a message; the control is then set back."""
    before = json.dumps(panel.spec)
    previous = panel.controls[control].value
    panel.controls[control].value = value
    try:
        assert panel.message.value == "", panel.message.value
        assert json.dumps(panel.spec) != before, f"moving {control} to {value!r} did not change the chart"
        # the text alternative (vega-embed's aria-label) of a chart that only a live kernel draws
        assert panel.spec.get("description"), "the panel's chart has no description (see widgets/charts.py)"
    finally:
        panel.controls[control].value = previous


@contextlib.contextmanager
def settings_showing_message(panel, settings: dict, expected: str):
    """Apply `settings` ({control: value}) in order and check the panel shows an alert containing `expected`; the
    body of the `with` may check more while the message shows. The controls are then set back in reverse order,
    and the message must be gone."""
    previous = {control: panel.controls[control].value for control in settings}
    try:
        for control, value in settings.items():
            panel.controls[control].value = value
        assert expected in panel.message.value, panel.message.value
        assert 'role="alert"' in panel.message.value, panel.message.value
        yield
    finally:
        for control in reversed(previous):
            panel.controls[control].value = previous[control]
    assert panel.message.value == "", panel.message.value


def assert_settings_show_message(panel, settings: dict, expected: str) -> None:
    """`settings_showing_message` with nothing more to check while the message shows."""
    with settings_showing_message(panel, settings, expected):
        pass


def assert_refuses_unknown_name(draw, argument: str, allowed, unknown: str = "kde") -> None:
    """`draw(unknown)`, which passes `unknown` as the name `argument`, raises a ValueError naming the argument, the
    unknown value and every allowed name, rather than treating the name as some other choice or failing with a
    KeyError."""
    with pytest.raises(ValueError) as refused:
        draw(unknown)
    message = str(refused.value)
    assert f"{argument} must be one of" in message and repr(unknown) in message, message
    for name in allowed:
        assert repr(name) in message, message


@contextlib.contextmanager
def failing_draw(panel, error: Exception):
    """While the `with` body runs, the panel's draw function raises `error`."""
    working = panel.draw

    def fail(**settings):
        raise error

    panel.draw = fail
    try:
        yield
    finally:
        panel.draw = working


def draw_again(panel) -> None:
    """What a reader does to make the panel draw: press Run, or (for a panel without one) move a control."""
    if isinstance(panel, RunPanel):
        panel.button.click()
    else:
        panel.redraw()


def assert_internal_fault_is_shown_and_logged(panel, caplog) -> None:
    """A fault in the book's code (a RuntimeError from the draw function) shows a short message naming it, keeps the
    last good chart, and is logged with its traceback for the developer; a Run panel's controls are enabled again.
    Then the panel draws as before (a panel without a Run button is redrawn, which must clear the message)."""
    shown = json.dumps(panel.spec)
    fault = RuntimeError("the engine broke")
    with failing_draw(panel, fault), caplog.at_level(logging.ERROR, logger="widgets.panel"):
        draw_again(panel)
    assert "Something went wrong drawing this chart: RuntimeError: the engine broke." in panel.message.value
    assert "The last good chart is kept" in panel.message.value and 'role="alert"' in panel.message.value
    assert json.dumps(panel.spec) == shown
    logged = [record for record in caplog.records if record.name == "widgets.panel"]
    assert logged and logged[-1].levelno == logging.ERROR, caplog.text
    assert logged[-1].exc_info and logged[-1].exc_info[1] is fault  # the traceback travels with the record
    if isinstance(panel, RunPanel):
        assert not panel.button.disabled and not any(c.disabled for c in panel.controls.values())
        assert panel.progress.description == ""
    else:
        panel.redraw()
        assert panel.message.value == "", panel.message.value
