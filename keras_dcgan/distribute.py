"""Distribution strategies by name, so a training script never changes.

Create the strategy first, before any other TensorFlow work, then build and
compile the DCGAN inside `strategy.scope()`:

    strategy = get_strategy("mirrored")
    with strategy.scope():
        gan = DCGAN.from_preset("celeba64")
        gan.compile()
    gan.fit(dataset)  # the dataset's batch is the *global* batch

| name           | what it runs on                                         |
|----------------|---------------------------------------------------------|
| `default`      | TensorFlow's default: one device, no distribution       |
| `one_device`   | one chosen device (`devices=["GPU:1"]`)                 |
| `mirrored`     | all local GPUs (or `devices`), synchronous data-parallel |
| `multi_worker` | several hosts, each described by the `TF_CONFIG`        |
|                | environment variable that TensorFlow reads              |
| `tpu`          | a Cloud TPU (`tpu="name-or-grpc-address"`)               |

See docs/scaling.md for the commands.
"""

import contextlib
from collections.abc import Sequence

import tensorflow as tf

from keras_dcgan.options import COMMUNICATIONS
from keras_dcgan.options import STRATEGIES


def get_strategy(
    name: str = "default",
    devices: Sequence[str] | None = None,
    tpu: str | None = None,
    communication: str = "auto",
) -> tf.distribute.Strategy:
    """Returns a `tf.distribute.Strategy` by name.

    Call it before any other TensorFlow work: the multi-worker and TPU
    strategies must be created before TensorFlow initializes its devices.

    Args:
        name: str. One of `"default"`, `"one_device"`, `"mirrored"`,
            `"multi_worker"` or `"tpu"`. Defaults to `"default"`.
        devices: sequence of str or None. Devices for `"one_device"` (exactly
            one) and `"mirrored"` (one or more), such as `["GPU:0", "GPU:1"]`.
            None picks the first GPU for `"one_device"` (the CPU if there is
            none) and all GPUs for `"mirrored"`. Each must be a device of
            this machine (`tf.config.list_logical_devices()`), listed once.
            Other strategies take no devices. Defaults to None.
        tpu: str or None. For `"tpu"`: the TPU name or `grpc://` address;
            None (or `""`) finds the TPU of a Cloud TPU VM. Defaults to None.
        communication: str. Cross-host all-reduce of `"multi_worker"`:
            `"auto"`, `"ring"` (gRPC, works everywhere) or `"nccl"` (GPUs).
            Defaults to `"auto"`.

    Returns:
        The strategy. Build and compile the model in its `scope()`.

    Example:
    >>> strategy = get_strategy("one_device", devices=["CPU:0"])
    >>> strategy.num_replicas_in_sync
    1
    """
    if name not in STRATEGIES:
        raise ValueError(
            f"Unknown strategy {name!r}; expected one of {list(STRATEGIES)}."
        )
    if communication not in COMMUNICATIONS:
        raise ValueError(
            f"Unknown communication {communication!r}; expected one of "
            f"{list(COMMUNICATIONS)}."
        )
    if isinstance(devices, str | bytes):
        raise ValueError(
            "`devices` must be a list of device names such as ['GPU:0', "
            f"'GPU:1']; received the string {devices!r}."
        )
    if devices is not None and name not in ("one_device", "mirrored"):
        raise ValueError(
            f"Strategy {name!r} takes no `devices` (received "
            f"{list(devices)}): only 'one_device' and 'mirrored' do. "
            "Multi-worker jobs use every local GPU of each worker."
        )
    if tpu is not None and name != "tpu":
        raise ValueError(
            f"`tpu` ({tpu!r}) only applies to strategy 'tpu', not {name!r}."
        )
    if communication != "auto" and name != "multi_worker":
        raise ValueError(
            f"`communication` ({communication!r}) only applies to strategy "
            f"'multi_worker', not {name!r}."
        )
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "one_device":
        if devices is None:
            gpus = tf.config.list_logical_devices("GPU")
            devices = [gpus[0].name if gpus else "/CPU:0"]
        if len(devices) != 1:
            raise ValueError(
                "Strategy 'one_device' takes exactly one device; received "
                f"{list(devices)}."
            )
        _check_devices(devices)
        return tf.distribute.OneDeviceStrategy(devices[0])
    if name == "mirrored":
        if devices is not None and not devices:
            raise ValueError(
                "Strategy 'mirrored' needs at least one device; received []."
            )
        if devices is not None:
            _check_devices(devices)
        return tf.distribute.MirroredStrategy(
            None if devices is None else list(devices)
        )
    if name == "multi_worker":
        implementation = {
            "auto": tf.distribute.experimental.CommunicationImplementation.AUTO,
            "ring": tf.distribute.experimental.CommunicationImplementation.RING,
            "nccl": tf.distribute.experimental.CommunicationImplementation.NCCL,
        }[communication]
        return tf.distribute.MultiWorkerMirroredStrategy(
            communication_options=tf.distribute.experimental.CommunicationOptions(
                implementation=implementation
            )
        )
    return _tpu_strategy(tpu)


def _check_devices(devices: Sequence[str]) -> None:
    """Raises a `ValueError` unless each of `devices` exists, once.

    A strategy over a device that does not exist fails late or never:
    `MirroredStrategy(["GPU:0", "GPU:1"])` on a machine without GPUs waits
    forever in its first all-reduce, deaf to Ctrl-C, and `OneDeviceStrategy`
    quietly runs on another device. Each name is compared with TensorFlow's
    logical devices (so CPUs split with
    `tf.config.set_logical_device_configuration` count), in any spelling
    TensorFlow reads: `"GPU:0"`, `"/gpu:0"`, `"/device:GPU:0"` or
    `"/job:localhost/replica:0/task:0/device:GPU:0"`. A part left out (no
    index in `"/gpu"`, no job) matches any. This initializes TensorFlow's
    devices, as creating the strategy would.

    Args:
        devices: sequence of str. Device names.

    Example:
    >>> _check_devices(["CPU:0"])
    >>> _check_devices(["CPU:99"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: `devices`: 'CPU:99' is not a device of this machine; ...
    """
    logical = [
        _local_spec(tf.DeviceSpec.from_string(device.name))
        for device in tf.config.list_logical_devices()
    ]
    available = ", ".join(_short_name(spec) for spec in logical)
    seen = {}
    for device in devices:
        spec = None
        if isinstance(device, str) and device.strip():
            with contextlib.suppress(ValueError):
                spec = tf.DeviceSpec.from_string(device.strip())
        if spec is None or spec.device_type is None:
            raise ValueError(
                f"`devices`: {device!r} is not a device name such as 'GPU:0' "
                f"or 'CPU:0'; available: {available}."
            )
        matches = [
            candidate.to_string()
            for candidate in logical
            if _matches(spec, candidate)
        ]
        if not matches:
            raise ValueError(
                f"`devices`: {device!r} is not a device of this machine; "
                f"available: {available}."
            )
        # A name without an index ("/gpu") may stand for several devices.
        if len(matches) == 1:
            if matches[0] in seen:
                raise ValueError(
                    f"`devices` names one device twice ({seen[matches[0]]!r} "
                    f"and {device!r}); list each device once."
                )
            seen[matches[0]] = device


def _local_spec(spec: tf.DeviceSpec) -> tf.DeviceSpec:
    # Without a cluster, TensorFlow names its devices without a job; they
    # are this process's, "/job:localhost/replica:0/task:0".
    if spec.job is None:
        spec = spec.replace(job="localhost", replica=0, task=0)
    return spec


def _matches(wanted: tf.DeviceSpec, device: tf.DeviceSpec) -> bool:
    return all(
        getattr(wanted, part) is None
        or getattr(wanted, part) == getattr(device, part)
        for part in ("job", "replica", "task", "device_type", "device_index")
    )


def _short_name(spec: tf.DeviceSpec) -> str:
    name = f"{spec.device_type}:{spec.device_index}"
    if (spec.job, spec.replica, spec.task) == ("localhost", 0, 0):
        return name
    return spec.replace(device_type=None, device_index=None).to_string() + (
        f"/device:{name}"
    )


def _tpu_strategy(tpu: str | None) -> tf.distribute.TPUStrategy:
    try:
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver(
            tpu=tpu or ""
        )
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
    except (ValueError, OSError, RuntimeError, tf.errors.OpError) as error:
        raise ValueError(
            f"No TPU found for tpu={tpu!r}: {str(error).rstrip('.')}. "
            "On a Cloud TPU VM "
            "leave `tpu` unset; elsewhere set `tpu` to the TPU's name or "
            "grpc:// address."
        ) from error
    return tf.distribute.TPUStrategy(resolver)


def is_multi_worker(strategy: tf.distribute.Strategy) -> bool:
    """Whether `strategy` synchronizes replicas on more than one host.

    Args:
        strategy: tf.distribute.Strategy. Any strategy.

    Returns:
        True for a `MultiWorkerMirroredStrategy` with two or more workers.

    Example:
    >>> is_multi_worker(tf.distribute.get_strategy())
    False
    """
    # The same test Keras uses to pick its multi-worker reduction of logs.
    return isinstance(
        strategy, tf.distribute.MultiWorkerMirroredStrategy
    ) and bool(strategy.extended._in_multi_worker_mode())


def is_chief(strategy: tf.distribute.Strategy) -> bool:
    """Whether this process writes a multi-worker job's shared files.

    As in Keras' `ModelCheckpoint` and `BackupAndRestore`: the task of type
    `"chief"`, or worker 0 when the cluster has no chief. Every process of a
    single-host strategy is the chief.

    Args:
        strategy: tf.distribute.Strategy. Any strategy.

    Returns:
        A bool.

    Example:
    >>> is_chief(tf.distribute.get_strategy())
    True
    """
    if not is_multi_worker(strategy):
        return True
    resolver = strategy.cluster_resolver
    task_type, task_id = resolver.task_type, resolver.task_id
    if task_type == "chief":
        return True
    has_chief = "chief" in resolver.cluster_spec().as_dict()
    return task_type == "worker" and task_id == 0 and not has_chief
