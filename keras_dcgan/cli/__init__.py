"""The `keras-dcgan` command line: `keras-dcgan SUBCOMMAND --flags`.

Each subcommand is a module here (`train`, `sample`, `interpolate`,
`export`, `evaluate`) defining its absl flags and a thin `main(argv)`:
flags -> config -> one library call. `main.run` picks the module.
"""
