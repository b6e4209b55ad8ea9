"""The talk's character model: 3 stacked GRU layers of 512 units and a softmax readout, written once, for
rnn_train.py (which trains it) and rnn_play.py (which generates text and scores it with it).

The talk builds the network from TensorFlow's ready-made cells, in four steps:

    one GRU cell of 512 units per layer, each wrapped in dropout       (GRUCell, DropoutWrapper)
    the 3 cells stacked into one, their states concatenated: [3*512]   (MultiRNNCell)
    the stack unrolled over the 30 characters of a sequence            (dynamic_rnn on one-hot Xo)
    one softmax layer, shared by every time step                       (the outputs reshaped to [BATCH*30, 512])

Keras 3 removed GRUCell, MultiRNNCell and DropoutWrapper from TensorFlow 2 (see ../docs: dynamic_rnn
itself still works with any object that behaves as a cell). So this module writes the GRU cell with
plain operations, GRULayer, and maps the talk's steps onto it:

    the talk                               here
    GRUCell(512) + DropoutWrapper          GRULayer: the gate equations below; dropout on its input and output
    MultiRNNCell([cell] * 3)               the 3 layers one after the other, each unrolled by its own
                                           dynamic_rnn; the states split from / concatenated into Hin / H [BATCH, 3*512]
    dynamic_rnn(multicell, Xo)             the same call, per layer
    softmax on [BATCH*SEQLEN, 512]         the same readout (W_out, b_out)

Unrolling one layer at a time (rather than the whole stack step by step) lets each layer compute the
input half of its gates, x . W + b, for all 30 time steps in one large matrix product before its time
loop (for layer 1, a row lookup: a one-hot character picks one row of W). Only h . U stays in the loop.
benchmarks/peers.py measures this model at 3,334 characters/s in training on 2 cores, against 2,910 for
Keras 3's own GRU layer and 4,225 for PyTorch's (docs/benchmarks.md).

A GRU cell (the talk walks through the gates of an LSTM cell, then uses a GRU cell, a simpler one of the
same family; these are the GRU's equations; x: input, h: state, [.,.]: concatenation):
    r  = sigmoid([x, h] . Wr + br)          reset gate
    z  = sigmoid([x, h] . Wz + bz)          update gate
    c  = tanh([x, r * h] . Wc + bc)         candidate state
    h' = z * h + (1 - z) * c                new state, also the cell's output

Generating text uses the same layers and weights: one character in, the probabilities of the next one
out, the state carried along (Model.generator_step; Model.generate runs it in a loop inside the graph).
tests/test_rnn_model.py checks that it gives, character by character, the probabilities the training graph
gives for the same text.
"""
import numpy as np

from graphmode import tf     # TensorFlow in graph mode: placeholders, variables, a session
from rnn_hparams import INTERNALSIZE, NLAYERS  # the talk's 3 GRU layers of 512 units (rnn_hparams.py)
import txtutils

ALPHASIZE = txtutils.ALPHASIZE  # 98 character codes
LEARNING_RATE = 0.001
SAMPLE_TOPN = 2  # a trained model writes best drawing each character among its 2 most likely (the talk's code)
PRIME_CHUNK = 2000  # characters of a priming text fed at a time



def cpu_has_bfloat16():
    """Whether this machine's CPU has bfloat16 matrix instructions (AVX-512 BF16 or AMX), as Linux lists its
    flags; False elsewhere (not known: the float32 path, always right, is kept)."""
    try:
        with open("/proc/cpuinfo") as f:
            flags = f.read()
    except OSError:
        return False
    return any(flag in flags.split() for flag in ("avx512_bf16", "amx_bf16"))


def training_precision(float32_only=False):
    """(bfloat16 matrix products or not, why, in words), for rnn_train.py: on where the CPU has bfloat16
    instructions and no GPU runs the graph, unless float32_only (--float32)."""
    if float32_only:
        return False, "float32 (--float32)"
    if tf.config.list_physical_devices("GPU"):
        return False, "float32 (a GPU runs the graph)"
    if not cpu_has_bfloat16():
        return False, "float32 (this CPU has no bfloat16 instructions)"
    return True, ("mixed: matrix products in bfloat16, weights, Adam and the loss in float32 (this CPU has "
                  "bfloat16 instructions; --float32 to turn it off)")


def product(a, b):
    """a . b: float32 inputs as they are; with b in bfloat16 (GRULayer.use_bfloat16), a too, the result
    (accumulated in float32 by the CPU's bfloat16 instructions) back in float32 for what follows."""
    if b.dtype == tf.bfloat16:
        return tf.cast(tf.matmul(tf.cast(a, tf.bfloat16), b), tf.float32)
    return tf.matmul(a, b)


class GRULayer:
    """One GRU layer: its variables, and the cell that dynamic_rnn steps through time.

    For speed, the input half of the gate products, x . W + b, is computed for all time steps at once
    (one large matrix product, or a row lookup for one-hot characters) before the time loop; inside
    the loop, the cell only adds the state half, h . U. The sum is the same [x, h] . [W; U] + b.
    """

    def __init__(self, name, input_size, units):
        self.units = units
        init = tf.glorot_uniform_initializer()
        with tf.variable_scope(name):
            self.W = tf.get_variable("W", [input_size, 3 * units], initializer=init)       # x part: r, z, c
            self.U_gates = tf.get_variable("U_gates", [units, 2 * units], initializer=init)  # h part: r, z
            self.U_candidate = tf.get_variable("U_candidate", [units, units], initializer=init)
            # gate biases start at 1 (gates open: remember by default), the candidate's at 0
            self.b = tf.get_variable("b", [3 * units], initializer=tf.constant_initializer(
                np.concatenate([np.ones(2 * units), np.zeros(units)]).astype(np.float32)))
        self.use_bfloat16(False)  # float32 products until told otherwise

    # the interface tf.compat.v1.nn.dynamic_rnn expects of a cell
    @property
    def state_size(self):
        return self.units

    @property
    def output_size(self):
        return self.units

    def zero_state(self, batch_size, dtype):
        return tf.zeros([batch_size, self.units], dtype)

    def use_bfloat16(self, on):
        """From now on (the graph being built), the matrix products take their inputs in bfloat16 (on), or in
        float32. The weights stay float32 variables (what Adam updates, what is saved): their bfloat16 copies
        are made here, outside the time loop, once per run of the graph."""
        self.bfloat16 = on
        if on:
            self.U_gates_product = tf.cast(self.U_gates, tf.bfloat16)
            self.U_candidate_product = tf.cast(self.U_candidate, tf.bfloat16)
            self.W_product = tf.cast(self.W, tf.bfloat16)
        else:
            self.U_gates_product, self.U_candidate_product, self.W_product = self.U_gates, self.U_candidate, self.W

    def __call__(self, x_projected, h):
        """One time step. x_projected: [batch, 3*units] = x . W + b; h: [batch, units] state."""
        x_r, x_z, x_c = tf.split(x_projected, 3, axis=1)
        h_r, h_z = tf.split(product(h, self.U_gates_product), 2, axis=1)
        r = tf.sigmoid(x_r + h_r)                                   # reset gate     [batch, units]
        z = tf.sigmoid(x_z + h_z)                                   # update gate    [batch, units]
        c = tf.tanh(x_c + product(r * h, self.U_candidate_product))  # candidate     [batch, units]
        new_h = z * h + (1 - z) * c                                 # new state      [batch, units]
        return new_h, new_h

    def project_characters(self, codes, keep=None):
        """x . W + b for one-hot characters: multiplying a one-hot vector by W picks one row of W.

        keep: dropout mask of the characters ([..., 1], 0 or 1/pkeep); dropping an input of a one-hot
        vector is dropping its only non-zero value, so the mask is one number per character.
        """
        rows = tf.gather(self.W, codes)                              # [..., 3*units]
        return (rows if keep is None else rows * keep) + self.b

    def project(self, inputs):
        """x . W + b for dense inputs [batch, time, input_size], as one large matrix product."""
        batch, time = tf.shape(inputs)[0], tf.shape(inputs)[1]
        flat = tf.reshape(inputs, [-1, inputs.shape[-1]])           # [batch*time, input_size]
        return tf.reshape(product(flat, self.W_product) + self.b, [batch, time, 3 * self.units])


class Model:
    """The graph: placeholders, the stacked GRU, loss, accuracy, training step, and a text generator."""

    def __init__(self, internal_size=INTERNALSIZE, layers=NLAYERS, learning_rate=LEARNING_RATE, bfloat16=False,
                 compiled_generator=True):
        """The graph; Model(**hparams) for a saved model (internal_size, layers: its size).

        bfloat16: the training graph's matrix products in mixed precision (their inputs rounded to bfloat16,
        products accumulated in float32): 1.4x faster training where the CPU has bfloat16 instructions
        (avx512_bf16), the weights, Adam's state, the loss and the generator staying float32.
        compiled_generator: the text generator's loop compiled by XLA (see _build_generator), else op by op."""
        self.internal_size, self.layers, self.bfloat16 = internal_size, layers, bfloat16
        self.X = tf.placeholder(tf.int32, [None, None], name="X")        # [BATCH, SEQLEN] character codes
        self.Y_ = tf.placeholder(tf.int32, [None, None], name="Y_")      # [BATCH, SEQLEN] the next characters
        self.Hin = tf.placeholder(tf.float32, [None, internal_size * layers], name="Hin")  # [BATCH, 3*512]
        self.pkeep = tf.placeholder_with_default(1.0, [], name="pkeep")  # 0.8 in training
        self.gru = [GRULayer(f"gru{i}", ALPHASIZE if i == 0 else internal_size, internal_size)
                    for i in range(layers)]
        with tf.variable_scope("softmax"):
            self.W_out = tf.get_variable("W", [internal_size, ALPHASIZE], initializer=tf.glorot_uniform_initializer())
            self.b_out = tf.get_variable("b", [ALPHASIZE], initializer=tf.zeros_initializer())

        batch, seqlen = tf.shape(self.X)[0], tf.shape(self.X)[1]
        states_in = tf.split(self.Hin, layers, axis=1)                  # layers x [BATCH, 512]
        dropout = lambda t: tf.nn.dropout(t, rate=1 - self.pkeep)      # noqa: E731
        # layer 1 reads the characters, one-hot [BATCH, SEQLEN, 98]: as a row of W picked per character (no
        # one-hot tensor is built), the dropout of an input character as one mask value per character
        keep = dropout(tf.ones([batch, seqlen, 1]))                    # [BATCH, SEQLEN, 1]
        x_projected = self.gru[0].project_characters(self.X, keep)     # [BATCH, SEQLEN, 3*512]
        states_out = []
        for layer in self.gru:
            layer.use_bfloat16(bfloat16)
        for i, layer in enumerate(self.gru):
            outputs, state = tf.nn.dynamic_rnn(layer, x_projected, initial_state=states_in[i],
                                               scope=f"rnn{i}")       # [BATCH, SEQLEN, 512], [BATCH, 512]
            states_out.append(state)
            if i + 1 < layers:  # the next layer reads these outputs, with dropout
                x_projected = self.gru[i + 1].project(dropout(outputs))  # [BATCH, SEQLEN, 3*512]
        self.H = tf.concat(states_out, axis=1, name="H")                # [BATCH, 3*512] the state to feed back
        outputs = dropout(outputs)                                      # [BATCH, SEQLEN, 512]

        # the softmax readout, shared by all time steps: flatten time into the batch
        Yflat = tf.reshape(outputs, [-1, internal_size])                # [BATCH*SEQLEN, 512]
        W_out = tf.cast(self.W_out, tf.bfloat16) if bfloat16 else self.W_out
        Ylogits = product(Yflat, W_out) + self.b_out                    # [BATCH*SEQLEN, 98]
        Yflat_ = tf.reshape(self.Y_, [-1])                              # [BATCH*SEQLEN]
        # cross-entropy against the next characters (sparse labels: the same as one-hot Y_, cheaper)
        loss = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=Yflat_, logits=Ylogits)  # [BATCH*SEQLEN]
        self.seq_loss = tf.reduce_mean(tf.reshape(loss, [batch, seqlen]), axis=1)              # [BATCH]
        self.batch_loss = tf.reduce_mean(loss)
        self.Y = tf.reshape(tf.argmax(Ylogits, 1, output_type=tf.int32), [batch, seqlen])   # [BATCH, SEQLEN]
        self.probabilities = tf.reshape(tf.nn.softmax(Ylogits), [batch, seqlen, ALPHASIZE])  # [BATCH, SEQLEN, 98]
        self.accuracy = tf.reduce_mean(tf.cast(tf.equal(self.Y, self.Y_), tf.float32))

        self.global_step = tf.train.get_or_create_global_step()
        self.train_step = tf.train.AdamOptimizer(learning_rate).minimize(self.batch_loss,
                                                                         global_step=self.global_step)
        for layer in self.gru:  # the generator, one character at a time, in float32 (bfloat16 casts cost more there)
            layer.use_bfloat16(False)
        self._build_generator(compiled_generator)

    def zero_state(self, batch_size):
        return np.zeros([batch_size, self.internal_size * self.layers], np.float32)

    def _build_generator(self, compiled):
        """Generate `length` characters in one sess.run: a tf.while_loop that feeds each sampled
        character back as the next input, sampling among the `topn` most likely characters.

        compiled: the loop compiled by XLA into one piece of machine code (tf.function(jit_compile=True)).
        Per character, the loop runs about 40 small operations on [1, 512] vectors; one by one, the
        TensorFlow executor's cost of launching each weighs as much as their arithmetic. Compiled, they are
        fused between the matrix products, which are left to read the 16 MB of weights (2.5x faster here).
        XLA compiles once per length and topn (a second or so), and draws its own random numbers: the same
        seed gives the same text on each path, not the same text on both."""
        self.gen_code = tf.placeholder(tf.int32, [1], name="gen_code")          # the last character
        self.gen_state = tf.placeholder(tf.float32, [1, self.internal_size * self.layers], name="gen_state")
        self.gen_length = tf.placeholder(tf.int32, [], name="gen_length")
        self.gen_topn = tf.placeholder(tf.int32, [], name="gen_topn")
        self.gen_seed = tf.placeholder(tf.int32, [2], name="gen_seed")

        def generate_codes(code, state, length, topn, seed):
            def next_character(i, code, state, codes):
                logits, new_state = self.generator_step(code, state)          # [1, 98], [1, 3*512]
                top_logits, top_codes = tf.nn.top_k(logits, k=topn)           # [1, topn]
                choice = tf.random.stateless_categorical(top_logits, 1, seed=seed + i)
                code = tf.gather(top_codes[0], choice[0])                    # [1]
                return i + 1, code, new_state, codes.write(i, code[0])

            codes = tf.TensorArray(tf.int32, size=length)
            _, last_code, final_state, codes = tf.while_loop(
                lambda i, *_: i < length, next_character, [tf.constant(0), code, state, codes])
            return codes.stack(), last_code, final_state                     # [length], [1], [1, 3*512]

        if compiled:
            generate_codes = tf.function(generate_codes, jit_compile=True, autograph=False)
        self.gen_codes, self.gen_last_code, self.gen_final_state = generate_codes(
            self.gen_code, self.gen_state, self.gen_length, self.gen_topn, self.gen_seed)
        # one step alone, outside the loop: the probabilities of the next character (what the loop draws from)
        logits, self.gen_next_state = self.generator_step(self.gen_code, self.gen_state)
        self.gen_probabilities = tf.nn.softmax(logits)                   # [1, 98]

    def generator_step(self, code, state):
        """One character through the 3 layers, with the training graph's weights and no dropout:
        code [1], state [1, 3*512] -> (logits of the next character [1, 98], new state [1, 3*512])."""
        states = tf.split(state, self.layers, axis=1)                   # layers x [1, 512]
        x_projected = self.gru[0].project_characters(code)              # [1, 3*512]
        new_states = []
        for k, layer in enumerate(self.gru):
            h, _ = layer(x_projected, states[k])                        # [1, 512]
            new_states.append(h)
            if k + 1 < self.layers:
                x_projected = tf.matmul(h, self.gru[k + 1].W) + self.gru[k + 1].b  # [1, 3*512]
        logits = tf.matmul(h, self.W_out) + self.b_out                  # [1, 98]
        return logits, tf.concat(new_states, 1)

    def prime(self, sess, codes, progress=None):
        """Feed a priming text through the network: (last code, state) to start generating from. A long text
        goes in PRIME_CHUNK characters at a time, the state carried from one to the next (the same state as in
        one go, in bounded memory); progress(done, total) is called after each chunk."""
        state = self.zero_state(1)
        feed = codes[:-1]
        for start in range(0, len(feed), PRIME_CHUNK):
            state = sess.run(self.H, {self.X: [feed[start:start + PRIME_CHUNK]], self.Hin: state})
            if progress is not None:
                progress(min(start + PRIME_CHUNK, len(feed)), len(feed))
        return np.array([codes[-1]], np.int32), state

    def generate(self, sess, code, state, length, topn, seed):
        """length more characters after `code`: (codes, last code, state) to continue from."""
        codes, code, state = sess.run([self.gen_codes, self.gen_last_code, self.gen_final_state], {
            self.gen_code: code, self.gen_state: state, self.gen_length: length,
            self.gen_topn: topn, self.gen_seed: seed})
        return codes, code, state

    def model_variables(self):
        """The weights (what rnn_play restores), without the optimizer's state."""
        return tf.trainable_variables()


def validate(sess, model, text, batch_size, seqlen):
    """(loss, accuracy, characters scored) over the whole text (state carried from batch to batch; the end that
    does not fill a batch left out), or None when the text is shorter than one sequence."""
    batch_size = min(batch_size, max(1, (len(text) - 1) // seqlen))
    if txtutils.batches_per_epoch(len(text), batch_size, seqlen) < 1:
        return None
    state = model.zero_state(batch_size)
    losses, accuracies = [], []
    for x, y, _ in txtutils.rnn_minibatch_sequencer(text, batch_size, seqlen, nb_epochs=1):
        loss, accuracy, state = sess.run([model.batch_loss, model.accuracy, model.H],
                                         {model.X: x, model.Y_: y, model.Hin: state})
        losses.append(loss)
        accuracies.append(accuracy)
    return float(np.mean(losses)), float(np.mean(accuracies)), len(losses) * batch_size * seqlen
