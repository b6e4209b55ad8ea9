"""Lesson 3.1: a bigger convolutional network, with dropout (about 99.3% test accuracy).

Lesson 3.0 was short of degrees of freedom: more filters per layer (6, 12, 24), bigger patches
in the first layer (6x6), and a fully connected layer of 200 neurons regularised by dropout
(keep 0.75 in training, 1.0 for evaluation) take it to about 99.3%.

  · · · · · · · · · ·      (input data, 1 channel)                          X  [batch, 28, 28, 1]
  @ @ @ @ @ @ @ @ @ @   -- conv. layer 6x6x1=>6 stride 1   (relu)           W1 [6, 6, 1, 6]   B1 [6]
  ∶∶∶∶∶∶∶∶∶∶∶∶∶∶∶∶∶∶∶                                                       Y1 [batch, 28, 28, 6]
    @ @ @ @ @ @ @ @     -- conv. layer 5x5x6=>12 stride 2  (relu)           W2 [5, 5, 6, 12]  B2 [12]
    ∶∶∶∶∶∶∶∶∶∶∶∶∶∶∶                                                         Y2 [batch, 14, 14, 12]
      @ @ @ @ @ @       -- conv. layer 4x4x12=>24 stride 2 (relu)           W3 [4, 4, 12, 24] B3 [24]
      ∶∶∶∶∶∶∶∶∶∶∶                                                           Y3 [batch, 7, 7, 24] => [batch, 7*7*24]
      \\x/x\\x/x\\x/       -- fully connected layer (relu+dropout)          W4 [7*7*24, 200]  B4 [200]
       · · · ·                                                              Y4 [batch, 200]
       \\x/x\\x/           -- fully connected layer (softmax)               W5 [200, 10]      B5 [10]
        · · ·                                                               Y  [batch, 10]

Padding is SAME: a stride-1 layer keeps 28x28, each stride of 2 halves it (28 -> 14 -> 7).
Learning rate 0.0001 + 0.003 * exp(-step / 2000). Expect about 99.3% after 10,000 steps.
The talk's comparison, without and with dropout: --pkeep 1.0 (no dropout: ~99.1% in the talk), then the
defaults, and python compare_runs.py on the two run summaries.
"""
import math

import graphmode
tf = graphmode.start_tensorflow()  # TensorFlow in graph mode: placeholders, variables, a session (first: it
                                   # takes seconds, and --xla must be seen before it loads)
from cli import run_main
import mnist_lesson as lesson  # flags, data, dashboard, run summary: what every lesson shares

K, L, M = 6, 12, 24  # channels of the three convolutional layers
N = 200             # neurons of the fully connected layer
LR, LR_MIN, LR_DECAY = 0.003, 0.0001, 2000  # learning rate: see the training loop
BATCH_SIZE = 100   # images per training step
ITERATIONS = 10000
TEST_EVERY = 100
PKEEP = 0.75  # dropout on the fully connected layer: probability to keep a neuron's output in training


def main():
    # the flags (--help), MNIST (downloaded when missing); --seed: the weights, dropout, batch order
    args, mnist = lesson.flags_and_data(__doc__, iterations=ITERATIONS, test_every=TEST_EVERY, batch_size=BATCH_SIZE,
                                        lr=LR, lr_min=LR_MIN, lr_decay=LR_DECAY, pkeep=PKEEP)
    lesson.new_graph(args.seed)  # a fresh graph, its random seed set: the weights' initial values, dropout
    # mnist.train: 60,000 images [60000, 28, 28, 1] (pixels 0 to 1), labels one-hot [60000, 10]; mnist.test: 10,000

    X = tf.placeholder(tf.float32, [None, 28, 28, 1])   # [batch, 28, 28, 1] images
    Y_ = tf.placeholder(tf.float32, [None, 10])         # [batch, 10] correct answers, one-hot
    lr = tf.placeholder(tf.float32)                     # the learning rate changes at every step
    pkeep = tf.placeholder(tf.float32)                  # dropout: 0.75 in training, 1.0 for evaluation

    # filters [height, width, input channels, output channels]; biases 0.1 so the ReLUs start active
    W1 = tf.Variable(tf.truncated_normal([6, 6, 1, K], stddev=0.1))   # 6x6 patches, 1 input channel, K filters
    B1 = tf.Variable(tf.ones([K]) / 10)
    W2 = tf.Variable(tf.truncated_normal([5, 5, K, L], stddev=0.1))
    B2 = tf.Variable(tf.ones([L]) / 10)
    W3 = tf.Variable(tf.truncated_normal([4, 4, L, M], stddev=0.1))
    B3 = tf.Variable(tf.ones([M]) / 10)
    W4 = tf.Variable(tf.truncated_normal([7 * 7 * M, N], stddev=0.1))
    B4 = tf.Variable(tf.ones([N]) / 10)
    W5 = tf.Variable(tf.truncated_normal([N, 10], stddev=0.1))
    B5 = tf.Variable(tf.ones([10]) / 10)

    # the model
    Y1 = tf.nn.relu(tf.nn.conv2d(X, W1, strides=[1, 1, 1, 1], padding="SAME") + B1)   # [batch, 28, 28, K]
    Y2 = tf.nn.relu(tf.nn.conv2d(Y1, W2, strides=[1, 2, 2, 1], padding="SAME") + B2)  # [batch, 14, 14, L]
    Y3 = tf.nn.relu(tf.nn.conv2d(Y2, W3, strides=[1, 2, 2, 1], padding="SAME") + B3)  # [batch, 7, 7, M]
    YY = tf.reshape(Y3, [-1, 7 * 7 * M])                                             # [batch, 7*7*M]
    Y4 = tf.nn.relu(tf.matmul(YY, W4) + B4)                                           # [batch, N]
    Y4 = tf.nn.dropout(Y4, rate=1 - pkeep)                                            # [batch, N]
    Ylogits = tf.matmul(Y4, W5) + B5                                                  # [batch, 10]
    Y = tf.nn.softmax(Ylogits)                                                        # [batch, 10]

    # cross-entropy from the logits (numerically stable): the mean over the batch's images, x100 as in the
    # talk's code, i.e. the total over 100 images (the learning rates suit that scale, whatever --batch-size)
    cross_entropy = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=Y_, logits=Ylogits)) * 100

    # accuracy: the share of images whose most probable digit is the correct one, between 0 and 1
    correct_prediction = tf.equal(tf.argmax(Y, 1), tf.argmax(Y_, 1))   # [batch] booleans
    accuracy = tf.reduce_mean(tf.cast(correct_prediction, tf.float32))  # scalar

    # training: Adam, with the learning rate fed at each step
    train_step = tf.train.AdamOptimizer(lr).minimize(cross_entropy)

    # the run log: curves, timing, summary, dashboard (which also draws the predicted digits and the weights and biases)
    log = lesson.RunLog(__file__, args, mnist, title="3.1: bigger convolutional network, dropout")
    drawn_train, drawn_test = log.dashboard_tensors(Y, bands=[[W1, W2, W3, W4, W5], [B1, B2, B3, B4, B5]])
    with lesson.session() as sess, lesson.stop_on_ctrl_c() as stop:
        sess.run(tf.global_variables_initializer())
        for step in range(args.iterations + 1):
            batch_X, batch_Y = mnist.train.next_batch(args.batch_size)  # [100, 28, 28, 1], [100, 10]
            last = step == args.iterations or stop.requested            # measure once more, then stop
            # the learning rate decays exponentially: big steps first, then small ones to settle
            learning_rate = args.lr_min + args.lr * math.exp(-step / args.lr_decay)
            # evaluation: the same graph, run for accuracy and loss, with nothing dropped (pkeep 1.0)
            if step % args.train_every == 0 or step % args.test_every == 0 or last:
                train_accuracy, train_loss, drawn = sess.run([accuracy, cross_entropy, drawn_train],
                    feed_dict={X: batch_X, Y_: batch_Y, pkeep: 1.0})
                log.record_training_batch(step, train_accuracy, train_loss, learning_rate, batch_X, batch_Y, drawn)
            if step % args.test_every == 0 or last:  # all 10,000 test images, 2,000 at a time
                test_accuracy, test_loss, drawn = lesson.run_on_test_set(sess, [accuracy, cross_entropy, drawn_test],
                    feed_dict={X: mnist.test.images, Y_: mnist.test.labels, pkeep: 1.0})
                log.record_test_set(step, test_accuracy, test_loss, drawn)
            if last:
                break
            with log.timed_training_step():  # the training step: gradients (backpropagation), then the update
                sess.run(train_step, feed_dict={X: batch_X, Y_: batch_Y, lr: learning_rate, pkeep: args.pkeep})
            log.update_dashboard()  # a picture when one is due; while paused (space, in the window), waits
        log.finish(stop)  # the results, the run summary, the dashboard saved


# Expect: max test accuracy about 0.992 (0.9912 to 0.9929 over seeds 0-4 on two 2-core CPUs), first above
# 0.99 after 2,000 to 3,000 steps; the test loss rises far less than without dropout (--pkeep 1.0).

if __name__ == "__main__":
    run_main(main)
