"""Lesson 4.1: batch normalisation on the five-layer ReLU network, with and without.

After the sigmoid demonstration (lesson 4.0), the talk asks: does it work with ReLUs? It does. The
network is lesson 2.1's: five fully connected layers, ReLU activations, a decaying learning rate. With
batch normalisation, every neuron's weighted sums are re-centred and re-scaled on each mini-batch, then
shifted by a learned offset: the values going into the ReLUs are a centred bell, about half of each
neuron's outputs are positive (the ReLU passes them) and half are zero, on every layer, however the
weights drift. Run both halves and compare the two band panels:

    python mnist_4.1_batchnorm_five_layers_relu.py                  # with batch normalisation
    python mnist_4.1_batchnorm_five_layers_relu.py --no-batchnorm   # without: lesson 2.1's layers, same panels

      · · · · · · · · · ·          (input data, flattened pixels)           X  [batch, 784]
     @ @ @ @ @ @ @ @ @ @   -- fully connected layer (bn, relu)              W1 [784, 200]  O1 [200]
      · · · · · · · · ·                                                     Y1 [batch, 200]
      @ @ @ @ @ @ @ @      -- fully connected layer (bn, relu)              W2 [200, 100]  O2 [100]
       · · · · · · ·                                                        Y2 [batch, 100]
       @ @ @ @ @ @         -- fully connected layer (bn, relu)              W3 [100, 60]   O3 [60]
        · · · · ·                                                           Y3 [batch, 60]
        @ @ @ @            -- fully connected layer (bn, relu)              W4 [60, 30]    O4 [30]
         · · ·                                                              Y4 [batch, 30]
         @ @               -- fully connected layer (softmax)               W5 [30, 10]    B5 [10]
          ·                                                                 Y  [batch, 10]

Batch normalisation of a layer's weighted sums Yl, on a mini-batch (the talk's formula):
    Ybn = S * (Yl - mean(Yl)) / sqrt(variance(Yl) + epsilon) + O      one S and one O per neuron
Which of its parameters each activation needs (the talk's table):
    activation    bias    batch-norm scale S    batch-norm offset O
    sigmoid       no      yes                   yes        (lesson 4.0)
    ReLU          no      no                    yes        (this lesson)
The offset O replaces the bias (a bias would be subtracted again with the mean). The scale is left out:
relu(S * x) = S * relu(x) for S > 0, so a scale before a ReLU only scales its output, which the next
layer's weights can do as well (a sigmoid's output changes shape with the scale of its input: lesson 4.0
keeps S). For evaluation, the moving averages of the training batches' statistics replace the
statistics of one batch.
With --no-batchnorm: lesson 2.1's layers (biases starting at 0.1, so that the ReLUs start active) and
its learning rate, 0.003, to start the same decay. Batch normalisation allows a higher one (0.03 here).
"""
import math

import graphmode
tf = graphmode.start_tensorflow()  # TensorFlow in graph mode: placeholders, variables, a session (first: it
                                   # takes seconds, and --xla must be seen before it loads)
from cli import run_main
import mnist_lesson as lesson  # flags, data, dashboard, run summary: what every lesson shares

LR_BATCHNORM, LR_PLAIN = 0.03, 0.003  # the decaying part of the learning rate, with and without batch norm
LR_MIN, LR_DECAY = 0.0001, 2000       # learning rate: see the training loop
BATCH_SIZE = 100   # images per training step
ITERATIONS = 10000
TEST_EVERY = 100
BN_EPSILON = 1e-5       # keeps the division by the standard deviation away from 0
BN_AVERAGE_DECAY = 0.999


def batchnorm(Ylogits, is_test, step, offset):
    """Batch-normalise the weighted sums Ylogits [batch, neurons] per neuron, then offset them (no scale:
    a ReLU follows).

    is_test: boolean placeholder; True uses the moving averages instead of this batch's statistics.
    step: the training step, which makes the moving averages warm up fast at the start.
    Returns (normalised tensor of Ylogits' shape, the op that updates the moving averages).
    """
    moving_averages = tf.train.ExponentialMovingAverage(BN_AVERAGE_DECAY, step)
    mean, variance = tf.nn.moments(Ylogits, [0])                     # [neurons] each, over the batch
    update_moving_averages = moving_averages.apply([mean, variance])
    m = tf.cond(is_test, lambda: moving_averages.average(mean), lambda: mean)
    v = tf.cond(is_test, lambda: moving_averages.average(variance), lambda: variance)
    Ybn = tf.nn.batch_normalization(Ylogits, m, v, offset, None, BN_EPSILON)  # scale None: no S
    return Ybn, update_moving_averages


def add_flags(parser):
    parser.add_argument("--no-batchnorm", dest="batchnorm", action="store_false",
                        help="the same network without batch normalisation: lesson 2.1's biases (0.1) and "
                             "learning rate, 0.003, to start the decay (the other half of the demonstration)")


def main():
    # the flags (--help), MNIST (downloaded when missing); --seed: the weights, dropout, batch order
    args, mnist = lesson.flags_and_data(__doc__, iterations=ITERATIONS, test_every=TEST_EVERY, batch_size=BATCH_SIZE,
                                        lr=None, lr_min=LR_MIN, lr_decay=LR_DECAY, lesson_flags=add_flags,
                                        lr_help=f"{LR_BATCHNORM} with batch norm, {LR_PLAIN} without")
    lesson.new_graph(args.seed)  # a fresh graph, its random seed set: the weights' initial values, dropout
    if args.lr is None:  # the default depends on --no-batchnorm; --lr 0 is a constant learning rate, kept
        args.lr = LR_BATCHNORM if args.batchnorm else LR_PLAIN
    # mnist.train: 60,000 images [60000, 28, 28, 1] (pixels 0 to 1), labels one-hot [60000, 10]; mnist.test: 10,000

    X = tf.placeholder(tf.float32, [None, 28, 28, 1])   # [batch, 28, 28, 1] images
    Y_ = tf.placeholder(tf.float32, [None, 10])         # [batch, 10] correct answers, one-hot
    lr = tf.placeholder(tf.float32)                     # the learning rate changes at every step
    is_test = tf.placeholder(tf.bool)                   # batch normalisation: batch statistics or averages
    step_number = tf.placeholder(tf.int32)              # drives the warm-up of the moving averages

    # weights: small random values (all the weights first, then the rest, as in lesson 2.1)
    W1 = tf.Variable(tf.truncated_normal([784, 200], stddev=0.1))       # [784, 200]
    W2 = tf.Variable(tf.truncated_normal([200, 100], stddev=0.1))       # [200, 100]
    W3 = tf.Variable(tf.truncated_normal([100, 60], stddev=0.1))        # [100, 60]
    W4 = tf.Variable(tf.truncated_normal([60, 30], stddev=0.1))         # [60, 30]
    W5 = tf.Variable(tf.truncated_normal([30, 10], stddev=0.1))         # [30, 10]
    # with batch norm, the offsets start at 0 (batch norm starts as a plain standardisation); without, they are
    # lesson 2.1's biases, 0.1, so that every ReLU starts active. No scales: a ReLU needs none.
    start = 0.0 if args.batchnorm else 0.1
    O1, O2, O3, O4 = (tf.Variable(tf.ones([n]) * start) for n in (200, 100, 60, 30))   # [200] [100] [60] [30]
    B5 = tf.Variable(tf.zeros([10]))                                    # [10]

    def layer(Yin, W, O):
        """weighted sums, then batch normalisation (or the bias), then the ReLU: (logits, activations, update)."""
        Yl = tf.matmul(Yin, W)                                          # [batch, neurons] weighted sums
        if args.batchnorm:
            Ybn, update = batchnorm(Yl, is_test, step_number, O)        # [batch, neurons]
            return Ybn, tf.nn.relu(Ybn), update
        Yl = Yl + O                                                     # O is a plain bias here
        return Yl, tf.nn.relu(Yl), tf.no_op()

    # the model
    XX = tf.reshape(X, [-1, 784])                                       # [batch, 784] flattened images
    Y1l, Y1, update1 = layer(XX, W1, O1)                                # [batch, 200]
    Y2l, Y2, update2 = layer(Y1, W2, O2)                                # [batch, 100]
    Y3l, Y3, update3 = layer(Y2, W3, O3)                                # [batch, 60]
    Y4l, Y4, update4 = layer(Y3, W4, O4)                                # [batch, 30]
    Ylogits = tf.matmul(Y4, W5) + B5                                    # [batch, 10]
    Y = tf.nn.softmax(Ylogits)                                          # [batch, 10]
    update_moving_averages = tf.group(update1, update2, update3, update4)

    # cross-entropy from the logits (numerically stable): the mean over the batch's images, x100 as in the
    # talk's code, i.e. the total over 100 images (the learning rates suit that scale, whatever --batch-size)
    cross_entropy = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=Y_, logits=Ylogits)) * 100

    # accuracy: the share of images whose most probable digit is the correct one, between 0 and 1
    correct_prediction = tf.equal(tf.argmax(Y, 1), tf.argmax(Y_, 1))   # [batch] booleans
    accuracy = tf.reduce_mean(tf.cast(correct_prediction, tf.float32))  # scalar

    # training: one Adam step, then the moving averages take in this batch's statistics
    optimizer_step = tf.train.AdamOptimizer(lr).minimize(cross_entropy)
    with tf.control_dependencies([optimizer_step]):
        train_step = tf.group(update_moving_averages)

    def activation_figures(sess):
        """How the ReLUs are used, on 2,000 test images: each layer's weighted sums (mean, standard deviation),
        the share of its outputs that are 0 (the ReLU is off), and of its neurons off for all 2,000 (dead)."""
        feed = {X: mnist.test.images[:2000], is_test: True}
        logits, activations = sess.run([[Y1l, Y2l, Y3l, Y4l], [Y1, Y2, Y3, Y4]], feed_dict=feed)
        figures = []
        for number, (Yl_values, Y_values) in enumerate(zip(logits, activations), 1):
            off = float((Y_values == 0).mean())
            dead = float((Y_values == 0).all(axis=0).mean())
            figures.append({"layer": number, "logits_mean": round(float(Yl_values.mean()), 4),
                            "logits_std": round(float(Yl_values.std()), 4), "zero": round(off, 4),
                            "dead": round(dead, 4)})
            print(f"layer {number}: weighted sums mean {Yl_values.mean():+.2f}, standard deviation "
                  f"{Yl_values.std():.2f}; outputs at 0: {100 * off:.1f}%; neurons at 0 for every image: "
                  f"{100 * dead:.1f}%")
        return {"batchnorm": args.batchnorm, "activations": figures}

    kind = "with batch norm" if args.batchnorm else "without batch norm"
    # the run log: curves, timing, run summary, dashboard (it also draws the predicted digits and
    # what goes into and comes out of the ReLU layers)
    log = lesson.RunLog(__file__, args, mnist, title=f"4.1: five layers, ReLU, {kind}", band_limits=(None, None),
                        band_titles=(f"weighted sums: what goes into the ReLUs ({kind})",
                                     "activations: what comes out, 0 or more"))
    drawn_train, drawn_test = log.dashboard_tensors(Y, bands=[[Y1l, Y2l, Y3l, Y4l], [Y1, Y2, Y3, Y4]])
    with lesson.session() as sess, lesson.stop_on_ctrl_c() as stop:
        sess.run(tf.global_variables_initializer())
        for step in range(args.iterations + 1):
            batch_X, batch_Y = mnist.train.next_batch(args.batch_size)  # [100, 28, 28, 1], [100, 10]
            last = step == args.iterations or stop.requested            # measure once more, then stop
            # the learning rate decays exponentially: big steps first, then small ones to settle
            learning_rate = args.lr_min + args.lr * math.exp(-step / args.lr_decay)
            # evaluation: the same graph, run for accuracy and loss instead of the training step;
            # batch norm: this batch's statistics on the training batch, the moving averages on the test set
            if step % args.train_every == 0 or step % args.test_every == 0 or last:
                train_accuracy, train_loss, drawn = sess.run([accuracy, cross_entropy, drawn_train],
                    feed_dict={X: batch_X, Y_: batch_Y, is_test: False})
                log.record_training_batch(step, train_accuracy, train_loss, learning_rate, batch_X, batch_Y, drawn)
            if step % args.test_every == 0 or last:  # all 10,000 test images, 2,000 at a time
                test_accuracy, test_loss, drawn = lesson.run_on_test_set(sess, [accuracy, cross_entropy, drawn_test],
                    feed_dict={X: mnist.test.images, Y_: mnist.test.labels, is_test: True})
                log.record_test_set(step, test_accuracy, test_loss, drawn)
            if last:
                break
            with log.timed_training_step():  # the training step: gradients (backpropagation), then the update
                sess.run(train_step, feed_dict={X: batch_X, Y_: batch_Y, lr: learning_rate, is_test: False,
                                                step_number: step})
            log.update_dashboard()  # a picture when one is due; while paused (space, in the window), waits
        log.finish(stop, extra=activation_figures(sess))  # also: how the ReLUs are used, layer by layer


if __name__ == "__main__":
    run_main(main)
