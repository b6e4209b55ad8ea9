"""Lesson 3.0: a convolutional network (about 98.9% test accuracy).

Fully connected layers flatten the image and forget which pixels are neighbours. A convolutional
layer slides small patches of weights (filters) over the image: the same weights everywhere, so
the network finds a stroke wherever it is. Strides of 2 halve the image while the number of
channels (filters) grows, and a fully connected layer reads the final stack of features.

  · · · · · · · · · ·      (input data, 1 channel)                          X  [batch, 28, 28, 1]
  @ @ @ @ @ @ @ @ @ @   -- conv. layer 5x5x1=>4 stride 1   (relu)           W1 [5, 5, 1, 4]   B1 [4]
  ∶∶∶∶∶∶∶∶∶∶∶∶∶∶∶∶∶∶∶                                                       Y1 [batch, 28, 28, 4]
    @ @ @ @ @ @ @ @     -- conv. layer 4x4x4=>8 stride 2   (relu)           W2 [4, 4, 4, 8]   B2 [8]
    ∶∶∶∶∶∶∶∶∶∶∶∶∶∶∶                                                         Y2 [batch, 14, 14, 8]
      @ @ @ @ @ @       -- conv. layer 4x4x8=>12 stride 2  (relu)           W3 [4, 4, 8, 12]  B3 [12]
      ∶∶∶∶∶∶∶∶∶∶∶                                                           Y3 [batch, 7, 7, 12] => [batch, 7*7*12]
      \\x/x\\x/x\\x/       -- fully connected layer (relu)                  W4 [7*7*12, 200]  B4 [200]
       · · · ·                                                              Y4 [batch, 200]
       \\x/x\\x/           -- fully connected layer (softmax)               W5 [200, 10]      B5 [10]
        · · ·                                                               Y  [batch, 10]

Padding is SAME: a stride-1 layer keeps 28x28, each stride of 2 halves it (28 -> 14 -> 7).
The patch sizes are the talk's: 5x5, then 4x4 and 4x4 (the talk's published code uses 5x5 for the
second layer).
Learning rate 0.0001 + 0.003 * exp(-step / 2000). Expect about 98.9% after 10,000 steps.
"""
import math

import graphmode
tf = graphmode.start_tensorflow()  # TensorFlow in graph mode: placeholders, variables, a session (first: it
                                   # takes seconds, and --xla must be seen before it loads)
from cli import run_main
import mnist_lesson as lesson  # flags, data, dashboard, run summary: what every lesson shares

K, L, M = 4, 8, 12  # channels of the three convolutional layers
N = 200             # neurons of the fully connected layer
LR, LR_MIN, LR_DECAY = 0.003, 0.0001, 2000  # learning rate: see the training loop
BATCH_SIZE = 100   # images per training step
ITERATIONS = 10000
TEST_EVERY = 100


def main():
    # the flags (--help), MNIST (downloaded when missing); --seed: the weights, dropout, batch order
    args, mnist = lesson.flags_and_data(__doc__, iterations=ITERATIONS, test_every=TEST_EVERY, batch_size=BATCH_SIZE,
                                        lr=LR, lr_min=LR_MIN, lr_decay=LR_DECAY)
    lesson.new_graph(args.seed)  # a fresh graph, its random seed set: the weights' initial values, dropout
    # mnist.train: 60,000 images [60000, 28, 28, 1] (pixels 0 to 1), labels one-hot [60000, 10]; mnist.test: 10,000

    X = tf.placeholder(tf.float32, [None, 28, 28, 1])   # [batch, 28, 28, 1] images
    Y_ = tf.placeholder(tf.float32, [None, 10])         # [batch, 10] correct answers, one-hot
    lr = tf.placeholder(tf.float32)                     # the learning rate changes at every step

    # filters [height, width, input channels, output channels]; biases 0.1 so the ReLUs start active
    W1 = tf.Variable(tf.truncated_normal([5, 5, 1, K], stddev=0.1))   # 5x5 patches, 1 input channel, K filters
    B1 = tf.Variable(tf.ones([K]) / 10)
    W2 = tf.Variable(tf.truncated_normal([4, 4, K, L], stddev=0.1))   # 4x4 patches, K input channels, L filters
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
    log = lesson.RunLog(__file__, args, mnist, title="3.0: convolutional network")
    drawn_train, drawn_test = log.dashboard_tensors(Y, bands=[[W1, W2, W3, W4, W5], [B1, B2, B3, B4, B5]])
    with lesson.session() as sess, lesson.stop_on_ctrl_c() as stop:
        sess.run(tf.global_variables_initializer())
        for step in range(args.iterations + 1):
            batch_X, batch_Y = mnist.train.next_batch(args.batch_size)  # [100, 28, 28, 1], [100, 10]
            last = step == args.iterations or stop.requested            # measure once more, then stop
            # the learning rate decays exponentially: big steps first, then small ones to settle
            learning_rate = args.lr_min + args.lr * math.exp(-step / args.lr_decay)
            # evaluation: the same graph, run for accuracy and loss instead of the training step
            if step % args.train_every == 0 or step % args.test_every == 0 or last:
                train_accuracy, train_loss, drawn = sess.run([accuracy, cross_entropy, drawn_train],
                    feed_dict={X: batch_X, Y_: batch_Y})
                log.record_training_batch(step, train_accuracy, train_loss, learning_rate, batch_X, batch_Y, drawn)
            if step % args.test_every == 0 or last:  # all 10,000 test images, 2,000 at a time
                test_accuracy, test_loss, drawn = lesson.run_on_test_set(sess, [accuracy, cross_entropy, drawn_test],
                    feed_dict={X: mnist.test.images, Y_: mnist.test.labels})
                log.record_test_set(step, test_accuracy, test_loss, drawn)
            if last:
                break
            with log.timed_training_step():  # the training step: gradients (backpropagation), then the update
                sess.run(train_step, feed_dict={X: batch_X, Y_: batch_Y, lr: learning_rate})
            log.update_dashboard()  # a picture when one is due; while paused (space, in the window), waits
        log.finish(stop)  # the results, the run summary, the dashboard saved


# Expect: max test accuracy about 0.99 (0.9898 to 0.9907 with seed 0 on two CPUs), with far fewer weights than
# lesson 2.x. The training loss reaches zero while the test loss rises: this small network overfits.
# Lesson 3.1 adds dropout.

if __name__ == "__main__":
    run_main(main)
