"""Tests of the documentation: a strict site build and correct commands."""

import importlib.util
import json
import os
import pathlib
import re
import subprocess
import sys
import textwrap

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def _mkdocs_build(config: pathlib.Path, site: pathlib.Path):
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    return subprocess.run(
        [
            *(sys.executable, "-m", "mkdocs", "build", "--strict"),
            *("--config-file", str(config), "--site-dir", str(site)),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_site_builds_strictly(tmp_path):
    site = tmp_path / "site"
    result = _mkdocs_build(ROOT / "mkdocs.yml", site)
    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr, result.stderr
    # Every page of the nav is there, and the API pages hold the objects.
    models = (site / "api" / "models" / "index.html").read_text()
    for anchor in ("keras_dcgan.models.DCGAN", "keras_dcgan.models.Generator"):
        assert f'id="{anchor}"' in models
    # Doctest examples render as code, not as nested block quotes.
    blocks = (site / "api" / "blocks" / "index.html").read_text()
    assert '<span class="gp">&gt;&gt;&gt; </span>' in blocks
    assert "<blockquote>\n<blockquote>" not in blocks
    for figure in ("activations", "batch_norm", "checkerboard"):
        assert (site / "figures" / f"{figure}.png").is_file()


def test_strict_build_fails_on_a_broken_link(tmp_path):
    # The project's link validation, on a page with a dead link: this is
    # what makes `make docs` and CI catch broken links.
    validation = yaml.safe_load((ROOT / "mkdocs.yml").read_text())["validation"]
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text("# Home\n\nSee [the guide](missing.md).\n")
    config = tmp_path / "mkdocs.yml"
    config.write_text(
        yaml.safe_dump(
            {
                "site_name": "t",
                "docs_dir": str(docs),
                "validation": validation,
            }
        )
    )
    result = _mkdocs_build(config, tmp_path / "site")
    assert result.returncode != 0
    assert "missing.md" in result.stderr


def _load_extension():
    path = DOCS / "extensions" / "doctest_examples.py"
    spec = importlib.util.spec_from_file_location("doctest_examples", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_examples_are_fenced_with_prose_and_next_section():
    text = textwrap.dedent(
        """\
        Summary.

        Example:
        For a trained run: `f(x)`.

        >>> f(1)
        2
        >>> f(2)
        3

        >>> g()

        Reference:
            A paper."""
    )
    assert _load_extension().fence_examples(text) == textwrap.dedent(
        """\
        Summary.

        Example:
            For a trained run: `f(x)`.

            ```pycon
            >>> f(1)
            2
            >>> f(2)
            3
            ```

            ```pycon
            >>> g()
            ```

        Reference:
            A paper."""
    )


def test_indented_examples_are_left_alone():
    text = "Summary.\n\nExamples:\n    >>> f(1)\n    2"
    assert _load_extension().fence_examples(text) == text


# Prints {subcommand: [flag names]}; one interpreter, TensorFlow loaded once.
# Each subcommand defines its flags in absl's global registry at import, so
# the flags of one are removed before the next is imported.
_LIST_FLAGS = """
import importlib, json, sys
from absl import flags
result = {}
for name in sys.argv[1:]:
    module = importlib.import_module("keras_dcgan.cli." + name)
    names = [f.name for f in flags.FLAGS.get_flags_for_module(module)]
    result[name] = names
    for flag in names:
        delattr(flags.FLAGS, flag)
print(json.dumps(result))
"""


def _documented_commands():
    """(file, subcommand, [flags]) of every `keras-dcgan` command in docs."""
    files = [*sorted(DOCS.rglob("*.md")), ROOT / "README.md"]
    commands = []
    for path in files:
        text = path.read_text()
        for block in re.findall(r"```(?:bash|sh)\n(.*?)```", text, re.S):
            joined = re.sub(r"\\\n", " ", block)
            for line in joined.splitlines():
                match = re.match(r"\s*keras-dcgan (\w+)(.*)", line)
                if match:
                    command = match.group(2).split("#")[0]
                    names = re.findall(r"--(\w+)", command)
                    commands.append((path.name, match.group(1), names))
    return commands


def test_documented_commands_use_real_flags():
    commands = _documented_commands()
    subcommands = sorted({sub for _, sub, _ in commands})
    assert {"train", "sample", "export", "evaluate"} <= set(subcommands)
    result = subprocess.run(
        [sys.executable, "-c", _LIST_FLAGS, *subcommands],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"),
    )
    assert result.returncode == 0, result.stderr
    known = json.loads(result.stdout.strip().splitlines()[-1])
    unknown = []
    for page, sub, names in commands:
        for name in names:
            bare = name[2:] if name.startswith("no") else name
            if name not in known[sub] and bare not in known[sub]:
                unknown.append(f"{page}: keras-dcgan {sub} --{name}")
    assert not unknown, "\n".join(unknown)


def test_guide_figures_come_from_scripts():
    # Figures are drawn by a script in docs/figures, never by hand: every
    # figure a guide page shows is written by one of those scripts.
    scripts = "".join(p.read_text() for p in (DOCS / "figures").glob("*.py"))
    figures = set()
    for page in (DOCS / "guide").glob("*.md"):
        figures.update(
            re.findall(r"\(\.\./figures/(\w+)\.png\)", page.read_text())
        )
    assert len(figures) >= 6, figures
    missing = sorted(f for f in figures if f'"{f}.png"' not in scripts)
    assert not missing, missing
