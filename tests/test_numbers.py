"""Numbers written for people (widgets/numbers.py): in running text, tables and chart titles, never e-notation,
never a number rounded to zero."""

from widgets import numbers


def test_readable_numbers_never_use_e_notation_or_round_to_zero():
    assert numbers.readable(0.6262) == "0.626"
    assert numbers.readable(0.0042416) == "0.0042"
    assert numbers.readable(3.2363925e-06) == "0.0000032"
    assert numbers.readable(9.86e-16) == "9.9 × 10⁻¹⁶"
    assert numbers.readable(-9.86e-16) == "-9.9 × 10⁻¹⁶"
    assert numbers.readable(0.0) == "0"
    for value in (1e-3, 2.5e-5, 7e-9, 1e-300):
        shown = numbers.readable(value)
        assert "e" not in shown and shown.strip("0.") != "", shown


def test_title_numbers_keep_three_figures_and_write_the_rest_as_powers_of_ten():
    assert numbers.title_number(0.324) == "0.324"
    assert numbers.title_number(12.345) == "12.3"
    assert numbers.title_number(1000) == "1,000" and numbers.title_number(99_999) == "99,999"
    assert numbers.title_number(1.38e-5) == "1.4 × 10⁻⁵"
    assert numbers.title_number(2e7) == "2.0 × 10⁷"


def test_powers_of_ten_are_written_with_superscripts():
    assert numbers.power_of_ten(-15) == "10⁻¹⁵"
    assert numbers.power_of_ten(120) == "10¹²⁰"
    assert numbers.power_of_ten(-14.9999999) == "10⁻¹⁵", "a logarithm a rounding error short of its power"
