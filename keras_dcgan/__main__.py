"""`python -m keras_dcgan SUBCOMMAND --flags`, the same as `keras-dcgan`."""

from keras_dcgan.cli.main import run

if __name__ == "__main__":
    run()
