"""Lazy package namespaces (PEP 562), so `import keras_dcgan` loads no
TensorFlow and the command line answers `--help` at once.

A package calls `attach(__name__, names)` and gets the `__getattr__` and
`__dir__` that import a public name's module, or a submodule, on first use.
"""

import importlib
import importlib.abc
import importlib.util
import sys


def attach(package: str, names: dict[str, str]):
    """`(__getattr__, __dir__)` for a package with lazily imported names.

    Args:
        package: str. The package's `__name__`.
        names: dict. Each public name and the module that defines it.

    Returns:
        The two functions, to assign to the package's `__getattr__` and
        `__dir__`. Unknown names raise `AttributeError` as usual.
    """
    module = importlib.import_module(package)

    def module_getattr(name):
        if name in names:
            value = getattr(importlib.import_module(names[name]), name)
        else:  # a submodule, as an eager package would have imported it
            try:
                value = importlib.import_module(f"{package}.{name}")
            except ModuleNotFoundError as error:
                if error.name != f"{package}.{name}":
                    raise
                raise AttributeError(
                    f"module {package!r} has no attribute {name!r}"
                ) from None
        setattr(module, name, value)
        return value

    def module_dir():
        return sorted({*vars(module), *names})

    return module_getattr, module_dir


def import_with_keras(modules: tuple[str, ...]) -> None:
    """Imports `modules` as soon as Keras is imported: now if it already is.

    A lazy package still has to register its `keras.saving` serializable
    classes before Keras loads a saved model: `import keras_dcgan` then
    `keras.saving.load_model("gan.keras")` must find `keras_dcgan>DCGAN`.
    Registration needs Keras, which the lazy package must not import, so
    the modules that register classes are imported right after Keras is.

    Args:
        modules: tuple of str. Modules to import.
    """
    if "keras" in sys.modules:
        for name in modules:
            importlib.import_module(name)
    elif not any(isinstance(f, _AfterKeras) for f in sys.meta_path):
        sys.meta_path.insert(0, _AfterKeras(modules))


class _AfterKeras(importlib.abc.MetaPathFinder):
    """Finds `keras` with the other finders and imports `modules` after it
    has executed."""

    def __init__(self, modules):
        self.modules = modules

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "keras":
            return None
        sys.meta_path.remove(self)  # once, and not for the search below
        spec = importlib.util.find_spec(fullname)
        if spec is None or spec.loader is None:
            return spec
        exec_module = spec.loader.exec_module
        modules = self.modules

        def exec_then_import(module):
            exec_module(module)
            for name in modules:
                importlib.import_module(name)

        spec.loader.exec_module = exec_then_import
        return spec
