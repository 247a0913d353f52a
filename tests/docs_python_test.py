"""The Python blocks of the README and the docs run as written.

Every block must compile, and every name it takes from `keras_dcgan` must
exist as written after a plain `import keras_dcgan` (the package imports
lazily), with keyword arguments its signature accepts. Many blocks are
fragments (they use a `gan` or `dataset` from the surrounding text, or data
this machine has not prepared), so this is checked statically; the README's
blocks also run for real, with `fit` cut to two steps an epoch.
"""

import ast
import importlib
import inspect
import json
import os
import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def _blocks(path: pathlib.Path) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", path.read_text(), re.S | re.M)


def _name(path):
    return str(path.relative_to(ROOT))


PAGES_WITH_PYTHON = [page for page in PAGES if _blocks(page)]


def _bindings(tree, bound: dict) -> None:
    """Adds the names that `import`s of `keras_dcgan` bind to `bound`."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "keras_dcgan":
                    top = alias.asname or alias.name.split(".")[0]
                    bound[top] = alias.name if alias.asname else "keras_dcgan"
        elif (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.module.split(".")[0] == "keras_dcgan"
        ):
            for alias in node.names:
                bound[alias.asname or alias.name] = (
                    f"{node.module}:{alias.name}"
                )


def _resolve(spec: str):
    """The object an import spec names, as a user's import would get it."""
    if ":" not in spec:
        return importlib.import_module(spec)
    module, name = spec.split(":")
    # `from package import name`: an attribute, else a submodule.
    package = importlib.import_module(module)
    try:
        return getattr(package, name)
    except AttributeError:
        return importlib.import_module(f"{module}.{name}")


def _chain(node):
    """`("a", ["b", "c"])` for the expression `a.b.c`, else None."""
    attributes = []
    while isinstance(node, ast.Attribute):
        attributes.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return node.id, attributes[::-1]
    return None


def _problems(source: str, bound: dict) -> list[str]:
    tree = ast.parse(source)
    _bindings(tree, bound)
    problems = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute | ast.Name):
            chain = _chain(node)
            if chain is None or chain[0] not in bound:
                continue
            root, attributes = chain
            value = _resolve(bound[root])
            for attribute in attributes:
                if not hasattr(value, attribute):
                    problems.append(f"{root}.{'.'.join(attributes)}")
                    break
                value = getattr(value, attribute)
        if isinstance(node, ast.Call):
            chain = _chain(node.func)
            if chain is None or chain[0] not in bound:
                continue
            function = _resolve(bound[chain[0]])
            try:
                for attribute in chain[1]:
                    function = getattr(function, attribute)
                signature = inspect.signature(function)
            except (AttributeError, TypeError, ValueError):
                continue
            parameters = signature.parameters.values()
            if any(p.kind is p.VAR_KEYWORD for p in parameters):
                continue
            names = {p.name for p in parameters}
            for keyword in node.keywords:
                if keyword.arg is not None and keyword.arg not in names:
                    called = ".".join([chain[0], *chain[1]])
                    problems.append(f"{called}({keyword.arg}=...)")
    return problems


@pytest.mark.parametrize("page", PAGES_WITH_PYTHON, ids=_name)
def test_python_blocks_use_real_names_and_arguments(page):
    bound = {}
    problems = []
    for block in _blocks(page):
        problems += _problems(block, bound)
    assert not problems, f"{_name(page)}: {problems}"


def test_the_checker_catches_wrong_names_and_arguments():
    bad = (
        "import keras_dcgan\n"
        "from keras_dcgan import metrics\n"
        "keras_dcgan.export.export_savedmodel(g, 'x')\n"
        "metrics.frechet_distance(a, b, extra=1)\n"
        "keras_dcgan.data.load('mnist-sample', batch_size=4)\n"
    )
    assert sorted(_problems(bad, {})) == [
        "keras_dcgan.export.export_savedmodel",
        "metrics.frechet_distance(extra=...)",
    ]


def test_readme_python_blocks_run(tmp_path, monkeypatch):
    from keras_dcgan.models.dcgan import DCGAN

    fit = DCGAN.fit

    def short_fit(self, *args, **kwargs):
        kwargs.update(epochs=1, steps_per_epoch=2, verbose=0)
        return fit(self, *args, **kwargs)

    monkeypatch.setattr(DCGAN, "fit", short_fit)
    monkeypatch.chdir(tmp_path)
    namespace = {}
    for block in _blocks(ROOT / "README.md"):
        exec(compile(block, "README.md", "exec"), namespace)
    assert namespace["images"].shape == (16, 28, 28, 1)
    assert (tmp_path / "mnist.keras").is_file()
    assert namespace["gan"].generator.image_size == 64


_RESOLVE = """
import json, sys
import keras_dcgan
bad = []
for path in json.loads(sys.argv[1]):
    value = keras_dcgan
    for part in path.split(".")[1:]:
        if not hasattr(value, part):
            bad.append(path)
            break
        value = getattr(value, part)
print(json.dumps(bad))
"""


def test_documented_dotted_paths_work_after_import_keras_dcgan():
    # `keras_dcgan.export.export_saved_model` in the prose must work as
    # written after a plain `import keras_dcgan`, in a fresh process.
    paths = sorted(
        {
            path
            for page in PAGES
            for path in re.findall(
                r"`(keras_dcgan(?:\.\w+)+)", page.read_text()
            )
        }
    )
    assert "keras_dcgan.export.export_saved_model" in paths
    result = subprocess.run(
        [sys.executable, "-c", _RESOLVE, json.dumps(paths)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []
