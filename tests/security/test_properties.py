"""Property-based tests: whatever people type or paste, the parsers and free-text forms answer
with the product's own validation message, never a crash, and the privacy rule holds."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from certification.forms import DecisionForm, RevokeForm
from certification.workload.forms import ReturnForm, WorkloadEntryForm
from certification.workload.services import workload_note_validate
from hr.sheets.errors import CellError
from hr.sheets.normalise import (
    clean_code,
    clean_text,
    parse_date,
    parse_gender,
    parse_hours,
    parse_level,
    parse_role,
)

BOUNDED = settings(max_examples=150, deadline=None,
                   suppress_health_check=[HealthCheck.function_scoped_fixture,
                                          HealthCheck.too_slow])

# What a spreadsheet cell can hold once openpyxl has read it.
CELLS = st.one_of(
    st.none(), st.text(max_size=80), st.integers(min_value=-10**12, max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True), st.dates(), st.datetimes(),
    st.decimals(allow_nan=True), st.booleans(),
)
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def parse_level_of_three(value):
    return parse_level(value, codes=("C", "B", "A"))


@pytest.mark.parametrize("parser", [parse_date, parse_level_of_three, parse_gender, parse_role,
                                    parse_hours],
                         ids=lambda p: p.__name__)
@BOUNDED
@given(value=CELLS)
def test_parsers_answer_with_a_reason_or_a_value(parser, value):
    try:
        parser(value)
    except CellError as error:
        assert error.reason  # shown to HR beside the row and column


@BOUNDED
@given(day=st.dates(min_value=date(1950, 1, 1), max_value=date(2099, 12, 31)))
def test_dates_come_back_however_they_are_written(day):
    y, m, d = day.year, day.month, day.day
    for written in (day.isoformat(), f"{y}/{m}/{d}", f"{y}年{m}月{d}日", f"{y}.{m:02d}.{d:02d}",
                    f"{y}年{m}月{d}日".translate(FULL_WIDTH), f" {y}-{m}-{d} ", day):
        assert parse_date(written) == day, written


@BOUNDED
@given(value=st.one_of(st.text(max_size=120), st.integers(), st.floats(allow_nan=False)))
def test_clean_text_is_stable_and_leaves_nothing_invisible(value):
    import unicodedata

    once = clean_text(value)
    assert clean_text(once) == once
    assert once == once.strip() and "  " not in once
    assert not any(unicodedata.category(ch) in ("Cc", "Cf") for ch in once)
    assert " " not in clean_code(value)


def _clean_text_char_by_char(value) -> str:
    """clean_text as first written: every character's category looked up."""
    import re
    import unicodedata

    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = unicodedata.normalize("NFKC", str(value)).replace("\u3000", " ")
    text = "".join(ch for ch in text if ch in "\t\n\r" or unicodedata.category(ch) not in ("Cc", "Cf"))
    return re.sub(r"\s+", " ", text).strip()


@BOUNDED
@given(value=st.one_of(st.text(max_size=60), st.text(alphabet="ab 1\u3000\u00a0\u200b\t\n\x85\x1c\uff21\u2028",
                                                      max_size=30),
                       st.integers(), st.floats(allow_nan=False)))
def test_clean_text_fast_paths_give_what_the_character_by_character_rule_gives(value):
    assert clean_text(value) == _clean_text_char_by_char(value)


@BOUNDED
@given(level=st.sampled_from("ABCabc"), suffix=st.sampled_from(["", "证", "级", " 证", "级证书"]))
def test_levels_as_people_write_them(level, suffix):
    assert parse_level_of_three(f" {level}{suffix} ") == level.upper()


@BOUNDED
@given(note=st.text(max_size=200))
def test_any_note_is_accepted_or_refused_with_a_reason(note):
    try:
        workload_note_validate(note)
    except ValidationError as error:
        assert error.messages and error.code in ("id_number", "phone", "names")


SAFE_EDGE = st.text(alphabet=st.characters(blacklist_categories=("Nd",)), max_size=30)


@BOUNDED
@given(before=SAFE_EDGE, after=SAFE_EDGE,
       phone=st.from_regex(r"\A1[3-9]\d{9}\Z", fullmatch=True),
       id_number=st.from_regex(r"\A\d{17}[\dX]\Z", fullmatch=True))
def test_a_phone_or_id_number_anywhere_in_a_note_is_refused(before, after, phone, id_number):
    for secret in (phone, id_number):
        with pytest.raises(ValidationError):
            workload_note_validate(f"{before}{secret}{after}")


@pytest.mark.django_db
@BOUNDED
@given(text=st.text(max_size=300))
def test_free_text_forms_validate_without_crashing(text):
    for form in (DecisionForm({"decision": "reject", "reason": text}),
                 RevokeForm({"reason": text}), ReturnForm({"reason": text}),
                 WorkloadEntryForm({"note": text, "quantity": "1", "date": "2024-03-04"})):
        form.is_valid()  # errors are fine; an exception is not
        for errors in form.errors.values():
            assert all(errors)


@pytest.mark.django_db
@BOUNDED
@given(login=st.text(max_size=60), password=st.text(max_size=60))
def test_the_login_page_answers_any_input(client, login, password):
    response = client.post(reverse("account_login"), {"login": login, "password": password})
    assert response.status_code in (200, 302, 429)
