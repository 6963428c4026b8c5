"""Behind nginx (RELOGEMENT_TRUSTED_PROXIES=1) the failed-login limit counts per client
address from X-Forwarded-For, not per proxy: one attacker does not lock everyone out."""

from __future__ import annotations

from tests.web.conftest import TOKEN


def _fail(client, forwarded_for: str) -> int:
    token = TOKEN.search(client.get("/connexion").text).group(1)
    return client.post(
        "/connexion",
        data={"identifiant": "inconnu", "mot_de_passe": "faux", "csrf_token": token},
        headers={"X-Forwarded-For": forwarded_for},
        environ_base={"REMOTE_ADDR": "172.18.0.5"},  # nginx's address
    ).status_code


def test_login_limit_per_forwarded_address(database_url, tmp_path):
    from relogement.runtime import create_app

    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "k",
                      "RELOGEMENT_DATA_DIR": str(tmp_path), "RELOGEMENT_TRUSTED_PROXIES": 1,
                      "LOGIN_RATE_LIMIT_PER_LOGIN": "1000 per minute"})
    try:
        attacker = app.test_client()
        assert [_fail(attacker, "203.0.113.7") for _ in range(11)] == [401] * 10 + [429]
        assert _fail(app.test_client(), "198.51.100.2") == 401  # another user, same proxy
    finally:
        app.extensions["relogement"].close()
