"""The web page export: its files and metadata, and the page in Chromium.

The browser tests run the exported page in Debian's `chromium`, driven by
Playwright, from a local HTTP server with the local copy of LiteRT.js (npm
`@litertjs/core`, found through $KERAS_DCGAN_LITERTJS or `node_modules/`
beside the repository's files). They are skipped, saying what is missing,
when any of the three is not installed.
"""

import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading

import numpy as np
import pytest

from keras_dcgan import Generator
from keras_dcgan.export import TFLiteGenerator
from keras_dcgan.export import export_web
from keras_dcgan.export import web
from keras_dcgan.export.web import LITERT_VERSION
from keras_dcgan.export.web import find_litert_package
from tests.export_helpers import randomize
from tests.export_helpers import to_uint8

ROOT = os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
)
LATENT_DIM = 8
SITE = ["dcgan.js", "generator.tflite", "index.html", "model.json", "style.css"]


@pytest.fixture(scope="module")
def generator():
    model = Generator(LATENT_DIM, image_size=16, channels=1, filters=4)
    randomize(model, 0)
    return model


@pytest.fixture(scope="module")
def conditional_generator():
    model = Generator(
        LATENT_DIM, image_size=16, channels=3, filters=4, num_classes=3
    )
    randomize(model, 1)
    return model


@pytest.fixture(scope="module")
def site(generator, tmp_path_factory):
    return export_web(generator, str(tmp_path_factory.mktemp("w") / "site"))


def read_json(path):
    with open(path) as f:
        return json.load(f)


def fake_litert_package(root, nested=False):
    """The files of an installed @litertjs/core that export_web copies."""
    core = root / "node_modules" / "@litertjs" / "core"
    for name, text in [
        ("package.json", '{"name": "@litertjs/core", "version": "9.9.9"}'),
        ("dist/index.js", "export const x = 1;"),
        ("dist/index.js.map", "{}"),
        ("wasm/litert_wasm_internal.js", "// loader"),
        ("wasm/litert_wasm_internal.wasm", "wasm"),
    ]:
        (core / name).parent.mkdir(parents=True, exist_ok=True)
        (core / name).write_text(text)
    utils = (
        core / "node_modules" / "@litertjs" / "wasm-utils"
        if nested
        else core.parent / "wasm-utils"
    )
    (utils / "dist").mkdir(parents=True)
    (utils / "package.json").write_text('{"name": "@litertjs/wasm-utils"}')
    (utils / "dist" / "index.js").write_text("export const y = 2;")
    return str(core)


def test_writes_the_site_and_its_metadata(generator, site):
    assert sorted(os.listdir(site)) == SITE
    meta = read_json(os.path.join(site, "model.json"))
    assert meta["format"] == "keras-dcgan-web"
    assert meta["model"] == "generator.tflite"
    assert meta["latent_dim"] == LATENT_DIM
    assert meta["image_shape"] == [16, 16, 1]
    assert meta["channels"] == 1
    assert meta["num_classes"] is None
    assert meta["class_names"] is None
    assert meta["batch_size"] == 8
    assert meta["quantization"] == "float16"
    assert list(meta["inputs"]) == ["latents"]
    assert meta["inputs"]["latents"]["shape"] == [8, LATENT_DIM]
    assert meta["output"] == {
        "name": "images",
        "dtype": "uint8",
        "shape": [8, 16, 16, 1],
    }
    assert meta["pixels"]["range"] == [0, 255]
    assert meta["pixels"]["colors"] == "grey"
    assert meta["runtime"] == {"litert": "cdn", "litert_version": "2.5.3"}


def test_the_model_is_the_generator_with_uint8_output(generator, site):
    runner = TFLiteGenerator(os.path.join(site, "generator.tflite"))
    assert runner.batch_size == 8
    assert runner.output_dtype == np.uint8
    latents = np.random.default_rng(2).normal(size=(8, LATENT_DIM))
    latents = latents.astype("float32")
    expected = to_uint8(generator(latents, training=False).numpy())
    difference = np.abs(runner(latents).astype(int) - expected)
    assert difference.max() <= 1  # float16 weights


def test_page_loads_a_pinned_litert_from_the_cdn(site):
    with open(os.path.join(site, "index.html")) as f:
        html = f.read()
    import_map = json.loads(
        re.search(r'<script type="importmap">(.*?)</script>', html, re.S)[1]
    )
    cdn = "https://cdn.jsdelivr.net/npm/@litertjs"
    assert import_map["imports"] == {
        "@litertjs/core": f"{cdn}/core@{LITERT_VERSION}/dist/index.js",
        "@litertjs/wasm-utils": (
            f"{cdn}/wasm-utils@{LITERT_VERSION}/dist/index.js"
        ),
    }
    assert f'data-litert-wasm="{cdn}/core@{LITERT_VERSION}/wasm/"' in html
    assert "<title>DCGAN samples</title>" in html
    assert "{{" not in html


def test_conditional_metadata_and_class_names(conditional_generator, tmp_path):
    site = export_web(
        conditional_generator,
        str(tmp_path / "site"),
        quantization="none",
        class_names=["cat", "dog", "bird"],
        title="Pets <3",
        batch_size=4,
    )
    meta = read_json(os.path.join(site, "model.json"))
    assert meta["num_classes"] == 3
    assert meta["class_names"] == ["cat", "dog", "bird"]
    assert meta["channels"] == 3
    assert meta["pixels"]["colors"] == "rgb"
    assert meta["inputs"]["labels"] == {"dtype": "int32", "shape": [4]}
    with open(os.path.join(site, "index.html")) as f:
        assert "<title>Pets &lt;3</title>" in f.read()
    runner = TFLiteGenerator(os.path.join(site, "generator.tflite"))
    latents = np.random.default_rng(3).normal(size=(4, LATENT_DIM))
    latents = latents.astype("float32")
    labels = np.array([0, 1, 2, 1], "int32")
    expected = to_uint8(
        conditional_generator([latents, labels], training=False).numpy()
    )
    difference = np.abs(runner(latents, labels).astype(int) - expected)
    assert difference.max() <= 1


def test_local_runtime_copies_litert_and_replaces_the_old_site(
    generator, tmp_path
):
    site = str(tmp_path / "site")
    export_web(generator, site, quantization="none")
    package = fake_litert_package(tmp_path)
    export_web(generator, site, runtime="local", litert_package=package)
    # The earlier export was replaced, and no staging folder is left.
    assert sorted(os.listdir(tmp_path)) == ["node_modules", "site"]
    meta = read_json(os.path.join(site, "model.json"))
    assert meta["quantization"] == "float16"
    assert meta["runtime"] == {"litert": "local", "litert_version": "9.9.9"}
    litert = os.path.join(site, "litert")
    copied = sorted(
        os.path.relpath(os.path.join(folder, name), litert)
        for folder, _, names in os.walk(litert)
        for name in names
    )
    assert copied == [
        "core/dist/index.js",
        "core/package.json",
        "core/wasm/litert_wasm_internal.js",
        "core/wasm/litert_wasm_internal.wasm",
        "wasm-utils/dist/index.js",
        "wasm-utils/package.json",
    ]
    with open(os.path.join(site, "index.html")) as f:
        html = f.read()
    assert '"@litertjs/core": "./litert/core/dist/index.js"' in html
    assert '"@litertjs/wasm-utils": "./litert/wasm-utils/dist/index.js"' in html
    assert 'data-litert-wasm="./litert/core/wasm/"' in html


@pytest.mark.parametrize("nested", [False, True])
def test_finds_the_dependency_hoisted_or_nested(tmp_path, nested):
    package = fake_litert_package(tmp_path, nested=nested)
    found = find_litert_package(package)
    assert found["core"] == package
    assert found["version"] == "9.9.9"
    assert os.path.isfile(os.path.join(found["wasm_utils"], "dist/index.js"))


@pytest.fixture
def no_conversion(monkeypatch):
    """Skips the TFLite conversion where only the files matter."""
    monkeypatch.setattr(web, "convert_tflite", lambda *a, **k: b"model")


@pytest.mark.usefixtures("no_conversion")
def test_never_replaces_other_files(generator, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="did not write"):
        export_web(generator, str(other))
    assert os.listdir(other) == ["notes.txt"]
    with pytest.raises(FileExistsError, match="is a file"):
        export_web(generator, str(other / "notes.txt"))
    export_web(generator, str(tmp_path / "empty"))  # an empty folder is fine
    assert (tmp_path / "empty" / "model.json").exists()


@pytest.mark.usefixtures("no_conversion")
def test_a_failed_export_leaves_the_old_site(generator, tmp_path, monkeypatch):
    site = str(tmp_path / "site")
    export_web(generator, site, quantization="none")

    def broken(package, folder):
        raise OSError("disk full")

    monkeypatch.setattr(web, "_copy_runtime", broken)
    with pytest.raises(OSError, match="disk full"):
        export_web(
            generator,
            site,
            runtime="local",
            litert_package=fake_litert_package(tmp_path),
        )
    assert read_json(f"{site}/model.json")["quantization"] == "none"
    assert sorted(os.listdir(tmp_path)) == ["node_modules", "site"]


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (
            {"quantization": "int4"},
            ValueError,
            r"Unknown quantization 'int4'; expected one of \['none', "
            r"'float16', 'dynamic_range', 'int8'\]",
        ),
        (
            {"runtime": "npm"},
            ValueError,
            r"Unknown runtime 'npm'; expected one of \['cdn', 'local'\]",
        ),
        (
            {"runtime": "local"},
            ValueError,
            r"pass `litert_package`.*npm install @litertjs/core.*"
            r"runtime='cdn'",
        ),
        (
            {"runtime": "local", "litert_package": "/nowhere"},
            FileNotFoundError,
            r"No npm package at '/nowhere'.*npm install @litertjs/core",
        ),
        (
            {"litert_package": "node_modules/@litertjs/core"},
            ValueError,
            r"`litert_package` is only used with runtime='local'",
        ),
        (
            {"class_names": ["a"]},
            ValueError,
            r"`class_names` is only for a class-conditional generator",
        ),
        (
            {"batch_size": 0},
            ValueError,
            r"`batch_size` must be an int >= 1 .*received 0",
        ),
        (
            {"batch_size": None},
            ValueError,
            r"`batch_size` must be an int >= 1 .*received None",
        ),
        # Before: accepted; the page's title read "3".
        ({"title": 3}, ValueError, r"`title` must be a str; received 3\."),
        # Before: accepted as True, exporting an untrained generator.
        (
            {"allow_untrained": "false"},
            ValueError,
            r"`allow_untrained` must be True or False; received 'false'\.",
        ),
    ],
)
def test_bad_arguments_fail_clearly(
    generator, tmp_path, kwargs, error, message
):
    with pytest.raises(error, match=message):
        export_web(generator, str(tmp_path / "site"), **kwargs)
    assert not os.path.exists(tmp_path / "site")


def test_bad_class_names_and_packages_fail_clearly(
    conditional_generator, tmp_path
):
    with pytest.raises(ValueError, match=r"must name the generator's 3 "):
        export_web(conditional_generator, str(tmp_path), class_names=["a"])
    with pytest.raises(ValueError, match=r"must be a list of str"):
        export_web(conditional_generator, str(tmp_path), class_names="abc")
    package = fake_litert_package(tmp_path)
    shutil.rmtree(tmp_path / "node_modules" / "@litertjs" / "wasm-utils")
    with pytest.raises(FileNotFoundError, match=r"lacks its dependency"):
        export_web(
            conditional_generator,
            str(tmp_path / "site"),
            runtime="local",
            litert_package=package,
        )


def test_an_unwritable_folder_fails_before_the_conversion(
    generator, monkeypatch
):
    # Before: after the conversion, tempfile's FileNotFoundError named a
    # hidden '/proc/.site.partial-...' folder.
    def convert(*args, **kwargs):
        raise AssertionError("converted before checking the folder")

    monkeypatch.setattr(web, "convert_tflite", convert)
    with pytest.raises(
        PermissionError, match=r"directory='/proc/site' cannot be written"
    ):
        export_web(generator, "/proc/site")


def test_untrained_generator_is_refused(tmp_path):
    untrained = Generator(LATENT_DIM, image_size=16, channels=1, filters=4)
    with pytest.raises(ValueError, match="looks untrained"):
        export_web(untrained, str(tmp_path / "site"))


_CLI = """
import sys
from absl import app
from keras_dcgan.cli import export
for argv in sys.argv[1:]:
    export.FLAGS.unparse_flags()
    argv = export.FLAGS(["export", *argv.split()])
    try:
        export.main(argv)
    except app.UsageError as error:
        print(type(error).__name__, error)
"""


def test_cli_writes_the_page(generator, tmp_path):
    from keras_dcgan import DCGAN
    from keras_dcgan import Discriminator
    from keras_dcgan.training.workdir import save_checkpoint

    gan = DCGAN(generator, Discriminator(16, 1, 4), seed=0)
    gan.compile()
    workdir = str(tmp_path / "run")
    save_checkpoint(gan, workdir, 1, {"step": 1, "epoch": 1})
    site = tmp_path / "web"
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            _CLI,
            f"--workdir={workdir} --web={site} --web_quantization=none",
            f"--workdir={workdir} --web={site} --web_runtime=local "
            f"--web_litert_package={tmp_path}/missing",
        ],
        capture_output=True,
        text=True,
        env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"),
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == (
        f"Web page: {site} (serve it: python -m http.server -d {site})"
    )
    assert lines[1].startswith("UsageError --web_runtime=local: No npm ")
    assert lines[1].endswith(
        "pass its folder as --web_litert_package, or use --web_runtime=cdn."
    )
    assert read_json(site / "model.json")["quantization"] == "none"


# The page in a real browser.

CHROMIUM_FLAGS = [
    # Closed network: without these, Chromium tries to reach outside hosts.
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="module")
def litert_package():
    path = os.environ.get(
        "KERAS_DCGAN_LITERTJS",
        os.path.join(ROOT, "node_modules", "@litertjs", "core"),
    )
    if not os.path.isfile(os.path.join(path, "package.json")):
        pytest.skip(
            f"LiteRT.js is not installed at {path}: `npm install "
            "@litertjs/core` in the repository, or set KERAS_DCGAN_LITERTJS "
            "to the package folder."
        )
    return path


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip(
        "playwright.sync_api",
        reason="needs Playwright: `pip install playwright`",
    )
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("needs Chromium: `apt-get install chromium` (Debian)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, headless=True, args=CHROMIUM_FLAGS
        )
        yield browser
        browser.close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def serve():
    """Serves folders on 127.0.0.1; returns each one's base URL."""
    servers = []

    def start(folder):
        handler = functools.partial(_QuietHandler, directory=folder)
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def open_page(browser, url):
    """Opens the page and waits for its first grid; returns the page and
    its console errors."""
    page = browser.new_page()
    errors = []
    page.on(
        "console",
        lambda message: message.type == "error" and errors.append(message.text),
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("requestfailed", lambda request: errors.append(request.url))
    page.goto(url)
    page.wait_for_function(
        "window.dcgan && (window.dcgan.ready || window.dcgan.error)",
        timeout=60_000,
    )
    assert page.evaluate("window.dcgan.error") is None, errors
    return page, errors


def page_images(page, image_shape):
    """The grid's images as the page drew them: uint8 RGBA."""
    pixels = np.array(page.evaluate("window.dcgan.pixels()"), np.uint8)
    return pixels.reshape(-1, *image_shape[:2], 4)


def canvas_pixels(page, canvas, x, y, width, height):
    """RGBA pixels of a rectangle of one of the page's canvases."""
    return page.evaluate(
        "([id, x, y, w, h]) => Array.from(document.getElementById(id)"
        ".getContext('2d').getImageData(x, y, w, h).data)",
        [canvas, x, y, width, height],
    )


def padded_run(runner, latents, labels=None):
    """The Python interpreter's images for any number of latents."""
    batch = runner.batch_size
    count = len(latents)
    rows = -(-count // batch) * batch
    padded = np.zeros((rows, latents.shape[1]), np.float32)
    padded[:count] = latents
    padded_labels = np.zeros(rows, np.int32)
    if labels is not None:
        padded_labels[:count] = labels
    images = [
        runner(
            padded[i : i + batch],
            None if labels is None else padded_labels[i : i + batch],
        )
        for i in range(0, rows, batch)
    ]
    return np.concatenate(images)[:count]


def to_rgb(images):
    return np.repeat(images, 3, axis=-1) if images.shape[-1] == 1 else images


def test_page_draws_what_the_python_interpreter_computes(
    browser, serve, generator, litert_package, tmp_path
):
    site = export_web(
        generator,
        str(tmp_path / "site"),
        runtime="local",
        litert_package=litert_package,
    )
    page, errors = open_page(browser, f"{serve(site)}/index.html?seed=7")
    # The seeded grid: 32 varied images, the seed kept in the URL.
    grid = page_images(page, (16, 16))
    assert grid.shape == (32, 16, 16, 4)
    assert np.all(grid[..., 3] == 255)
    assert len(np.unique(grid[..., 0])) > 50  # not blank
    assert np.ptp(grid[..., 0].reshape(32, -1).mean(1)) > 0  # not one image
    assert page.url.endswith("?seed=7")
    # Fixed latents: the same pixels as LiteRT's Python interpreter, 11
    # latents so that the last batch of 8 is padded.
    latents = np.random.default_rng(5).normal(size=(11, LATENT_DIM))
    latents = latents.astype("float32")
    page.evaluate(
        "latents => window.dcgan.setLatents(latents)", latents.tolist()
    )
    drawn = page_images(page, (16, 16))
    runner = TFLiteGenerator(os.path.join(site, "generator.tflite"))
    expected = to_rgb(padded_run(runner, latents))
    assert drawn.shape == (11, 16, 16, 4)
    assert np.abs(drawn[..., :3].astype(int) - expected).max() <= 1
    # The page's own Gaussian latents: a reproducible N(0, 1) draw.
    page_latents = np.array(page.evaluate("window.dcgan.latents(7, 500)"))
    assert page_latents.shape == (500, LATENT_DIM)
    assert abs(page_latents.mean()) < 0.05
    assert abs(page_latents.std() - 1) < 0.05
    # The latent walk: the slider's ends are the strip's first and last
    # images.
    for value, frame in (("0", 0), ("1000", 7)):
        page.fill("#walk-slider", value)
        page.dispatch_event("#walk-slider", "input")
        page.evaluate("window.dcgan.pixels()")  # waits for the redraw
        assert np.array_equal(
            canvas_pixels(page, "walk-frame", 0, 0, 16, 16),
            canvas_pixels(page, "strip", frame * 18, 0, 16, 16),
        )
    # "New samples" draws another seed and puts it in the URL.
    page.click("#new-samples")
    page.wait_for_function("!location.search.endsWith('seed=7')")
    page.evaluate("window.dcgan.pixels()")  # waits for the redraw
    assert not np.array_equal(page_images(page, (16, 16)), grid)
    # The link reproduces the grid.
    page.goto(page.url.split("?")[0] + "?seed=7")
    page.wait_for_function("window.dcgan && window.dcgan.ready")
    assert np.array_equal(page_images(page, (16, 16)), grid)
    assert errors == []
    page.close()


def train_conditional_patterns():
    """A conditional GAN trained briefly on four distinct 16x16 classes,
    and a classifier trained on the same data."""
    from keras_dcgan.metrics import train_domain_classifier
    from tests.conftest import build_tiny_gan
    from tests.models.dcgan_conditional_test import NUM_CLASSES
    from tests.models.dcgan_conditional_test import patterns

    images, labels = patterns(200 * 16)
    gan = build_tiny_gan(
        num_classes=NUM_CLASSES, filters=8, conditioning="projection"
    )
    gan.compile()
    gan.fit(images, labels, batch_size=16, epochs=1, verbose=0)
    classifier, accuracy = train_domain_classifier(
        images, labels, num_classes=NUM_CLASSES, epochs=1, filters=8
    )
    assert accuracy > 0.95
    return gan, classifier


@pytest.mark.slow
def test_conditional_page_draws_the_picked_class(
    browser, serve, litert_package, tmp_path
):
    gan, classifier = train_conditional_patterns()
    names = ["top", "bottom", "left", "right"]
    site = export_web(
        gan.sampling_generator,
        str(tmp_path / "site"),
        runtime="local",
        litert_package=litert_package,
        class_names=names,
    )
    page, errors = open_page(browser, f"{serve(site)}/index.html?seed=3")
    options = page.eval_on_selector_all(
        "#class-picker option", "options => options.map(o => o.textContent)"
    )
    assert options == ["one row per class", *names]
    # Fixed latents and labels: the Python interpreter's pixels.
    latents = np.random.default_rng(6).normal(size=(12, LATENT_DIM))
    latents = latents.astype("float32")
    labels = np.arange(12) % 4
    page.evaluate(
        "([l, c]) => window.dcgan.setLatents(l, c)",
        [latents.tolist(), labels.tolist()],
    )
    runner = TFLiteGenerator(os.path.join(site, "generator.tflite"))
    expected = to_rgb(padded_run(runner, latents, labels))
    drawn = page_images(page, (16, 16))
    assert np.abs(drawn[..., :3].astype(int) - expected).max() <= 1
    # Each picked class: the classifier recognises it in most of the grid
    # (chance is 1 in 4; measured 0.72 to 0.91 per class, as in Python).
    accuracies = []
    for label in range(4):
        page.select_option("#class-picker", str(label))
        grid = page_images(page, (16, 16))[..., :1]
        images = grid.astype("float32") / 127.5 - 1.0
        predicted = classifier.predict(images, verbose=0).argmax(-1)
        accuracies.append(np.mean(predicted == label))
    assert min(accuracies) >= 0.5, accuracies
    assert np.mean(accuracies) >= 0.65, accuracies
    assert errors == []
    page.close()


def test_cdn_page_runs_from_the_pinned_urls(
    browser, serve, site, litert_package
):
    # No network here: the browser answers the page's jsDelivr requests
    # from the installed npm packages, at the paths jsDelivr serves them
    # (https://cdn.jsdelivr.net/npm/<package>@<version>/<file>).
    packages = os.path.dirname(litert_package)
    if not os.path.isdir(os.path.join(packages, "wasm-utils")):
        pytest.skip("needs @litertjs/wasm-utils beside @litertjs/core")
    requested = []

    def from_npm(route):
        url = route.request.url
        match = re.match(
            rf"https://cdn\.jsdelivr\.net/npm/@litertjs/([\w-]+)@"
            rf"{re.escape(LITERT_VERSION)}/(.+)",
            url,
        )
        path = match and os.path.join(packages, match[1], match[2])
        if not path or not os.path.isfile(path):
            route.fulfill(status=404)
            return
        requested.append(f"{match[1]}/{match[2]}")
        route.fulfill(
            path=path,
            headers={"Access-Control-Allow-Origin": "*"},
        )

    context = browser.new_context()
    context.route("https://cdn.jsdelivr.net/**", from_npm)
    page, errors = open_page(context, f"{serve(site)}/index.html?seed=1")
    assert len(np.unique(page_images(page, (16, 16))[..., 0])) > 50
    assert errors == []
    assert "core/dist/index.js" in requested
    assert "wasm-utils/dist/index.js" in requested
    assert any(name.endswith(".wasm") for name in requested), requested
    context.close()
