"""`make bench`: the SDK's costs measured against raw httpx and websockets, in the same run.

Each figure compares our client with what a hand-written caller would do with the libraries we
build on, measured back to back in one process run, alternating A/B (ABBA) so that drift in a
busy machine cancels out, and reported as medians with their spread. The table goes to stdout,
every figure with the machine and package versions to `build/bench.json`. Nothing here asserts a
timing: the test suite only checks that `python -m bench --quick` runs and writes every name.
"""
