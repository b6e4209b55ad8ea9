"""rnn_model.py, alone (no script run): the GRU cell's equations, the generator against the training graph, the
XLA-compiled generator, bfloat16 products; and that the scripts share the model without importing each other."""

import glob
import os

import numpy as np

from conftest import PROJECT_DIR, VERSE


def test_gru_cell_matches_the_equations():
    import rnn_model

    tf = rnn_model.tf
    rng = np.random.default_rng(0)
    with tf.Graph().as_default():
        layer = rnn_model.GRULayer("gru", 5, 4)
        x = tf.constant(rng.normal(size=(3, 5)).astype(np.float32))
        h = tf.constant(rng.normal(size=(3, 4)).astype(np.float32))
        new_h, _ = layer(tf.matmul(x, layer.W) + layer.b, h)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            values = sess.run([x, h, new_h, layer.W, layer.U_gates, layer.U_candidate, layer.b])
    x, h, new_h, W, U_gates, U_c, b = values
    sigmoid = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    r = sigmoid(x @ W[:, :4] + h @ U_gates[:, :4] + b[:4])
    z = sigmoid(x @ W[:, 4:8] + h @ U_gates[:, 4:] + b[4:8])
    c = np.tanh(x @ W[:, 8:] + (r * h) @ U_c + b[8:])
    assert np.allclose(new_h, z * h + (1 - z) * c, atol=1e-5)


def test_the_generator_gives_the_training_graphs_probabilities():
    # generating runs the layers one character at a time (rnn_model.Model.generator_step), training runs them
    # over whole sequences (dynamic_rnn): on the same text, from the same state, they must agree at every step
    import rnn_model

    tf = rnn_model.tf
    codes = txt_codes("ROMEO:\nBut soft, what light through yonder window breaks?\n")
    with tf.Graph().as_default():
        tf.set_random_seed(3)
        model = rnn_model.Model(internal_size=16, layers=3)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            expected = sess.run(model.probabilities, {model.X: [codes], model.Hin: model.zero_state(1)})[0]
            state = model.zero_state(1)
            for position, code in enumerate(codes):  # one character at a time, the state carried along
                probabilities, state = sess.run(
                    [model.gen_probabilities, model.gen_next_state], {model.gen_code: [code], model.gen_state: state}
                )
                np.testing.assert_allclose(probabilities[0], expected[position], atol=2e-6)
            # primed on the first 20 characters (through the training graph), the next step agrees too
            code, primed = model.prime(sess, codes[:20])
            probabilities = sess.run(model.gen_probabilities, {model.gen_code: code, model.gen_state: primed})
            np.testing.assert_allclose(probabilities[0], expected[19], atol=2e-6)


def test_the_compiled_generator_computes_what_the_op_by_op_one_does():
    # the generator's loop compiled by XLA (the default) against the same loop run op by op, on one model:
    # drawing among the top 1 leaves no randomness, so both must write the same characters and reach the same
    # state; drawing among the top 3, the compiled loop repeats itself for a seed and keeps to the top 3
    import rnn_model

    tf = rnn_model.tf
    code, state = np.array([txt_codes("R")[0]], np.int32), None
    results = {}
    for compiled in (False, True):
        with tf.Graph().as_default():
            tf.set_random_seed(5)
            model = rnn_model.Model(internal_size=32, layers=3, compiled_generator=compiled)
            with tf.Session() as sess:
                sess.run(tf.global_variables_initializer())
                state = model.zero_state(1) + 0.1
                results[compiled] = model.generate(sess, code, state, 120, 1, [4, 2])
                if compiled:
                    sampled, _, _ = model.generate(sess, code, state, 60, 3, [7, 1])
                    again, _, _ = model.generate(sess, code, state, 60, 3, [7, 1])
                    np.testing.assert_array_equal(sampled, again)
                    step_state = state
                    for previous, next_code in zip([code[0], *sampled[:-1]], sampled):
                        probabilities, step_state = sess.run(
                            [model.gen_probabilities, model.gen_next_state],
                            {model.gen_code: [previous], model.gen_state: step_state},
                        )
                        assert next_code in np.argsort(probabilities[0])[-3:]
    (codes, last, final), (xla_codes, xla_last, xla_final) = results[False], results[True]
    np.testing.assert_array_equal(codes, xla_codes)
    assert last == xla_last
    np.testing.assert_allclose(final, xla_final, atol=1e-4)


def txt_codes(text):
    import txtutils

    return [int(c) for c in txtutils.encode_text(text)]


def test_no_script_imports_another_script():
    # rnn_train.py and rnn_play.py share rnn_model.py; neither imports the other (nor any lesson script)
    import ast

    scripts = {"rnn_train", "rnn_play", "compare_runs"} | {
        os.path.basename(p)[:-3] for p in glob.glob(os.path.join(PROJECT_DIR, "mnist_[0-9]*.py"))
    }
    for script in scripts:
        tree = ast.parse(open(os.path.join(PROJECT_DIR, script + ".py")).read())
        imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert not imported & (scripts - {script}), (script, imported & scripts)


def test_bfloat16_products_learn_as_float32_does():
    """The mixed-precision training graph (rnn_train's default where the CPU has bfloat16 instructions) learns
    what the float32 one learns: same start, same batches, 300 steps of a small model."""
    from graphmode import tf
    import rnn_model
    import txtutils

    codes = txtutils.encode_array(VERSE * 40)
    losses = {}
    for bfloat16 in (False, True):
        tf.reset_default_graph()
        tf.set_random_seed(0)
        model = rnn_model.Model(internal_size=64, layers=2, learning_rate=0.01, bfloat16=bfloat16)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            state = model.zero_state(16)
            trained = []
            for x, y, _ in txtutils.rnn_minibatch_sequencer(codes, 16, 20, nb_epochs=100):
                loss, state, _ = sess.run(
                    [model.batch_loss, model.H, model.train_step], {model.X: x, model.Y_: y, model.Hin: state}
                )
                trained.append(loss)
                if len(trained) == 300:
                    break
            losses[bfloat16] = float(np.mean(trained[-30:]))
            first = trained[0]
    assert first > 4.0 and losses[False] < 1.0, losses  # both learn the verse...
    assert abs(losses[True] - losses[False]) < 0.05, losses  # ...to the same loss, within bfloat16's rounding
