"""The suite's secret-capture fixture (tests/conftest.py) fails a test that logs a secret it used.

Run on a small inner test session (pytester) that uses the fixture as the whole suite does.
"""

from __future__ import annotations

import pytest

from tests.conftest import ROOT
from tests.reliability.conftest import TALLY

INNER_TESTS = """
import logging

from mongars_client._redact import register_secret


def test_an_sdk_secret_in_a_library_log():
    register_secret("inner-secret-value-1")
    logging.getLogger("some.library").debug("the token is inner-secret-value-1")


def test_a_simulator_token_in_a_warning():
    from mongars_client.testing._state import Settings, State

    state = State(Settings())
    state.add_account("u1", "inner-password-2")
    token = state.issue_token("u1")
    logging.getLogger("someone.else").warning("issued %s", token)


def test_a_password_in_a_traceback():
    from mongars_client.testing._state import Settings, State

    State(Settings()).add_account("u1", "inner-password-3")
    try:
        raise ValueError("bad password inner-password-3")
    except ValueError:
        logging.getLogger("someone.else").exception("failed")


def test_masked_by_the_sdk_filter_on_its_loggers():
    register_secret("inner-secret-value-4")
    logging.getLogger("httpx").info("GET /x?token=inner-secret-value-4")
    logging.getLogger("mongars_client").debug("the token is inner-secret-value-4")


def test_no_secret_logged():
    register_secret("inner-secret-value-5")
    logging.getLogger("some.library").debug("nothing to hide here")
"""


def test_a_test_that_logs_a_secret_it_used_fails(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makeconftest("from tests.conftest import _learn_secrets, _no_secret_in_logs\n")
    pytester.makepyfile(test_inner=INNER_TESTS)
    # In a subprocess: the inner tests' logging must not reach this test's own capture (they
    # leak on purpose). Without pytest's log capture, which would print the records as they are.
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    result = pytester.runpytest_subprocess("-p", "no:logging", "-p", "no:cacheprovider", "-rE")
    result.assert_outcomes(passed=5, errors=3)
    result.stdout.fnmatch_lines_random(
        [
            f"ERROR test_inner.py::{name} - Failed: 1 log*"
            for name in (
                "test_an_sdk_secret_in_a_library_log",
                "test_a_simulator_token_in_a_warning",
                "test_a_password_in_a_traceback",
            )
        ]
    )
    output = result.stdout.str()
    # Each failure names the record, with the secret masked.
    for shown in ("some.library: the token is ***", "someone.else: issued ***", "password ***"):
        assert shown in output
    for secret in ("inner-secret-value-1", "inner-password-2", "inner-password-3"):
        assert secret not in output  # the fixture's report masks them too
    TALLY.note("secret capture: 3 inner tests that logged a secret failed, 2 clean ones passed")
