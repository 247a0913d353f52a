"""Exports a generator as a static web page that samples it in the browser.

The page runs the generator's builtin-ops TFLite model (the one
`convert_tflite` makes for phones) in LiteRT.js, Google's WebAssembly
runtime for LiteRT (npm `@litertjs/core`). The folder is a static site:

- `index.html`, `dcgan.js` (an ES module, no build step) and `style.css`;
- `generator.tflite`: latents float32 `[batch, latent_dim]` (and labels
  int32 `[batch]` for a class-conditional generator) in, uint8 images
  `[batch, height, width, channels]` out;
- `model.json`: what the page needs to know about the model (see
  `export_web`);
- with `runtime="local"`, `litert/`: a copy of LiteRT.js, so the page needs
  no network at all.

Any static file server serves it, e.g. `python -m http.server` in the folder.
The page draws a grid from seeded Gaussian latents (the seed is in the URL,
so a link reproduces the grid), a latent walk with a slider, and a class
picker for conditional models; `window.dcgan` lets scripts set latents and
read the drawn pixels.
"""

import importlib.resources
import json
import os
import shutil
import tempfile

from keras_dcgan import integrity
from keras_dcgan.checks import is_integer
from keras_dcgan.export.base import check_generator
from keras_dcgan.export.tflite import QUANTIZATIONS
from keras_dcgan.export.tflite import convert_tflite
from keras_dcgan.models import conditioning

# The LiteRT.js release the CDN page loads, pinned: a page published today
# keeps working when a later release changes the API.
LITERT_VERSION = "2.5.3"
RUNTIMES = ("cdn", "local")
CDN = "https://cdn.jsdelivr.net/npm"
# Marks a folder as written by export_web, which may then replace it.
FORMAT = "keras-dcgan-web"
MODEL_FILE = "generator.tflite"
SITE_FILES = ("index.html", "dcgan.js", "style.css")
NPM_HINT = (
    "Install it with `npm install @litertjs/core` (it lands in "
    "node_modules/@litertjs/core)."
)


def export_web(
    generator,
    directory: str,
    quantization: str = "float16",
    runtime: str = "cdn",
    litert_package: str | None = None,
    class_names=None,
    title: str = "DCGAN samples",
    batch_size: int = 8,
    allow_untrained: bool = False,
) -> str:
    """Writes a static web page that samples the generator with LiteRT.js.

    The folder is written beside its destination and moved into place at
    the end, so a server never sees a half-written site. An existing folder
    is replaced only when an earlier `export_web` wrote it.

    `model.json` holds: `format` and `format_version`; `model` (the
    `.tflite` file name); `latent_dim`; `image_shape` `[height, width,
    channels]` and `channels`; `num_classes` (null when unconditional) and
    `class_names`; `batch_size`; `quantization`; `inputs` and `output`
    (names, dtypes, shapes); `pixels`: the output is uint8 in [0, 255], 0
    black and 255 full intensity (one channel is grey, three are RGB), the
    generator's [-1, 1] scaled by `round((x + 1) * 127.5)`; `latents`:
    standard normal; and `runtime` (`"cdn"` or `"local"`, and the LiteRT.js
    version).

    Args:
        generator: keras.Model. The generator; for a trained `DCGAN` pass
            `gan.sampling_generator`.
        directory: str. The site folder to write.
        quantization: str. TFLite quantization, one of `"none"`,
            `"float16"` (half the size, the same images within a level),
            `"dynamic_range"` or `"int8"`. Defaults to `"float16"`.
        runtime: str. Where the page loads LiteRT.js from: `"cdn"`
            (jsDelivr, version `LITERT_VERSION`; the page needs the
            internet) or `"local"` (a copy of the npm package's `dist/` and
            `wasm/` in `litert/`, about 40 MB; works offline). Defaults to
            `"cdn"`.
        litert_package: str or None. For `runtime="local"`, the installed
            `@litertjs/core` package folder (`node_modules/@litertjs/core`
            after `npm install @litertjs/core`). Defaults to None.
        class_names: list of str or None. Names of a conditional
            generator's classes, for the class picker. Defaults to the
            class numbers.
        title: str. The page title. Defaults to `"DCGAN samples"`.
        batch_size: int. The model's fixed batch: LiteRT.js 2.5 runs static
            shapes only, so the page runs the model on chunks of this many
            latents, padding the last one. Defaults to 8.
        allow_untrained: bool. Export a generator whose batch norm was never
            trained. Defaults to False.

    Returns:
        `directory`.

    Raises:
        ValueError: an unknown `quantization` or `runtime`, bad
            `class_names` or `batch_size`, `litert_package` missing for
            `runtime="local"` or given for `"cdn"`, or an untrained
            generator.
        FileNotFoundError: `litert_package` is not an installed
            `@litertjs/core` package.
        FileExistsError: `directory` is a file, or a non-empty folder
            that an earlier `export_web` did not write.

    Example:
    >>> import tempfile
    >>> from keras_dcgan import Generator
    >>> generator = Generator(8, image_size=16, channels=1, filters=4)
    >>> site = os.path.join(tempfile.mkdtemp(), "web")
    >>> _ = export_web(generator, site, allow_untrained=True)
    >>> sorted(os.listdir(site))
    ['dcgan.js', 'generator.tflite', 'index.html', 'model.json', 'style.css']
    """
    if quantization not in QUANTIZATIONS:
        raise ValueError(
            f"Unknown quantization {quantization!r}; expected one of "
            f"{list(QUANTIZATIONS)}."
        )
    if runtime not in RUNTIMES:
        raise ValueError(
            f"Unknown runtime {runtime!r}; expected one of {list(RUNTIMES)}."
        )
    if runtime == "local":
        package = find_litert_package(litert_package)
    elif litert_package is not None:
        raise ValueError(
            "`litert_package` is only used with runtime='local'; received "
            f"{litert_package!r} with runtime={runtime!r}."
        )
    latent_dim = check_generator(generator, allow_untrained=allow_untrained)
    num_classes = None
    if conditioning.is_conditional(generator):
        num_classes = int(generator.num_classes)
    class_names = _check_class_names(class_names, num_classes)
    if not is_integer(batch_size) or batch_size < 1:
        raise ValueError(
            f"`batch_size` must be an int >= 1 (LiteRT.js needs a fixed "
            f"batch); received {batch_size!r}."
        )
    batch_size = int(batch_size)
    if not isinstance(title, str):
        raise ValueError(f"`title` must be a str; received {title!r}.")
    _check_destination(directory)
    # Before the conversion: the staging folder beside `directory` would
    # otherwise fail to be made only after it, naming a temporary path.
    integrity.check_writable(directory, "directory")
    content = convert_tflite(
        generator,
        quantization=quantization,
        output_uint8=True,
        batch_size=batch_size,
        allow_untrained=allow_untrained,
    )
    image_shape = [int(d) for d in generator.outputs[0].shape[1:]]
    meta = _metadata(
        latent_dim,
        image_shape,
        num_classes,
        class_names,
        quantization,
        batch_size,
        runtime,
        package["version"] if runtime == "local" else LITERT_VERSION,
    )
    if runtime == "local":
        litert_urls = {
            "core": "./litert/core/dist/index.js",
            "wasm_utils": "./litert/wasm-utils/dist/index.js",
            "wasm": "./litert/core/wasm/",
        }
    else:
        litert_urls = {
            "core": f"{CDN}/@litertjs/core@{LITERT_VERSION}/dist/index.js",
            "wasm_utils": (
                f"{CDN}/@litertjs/wasm-utils@{LITERT_VERSION}/dist/index.js"
            ),
            "wasm": f"{CDN}/@litertjs/core@{LITERT_VERSION}/wasm/",
        }

    directory = os.path.abspath(directory)
    parent = os.path.dirname(directory)
    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(
        prefix=f".{os.path.basename(directory)}.partial-", dir=parent
    )
    try:
        _write_site(staging, content, meta, litert_urls, title)
        if runtime == "local":
            _copy_runtime(package, os.path.join(staging, "litert"))
        os.chmod(staging, 0o755)  # mkdtemp makes it private
        _replace(staging, directory)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return directory


def find_litert_package(path: str | None) -> dict:
    """Checks an installed `@litertjs/core` npm package.

    Args:
        path: str or None. The package folder, `node_modules/@litertjs/core`
            after `npm install @litertjs/core`.

    Returns:
        A dict with the folders `core` and `wasm_utils` (its dependency
        `@litertjs/wasm-utils`, beside it or inside it) and the `version`.

    Raises:
        ValueError: `path` is None.
        FileNotFoundError: `path` is not an installed package with `dist/`
            and `wasm/`, or its dependency is missing.
    """
    if path is None:
        raise ValueError(
            "runtime='local' copies LiteRT.js beside the page: pass "
            "`litert_package`, the folder of the installed @litertjs/core "
            f"package. {NPM_HINT} Or use runtime='cdn'."
        )
    path = os.path.abspath(os.path.expanduser(path))
    manifest = os.path.join(path, "package.json")
    if not os.path.isfile(manifest):
        raise FileNotFoundError(
            f"No npm package at {path!r} (no package.json). {NPM_HINT}"
        )
    with open(manifest) as f:
        info = json.load(f)
    if info.get("name") != "@litertjs/core":
        raise FileNotFoundError(
            f"{path!r} holds the npm package {info.get('name')!r}, not "
            f"@litertjs/core. {NPM_HINT}"
        )
    for required in ("dist/index.js", "wasm"):
        if not os.path.exists(os.path.join(path, required)):
            raise FileNotFoundError(
                f"The @litertjs/core package at {path!r} has no {required}; "
                f"reinstall it. {NPM_HINT}"
            )
    # npm puts the dependency beside the package (hoisted) or inside it.
    candidates = [
        os.path.join(os.path.dirname(path), "wasm-utils"),
        os.path.join(path, "node_modules", "@litertjs", "wasm-utils"),
    ]
    for wasm_utils in candidates:
        if os.path.isfile(os.path.join(wasm_utils, "dist", "index.js")):
            break
    else:
        raise FileNotFoundError(
            f"@litertjs/core at {path!r} lacks its dependency "
            f"@litertjs/wasm-utils (looked in {candidates}). {NPM_HINT}"
        )
    return {
        "core": path,
        "wasm_utils": wasm_utils,
        "version": info.get("version"),
    }


def _check_class_names(class_names, num_classes):
    if num_classes is None:
        if class_names is not None:
            raise ValueError(
                "`class_names` is only for a class-conditional generator; "
                "this one is unconditional."
            )
        return None
    if class_names is None:
        return [str(k) for k in range(num_classes)]
    if isinstance(class_names, str) or not all(
        isinstance(name, str) for name in class_names
    ):
        raise ValueError(
            f"`class_names` must be a list of str; received {class_names!r}."
        )
    if len(class_names) != num_classes:
        raise ValueError(
            f"`class_names` must name the generator's {num_classes} classes; "
            f"received {len(class_names)} names."
        )
    return list(class_names)


def _is_export(directory):
    try:
        with open(os.path.join(directory, "model.json")) as f:
            return json.load(f).get("format") == FORMAT
    except (OSError, ValueError, AttributeError):
        return False


def check_web_directory(directory) -> None:
    """Raises unless `export_web` may write its page into `directory`.

    Args:
        directory: str. The folder of the page: new, empty, or an earlier
            export (which is replaced).

    Raises:
        FileExistsError: a file is there, or a folder of other files.

    Example:
    >>> check_web_directory("/nonexistent/site")
    """
    _check_destination(directory)


def _check_destination(directory):
    if os.path.isfile(directory):
        raise FileExistsError(
            f"{directory!r} is a file; pass a folder for the web page."
        )
    if (
        os.path.isdir(directory)
        and os.listdir(directory)
        and not _is_export(directory)
    ):
        raise FileExistsError(
            f"{directory!r} already holds files that export_web did not "
            "write; pass a new or empty folder (an earlier export is "
            "replaced)."
        )


def _replace(staging, directory):
    """Moves the finished site into place (the swap is two renames)."""
    if not os.path.exists(directory):
        os.rename(staging, directory)
        return
    _check_destination(directory)  # it may have changed meanwhile
    old = tempfile.mkdtemp(
        prefix=f".{os.path.basename(directory)}.old-",
        dir=os.path.dirname(directory),
    )
    os.rename(directory, os.path.join(old, "site"))
    os.rename(staging, directory)
    shutil.rmtree(old, ignore_errors=True)


def _metadata(
    latent_dim,
    image_shape,
    num_classes,
    class_names,
    quantization,
    batch_size,
    runtime,
    litert_version,
):
    inputs = {
        "latents": {"dtype": "float32", "shape": [batch_size, latent_dim]}
    }
    if num_classes is not None:
        inputs["labels"] = {"dtype": "int32", "shape": [batch_size]}
    return {
        "format": FORMAT,
        "format_version": 1,
        "model": MODEL_FILE,
        "latent_dim": latent_dim,
        "image_shape": image_shape,
        "channels": image_shape[-1],
        "num_classes": num_classes,
        "class_names": class_names,
        "batch_size": batch_size,
        "quantization": quantization,
        "inputs": inputs,
        "output": {
            "name": "images",
            "dtype": "uint8",
            "shape": [batch_size, *image_shape],
        },
        "pixels": {
            "range": [0, 255],
            "colors": "grey" if image_shape[-1] == 1 else "rgb",
            "from_generator": "round((x + 1) * 127.5), x in [-1, 1]",
        },
        "latents": {"distribution": "normal", "mean": 0.0, "stddev": 1.0},
        "runtime": {"litert": runtime, "litert_version": litert_version},
    }


def _write_site(folder, content, meta, litert_urls, title):
    assets = importlib.resources.files("keras_dcgan.export") / "web_site"
    import_map = {
        "imports": {
            "@litertjs/core": litert_urls["core"],
            "@litertjs/wasm-utils": litert_urls["wasm_utils"],
        }
    }
    for name in SITE_FILES:
        text = (assets / name).read_text(encoding="utf-8")
        if name == "index.html":
            text = (
                text.replace("{{TITLE}}", _escape_html(title))
                .replace("{{IMPORT_MAP}}", json.dumps(import_map, indent=2))
                .replace("{{LITERT_WASM}}", _escape_html(litert_urls["wasm"]))
            )
        with open(os.path.join(folder, name), "w", encoding="utf-8") as f:
            f.write(text)
    with open(os.path.join(folder, MODEL_FILE), "wb") as f:
        f.write(content)
    with open(os.path.join(folder, "model.json"), "w", encoding="utf-8") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")


def _copy_runtime(package, folder):
    for part in ("dist", "wasm"):
        shutil.copytree(
            os.path.join(package["core"], part),
            os.path.join(folder, "core", part),
            ignore=shutil.ignore_patterns("*.map", "*.d.ts", "metafile*"),
        )
    shutil.copytree(
        os.path.join(package["wasm_utils"], "dist"),
        os.path.join(folder, "wasm-utils", "dist"),
        ignore=shutil.ignore_patterns("*.map", "*.d.ts", "*metafile*"),
    )
    for package_dir, name in (
        (package["core"], "core"),
        (package["wasm_utils"], "wasm-utils"),
    ):
        shutil.copy(
            os.path.join(package_dir, "package.json"),
            os.path.join(folder, name, "package.json"),
        )


def _escape_html(text):
    return (
        str(text)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
    )
