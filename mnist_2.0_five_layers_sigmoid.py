"""Lesson 2.0: five fully connected layers with sigmoid activations (about 97.5% test accuracy).

Adding layers lets the network combine pixels into strokes and strokes into digits. Hidden
layers use the sigmoid activation; the last layer is softmax, as in lesson 1.0.

      · · · · · · · · · ·          (input data, flattened pixels)       X  [batch, 784]
     @ @ @ @ @ @ @ @ @ @   -- fully connected layer (sigmoid)           W1 [784, 200]  B1 [200]
      · · · · · · · · ·                                                 Y1 [batch, 200]
      @ @ @ @ @ @ @ @      -- fully connected layer (sigmoid)           W2 [200, 100]  B2 [100]
       · · · · · · ·                                                    Y2 [batch, 100]
       @ @ @ @ @ @         -- fully connected layer (sigmoid)           W3 [100, 60]   B3 [60]
        · · · · ·                                                       Y3 [batch, 60]
        @ @ @ @            -- fully connected layer (sigmoid)           W4 [60, 30]    B4 [30]
         · · ·                                                          Y4 [batch, 30]
         @ @               -- fully connected layer (softmax)           W5 [30, 10]    B5 [10]
          ·                                                             Y  [batch, 10]

Weights start as small random values (a truncated normal, stddev 0.1): all-zero weights would
make every neuron of a layer learn the same thing. The optimizer is Adam, learning rate 0.003.
Expect about 97.5% after 10,000 steps; the test loss starts rising late in training (overfitting).
"""
import graphmode
tf = graphmode.start_tensorflow()  # TensorFlow in graph mode: placeholders, variables, a session (first: it
                                   # takes seconds, and --xla must be seen before it loads)
from cli import run_main
import mnist_lesson as lesson  # flags, data, dashboard, run summary: what every lesson shares

LEARNING_RATE = 0.003
BATCH_SIZE = 100   # images per training step
ITERATIONS = 10000
TEST_EVERY = 100


def main():
    # the flags (--help), MNIST (downloaded when missing); --seed: the weights, dropout, batch order
    args, mnist = lesson.flags_and_data(__doc__, iterations=ITERATIONS, test_every=TEST_EVERY, batch_size=BATCH_SIZE,
                                        learning_rate=LEARNING_RATE)
    lesson.new_graph(args.seed)  # a fresh graph, its random seed set: the weights' initial values, dropout
    # mnist.train: 60,000 images [60000, 28, 28, 1] (pixels 0 to 1), labels one-hot [60000, 10]; mnist.test: 10,000

    X = tf.placeholder(tf.float32, [None, 28, 28, 1])   # [batch, 28, 28, 1] images
    Y_ = tf.placeholder(tf.float32, [None, 10])         # [batch, 10] correct answers, one-hot

    # weights: small random values; biases: zeros
    # (all the weights first, then the biases: the order in which the random values are drawn)
    W1 = tf.Variable(tf.truncated_normal([784, 200], stddev=0.1))       # [784, 200]
    W2 = tf.Variable(tf.truncated_normal([200, 100], stddev=0.1))       # [200, 100]
    W3 = tf.Variable(tf.truncated_normal([100, 60], stddev=0.1))        # [100, 60]
    W4 = tf.Variable(tf.truncated_normal([60, 30], stddev=0.1))         # [60, 30]
    W5 = tf.Variable(tf.truncated_normal([30, 10], stddev=0.1))         # [30, 10]
    B1 = tf.Variable(tf.zeros([200]))                                   # [200]
    B2 = tf.Variable(tf.zeros([100]))                                   # [100]
    B3 = tf.Variable(tf.zeros([60]))                                    # [60]
    B4 = tf.Variable(tf.zeros([30]))                                    # [30]
    B5 = tf.Variable(tf.zeros([10]))                                    # [10]

    # the model
    XX = tf.reshape(X, [-1, 784])                                       # [batch, 784] flattened images
    Y1 = tf.nn.sigmoid(tf.matmul(XX, W1) + B1)                          # [batch, 200]
    Y2 = tf.nn.sigmoid(tf.matmul(Y1, W2) + B2)                          # [batch, 100]
    Y3 = tf.nn.sigmoid(tf.matmul(Y2, W3) + B3)                          # [batch, 60]
    Y4 = tf.nn.sigmoid(tf.matmul(Y3, W4) + B4)                          # [batch, 30]
    Ylogits = tf.matmul(Y4, W5) + B5                                    # [batch, 10]
    Y = tf.nn.softmax(Ylogits)                                          # [batch, 10]

    # cross-entropy from the logits (numerically stable): the mean over the batch's images, x100 as in the
    # talk's code, i.e. the total over 100 images (the learning rates suit that scale, whatever --batch-size)
    cross_entropy = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=Y_, logits=Ylogits)) * 100

    # accuracy: the share of images whose most probable digit is the correct one, between 0 and 1
    correct_prediction = tf.equal(tf.argmax(Y, 1), tf.argmax(Y_, 1))   # [batch] booleans
    accuracy = tf.reduce_mean(tf.cast(correct_prediction, tf.float32))  # scalar

    # training: the Adam optimizer, learning rate 0.003
    train_step = tf.train.AdamOptimizer(args.learning_rate).minimize(cross_entropy)

    # the run log: curves, timing, summary, dashboard (which also draws the predicted digits and the weights and biases)
    log = lesson.RunLog(__file__, args, mnist, title="2.0: five layers, sigmoid")
    drawn_train, drawn_test = log.dashboard_tensors(Y, bands=[[W1, W2, W3, W4, W5], [B1, B2, B3, B4, B5]])
    with lesson.session() as sess, lesson.stop_on_ctrl_c() as stop:
        sess.run(tf.global_variables_initializer())
        for step in range(args.iterations + 1):
            batch_X, batch_Y = mnist.train.next_batch(args.batch_size)  # [100, 28, 28, 1], [100, 10]
            last = step == args.iterations or stop.requested            # measure once more, then stop
            # evaluation: the same graph, run for accuracy and loss instead of the training step
            if step % args.train_every == 0 or step % args.test_every == 0 or last:
                train_accuracy, train_loss, drawn = sess.run([accuracy, cross_entropy, drawn_train],
                    feed_dict={X: batch_X, Y_: batch_Y})
                log.record_training_batch(step, train_accuracy, train_loss, args.learning_rate, batch_X, batch_Y, drawn)
            if step % args.test_every == 0 or last:  # all 10,000 test images, 2,000 at a time
                test_accuracy, test_loss, drawn = lesson.run_on_test_set(sess, [accuracy, cross_entropy, drawn_test],
                    feed_dict={X: mnist.test.images, Y_: mnist.test.labels})
                log.record_test_set(step, test_accuracy, test_loss, drawn)
            if last:
                break
            with log.timed_training_step():  # the training step: gradients (backpropagation), then the update
                sess.run(train_step, feed_dict={X: batch_X, Y_: batch_Y})
            log.update_dashboard()  # a picture when one is due; while paused (space, in the window), waits
        log.finish(stop)  # the results, the run summary, the dashboard saved


# Expect: max test accuracy about 0.975-0.98. Sigmoids learn slowly at first (a flat start in the
# accuracy curve) and the test loss creeps up while the training loss keeps falling: overfitting.

if __name__ == "__main__":
    run_main(main)
