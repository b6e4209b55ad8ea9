"""TensorFlow in graph mode (placeholders, variables, sessions), imported without its start-up noise.

    from graphmode import tf      # tensorflow.compat.v1 with v2 behaviour disabled

TensorFlow prints CUDA probing, oneDNN notices and deprecation warnings when it starts; the learner
should see the lesson's output instead. They are silenced unless --tf-verbose is on the command line
or the environment variable TF_VERBOSE=1 is set. Errors are never hidden.
"""
import logging
import os
import sys
import warnings

VERBOSE = "--tf-verbose" in sys.argv or os.environ.get("TF_VERBOSE") == "1"


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


if VERBOSE:
    import tensorflow.compat.v1 as tf
    tf.disable_v2_behavior()
else:
    tf = _import_quietly()


def session(**options):
    """A tf.Session for the lessons: ops fall back to the CPU when they have no GPU kernel, and GPU
    memory is taken as needed rather than all at once (so that two lessons can share a GPU)."""
    config = tf.ConfigProto(allow_soft_placement=True, **options)
    config.gpu_options.allow_growth = True
    return tf.Session(config=config)
