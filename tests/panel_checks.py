"""Checks shared by the panel tests: drive a control as a reader would, and see what the panel shows."""

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
