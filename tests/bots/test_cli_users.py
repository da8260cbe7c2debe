"""``blockfirst users``: accounts made from a script (password on standard input)."""

import sqlite3

from click.testing import CliRunner

from bots.cli import cli

PASSWORD = "correct horse battery staple"


def invoke(db_url: str, *args: str, input: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--db", db_url, "users", *args], input=input)
    return result.exit_code, result.output


def test_add_list_passwd_remove(db_url: str) -> None:
    assert invoke(db_url, "add", "ann", "--role", "admin", input=PASSWORD + "\n") == (
        0,
        "account ann (admin) created\n",
    )
    code, listed = invoke(db_url, "list")
    assert code == 0
    assert listed.startswith("ann\tadmin\tcreated ")
    with sqlite3.connect(db_url.removeprefix("sqlite:///")) as conn:
        (stored,) = conn.execute("select password_hash from users").fetchone()
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    assert invoke(db_url, "passwd", "ann", input="another long password\n")[0] == 0
    with sqlite3.connect(db_url.removeprefix("sqlite:///")) as conn:
        assert conn.execute("select password_hash from users").fetchone() != (stored,)
        kinds = [k for (k,) in conn.execute("select kind from audit_log order by seq")]
    assert kinds == ["user_added", "password_changed"]
    assert invoke(db_url, "remove", "ann") == (0, "account ann removed\n")
    assert invoke(db_url, "remove", "ann")[0] == 2


def test_refusals(db_url: str) -> None:
    code, output = invoke(db_url, "add", "ann", "--role", "admin", input="short\n")
    assert (code, output) == (2, "error: password: at least 12 characters\n")
    code, output = invoke(db_url, "add", "Ann Smith", "--role", "admin", input=PASSWORD)
    assert code == 2
    assert "account names are" in output
    assert invoke(db_url, "add", "ann", "--role", "god", input=PASSWORD)[0] == 2
    invoke(db_url, "add", "ann", "--role", "admin", input=PASSWORD)
    code, output = invoke(db_url, "add", "ann", "--role", "auditor", input=PASSWORD)
    assert (code, output) == (2, "error: account 'ann' exists; change its password instead\n")
    assert invoke(db_url, "passwd", "bob", input=PASSWORD)[0] == 2
