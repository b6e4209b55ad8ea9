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
from graphmode import tf     # TensorFlow in graph mode: placeholders, variables, a session
from cli import run_main
import mnist_lesson as lesson  # flags, data, dashboard, run summary: what every lesson shares

LEARNING_RATE = 0.005  # gradient descent step (the loss is summed over the 100 images of a batch)
BATCH_SIZE = 100   # images per training step
ITERATIONS = 2000
TEST_EVERY = 50  # evaluate the whole test set every 50 steps, the training batch every 10


def main():
    args, mnist = lesson.start(__doc__, ITERATIONS, TEST_EVERY, BATCH_SIZE, learning_rate=LEARNING_RATE)

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

    run = lesson.Run(__file__, args, mnist, images=X, labels=Y_, predictions=Y, accuracy=accuracy, loss=cross_entropy,
                     bands=[[W], [b]], title="1.0: 10 softmax neurons")
    with lesson.session() as sess:
        sess.run(tf.global_variables_initializer())
        for step, batch_X, batch_Y in run.training_batches(sess):
            sess.run(train_step, feed_dict={X: batch_X, Y_: batch_Y})
        run.finish(sess)  # however the loop ended: the last measurement, the run summary, the dashboard


# Expect: test accuracy about 0.92 (max >= 0.92 with the default flags, seed 0); the training curves
# flatten after about 1,000 steps: one layer of softmax neurons cannot do much better.

if __name__ == "__main__":
    run_main(main)
