"""Checks shared by the panel tests: drive a control as a reader would, and see what the panel shows."""

import contextlib
import json


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
