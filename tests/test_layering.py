"""The shape STYLE.md asks for: a platform-free core and explicit public surfaces."""

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN_IN_CORE = {"telegram", "discord", "adapters", "bots"}


def modules(package: str) -> list[str]:
    pkg = importlib.import_module(package)
    found = [package]
    for info in pkgutil.walk_packages(pkg.__path__, prefix=f"{package}."):
        if ".migrations" not in info.name:
            found.append(info.name)
    return found


@pytest.mark.parametrize(
    "path", sorted((ROOT / "core").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT))
)
def test_core_imports_no_platform_or_outer_package(path: Path) -> None:
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        else:
            continue
        roots = {name.split(".")[0] for name in names}
        assert not roots & FORBIDDEN_IN_CORE, f"{path} imports {roots & FORBIDDEN_IN_CORE}"


@pytest.mark.parametrize("name", [m for p in ("core", "adapters", "bots") for m in modules(p)])
def test_every_module_declares_an_existing_public_surface(name: str) -> None:
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", None)
    assert exported is not None, f"{name} has no __all__"
    missing = [item for item in exported if not hasattr(module, item)]
    assert not missing, f"{name}.__all__ names missing members {missing}"
    assert len(set(exported)) == len(exported)
