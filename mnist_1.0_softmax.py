"""Lesson 1.0: handwritten digits recognised by one layer of 10 softmax neurons (about 92% test accuracy).

The network: each 28x28 image is flattened into 784 pixels, and each of the 10 neurons computes
a weighted sum of all the pixels plus a bias; softmax turns the 10 sums into probabilities.

        · · · · · · · · · ·       (input data, flattened pixels)   X  [batch, 784]
        \\x/x\\x/x\\x/x\\x/x\\x/    -- fully connected layer (softmax)  W  [784, 10]   b [10]
          · · · · · · · ·                                             Y  [batch, 10]

    Y = softmax(X.W + b)                       X.W is a matrix product: one line per image
    cross-entropy = - sum(Y_ * log(Y))         Y_: the correct answers, one-hot encoded

Plain gradient descent nudges W and b, 100 images at a time, to lower the cross-entropy.
Expect about 92% test accuracy after 2,000 steps, in seconds.
"""
import graphmode
tf = graphmode.start_tensorflow()  # TensorFlow in graph mode: placeholders, variables, a session (first: it
                                   # takes seconds, and --xla must be seen before it loads)
from cli import run_main
import mnist_lesson as lesson  # flags, data, dashboard, run summary: what every lesson shares

LEARNING_RATE = 0.005  # gradient descent step (the loss is summed over the 100 images of a batch)
BATCH_SIZE = 100   # images per training step
ITERATIONS = 2000
TEST_EVERY = 50  # evaluate the whole test set every 50 steps, the training batch every 10


def main():
    # the flags (--help), MNIST (downloaded when missing); --seed: the weights, dropout, batch order
    args, mnist = lesson.flags_and_data(__doc__, iterations=ITERATIONS, test_every=TEST_EVERY, batch_size=BATCH_SIZE,
                                        learning_rate=LEARNING_RATE)
    lesson.new_graph(args.seed)  # a fresh graph, its random seed set: the weights' initial values, dropout
    # mnist.train: 60,000 images [60000, 28, 28, 1] (pixels 0 to 1), labels one-hot [60000, 10]; mnist.test: 10,000

    # input X: 28x28 greyscale images, the first dimension (None) indexes the images in the mini-batch
    X = tf.placeholder(tf.float32, [None, 28, 28, 1])  # [batch, 28, 28, 1]
    # correct answers, one-hot encoded
    Y_ = tf.placeholder(tf.float32, [None, 10])        # [batch, 10]
    # the model's variables: weights and biases, initialised to zero
    W = tf.Variable(tf.zeros([784, 10]))               # [784, 10]
    b = tf.Variable(tf.zeros([10]))                    # [10]

    # the model
    XX = tf.reshape(X, [-1, 784])                      # [batch, 784] flattened images
    Ylogits = tf.matmul(XX, W) + b                     # [batch, 10]
    Y = tf.nn.softmax(Ylogits)                         # [batch, 10] probabilities

    # loss: cross-entropy, computed from the logits so that log(0) never happens (no NaN when a
    # softmax output underflows to 0). The mean over the batch's images, x100 as in the talk's code, i.e.
    # the total over 100 images (the learning rate suits that scale, whatever --batch-size is)
    cross_entropy = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=Y_, logits=Ylogits)) * 100

    # accuracy of the trained model, between 0 (worst) and 1 (best)
    correct_prediction = tf.equal(tf.argmax(Y, 1), tf.argmax(Y_, 1))
    accuracy = tf.reduce_mean(tf.cast(correct_prediction, tf.float32))

    # training: gradient descent, learning rate 0.005
    train_step = tf.train.GradientDescentOptimizer(args.learning_rate).minimize(cross_entropy)

    # the run log: curves, timing, summary, dashboard (which also draws the predicted digits and the weights and biases)
    log = lesson.RunLog(__file__, args, mnist, title="1.0: 10 softmax neurons")
    drawn_train, drawn_test = log.dashboard_tensors(Y, bands=[[W], [b]])
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


# Expect: test accuracy about 0.92 (max >= 0.92 with the default flags, seed 0); the training curves
# flatten after about 1,000 steps: one layer of softmax neurons cannot do much better.

if __name__ == "__main__":
    run_main(main)
