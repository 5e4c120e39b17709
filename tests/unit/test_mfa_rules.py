"""The TOTP rules: a right code once, drift of one step, recovery codes single-use and hashed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest

from app.models.staff import StaffUser
from app.services.staff import mfa
from app.settings import ConfigError, load_settings

NOW = datetime(2026, 3, 2, 10, 0, 5, tzinfo=UTC)
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def _enrolled() -> StaffUser:
    user = StaffUser(email="c@example.org", role="coordinator", password_hash="x",
                     session_version=1)
    mfa.start_enrolment(user)
    user.mfa_secret = SECRET
    mfa.confirm_enrolment(user, pyotp.TOTP(SECRET).at(NOW), NOW)
    user.mfa_last_step = None  # as if enrolled long ago
    return user


def _code(at: datetime) -> str:
    return pyotp.TOTP(SECRET).at(at)


def test_enrolment_needs_a_right_code_and_returns_ten_hashed_recovery_codes():
    user = StaffUser(email="a@example.org", role="admin", password_hash="x", session_version=1)
    secret = mfa.start_enrolment(user)
    assert not mfa.is_enrolled(user)
    assert "secret=" + secret in mfa.provisioning_uri(user)
    with pytest.raises(mfa.MfaError):
        mfa.confirm_enrolment(user, "000000" if pyotp.TOTP(secret).at(NOW) != "000000"
                              else "111111", NOW)
    codes = mfa.confirm_enrolment(user, pyotp.TOTP(secret).at(NOW), NOW)
    assert mfa.is_enrolled(user) and len(codes) == len(set(codes)) == 10
    assert not any(code.replace("-", "") in repr(user.mfa_recovery_hashes) for code in codes)
    with pytest.raises(mfa.MfaError):
        mfa.start_enrolment(user)  # enrolled: only a reset starts again


def test_a_code_works_once_and_within_one_step_of_drift():
    user = _enrolled()
    assert mfa.check_code(user, _code(NOW), NOW).accepted_as == "totp"
    assert mfa.check_code(user, _code(NOW), NOW).accepted_as is None  # replayed
    later = NOW + timedelta(seconds=30)
    assert mfa.check_code(user, _code(later), NOW).accepted_as == "totp"  # phone a step ahead
    user.mfa_last_step = None
    assert mfa.check_code(user, _code(NOW - timedelta(seconds=30)), NOW).accepted_as == "totp"
    assert mfa.check_code(user, _code(NOW - timedelta(seconds=90)), NOW).accepted_as is None


def test_an_older_code_is_refused_after_a_newer_one():
    user = _enrolled()
    assert mfa.check_code(user, _code(NOW), NOW).accepted_as == "totp"
    earlier = _code(NOW - timedelta(seconds=30))
    assert mfa.check_code(user, earlier, NOW).accepted_as is None


@pytest.mark.parametrize("given", ["", "12345", "1234567", "abcdef", "１２３４５６", "\x00" * 6,
                                   "9" * 10_000])
def test_malformed_codes_are_refused(given):
    assert mfa.check_code(_enrolled(), given, NOW).accepted_as is None


def test_codes_with_spaces_are_accepted():
    code = _code(NOW)
    assert mfa.check_code(_enrolled(), f"{code[:3]} {code[3:]}", NOW).accepted_as == "totp"


def test_a_recovery_code_works_once_in_any_case():
    user = _enrolled()
    codes = mfa.new_recovery_codes(user)
    first = mfa.check_code(user, codes[0].upper(), NOW)
    assert first.accepted_as == "recovery" and first.recovery_codes_left == 9
    assert mfa.check_code(user, codes[0], NOW).accepted_as is None
    assert mfa.check_code(user, codes[1].replace("-", ""), NOW).recovery_codes_left == 8


def test_reset_removes_the_factor_and_ends_sessions():
    user = _enrolled()
    mfa.reset(user)
    assert not mfa.is_enrolled(user)
    assert user.mfa_secret is None and user.mfa_recovery_hashes is None
    assert user.session_version == 2
    assert mfa.check_code(user, _code(NOW), NOW).accepted_as is None


def test_who_must_enrol():
    required = ("coordinator", "admin")
    assert mfa.must_enrol("coordinator", False, required)
    assert not mfa.must_enrol("coordinator", True, required)
    assert not mfa.must_enrol("call_handler", False, required)


def test_required_roles_come_from_configuration(tmp_path):
    base = {"HERE2HELP_INSTANCE": str(tmp_path)}
    assert load_settings(base).mfa_required_roles == ("coordinator", "admin")
    assert load_settings({**base, "MFA_REQUIRED_ROLES": " Call_Handler, admin,admin"}
                         ).mfa_required_roles == ("call_handler", "admin")
    assert load_settings({**base, "MFA_REQUIRED_ROLES": ""}).mfa_required_roles == ()
    with pytest.raises(ConfigError, match="MFA_REQUIRED_ROLES"):
        load_settings({**base, "MFA_REQUIRED_ROLES": "coordinator,king"})
