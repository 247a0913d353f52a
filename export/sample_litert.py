r"""Samples images from a TFLite generator with LiteRT, as a phone app does.

    python export/sample_litert.py --model=generator.tflite --num_samples=16 \
        --seed=0 --out=grid.png

Needs only `ai-edge-litert`, numpy and Pillow (no TensorFlow): draw standard
normal noise, run the model, convert to uint8 if the model outputs floats in
[-1, 1], tile a grid. Works for dynamic-batch and fixed-batch models. A
class-conditional model also takes `labels`: `--label=K` draws class K.
"""

import argparse
import math

import numpy as np
from ai_edge_litert.interpreter import Interpreter
from PIL import Image


def sample(model_path, num_samples, seed=0, num_threads=None, label=None):
    """Generates `num_samples` uint8 images with a `.tflite` generator.

    Args:
        model_path: str. A model written by `keras-dcgan export --tflite`.
        num_samples: int. How many images.
        seed: int. Seed of numpy's noise (not TF Serving's: the two draw
            different latents for the same seed). Defaults to 0.
        num_threads: int or None. CPU threads. Defaults to None.
        label: int or None. The class of every image, for a conditional
            model (one with a `labels` input). Defaults to None.

    Returns:
        A uint8 array `(num_samples, height, width, channels)`.
    """
    interpreter = Interpreter(model_path=model_path, num_threads=num_threads)
    runner = interpreter.get_signature_runner("serving_default")
    inputs = runner.get_input_details()
    if ("labels" in inputs) != (label is not None):
        raise ValueError(
            "This model is class-conditional: pass a label."
            if "labels" in inputs
            else "This model is unconditional; it takes no label."
        )
    latents_info = inputs["latents"]
    latent_dim = int(latents_info["shape"][1])
    fixed_batch = int(latents_info["shape_signature"][0])
    batch = fixed_batch if fixed_batch > 0 else num_samples
    noise = np.random.default_rng(seed).standard_normal(
        (math.ceil(num_samples / batch) * batch, latent_dim), np.float32
    )
    extra = {}
    if label is not None:
        extra["labels"] = np.full([batch], label, np.int32)
    images = np.concatenate(
        [
            runner(latents=noise[i : i + batch], **extra)["images"]
            for i in range(0, len(noise), batch)
        ]
    )[:num_samples]
    if images.dtype != np.uint8:
        images = np.clip(np.round((images + 1.0) * 127.5), 0, 255)
        images = images.astype(np.uint8)
    return images


def grid(images):
    """Tiles uint8 NHWC images into one square-ish grid image."""
    count, height, width, channels = images.shape
    columns = math.ceil(math.sqrt(count))
    rows = math.ceil(count / columns)
    out = np.zeros((rows * height, columns * width, channels), np.uint8)
    for i, image in enumerate(images):
        row, column = divmod(i, columns)
        top, left = row * height, column * width
        out[top : top + height, left : left + width] = image
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--num_samples", type=int, default=16)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="litert_samples.png")
    parser.add_argument(
        "--label",
        type=int,
        default=None,
        help="Class, for a conditional model.",
    )
    args = parser.parse_args(argv)
    image = grid(
        sample(args.model, args.num_samples, args.seed, label=args.label)
    )
    Image.fromarray(image.squeeze(-1) if image.shape[-1] == 1 else image).save(
        args.out
    )
    print(f"Wrote {args.out}")


if __name__ == "__main__":
    main()
