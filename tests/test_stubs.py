"""The extension's type stubs name everything the extension exports."""

from __future__ import annotations

import ast as pyast
from pathlib import Path

import deltaform
from deltaform import _core


def stub_names() -> set[str]:
    stub = Path(deltaform.__file__).with_name("_core.pyi")
    tree = pyast.parse(stub.read_text(encoding="utf-8"))
    names = set()
    for node in tree.body:
        if isinstance(node, (pyast.FunctionDef, pyast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, pyast.AnnAssign) and isinstance(node.target, pyast.Name):
            names.add(node.target.id)
        elif isinstance(node, pyast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, pyast.Name))
    return names


def test_stubs_cover_the_extension() -> None:
    exported = {n for n in dir(_core) if not n.startswith("_")}
    missing = exported - stub_names()
    assert not missing, f"_core.pyi lacks {sorted(missing)}: regenerate it with pybind11-stubgen deltaform._core"
