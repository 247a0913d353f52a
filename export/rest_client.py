r"""Samples images from a TF Serving DCGAN over its REST API.

    python export/rest_client.py --url=http://localhost:8501 --model=dcgan \
        --seed=0 --num_samples=16 --out_dir=samples

Standard library only. The request bodies follow TF Serving's documented
formats (https://www.tensorflow.org/tfx/serving/api_rest): the seed-driven
signatures take scalars, which only the columnar `"inputs"` format can send;
`serving_default` takes latents in the row `"instances"` format (one list per
latent vector) or the columnar one. Outputs whose name ends in `_bytes` come
back base64-encoded as `{"b64": "..."}`. A class-conditional model's
signatures also take `labels`, one class per image (`--label=K` here).
"""

import argparse
import base64
import json
import os
import urllib.error
import urllib.request


def seed_body(seed, num_samples, signature="generate_png", labels=None):
    """The JSON body for `generate_png` or `generate_uint8` (columnar).

    Args:
        seed: int. Seed of the latents.
        num_samples: int. How many images.
        signature: str. `"generate_png"` or `"generate_uint8"`. Defaults to
            `"generate_png"`.
        labels: list of int or None. For a class-conditional model, the
            class of each image (`num_samples` of them). Defaults to None.

    Returns:
        A dict, ready for `json.dumps`.
    """
    inputs = {"seed": int(seed), "num_samples": int(num_samples)}
    if labels is not None:
        inputs["labels"] = [int(label) for label in labels]
    return {"signature_name": signature, "inputs": inputs}


def latents_body(latents, columnar=False, labels=None):
    """The JSON body for `serving_default`.

    Args:
        latents: array-like. Float latents `(batch, latent_dim)`.
        columnar: bool. Use the `"inputs"` format instead of the row
            `"instances"` format. Defaults to False.
        labels: list of int or None. For a class-conditional model, the
            class of each latent. Defaults to None.

    Returns:
        A dict, ready for `json.dumps`.
    """
    rows = [[float(x) for x in row] for row in latents]
    if labels is not None:
        labels = [int(label) for label in labels]
    if columnar:
        inputs = {"latents": rows}
        if labels is not None:
            inputs["labels"] = labels
        return {"signature_name": "serving_default", "inputs": inputs}
    if labels is not None:
        # Several inputs: each row instance is an object of named inputs.
        rows = [
            {"latents": row, "labels": label}
            for row, label in zip(rows, labels, strict=True)
        ]
    return {"signature_name": "serving_default", "instances": rows}


def _decode_b64(value):
    if isinstance(value, dict) and set(value) == {"b64"}:
        return base64.b64decode(value["b64"])
    if isinstance(value, list):
        return [_decode_b64(item) for item in value]
    if isinstance(value, dict):
        return {key: _decode_b64(item) for key, item in value.items()}
    return value


def read_response(body):
    """The model output of a predict response body, base64 decoded.

    Our signatures have one output each, so TF Serving returns it unnamed:
    `{"predictions": [...]}` for row requests and `{"outputs": [...]}` for
    columnar ones.

    Args:
        body: dict. The parsed JSON response.

    Returns:
        Nested lists of numbers (images), or a list of `bytes` (PNG files).
    """
    if "error" in body:
        raise RuntimeError(f"TF Serving error: {body['error']}")
    for key in ("predictions", "outputs"):
        if key in body:
            return _decode_b64(body[key])
    raise ValueError(
        f"Not a predict response: expected 'predictions' or 'outputs', "
        f"received keys {sorted(body)}."
    )


def predict(url, model_name, body, version=None, timeout=30.0):
    """POSTs a predict request and returns the decoded output.

    Args:
        url: str. The server's REST root, such as `http://localhost:8501`.
        model_name: str. The served model's name.
        body: dict. From `seed_body` or `latents_body`.
        version: int or None. A specific version; None uses the latest.
            Defaults to None.
        timeout: float. Seconds before giving up. Defaults to 30.

    Returns:
        See `read_response`.
    """
    path = f"/v1/models/{model_name}"
    if version is not None:
        path += f"/versions/{int(version)}"
    request = urllib.request.Request(
        url.rstrip("/") + path + ":predict",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return read_response(json.load(response))
    except urllib.error.HTTPError as error:
        # TF Serving explains a refused request in the body, which urllib
        # does not read on an error status.
        raise RuntimeError(_http_error_message(error)) from None


def _http_error_message(error) -> str:
    """`HTTP 400 (Bad Request) from URL: <the server's error text>`."""
    raw = error.read().decode("utf-8", "replace")
    try:
        text = json.loads(raw).get("error", raw)
    except (ValueError, AttributeError):
        text = raw
    return (
        f"HTTP {error.code} ({error.reason}) from {error.url}: "
        f"{text.strip() or 'no error text in the response'}"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="http://localhost:8501")
    parser.add_argument("--model", default="dcgan")
    parser.add_argument("--version", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--num_samples", type=int, default=16)
    parser.add_argument("--out_dir", default="samples")
    parser.add_argument(
        "--label",
        type=int,
        default=None,
        help="Class, for a conditional model.",
    )
    args = parser.parse_args()
    labels = None if args.label is None else [args.label] * args.num_samples
    try:
        pngs = predict(
            args.url,
            args.model,
            seed_body(args.seed, args.num_samples, labels=labels),
            version=args.version,
        )
    except (RuntimeError, urllib.error.URLError) as error:
        parser.exit(1, f"rest_client.py: error: {error}\n")
    os.makedirs(args.out_dir, exist_ok=True)
    for i, png in enumerate(pngs):
        with open(os.path.join(args.out_dir, f"{i:04d}.png"), "wb") as f:
            f.write(png)
    print(f"Wrote {len(pngs)} PNGs to {args.out_dir}")


if __name__ == "__main__":
    main()
