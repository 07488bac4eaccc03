"""Fail on an import that pyproject.toml does not declare (`make lint`).

A package that arrives only because another one happens to depend on it disappears the
day that one stops depending on it; every distribution the code imports is declared.
Runtime code (continuity, db, flows, tasks) may use `[project].dependencies`; tests,
benchmarks and scripts may also use `[project.optional-dependencies].dev`.

Usage: python scripts/check_imports.py [PROJECT_ROOT]   (default: this checkout)
Prints one line per offence, `file:line: ...`, and exits 1 when there is any.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import packages_distributions
from pathlib import Path

RUNTIME_FOLDERS = ("continuity", "db", "flows", "tasks")
DEV_FOLDERS = ("tests", "bench", "scripts")
# Folders whose files are never the project's code (virtualenvs, caches, the demo's output).
SKIPPED_PARTS = frozenset({".venv", "venv", "__pycache__", "build", "dist", "node_modules"})
# The standard library's type stubs, imported under TYPE_CHECKING: part of every type checker.
TYPE_CHECKING_ONLY = frozenset({"_typeshed"})


@dataclass(frozen=True)
class Import:
    path: Path
    line: int
    module: str


@dataclass(frozen=True)
class Offence:
    path: Path
    line: int
    module: str
    distributions: tuple[str, ...]
    dev: bool

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}"
        if not self.distributions:
            return f"{where}: imports {self.module!r}, which no installed distribution provides"
        names = " or ".join(self.distributions)
        declared_in = "[project].dependencies"
        if self.dev:
            declared_in += " or [project.optional-dependencies].dev"
        return f"{where}: imports {self.module!r} from {names}, not declared in {declared_in}"


def normalised(name: str) -> str:
    """Return a distribution name as PEP 503 compares them (`Flufl_Bounce` -> `flufl-bounce`)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement: str) -> str:
    """Return the normalised name of a PEP 508 requirement (`psycopg[binary]>=3` -> `psycopg`)."""
    found = re.match(r"\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)", requirement)
    if found is None:
        raise ValueError(f"not a requirement: {requirement!r}")
    return normalised(found.group(1))


def declared_distributions(pyproject: Path) -> tuple[frozenset[str], frozenset[str]]:
    """Return the normalised names declared for runtime code and, second, for dev code.

    The dev set includes the runtime one: tests may import whatever the code may.
    """
    project = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {})
    runtime = frozenset(requirement_name(r) for r in project.get("dependencies", []))
    extra = project.get("optional-dependencies", {}).get("dev", [])
    return runtime, runtime | {requirement_name(r) for r in extra}


def own_modules(root: Path) -> frozenset[str]:
    """Return the top-level names the project itself provides: its folders and modules."""
    names = {path.stem for path in root.glob("*.py")}
    names.update(
        path.name
        for path in root.iterdir()
        if path.is_dir() and not path.name.startswith(".") and any(path.glob("*.py"))
    )
    return frozenset(names)


def python_files(folder: Path) -> Iterator[Path]:
    """Yield the Python files under `folder`, sorted, none inside a virtualenv or cache."""
    for path in sorted(folder.rglob("*.py")):
        if not SKIPPED_PARTS.intersection(path.relative_to(folder).parts):
            yield path


def imports_of(path: Path) -> Iterator[Import]:
    """Yield every absolute import's top-level module, at any depth (inside functions too).

    Relative imports (`from . import x`) are the project's own and are not yielded.
    """
    tree = ast.parse(path.read_bytes(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(path, node.lineno, alias.name.partition(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield Import(path, node.lineno, node.module.partition(".")[0])


def offences_in(
    root: Path,
    files: Sequence[Path],
    declared: frozenset[str],
    ignored: frozenset[str],
    providers: Mapping[str, list[str]],
    dev: bool,
) -> Iterator[Offence]:
    """Yield each import in `files` that no declared distribution provides, paths from `root`."""
    for path in files:
        for found in imports_of(path):
            if found.module in ignored:
                continue
            distributions = tuple(providers.get(found.module, ()))
            if not any(normalised(name) in declared for name in distributions):
                yield Offence(path.relative_to(root), found.line, found.module, distributions, dev)


def undeclared_imports(root: Path) -> list[Offence]:
    """Return every import under `root` whose distribution its pyproject.toml does not declare.

    A module no installed distribution provides is an offence too (it would fail at import).
    The standard library and the project's own top-level names are never offences.
    """
    runtime, dev = declared_distributions(root / "pyproject.toml")
    ignored = frozenset(sys.stdlib_module_names) | TYPE_CHECKING_ONLY | own_modules(root)
    providers = packages_distributions()
    offences: list[Offence] = []
    for folders, declared, is_dev in ((RUNTIME_FOLDERS, runtime, False), (DEV_FOLDERS, dev, True)):
        for folder in folders:
            if (root / folder).is_dir():
                files = list(python_files(root / folder))
                offences += offences_in(root, files, declared, ignored, providers, is_dev)
    return offences


def main(argv: Sequence[str] | None = None) -> int:
    """Print the offences under the given root (default: this checkout); return 1 if any."""
    args = sys.argv[1:] if argv is None else list(argv)
    root = Path(args[0]) if args else Path(__file__).resolve().parent.parent
    offences = undeclared_imports(root)
    for offence in offences:
        print(offence)
    return 1 if offences else 0


if __name__ == "__main__":
    sys.exit(main())
