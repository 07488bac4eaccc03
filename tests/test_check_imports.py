"""scripts/check_imports.py: every imported distribution is declared in pyproject.toml."""

import importlib.util
import shlex
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent


def load_check() -> ModuleType:
    # Loaded from its file: `scripts` is not a package, and the name could be taken.
    spec = importlib.util.spec_from_file_location(
        "check_imports", ROOT / "scripts/check_imports.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being made
    spec.loader.exec_module(module)
    return module


check = load_check()


def mini_project(
    root: Path, files: dict[str, str], runtime: list[str], dev: list[str] | None = None
) -> Path:
    """Write a project with these files and this pyproject.toml; return its root."""
    requirements = ", ".join(f'"{r}"' for r in runtime)
    pyproject = f'[project]\nname = "mini"\ndependencies = [{requirements}]\n'
    if dev is not None:
        extras = ", ".join(f'"{r}"' for r in dev)
        pyproject += f"[project.optional-dependencies]\ndev = [{extras}]\n"
    (root / "pyproject.toml").write_text(pyproject)
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


RUNTIME_RICH = {
    "tasks/__init__.py": "",
    "tasks/show.py": "import json\n\n\ndef show():\n    from rich.console import Console\n",
}


def test_it_fails_naming_an_undeclared_import_inside_a_function(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = mini_project(tmp_path, RUNTIME_RICH, runtime=["Jinja2>=3"])
    assert check.main([str(root)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "tasks/show.py:5: imports 'rich' from rich, not declared in [project].dependencies"
    ]


def test_it_passes_once_the_distribution_is_declared(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = mini_project(tmp_path, RUNTIME_RICH, runtime=["rich>=13,<16"])
    assert check.main([str(root)]) == 0
    assert capsys.readouterr().out == ""


def test_names_are_compared_as_pep_503_normalises_them(tmp_path: Path) -> None:
    files = {"db/dates.py": "import dateutil.tz\nfrom flufl.bounce import scan_message\n"}
    root = mini_project(tmp_path, files, runtime=["Python_DateUtil>=2", "FLUFL-Bounce[x]>=4"])
    assert check.undeclared_imports(root) == []


def test_the_dev_extra_serves_tests_but_not_runtime_code(tmp_path: Path) -> None:
    files = {"tests/test_x.py": "import pytest\n", "flows/run.py": "import pytest\n"}
    root = mini_project(tmp_path, files, runtime=[], dev=["pytest>=8"])
    offences = check.undeclared_imports(root)
    assert [(str(o.path), o.module, o.dev) for o in offences] == [("flows/run.py", "pytest", False)]


def test_stdlib_own_and_relative_imports_are_never_offences(tmp_path: Path) -> None:
    files = {
        "tasks/__init__.py": "",
        "tasks/a.py": "import os, tomllib\nfrom . import b\nfrom tasks import b\nimport db.c\n",
        "tasks/b.py": "",
        "db/c.py": "",
    }
    root = mini_project(tmp_path, files, runtime=[])
    assert check.undeclared_imports(root) == []


def test_a_module_no_distribution_provides_is_an_offence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = {"bench/run.py": "import no_such_module_anywhere\n"}
    root = mini_project(tmp_path, files, runtime=[], dev=[])
    assert check.main([str(root)]) == 1
    assert capsys.readouterr().out == (
        "bench/run.py:1: imports 'no_such_module_anywhere',"
        " which no installed distribution provides\n"
    )


def lint_command() -> list[str]:
    """Return the Makefile's `lint` line that runs the check, with this interpreter."""
    recipe = ROOT.joinpath("Makefile").read_text().split("\nlint:", 1)[1].split("\n\n", 1)[0]
    lines = [line.strip() for line in recipe.splitlines() if "check_imports.py" in line]
    assert len(lines) == 1, "make lint runs scripts/check_imports.py once"
    return [sys.executable, *shlex.split(lines[0])[1:]]


def test_this_repository_declares_every_import_it_makes() -> None:
    result = subprocess.run(lint_command(), cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.stdout == ""
    assert result.returncode == 0
