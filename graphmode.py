"""TensorFlow in graph mode (placeholders, variables, sessions), imported without its start-up noise.

    from graphmode import tf      # tensorflow.compat.v1 with v2 behaviour disabled

TensorFlow prints CUDA probing, oneDNN notices and deprecation warnings when it starts; the learner
should see the lesson's output instead. They are silenced unless --tf-verbose is on the command line
or the environment variable TF_VERBOSE=1 is set. Errors are never hidden.
"""
import logging
import os
import signal
import sys
import warnings

# TensorFlow speaks while it loads, before any script has parsed its flags: so the one flag that turns its
# messages back on is looked for here, in the command line itself. Scripts declare it with add_verbose_flag()
# so that --help lists it and argparse accepts it.
VERBOSE_FLAG = "--tf-verbose"
VERBOSE = VERBOSE_FLAG in sys.argv[1:] or os.environ.get("TF_VERBOSE") == "1"
# --xla, opt-in: XLA compiles clusters of the graph's operations into fused machine code. On the CPU it has to
# be switched on before TensorFlow loads, hence here too. Not the default: the results differ in the last digits.
XLA_FLAG = "--xla"
if XLA_FLAG in sys.argv[1:]:
    os.environ.setdefault("TF_XLA_FLAGS", "--tf_xla_auto_jit=2 --tf_xla_cpu_global_jit")
SUPPORTED_PYTHONS = ((3, 10), (3, 13))  # the Python versions TensorFlow 2.21 publishes wheels for


_TERMINAL = os.dup(2)  # the real stderr, even while TensorFlow's import points file descriptor 2 at /dev/null


def _quit_quietly(_signal, _frame):
    os.write(_TERMINAL, b"\ninterrupted\n")
    sys.exit(130)


def _started_as_a_project_script():
    main_file = getattr(sys.modules.get("__main__"), "__file__", None) or ""
    project = os.path.dirname(os.path.abspath(__file__))
    return os.path.abspath(main_file).startswith(project + os.sep) and "IPython" not in sys.modules


# Start-up (importing TensorFlow, matplotlib...) takes seconds: a Ctrl-C meanwhile ends a lesson or an RNN
# script with one line, not a traceback. cli.run_main() gives Ctrl-C back its usual meaning once main()
# starts. Imported anywhere else (a test runner, a notebook), Ctrl-C is left alone.
if _started_as_a_project_script():
    signal.signal(signal.SIGINT, _quit_quietly)


def _no_tensorflow(error):
    """One line saying what to do when TensorFlow cannot be imported (usually: a Python it has no wheels for)."""
    version = sys.version_info[:2]
    low, high = SUPPORTED_PYTHONS
    if not low <= version <= high:
        advice = (f"TensorFlow 2.21 is published for Python {low[0]}.{low[1]} to {high[0]}.{high[1]}, this is "
                  f"Python {version[0]}.{version[1]}: make a virtual environment with one of those "
                  f"(e.g. python{high[0]}.{high[1]} -m venv .venv) and install requirements.txt in it")
    else:
        advice = "install the requirements: python -m pip install -r requirements.txt"
    print(f"error: cannot import TensorFlow ({error}). {advice}", file=sys.stderr)
    sys.exit(1)


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


try:
    if VERBOSE:
        import tensorflow.compat.v1 as tf
        tf.disable_v2_behavior()
    else:
        tf = _import_quietly()
except ImportError as e:
    _no_tensorflow(e)


def add_xla_flag(parser, measured):
    """Declare --xla (read at import, see XLA_FLAG); measured: what it did here, for --help (% written %%)."""
    parser.add_argument(XLA_FLAG, action="store_true", help="opt-in: compile the graph with XLA, faster on the "
                        f"CPU ({measured}); the figures differ from the default run in the last digits")


def add_verbose_flag(parser):
    """Declare --tf-verbose (read at import by this module, see VERBOSE) in a script's argument parser."""
    parser.add_argument(VERBOSE_FLAG, action="store_true", help="show TensorFlow's own log messages, silenced "
                        "by default (also: TF_VERBOSE=1)")


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
