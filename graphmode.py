"""TensorFlow in graph mode (placeholders, variables, sessions), started without its noise.

    import graphmode
    tf = graphmode.start_tensorflow()   # a script's first thing: tensorflow.compat.v1, v2 behaviour off

    from graphmode import tf            # a module that builds graphs: the TensorFlow a script started

Importing this module does nothing but define. start_tensorflow() does the start-up, once: it looks for
--tf-verbose and --xla on the command line (TensorFlow speaks, and reads its XLA setting, while it loads:
before a script parses its flags), makes a Ctrl-C meanwhile end a project script with one line, and imports
TensorFlow with its CUDA probing, oneDNN notices and deprecation warnings silenced (unless --tf-verbose or
TF_VERBOSE=1); when TensorFlow cannot be imported, one line says what to do. Errors are never hidden.

`tf` is the TensorFlow that start_tensorflow() started, for the modules that build graphs (mnist_lesson,
rnn_model, rnn_checkpoints): importing it loads nothing, and its first use starts TensorFlow where no
script did (a notebook, a test).
"""

import logging
import os
import signal
import sys
import warnings

# TensorFlow speaks while it loads, before any script has parsed its flags: so the one flag that turns its
# messages back on is looked for by start_tensorflow(), in the command line itself. Scripts declare it with
# add_verbose_flag() so that --help lists it and argparse accepts it.
VERBOSE_FLAG = "--tf-verbose"
# --xla, opt-in: XLA compiles clusters of the graph's operations into fused machine code. On the CPU it has to
# be switched on before TensorFlow loads, hence in start_tensorflow() too. Not the default: the results differ
# in the last digits.
XLA_FLAG = "--xla"
XLA_SETTINGS = "--tf_xla_auto_jit=2 --tf_xla_cpu_global_jit"  # TF_XLA_FLAGS, with --xla
SUPPORTED_PYTHONS = ((3, 10), (3, 13))  # the Python versions TensorFlow 2.21 publishes wheels for

_started = None  # the TensorFlow module start_tensorflow() imported


def start_tensorflow(argv=None):
    """Start TensorFlow in graph mode, quietly, and return it (tensorflow.compat.v1): the first thing a script
    does, as it takes seconds. argv: the command line's arguments, where --tf-verbose and --xla are looked for
    (default: sys.argv[1:]). Only the first call starts it: later ones return the same module.

    A project script run from the command line gets a Ctrl-C meanwhile ended with one line (cli.run_main()
    gives Ctrl-C back its usual meaning once main() starts); a test runner or a notebook keeps its own.
    When TensorFlow cannot be imported: one line on stderr saying what to do, and exit status 1."""
    global _started
    if _started is not None:
        return _started
    argv = sys.argv[1:] if argv is None else argv
    if XLA_FLAG in argv:
        os.environ.setdefault("TF_XLA_FLAGS", XLA_SETTINGS)
    if _started_as_a_project_script():
        _quit_quietly_on_ctrl_c()
    try:
        if VERBOSE_FLAG in argv or os.environ.get("TF_VERBOSE") == "1":
            _started = _import_tensorflow()
        else:
            _started = _import_quietly()
    except ImportError as e:
        _no_tensorflow(e)
    return _started


class _StartedTensorFlow:
    """`tf` for the modules that build graphs: every attribute is the started TensorFlow's (start_tensorflow())."""

    def __getattr__(self, name):
        return getattr(start_tensorflow(), name)

    def __dir__(self):
        return dir(start_tensorflow())

    def __repr__(self):
        return f"<TensorFlow in graph mode: {'started' if _started is not None else 'not started yet'}>"


tf = _StartedTensorFlow()


def _started_as_a_project_script():
    main_file = getattr(sys.modules.get("__main__"), "__file__", None) or ""
    project = os.path.dirname(os.path.abspath(__file__))
    return os.path.abspath(main_file).startswith(project + os.sep) and "IPython" not in sys.modules


def _quit_quietly_on_ctrl_c():
    """Start-up (importing TensorFlow, matplotlib...) takes seconds: a Ctrl-C meanwhile ends the script with one
    line, not a traceback, written to the real stderr even while TensorFlow's import points file descriptor 2
    at /dev/null."""
    terminal = os.dup(2)

    def quit_quietly(_signal, _frame):
        os.write(terminal, b"\ninterrupted\n")
        sys.exit(130)

    signal.signal(signal.SIGINT, quit_quietly)


def _no_tensorflow(error):
    """One line saying what to do when TensorFlow cannot be imported (usually: a Python it has no wheels for)."""
    version = sys.version_info[:2]
    low, high = SUPPORTED_PYTHONS
    if not low <= version <= high:
        advice = (
            f"TensorFlow 2.21 is published for Python {low[0]}.{low[1]} to {high[0]}.{high[1]}, this is "
            f"Python {version[0]}.{version[1]}: make a virtual environment with one of those "
            f"(e.g. python{high[0]}.{high[1]} -m venv .venv) and install requirements.txt in it"
        )
    else:
        advice = "install the requirements: python -m pip install -r requirements.txt"
    print(f"error: cannot import TensorFlow ({error}). {advice}", file=sys.stderr)
    sys.exit(1)


def _import_tensorflow():
    import tensorflow.compat.v1 as tf_v1

    tf_v1.disable_v2_behavior()
    return tf_v1


def _import_quietly():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", category=UserWarning, module="tensorflow")
    # The C++ side writes some notices straight to file descriptor 2 before its logging is set up:
    # point fd 2 at /dev/null while TensorFlow loads, then restore it.
    sys.stderr.flush()
    saved_stderr = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        import tensorflow.compat.v1 as tf_v1

        tf_v1.get_logger().setLevel(logging.ERROR)
        tf_v1.disable_v2_behavior()
        tf_v1.config.list_physical_devices("GPU")  # CUDA probing happens here: keep it quiet too
    finally:
        os.dup2(saved_stderr, 2)
        os.close(saved_stderr)
        os.close(devnull)
    return tf_v1


def add_xla_flag(parser, measured):
    """Declare --xla (read by start_tensorflow(), see XLA_FLAG); measured: what it did here, for --help (% written
    %%)."""
    parser.add_argument(
        XLA_FLAG,
        action="store_true",
        help="opt-in: compile the graph with XLA, faster on the "
        f"CPU ({measured}); the figures differ from the default run in the last digits",
    )


def add_verbose_flag(parser):
    """Declare --tf-verbose (read by start_tensorflow(), see VERBOSE_FLAG) in a script's argument parser."""
    parser.add_argument(
        VERBOSE_FLAG,
        action="store_true",
        help="show TensorFlow's own log messages, silenced by default (also: TF_VERBOSE=1)",
    )


def devices():
    """Where the graphs run, in words: "the CPU", or the GPUs TensorFlow found (ops that have no GPU kernel
    still run on the CPU). The graphs themselves name no device: TensorFlow places them."""
    gpus = tf.config.list_physical_devices("GPU")
    if not gpus:
        return "the CPU (no GPU found)"
    names = []
    for gpu in gpus:
        try:
            names.append(tf.config.experimental.get_device_details(gpu).get("device_name") or gpu.name)
        except Exception:
            names.append(gpu.name)
    return "GPU: " + ", ".join(names)


def session():
    """A tf.Session for the lessons: ops fall back to the CPU when they have no GPU kernel, and GPU
    memory is taken as needed rather than all at once (so that two lessons can share a GPU)."""
    config = tf.ConfigProto(allow_soft_placement=True)
    config.gpu_options.allow_growth = True
    return tf.Session(config=config)
