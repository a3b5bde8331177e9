"""The arrows of STYLE.md's dependency diagram, checked with ``ast``:
simulators/ take only the protocols' device side and a broker client (never
gateway/, api/ or storage/), so the arrow goes one way: the gateway's CLI
may start a simulator (``simulate``, ``demo``), a simulator never needs the
gateway. protocols/ are checked in tests/test_purity.py."""

from __future__ import annotations

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent


def imported(path: pathlib.Path) -> list[tuple[int, str]]:
    """(line, top-level package) of every absolute import in ``path``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name.split(".")[0]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module.split(".")[0]))
    return found


def offences(package: str, forbidden: set[str]) -> list[str]:
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, package
    return [f"{path.relative_to(ROOT)}:{line} imports {name}"
            for path in files for line, name in imported(path) if name in forbidden]


def test_simulators_import_neither_gateway_nor_api() -> None:
    assert offences("simulators", {"gateway", "api", "storage"}) == []


@pytest.mark.parametrize("source", ["import gateway.settings", "from gateway.mqtt import x",
                                    "def f():\n    from api.app import y"])
def test_the_checker_sees_each_form(tmp_path: pathlib.Path, source: str) -> None:
    path = tmp_path / "x.py"
    path.write_text(source)
    assert [name for _, name in imported(path)] in (["gateway"], ["api"])
