r"""DCGAN.fit against the PyTorch DCGAN example on the same networks.

The peer is the `mnist` preset's networks (28x28x1) and the `celeba64`
preset's (64x64x3) written in PyTorch: the same layers (a bias-free linear
projection to the first feature map, stride-2 4x4 transposed convolutions /
convolutions, batch normalization after every hidden layer except the
discriminator's first, ReLU / LeakyReLU(0.2), tanh, one logit), N(0, 0.02)
weights and N(1, 0.02) batch-norm scales, Adam(2e-4, beta_1=0.5), trained
with pytorch/examples' dcgan loop: the discriminator on the real batch, then
on the fakes detached, one optimizer step, then the generator on the same
fakes (https://github.com/pytorch/examples/blob/main/dcgan/main.py).

Each measurement is its own process, and the two trainers alternate
(ABAB...), so a machine shared with other work slows both alike; the table
gives every run's images/s, the medians, the median of the per-pair ratios
and their spread, and each run's distance from its trainer's median. The
same run measures this CPU's matmul and convolution peak (TensorFlow,
float32 and bfloat16) and the model GFLOP/s each trainer reaches.

TensorFlow's oneDNN kernels are on for keras-dcgan (`--onednn=on`, as the
`keras-dcgan` command runs; TensorFlow's x86 builds otherwise turn them on
only on CPUs with AVX-512 VNNI, bfloat16 or AMX units).

PyTorch is a benchmark-only dependency: `pip install "keras-dcgan[bench]"`
(the CPU build of torch 2.13.0).

Usage:
    python benchmarks/peer_pytorch.py --sizes=28 --precisions=float32 \
        --pairs=3 --steps=200
    python benchmarks/peer_pytorch.py --sizes=64 --pairs=3 --steps=20
    python benchmarks/peer_pytorch.py --sizes=28 --reuse_fakes
    python benchmarks/peer_pytorch.py --sizes=64 --jit_compile=true --onednn=off
"""

import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys
import time

PRESET_BY_SIZE = {28: "mnist", 64: "celeba64"}


def synthetic_images(size, channels, count, seed=0):
    import numpy as np

    rng = np.random.default_rng(seed)
    return rng.uniform(-1, 1, (count, size, size, channels)).astype("float32")


# --- PyTorch peer -----------------------------------------------------------


def torch_networks(size):
    """The preset's generator and discriminator as torch modules."""
    import torch
    from torch import nn

    latent, channels = 100, 1 if size == 28 else 3
    # (start size, channels per stage): mnist 7x7x128 -> 14x14x64 -> 28x28x1;
    # celeba64 4x4x512 -> 8x8x256 -> ... -> 64x64x3 (and the mirror for D).
    start, widths = (7, [128, 64]) if size == 28 else (4, [512, 256, 128, 64])

    class Generator(nn.Module):
        def __init__(self):
            super().__init__()
            self.project = nn.Linear(latent, start * start * widths[0], False)
            layers = [nn.BatchNorm2d(widths[0], eps=1e-3, momentum=0.01)]
            layers.append(nn.ReLU(True))
            for a, b in itertools.pairwise(widths):
                layers += [
                    nn.ConvTranspose2d(a, b, 4, 2, 1, bias=False),
                    nn.BatchNorm2d(b, eps=1e-3, momentum=0.01),
                    nn.ReLU(True),
                ]
            layers += [nn.ConvTranspose2d(widths[-1], channels, 4, 2, 1)]
            layers += [nn.Tanh()]
            self.main = nn.Sequential(*layers)

        def forward(self, z):
            x = self.project(z).view(-1, widths[0], start, start)
            return self.main(x)

    class Discriminator(nn.Module):
        def __init__(self):
            super().__init__()
            down = widths[::-1]
            layers = [nn.Conv2d(channels, down[0], 4, 2, 1)]
            layers.append(nn.LeakyReLU(0.2, True))
            for a, b in itertools.pairwise(down):
                layers += [
                    nn.Conv2d(a, b, 4, 2, 1, bias=False),
                    nn.BatchNorm2d(b, eps=1e-3, momentum=0.01),
                    nn.LeakyReLU(0.2, True),
                ]
            self.main = nn.Sequential(*layers)
            self.logits = nn.Linear(start * start * down[-1], 1)

        def forward(self, x):
            return self.logits(torch.flatten(self.main(x), 1))

    def init(module):
        # pytorch/examples' weights_init: N(0, 0.02) weights, N(1, 0.02)
        # batch-norm scales; the linear layers get N(0, 0.02) as ours do.
        if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.normal_(module.weight, 0.0, 0.02)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.BatchNorm2d):
            nn.init.normal_(module.weight, 1.0, 0.02)
            nn.init.zeros_(module.bias)

    generator, discriminator = Generator(), Discriminator()
    generator.apply(init)
    discriminator.apply(init)
    return generator, discriminator


def run_torch(size, precision, batch, steps, warmup):
    import torch
    from torch import nn

    torch.manual_seed(0)
    channels = 1 if size == 28 else 3
    net_g, net_d = torch_networks(size)
    criterion = nn.BCEWithLogitsLoss()
    opt_d = torch.optim.Adam(net_d.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_g = torch.optim.Adam(net_g.parameters(), lr=2e-4, betas=(0.5, 0.999))
    images = torch.from_numpy(
        synthetic_images(size, channels, batch * 50).transpose(0, 3, 1, 2)
    ).contiguous()
    autocast = precision == "bfloat16"

    def step(i):
        start = (i % 50) * batch
        real = images[start : start + batch]
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=autocast):
            # (1) Update D: maximize log D(x) + log(1 - D(G(z))).
            net_d.zero_grad()
            label = torch.full((batch, 1), 1.0)
            err_d_real = criterion(net_d(real).float(), label)
            err_d_real.backward()
            noise = torch.randn(batch, 100)
            fake = net_g(noise)
            label.fill_(0.0)
            err_d_fake = criterion(net_d(fake.detach()).float(), label)
            err_d_fake.backward()
            opt_d.step()
            # (2) Update G: maximize log D(G(z)), on the same fakes.
            net_g.zero_grad()
            label.fill_(1.0)
            err_g = criterion(net_d(fake).float(), label)
            err_g.backward()
            opt_g.step()
        return err_g

    for i in range(warmup):
        step(i)
    start = time.perf_counter()
    for i in range(steps):
        loss = step(i)
    loss.item()
    return batch * steps / (time.perf_counter() - start)


# --- keras-dcgan ------------------------------------------------------------


def run_keras(size, precision, batch, steps, warmup, reuse_fakes, jit):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras
    import tensorflow as tf

    from keras_dcgan import DCGAN

    if precision == "bfloat16":
        keras.mixed_precision.set_dtype_policy("mixed_bfloat16")
    keras.utils.set_random_seed(0)
    gan = DCGAN.from_preset(PRESET_BY_SIZE[size], seed=0)
    options = {"reuse_fakes": True} if reuse_fakes else {}
    if jit != "default":
        options["jit_compile"] = jit == "true"
    gan.compile(**options)
    channels = gan.image_shape[-1]
    images = synthetic_images(size, channels, batch * 50)
    dataset = tf.data.Dataset.from_tensor_slices(images)
    dataset = dataset.batch(batch, drop_remainder=True).cache().repeat()
    # tf.data's autotuning thread re-optimizes on a period that doubles from
    # 10 ms to 5.12 s, and tearing the iterator down at the end of `fit`
    # waits for its next wake-up: without this, timed windows end on a
    # 5.12 s grid (docs/performance.md).
    options = tf.data.Options()
    options.autotune.enabled = False
    dataset = dataset.with_options(options)
    gan.fit(dataset, steps_per_epoch=warmup, epochs=1, verbose=0)
    start = time.perf_counter()
    gan.fit(dataset, steps_per_epoch=steps, epochs=1, verbose=0)
    return batch * steps / (time.perf_counter() - start)


def run_peaks():
    """Best GFLOP/s of a 2048^3 matmul and of a convolution, TF, 2 dtypes."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf

    def best(function, *args, tries=5):
        function(*args).numpy()
        times = []
        for _ in range(tries):
            start = time.perf_counter()
            function(*args).numpy()
            times.append(time.perf_counter() - start)
        return min(times)

    peaks = {}
    for dtype in ("float32", "bfloat16"):
        a = tf.cast(tf.random.normal([2048, 2048]), dtype)
        seconds = best(tf.function(lambda x: tf.matmul(x, x)), a)
        peaks[f"matmul {dtype}"] = 2 * 2048**3 / seconds / 1e9
        # celeba64's discriminator stage 3: 64 x 16x16x128 -> 8x8x256, 4x4.
        x = tf.cast(tf.random.normal([64, 16, 16, 128]), dtype)
        w = tf.cast(tf.random.normal([4, 4, 128, 256]), dtype)
        conv = tf.function(
            lambda x, w: tf.nn.conv2d(x, w, strides=2, padding="SAME")
        )
        seconds = best(conv, x, w)
        peaks[f"conv {dtype}"] = 2 * 64 * 8 * 8 * 256 * 16 * 128 / seconds / 1e9
    return peaks


def model_flops(size, trainer, reuse_fakes):
    """Model FLOPs per image of one step (2 per multiply-add).

    Forward passes per image: G 14.5 / D 13.3 MFLOP at 28x28 and G 209 /
    D 208 MFLOP at 64x64 (benchmarks/train_throughput.py counts them).
    Backward is 2x forward for a network whose weights get gradients, 1x
    for one only back-propagated through. DCGAN.fit: 4G + 8D (3G + 8D when
    reusing fakes); the PyTorch loop 3G + 9D (its generator backward also
    computes the discriminator's weight gradients, then discards them).
    """
    g, d = {28: (14.5e6, 13.3e6), 64: (209e6, 208e6)}[size]
    if trainer == "torch":
        return 3 * g + 9 * d
    return (3 if reuse_fakes else 4) * g + 8 * d


# --- Driver -----------------------------------------------------------------


def load_average():
    return os.getloadavg()[0]


def tensorflow_env(onednn):
    """The environment of a TensorFlow worker for `--onednn`."""
    env = dict(os.environ)
    if onednn != "default":
        env["TF_ENABLE_ONEDNN_OPTS"] = "1" if onednn == "on" else "0"
    return env


def measure(args, worker, size, precision):
    command = [
        sys.executable,
        __file__,
        f"--worker={worker}",
        f"--sizes={size}",
        f"--precisions={precision}",
        f"--batch_size={args.batch_size}",
        f"--steps={args.steps}",
        f"--warmup={args.warmup}",
    ]
    if args.reuse_fakes:
        command.append("--reuse_fakes")
    command.append(f"--jit_compile={args.jit_compile}")
    load = load_average()
    output = subprocess.run(
        command,
        check=True,
        capture_output=True,
        text=True,
        env=tensorflow_env(args.onednn),
    ).stdout
    result = json.loads(output.strip().splitlines()[-1])
    result["load"] = load
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="28,64")
    parser.add_argument("--precisions", default="float32,bfloat16")
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--batch_size", type=int, default=64)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument(
        "--reuse_fakes",
        action="store_true",
        help="DCGAN.compile(reuse_fakes=True), the peer's algorithm.",
    )
    parser.add_argument(
        "--jit_compile",
        choices=["default", "true", "false"],
        default="default",
        help="XLA for DCGAN.fit; `default` keeps DCGAN.compile's choice.",
    )
    parser.add_argument(
        "--onednn",
        choices=["on", "off", "default"],
        default="on",
        help="TensorFlow's oneDNN kernels for keras-dcgan "
        "(TF_ENABLE_ONEDNN_OPTS): `on` as the keras-dcgan command runs, "
        "`default` leaves TensorFlow's choice by CPU.",
    )
    parser.add_argument("--no_peaks", action="store_true")
    parser.add_argument("--worker", choices=["keras", "torch", "peaks"])
    args = parser.parse_args()

    if args.worker == "peaks":
        print(json.dumps(run_peaks()))
        return
    if args.worker:
        size, precision = int(args.sizes), args.precisions
        if args.worker == "torch":
            rate = run_torch(
                size, precision, args.batch_size, args.steps, args.warmup
            )
        else:
            rate = run_keras(
                size,
                precision,
                args.batch_size,
                args.steps,
                args.warmup,
                args.reuse_fakes,
                args.jit_compile,
            )
        print(json.dumps({"images_per_s": rate}))
        return

    print(
        f"batch {args.batch_size}, {args.steps} timed steps after "
        f"{args.warmup} warm-up steps, {args.pairs} alternating pairs "
        f"(keras-dcgan, PyTorch), reuse_fakes={args.reuse_fakes}, "
        f"jit_compile={args.jit_compile}, onednn={args.onednn}, "
        f"load average at start {load_average():.1f}",
        flush=True,
    )
    rows = []
    for size in map(int, args.sizes.split(",")):
        for precision in args.precisions.split(","):
            runs = {"keras": [], "torch": []}
            for _ in range(args.pairs):
                for worker in ("keras", "torch"):
                    result = measure(args, worker, size, precision)
                    runs[worker].append(result)
                    print(
                        f"  {size}x{size} {precision:8s} {worker:5s} "
                        f"{result['images_per_s']:7.1f} img/s "
                        f"(load {result['load']:.1f})",
                        flush=True,
                    )
            rows.append((size, precision, runs))
    peaks = (
        {}
        if args.no_peaks
        else json.loads(
            subprocess.run(
                [sys.executable, __file__, "--worker=peaks"],
                check=True,
                env=tensorflow_env(args.onednn),
                capture_output=True,
                text=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
    )
    print()
    print(
        "| size | precision | keras-dcgan img/s per run | PyTorch img/s per "
        "run | medians | ratio: median (per pair) | max run off median "
        "| model GFLOP/s |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for size, precision, runs in rows:
        ours = [r["images_per_s"] for r in runs["keras"]]
        peer = [r["images_per_s"] for r in runs["torch"]]
        ratios = [a / b for a, b in zip(ours, peer, strict=True)]
        med_ours, med_peer = statistics.median(ours), statistics.median(peer)
        off = max(
            max(abs(v / med_ours - 1) for v in ours),
            max(abs(v / med_peer - 1) for v in peer),
        )
        gflops_ours = med_ours * model_flops(size, "keras", args.reuse_fakes)
        gflops_peer = med_peer * model_flops(size, "torch", False)
        print(
            f"| {size}x{size} | {precision} "
            f"| {', '.join(f'{v:.0f}' for v in ours)} "
            f"| {', '.join(f'{v:.0f}' for v in peer)} "
            f"| {med_ours:.0f} / {med_peer:.0f} "
            f"| {statistics.median(ratios):.2f}x "
            f"({', '.join(f'{r:.2f}' for r in ratios)}) "
            f"| {100 * off:.0f}% "
            f"| {gflops_ours / 1e9:.0f} / {gflops_peer / 1e9:.0f} |"
        )
    if peaks:
        print()
        print(
            "Peak of this CPU in the same run (TensorFlow, best of 5): "
            + ", ".join(f"{k} {v:.0f} GFLOP/s" for k, v in peaks.items())
        )
    print(f"load average at end {load_average():.1f}")


if __name__ == "__main__":
    main()
