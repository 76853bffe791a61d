"""Accounts: Argon2 password hashes, API tokens that die the moment they are revoked, and an
audit entry for every token issued or revoked (by account id, never the token or a name)."""

from __future__ import annotations

from sqlmodel import select

from facility.audit import AuditEntry, verify
from facility.auth.models import Account, ApiToken, Role
from facility.auth.service import (
    create_account,
    create_token,
    revoke_token,
    verify_password,
)

PASSWORD = "correct horse battery staple"


def _entries(session, action: str) -> list[AuditEntry]:
    return list(session.exec(select(AuditEntry).where(AuditEntry.action == action)
                             .order_by(AuditEntry.seq)))


def test_passwords_are_stored_as_argon2id_hashes_only(db_session):
    account = create_account(db_session, role=Role.SECRETARIAT, email="staff@accounts.example",
                             name="Staff", password=PASSWORD)
    stored = db_session.get(Account, account.id).password_hash
    # argon2id with the library's RFC 9106 parameters: 64 MiB, 3 passes, 4 lanes, random salt.
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert PASSWORD not in stored
    assert verify_password(stored, PASSWORD)
    assert not verify_password(stored, PASSWORD + "!")
    assert not verify_password(None, PASSWORD)
    again = create_account(db_session, role=Role.SECRETARIAT, email="other@accounts.example",
                           name="Other", password=PASSWORD)
    assert again.password_hash != stored  # salted


def test_token_issuance_and_revocation_are_audited_by_id_and_take_effect_at_once(
        db_session, gql):
    account = create_account(db_session, role=Role.SECRETARIAT, email="staff@accounts.example",
                             name="Staff Member")
    token = create_token(db_session, account=account, label="reporting script")
    row = db_session.exec(select(ApiToken).where(ApiToken.account_id == account.id)).one()
    [issued] = _entries(db_session, "token.issued")
    assert (issued.subject_type, issued.subject_id) == ("api_token", row.id)
    assert issued.payload == {"account": account.id}
    client = gql.as_(token)
    assert client("{ me { role } }")["me"]["role"] == "SECRETARIAT"

    revoke_token(db_session, token=token)
    # The very next request is refused: tokens are looked up on every request.
    assert client.post("{ me { role } }").status_code == 401
    [revoked] = _entries(db_session, "token.revoked")
    assert (revoked.subject_id, revoked.payload) == (row.id, {"account": account.id})
    revoke_token(db_session, token=token)  # revoking twice records nothing new
    assert len(_entries(db_session, "token.revoked")) == 1
    # Nothing secret or personal went into the chain, and it verifies.
    chain = repr([(e.action, e.payload) for e in _entries(db_session, "token.issued")
                  + _entries(db_session, "token.revoked")])
    assert token not in chain and token[:10] not in chain
    assert "reporting script" not in chain and "Staff Member" not in chain
    assert verify(db_session).ok


def test_at_most_two_argon2_hashes_run_at_once(monkeypatch):
    """Each Argon2 hash holds 64 MiB: 40 sign-ins at once took a worker past 2 GiB in the load
    benchmark. The others wait for a turn."""
    import threading

    from facility.auth import service

    running, most, release = [0], [0], threading.Event()
    lock = threading.Lock()

    class Hasher:
        def verify(self, _hash, _password):
            with lock:
                running[0] += 1
                most[0] = max(most[0], running[0])
            release.wait(10)
            with lock:
                running[0] -= 1
            return True

    monkeypatch.setattr(service, "_hasher", Hasher())
    threads = [threading.Thread(target=service.verify_password, args=("$argon2id$x", "pw"))
               for _ in range(8)]
    for thread in threads:
        thread.start()
    while True:  # until the first ones hold their turn (the others are blocked or queued)
        with lock:
            if running[0] >= service.HASHING_AT_ONCE:
                break
    release.set()
    for thread in threads:
        thread.join()
    assert most[0] == service.HASHING_AT_ONCE
