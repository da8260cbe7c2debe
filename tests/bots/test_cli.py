"""The CLI contract of DESIGN.md, driven through click against a real SQLite file."""

import importlib
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from PIL import ImageOps

from bots.cli import COMMANDS, cli
from tests.conftest import encode, load_photo

PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
MD5 = "5eb63bbbe01eeed093cb22bb8f5acdc3"

Run = Callable[..., Result]


@pytest.fixture
def run(db_url: str) -> Run:
    """The CLI on a deployment's store (created, as 'banks create' would)."""
    CliRunner().invoke(cli, ["--db", db_url, "db", "migrate"], catch_exceptions=False)

    def invoke(*args: str, input: str | bytes | None = None) -> Result:
        return CliRunner().invoke(cli, ["--db", db_url, *args], input=input, catch_exceptions=False)

    return invoke


@pytest.fixture
def images(tmp_path: Path) -> dict[str, Path]:
    folder = tmp_path / "images"
    (folder / "nested").mkdir(parents=True)
    astronaut, coffee = load_photo("astronaut"), load_photo("coffee")
    files = {
        "astronaut": folder / "astronaut.jpg",
        "mirrored": folder / "nested" / "mirrored.png",
        "coffee": folder / "coffee.jpg",
        "junk": folder / "junk.jpg",
    }
    files["astronaut"].write_bytes(encode(astronaut))
    files["mirrored"].write_bytes(encode(ImageOps.mirror(astronaut), "PNG"))
    files["coffee"].write_bytes(encode(coffee))
    files["junk"].write_bytes(b"not an image at all")
    return files


def test_no_command_prints_help() -> None:
    result = CliRunner().invoke(cli, [])
    assert result.exit_code == 0
    assert "banks" in result.output
    assert "scan" in result.output


def test_hash_prints_one_line_per_signal(run: Run, images: dict[str, Path]) -> None:
    result = run("hash", str(images["astronaut"]))
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert [line.split()[0] for line in lines] == ["sha256", "md5", "pdq", "phash", "dhash"]


def test_hash_of_several_files_heads_each_group(run: Run, images: dict[str, Path]) -> None:
    result = run("hash", str(images["astronaut"]), str(images["coffee"]))
    assert result.output.splitlines()[0] == f"# {images['astronaut']}"
    assert result.output.count("# ") == 2


@pytest.mark.parametrize(
    ("name", "stderr"),
    [("junk", "exact hashes only"), ("missing", "cannot read")],
)
def test_hash_of_bad_input_exits_2(
    run: Run, images: dict[str, Path], tmp_path: Path, name: str, stderr: str
) -> None:
    path = images.get(name, tmp_path / "missing.jpg")
    result = run("hash", str(path))
    assert result.exit_code == 2
    assert stderr in result.stderr


def test_bank_lifecycle(run: Run) -> None:
    assert run("banks", "list").output.startswith("no banks yet")
    assert (
        run("banks", "create", "ncii", "--threshold", "pdq=25:40", "--action", "review").exit_code
        == 0
    )
    listed = run("banks", "list").output
    assert "ncii" in listed
    assert "review" in listed
    assert "pdq=25:40" in listed
    assert run("banks", "disable", "ncii").exit_code == 0
    assert "disabled" in run("banks", "list").output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["banks", "create", "bad name"], "bad bank name"),
        (["banks", "create", "x", "--threshold", "pdq=99:40"], "act <= review"),
        (["banks", "create", "x", "--threshold", "nope=3"], "unknown signal type"),
        (["banks", "enable", "missing"], "no bank named 'missing'"),
        (["hashes", "export", "missing"], "no bank named 'missing'"),
        (["hashes", "remove", "missing", "--type", "md5", "xyz"], "32 hex digits"),
    ],
)
def test_errors_are_one_line_and_exit_2(run: Run, args: list[str], message: str) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ")
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_duplicate_bank_is_refused(run: Run) -> None:
    run("banks", "create", "a")
    result = run("banks", "create", "a")
    assert (result.exit_code, result.stderr) == (2, "error: bank 'a' already exists\n")


@pytest.mark.parametrize(
    ("content", "fmt"),
    [
        (
            f"signal_type,signal_str,collab,category,tags\npdq,{PDQ},c,POSITIVE_CLASS,x\nmd5,{MD5},c,POSITIVE_CLASS,\n",
            "pytx-csv",
        ),
        (f"{PDQ},1,2020-01-01,x\n{MD5},2,,\n", "hma-csv"),
        (f"pdq {PDQ}\nmd5 {MD5}\n", "lines"),
    ],
)
def test_import_detects_the_format(run: Run, tmp_path: Path, content: str, fmt: str) -> None:
    path = tmp_path / "list.txt"
    path.write_text(content)
    run("banks", "create", "a")
    result = run("hashes", "import", "a", str(path))
    added = 1 if fmt == "hma-csv" else 2  # hma-csv is PDQ: the MD5 line is a bad row
    assert f"added {added}," in result.output
    assert result.exit_code == 0


def test_import_from_stdin_strict_and_bad_rows(run: Run) -> None:
    run("banks", "create", "a")
    bad = f"pdq {PDQ}\nmd5 xyz\n"
    strict = run("hashes", "import", "a", "-", "--strict", input=bad)
    assert strict.exit_code == 2
    assert "line 2" in strict.stderr
    assert run("hashes", "export", "a").output == ""
    lenient = run("hashes", "import", "a", "-", input=bad)
    assert "added 1," in lenient.output
    assert "bad rows skipped 1" in lenient.output
    assert "line 2: md5 hash must be 32 hex digits" in lenient.output


@pytest.mark.parametrize("fmt", ["lines", "pytx-csv", "hma-csv"])
def test_export_then_import_into_another_bank(run: Run, tmp_path: Path, fmt: str) -> None:
    run("banks", "create", "a")
    run("banks", "create", "b")
    run("hashes", "import", "a", "-", input=f"pdq {PDQ}\nmd5 {MD5}\n")
    exported = run("hashes", "export", "a", "--format", fmt).output
    path = tmp_path / "out"
    path.write_text(exported)
    run("hashes", "import", "b", str(path), "--format", fmt)
    again = run("hashes", "export", "b", "--format", "lines").output
    expected = [f"pdq {PDQ}"] + ([] if fmt == "hma-csv" else [f"md5 {MD5}"])
    assert sorted(again.splitlines()) == sorted(expected)  # an import numbers in key order


def test_removed_hashes_stay_out(run: Run) -> None:
    run("banks", "create", "a")
    run("hashes", "import", "a", "-", input=f"md5 {MD5}\n")
    assert "removed 1 of 1" in run("hashes", "remove", "a", "--type", "md5", MD5.upper()).output
    result = run("hashes", "import", "a", "-", input=f"md5 {MD5}\n")
    assert "previously removed (not re-added) 1" in result.output
    assert run("hashes", "export", "a").output == ""


def test_scan_finds_the_banked_image_and_its_mirror(run: Run, images: dict[str, Path]) -> None:
    run("banks", "create", "local")
    assert (
        "from 1 images: added 5 (already present 0)"
        in run("hashes", "add", "local", str(images["astronaut"])).output
    )
    result = run("scan", str(images["astronaut"].parent))
    assert result.exit_code == 1  # a match outranks the unreadable junk.jpg
    by_file: dict[str, list[str]] = {}
    for line in result.output.splitlines():
        path, _, rest = line.partition(": ")
        by_file.setdefault(Path(path).name, []).append(rest)
    assert any("signal=sha256" in r and "action=delete" in r for r in by_file["astronaut.jpg"])
    assert any("signal=pdq" in r and "action=delete" in r for r in by_file["mirrored.png"])
    assert by_file["coffee.jpg"] == ["no match"]
    assert by_file["junk.jpg"][0].startswith("error: ")


def test_scan_json_contract(run: Run, images: dict[str, Path], tmp_path: Path) -> None:
    run("banks", "create", "local")
    run("hashes", "add", "local", str(images["astronaut"]))
    result = run(
        "scan", "--json", str(images["astronaut"]), str(images["junk"]), str(tmp_path / "nope")
    )
    objects = [json.loads(line) for line in result.output.splitlines()]
    assert [set(o) for o in objects] == [{"path", "signals", "matches", "error"}] * 3
    missing, hit, junk = objects
    assert missing["error"].endswith("no such file or directory")
    assert {m["signal_type"] for m in hit["matches"]} == {"sha256", "md5", "pdq", "phash", "dhash"}
    assert {k for m in hit["matches"] for k in m} >= {"bank", "signal_type", "distance", "action"}
    assert hit["error"] is None
    assert set(junk["signals"]) == {"sha256", "md5"}
    assert "not an image" in junk["error"]


@pytest.mark.parametrize(
    ("files", "code"),
    [(["coffee"], 0), (["coffee", "junk"], 2), (["astronaut", "junk"], 1)],
)
def test_scan_exit_codes(run: Run, images: dict[str, Path], files: list[str], code: int) -> None:
    run("banks", "create", "local")
    run("hashes", "add", "local", str(images["astronaut"]))
    assert run("scan", *(str(images[f]) for f in files)).exit_code == code


def test_scan_with_a_process_pool_gives_the_same_answers(run: Run, tmp_path: Path) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    photo = load_photo("chelsea").resize((160, 120))
    for i in range(12):
        (folder / f"{i:02}.jpg").write_bytes(encode(photo.rotate(i * 30)))
    run("banks", "create", "local")
    run("hashes", "add", "local", str(folder / "00.jpg"))
    serial = run("scan", "--json", "--workers", "1", str(folder))
    pooled = run("scan", "--json", "--workers", "2", str(folder))
    assert serial.output == pooled.output
    assert len(serial.output.splitlines()) == 12


def test_progress_bars_stay_quiet_when_piped(run: Run, tmp_path: Path) -> None:
    run("banks", "create", "a")
    result = run("hashes", "import", "a", "-", input=f"md5 {MD5}\n" * 10)
    assert result.stderr == ""


def test_console_script_uses_env_db(tmp_path: Path, images: dict[str, Path]) -> None:
    env = {
        "BLOCKFIRST_DB": f"sqlite:///{tmp_path / 'env.db'}",
        "PATH": str(Path(sys.executable).parent),
    }
    script = Path(sys.executable).parent / "blockfirst"
    created = subprocess.run(
        [script, "banks", "create", "e"], env=env, capture_output=True, text=True, check=False
    )
    assert created.returncode == 0, created.stderr
    assert (tmp_path / "env.db").exists()
    scanned = subprocess.run(
        [script, "scan", str(images["coffee"])],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (scanned.returncode, scanned.stderr) == (0, "")


def test_images_are_never_written_to_the_store(
    run: Run, images: dict[str, Path], db_url: str
) -> None:
    run("banks", "create", "local")
    run("hashes", "add", "local", str(images["astronaut"]))
    database = Path(db_url.removeprefix("sqlite:///"))
    stored = b"".join(p.read_bytes() for p in database.parent.glob(database.name + "*"))
    image = images["astronaut"].read_bytes()
    assert len(stored) > 0
    for start in range(0, len(image) - 64, 4096):
        assert image[start : start + 64] not in stored


def test_disable_and_enable_hashes(run: Run) -> None:
    run("banks", "create", "a")
    run("hashes", "import", "a", "-", input=f"md5 {MD5}\n")
    assert "disabled 1 of 1 in a" in run("hashes", "disable", "a", "--type", "md5", MD5).output
    assert run("hashes", "export", "a").output == ""
    assert "enabled 1 of 1 in a" in run("hashes", "enable", "a", "--type", "md5", MD5).output
    assert run("hashes", "export", "a").output == f"md5 {MD5}\n"


def test_scan_does_not_hang_on_a_fifo(run: Run, tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "pipe.jpg"
    os.mkfifo(fifo)
    result = run("scan", str(fifo))
    assert result.exit_code == 2
    assert "not a regular file" in result.output


def test_piped_pytx_csv_is_detected(tmp_path: Path, db_url: str) -> None:
    script = Path(sys.executable).parent / "blockfirst"
    env = {"BLOCKFIRST_DB": db_url, "PATH": str(Path(sys.executable).parent)}
    subprocess.run([script, "banks", "create", "p"], env=env, check=True, capture_output=True)
    text = f"signal_type,signal_str,collab,category,tags\npdq,{PDQ},c,POSITIVE_CLASS,\n"
    result = subprocess.run(
        [script, "hashes", "import", "p", "-"],
        input=text,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert "added 1," in result.stdout, result.stderr


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_the_help_table_matches_each_command(name: str) -> None:
    """--help lists commands without importing them; their own help must agree."""
    module, attr, short = COMMANDS[name]
    command = getattr(importlib.import_module(module), attr)
    assert command.name == name
    assert command.get_short_help_str(limit=65) == short


_STACKS = (
    "telegram", "discord", "starlette", "sqlalchemy", "alembic", "numpy", "scipy", "PIL",
    "imagehash", "pdqhash", "vpdq", "jinja2", "httpx", "tqdm",
)  # fmt: skip


def _loaded(*args: str) -> set[str]:
    """The heavy stacks a real ``blockfirst ARGS`` imported (run in a fresh process)."""
    code = (
        "import sys; from bots.cli import main; sys.argv = ['blockfirst', *sys.argv[1:]]\n"
        "try: main()\nexcept SystemExit: pass\n"
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})), file=sys.stderr)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True
    )
    return set(done.stderr.split()) & set(_STACKS)


def test_help_loads_no_command_module_and_no_heavy_stack() -> None:
    code = "import sys; from bots.cli import cli; print(sorted(sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "'bots.cli.banks'" not in done.stdout
    assert _loaded("--help") == set()
    assert _loaded("text", "--help") == set()


def test_checking_a_link_or_a_text_loads_the_store_and_nothing_for_media(db_url: str) -> None:
    for args in (("links", "check", "https://example.com/a"), ("text", "check", "hello")):
        assert _loaded("--db", db_url, *args) == {"sqlalchemy"}, args


def test_hashes_add_allow_makes_allow_entries_from_an_image(
    run: Run, images: dict[str, Path]
) -> None:
    run("banks", "create", "b")
    added = run("hashes", "add", "b", "--allow", str(images["coffee"]))
    assert added.exit_code == 0, added.output
    exported = run("hashes", "export", "b").output.splitlines()
    assert exported
    assert all(line.startswith("allow ") for line in exported)
    imported = run("hashes", "import", "b", "-", input=f"allow md5 {MD5}\n")
    assert "added 1," in imported.output
    assert f"allow md5 {MD5}" in run("hashes", "export", "b").output
