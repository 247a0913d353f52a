"""Screenshots an exported web page and checks the classes it draws.

Serves a folder written by `keras-dcgan export --web=DIR` on 127.0.0.1,
opens it in Chromium (Playwright driving the system's `chromium`, offline),
and writes a screenshot. With `--check_classes`, it also picks each class
of a conditional MNIST page and counts how often a digit classifier
(`keras_dcgan.metrics.train_domain_classifier`, trained on the bundled
10,000 digits) recognises the class asked for. The screenshot in docs/web.md:

    keras-dcgan train --preset=mnist --dataset=mnist-sample --conditional \
        --workdir=runs/cmnist
    keras-dcgan export --workdir=runs/cmnist --web=runs/cmnist/web \
        --web_runtime=local
    python docs/figures/web_page.py runs/cmnist/web --check_classes

Needs `pip install playwright`, Debian's `chromium` and, for a page
exported with the CDN runtime, the internet.
"""

import argparse
import functools
import http.server
import json
import pathlib
import shutil
import threading

import numpy as np

OUT = pathlib.Path(__file__).parent.parent / "images" / "web_page.png"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def digit_classifier():
    from keras_dcgan.data.idx import read_idx
    from keras_dcgan.data.sources import bundled_path
    from keras_dcgan.metrics import train_domain_classifier

    images = read_idx(bundled_path("train10k-images-idx3-ubyte.gz"))
    labels = read_idx(bundled_path("train10k-labels-idx1-ubyte.gz"))
    classifier, accuracy = train_domain_classifier(
        images[..., None] / 127.5 - 1.0, labels, epochs=3
    )
    print(f"classifier accuracy on its training digits: {accuracy:.3f}")
    return classifier


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("site", help="folder written by export --web")
    parser.add_argument("--out", default=str(OUT), help="screenshot PNG")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--check_classes", action="store_true")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    handler = functools.partial(_QuietHandler, directory=args.site)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/index.html?seed={args.seed}"
    meta = json.loads((pathlib.Path(args.site) / "model.json").read_text())
    height, width, _ = meta["image_shape"]
    classifier = digit_classifier() if args.check_classes else None
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium"), args=CHROMIUM_FLAGS
        )
        page = browser.new_page(viewport={"width": 820, "height": 900})
        errors = []
        page.on(
            "console",
            lambda message: (
                message.type == "error" and errors.append(message.text)
            ),
        )
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(url)
        page.wait_for_function(
            "window.dcgan && (window.dcgan.ready || window.dcgan.error)",
            timeout=120_000,
        )
        if page.evaluate("window.dcgan.error"):
            raise RuntimeError(page.evaluate("window.dcgan.error"))
        if classifier is not None:
            accuracies = []
            for label in range(meta["num_classes"]):
                page.select_option("#class-picker", str(label))
                pixels = page.evaluate("window.dcgan.pixels()")
                images = np.array(pixels, np.float32).reshape(
                    -1, height, width, 4
                )[..., :1]
                predicted = classifier.predict(
                    images / 127.5 - 1.0, verbose=0
                ).argmax(-1)
                accuracies.append(float(np.mean(predicted == label)))
            print(
                f"recognised as the picked class ({len(predicted)} images "
                f"each): {[round(a, 3) for a in accuracies]}, mean "
                f"{np.mean(accuracies):.3f}"
            )
            page.select_option("#class-picker", "rows")
        page.fill("#walk-slider", "350")
        page.dispatch_event("#walk-slider", "input")
        page.evaluate("window.dcgan.pixels()")  # waits for the redraws
        page.evaluate("document.activeElement.blur()")
        page.screenshot(path=args.out, full_page=True)
        browser.close()
    server.shutdown()
    print(f"wrote {args.out}; console errors: {errors or 'none'}")


if __name__ == "__main__":
    main()
