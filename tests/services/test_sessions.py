"""Page sessions and revocation (issues #9 and #13 item 4), on SQLite and PostgreSQL: a session
is not a bearer token nor the reverse; it ends at sign-out, after its lifetime, after the idle
timeout; a password change ends every other token and session of the user, an administrator's
reset, a role change or a deactivation ends all of them."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from isoflow.errors import InvalidInput, TooManyAttempts, Unauthenticated
from isoflow.services import audit, auth, organisations
from isoflow.store.models import ApiToken
from tests.conftest import PASSWORD, T0, make_tenant

NEW_PASSWORD = "a brand new passphrase"


def _live(db, token: str) -> bool:  # type: ignore[no-untyped-def]
    """Whether a token (API) or a session (pages) still works."""
    for check in (auth.authenticate, auth.session_of):
        try:
            check(db, token)
            return True
        except Unauthenticated:
            pass
    return False


def test_a_session_is_not_a_bearer_token_and_the_reverse(db) -> None:
    t = make_tenant(db, "Bishkek Oncology")
    s = auth.open_session(db, t.rph_username, PASSWORD, client="10.0.0.7")
    assert s.user_id == t.radiopharmacist.user_id and not s.password_change_required
    who = auth.session_of(db, s.token)
    assert who.actor == t.radiopharmacist and who.org_name == "Bishkek Oncology"
    assert who.full_name == "Bishkek Oncology radiopharmacist" and who.locale is None
    with pytest.raises(Unauthenticated):
        auth.authenticate(db, s.token)
    api = auth.issue_token(db, t.rph_username, PASSWORD)
    with pytest.raises(Unauthenticated):
        auth.session_of(db, api.access_token)
    with db.read() as q:
        kinds = sorted(q.scalars(select(ApiToken.kind)))
    assert kinds == ["api", "session"]
    auth.close_session(db, s.token)
    with pytest.raises(Unauthenticated):
        auth.session_of(db, s.token)
    assert _live(db, api.access_token)


def test_a_session_ends_after_the_idle_timeout_and_its_lifetime(db) -> None:
    t = make_tenant(db, "H")
    with time_machine.travel(T0, tick=False) as tm:
        s = auth.open_session(db, t.rph_username, PASSWORD)
        tm.shift(30)
        auth.session_of(db, s.token)  # used within the minute: the last use is not rewritten
        with db.read() as q:
            assert q.scalar(select(ApiToken.last_used_at)) == T0
        tm.shift(1799 - 30)
        auth.session_of(db, s.token)  # 29 min 59 s idle: still open, and now noted
        with db.read() as q:
            assert q.scalar(select(ApiToken.last_used_at)) == T0 + timedelta(seconds=1799)
        for _ in range(23):  # used every 29 minutes: open until its 12 h lifetime ends
            tm.shift(29 * 60)
            auth.session_of(db, s.token)
        tm.shift(12 * 3600 - 1799 - 23 * 29 * 60)
        with pytest.raises(Unauthenticated, match="ended"):
            auth.session_of(db, s.token)

        s = auth.open_session(db, t.rph_username, PASSWORD)
        tm.shift(1801)
        with pytest.raises(Unauthenticated) as e:
            auth.session_of(db, s.token)
        assert "30 minutes without use" in e.value.message


def test_sign_in_on_the_pages_is_throttled_as_the_api(db) -> None:
    t = make_tenant(db, "H")
    with time_machine.travel(T0, tick=False):
        for _ in range(5):
            with pytest.raises(Unauthenticated):
                auth.open_session(db, t.rph_username, "wrong password!", client="10.0.0.7")
        with pytest.raises(TooManyAttempts):  # the API shares the count
            auth.issue_token(db, t.rph_username, PASSWORD, client="10.0.0.8")


def test_a_password_change_ends_every_other_token_and_session(db) -> None:
    t = make_tenant(db, "H")
    other = make_tenant(db, "Other")
    in_use = auth.issue_token(db, t.rph_username, PASSWORD).access_token
    others = [auth.issue_token(db, t.rph_username, PASSWORD).access_token,
              auth.open_session(db, t.rph_username, PASSWORD).token,
              auth.open_session(db, t.rph_username, PASSWORD).token]
    bystander = auth.issue_token(db, other.rph_username, PASSWORD).access_token
    auth.change_password(db, t.rph_username, PASSWORD, NEW_PASSWORD, keep_token=in_use)
    assert _live(db, in_use) and _live(db, bystander)
    assert not any(_live(db, x) for x in others)
    (entry,) = [e for e in audit.list_entries(db, t.admin) if e.action == "password_changed"]
    assert entry.new == {"revoked_tokens": 3}
    # from the pages: the session in use stays, the API token goes
    page = auth.open_session(db, t.rph_username, NEW_PASSWORD).token
    auth.change_password(db, t.rph_username, NEW_PASSWORD, PASSWORD, keep_token=page)
    assert _live(db, page) and not _live(db, in_use)


def test_a_password_change_checks_the_new_password_before_the_current_one(db) -> None:
    """A refused new password must not count as a failed sign-in."""
    t = make_tenant(db, "H")
    with time_machine.travel(T0, tick=False):
        for _ in range(12):
            with pytest.raises(InvalidInput) as e:
                auth.change_password(db, t.rph_username, PASSWORD, "short")
            assert e.value.field == "new_password"
        auth.change_password(db, t.rph_username, PASSWORD, NEW_PASSWORD)


@pytest.mark.parametrize("change", [dict(role="viewer"), dict(active=False),
                                    dict(password="a one-time password")])
def test_a_reset_a_role_change_or_a_deactivation_ends_all_of_them(db, change) -> None:
    t = make_tenant(db, "H")
    mine = [auth.issue_token(db, t.rph_username, PASSWORD).access_token,
            auth.open_session(db, t.rph_username, PASSWORD).token]
    admins = auth.issue_token(db, t.admin_username, PASSWORD).access_token
    organisations.update_user(db, t.admin, t.radiopharmacist.user_id, **change,
                              reason="left the unit")
    assert not any(_live(db, x) for x in mine) and _live(db, admins)
    entry = [e for e in audit.list_entries(db, t.admin) if e.action == "updated"][-1]
    assert entry.new["revoked_tokens"] == 2 and entry.reason == "left the unit"
    if change.get("active") is False:  # reactivated: the old tokens stay dead
        organisations.update_user(db, t.admin, t.radiopharmacist.user_id, active=True)
        assert not any(_live(db, x) for x in mine)


def test_reset_password_and_a_harmless_change(db) -> None:
    t = make_tenant(db, "H")
    token = auth.issue_token(db, t.rph_username, PASSWORD).access_token
    organisations.update_user(db, t.admin, t.radiopharmacist.user_id, full_name="Aida K.")
    assert _live(db, token)  # a new name ends nothing
    view = organisations.reset_password(db, t.admin, t.radiopharmacist.user_id,
                                        "a one-time password", reason="forgotten")
    assert view.must_change_password and not _live(db, token)
    issued = auth.issue_token(db, t.rph_username, "a one-time password")
    assert issued.password_change_required


def test_the_language_preference(db) -> None:
    t = make_tenant(db, "H")
    s = auth.open_session(db, t.rph_username, PASSWORD)
    auth.set_locale(db, t.radiopharmacist, "ru")
    assert auth.session_of(db, s.token).locale == "ru"
    with pytest.raises(InvalidInput) as e:
        auth.set_locale(db, t.radiopharmacist, "fr")
    assert e.value.field == "locale" and "en, ru" in e.value.message
    auth.set_locale(db, t.radiopharmacist, None)
    assert auth.session_of(db, s.token).locale is None
    changes = [(e.old, e.new) for e in audit.list_entries(db, t.admin)
               if e.action == "updated" and e.entity_id == str(t.radiopharmacist.user_id)]
    assert changes == [({"locale": None}, {"locale": "ru"}), ({"locale": "ru"},
                                                              {"locale": None})]
