r"""Samples images from a TF Serving DCGAN over gRPC.

    python export/grpc_client.py --server=localhost:8500 --model=dcgan \
        --seed=0 --num_samples=16 --out_dir=samples

Needs `pip install keras-dcgan[serving]` (tensorflow-serving-api and
grpcio). The helpers build and read the PredictRequest/PredictResponse
protos of the three signatures `keras-dcgan export` writes; a
class-conditional model's signatures also take `labels` (`--label=K` here).
"""

import argparse
import os

import grpc
import numpy as np
import tensorflow as tf
from tensorflow_serving.apis import predict_pb2
from tensorflow_serving.apis import prediction_service_pb2_grpc


def seed_request(
    model_name, seed, num_samples, signature="generate_png", labels=None
):
    """A PredictRequest for `generate_png` or `generate_uint8`.

    Args:
        model_name: str. The served model's name.
        seed: int. Seed of the latents; the same seed gives the same images.
        num_samples: int. How many images.
        signature: str. `"generate_png"` or `"generate_uint8"`. Defaults to
            `"generate_png"`.
        labels: array-like or None. For a class-conditional model, the class
            of each image (`num_samples` ints). Defaults to None.

    Returns:
        A `predict_pb2.PredictRequest`.
    """
    request = predict_pb2.PredictRequest()
    request.model_spec.name = model_name
    request.model_spec.signature_name = signature
    request.inputs["seed"].CopyFrom(tf.make_tensor_proto(seed, tf.int64))
    request.inputs["num_samples"].CopyFrom(
        tf.make_tensor_proto(num_samples, tf.int32)
    )
    _add_labels(request, labels)
    return request


def _add_labels(request, labels):
    if labels is not None:
        request.inputs["labels"].CopyFrom(
            tf.make_tensor_proto(np.asarray(labels, np.int32))
        )


def latents_request(model_name, latents, labels=None):
    """A PredictRequest for `serving_default`: your own latents.

    Args:
        model_name: str. The served model's name.
        latents: array-like. Float latents `(batch, latent_dim)`.
        labels: array-like or None. For a class-conditional model, the class
            of each latent. Defaults to None.

    Returns:
        A `predict_pb2.PredictRequest`.
    """
    request = predict_pb2.PredictRequest()
    request.model_spec.name = model_name
    request.model_spec.signature_name = "serving_default"
    request.inputs["latents"].CopyFrom(
        tf.make_tensor_proto(np.asarray(latents, np.float32))
    )
    _add_labels(request, labels)
    return request


def read_response(response):
    """The outputs of a PredictResponse as numpy arrays by name.

    Args:
        response: predict_pb2.PredictResponse.

    Returns:
        A dict: `"images"` (float32 or uint8 NHWC) or `"png_bytes"` (an
        object array of PNG file contents).
    """
    return {
        name: tf.make_ndarray(proto) for name, proto in response.outputs.items()
    }


def predict(server, request, timeout=30.0):
    """Sends one PredictRequest and returns the outputs by name.

    Args:
        server: str. `host:port` of the server's gRPC port (8500 by default).
        request: predict_pb2.PredictRequest.
        timeout: float. Seconds before giving up. Defaults to 30.

    Returns:
        See `read_response`.
    """
    with grpc.insecure_channel(server) as channel:
        stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)
        return read_response(stub.Predict(request, timeout))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--server", default="localhost:8500")
    parser.add_argument("--model", default="dcgan")
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
    outputs = predict(
        args.server,
        seed_request(args.model, args.seed, args.num_samples, labels=labels),
    )
    os.makedirs(args.out_dir, exist_ok=True)
    for i, png in enumerate(outputs["png_bytes"]):
        with open(os.path.join(args.out_dir, f"{i:04d}.png"), "wb") as f:
            f.write(png)
    print(f"Wrote {len(outputs['png_bytes'])} PNGs to {args.out_dir}")


if __name__ == "__main__":
    main()
