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
          ·                                                             Y5 [batch, 10]

Weights start as small random values (a truncated normal, stddev 0.1): all-zero weights would
make every neuron of a layer learn the same thing. The optimizer is Adam, learning rate 0.003.
Expect about 97.5% after 10,000 steps; the test loss starts rising late in training (overfitting).
"""
from cli import run_main
import mnist_lesson as lesson
from mnist_lesson import tf

LAYERS = [784, 200, 100, 60, 30, 10]  # neurons per layer, input pixels first
LEARNING_RATE = 0.003
ITERATIONS = 10000
TEST_EVERY = 100


def main():
    args, mnist = lesson.start(__doc__, ITERATIONS, TEST_EVERY, learning_rate=LEARNING_RATE)

    X = tf.placeholder(tf.float32, [None, 28, 28, 1])   # [batch, 28, 28, 1] images
    Y_ = tf.placeholder(tf.float32, [None, 10])         # [batch, 10] correct answers, one-hot

    # weights W[i] [LAYERS[i], LAYERS[i+1]] initialised with small random values, biases B[i] with zeros
    W = [tf.Variable(tf.truncated_normal([n_in, n_out], stddev=0.1)) for n_in, n_out in zip(LAYERS, LAYERS[1:])]
    B = [tf.Variable(tf.zeros([n_out])) for n_out in LAYERS[1:]]

    # the model
    Y = tf.reshape(X, [-1, 784])                        # [batch, 784]
    for W_layer, B_layer in zip(W[:-1], B[:-1]):        # [batch, 200] -> [batch, 100] -> [batch, 60] -> [batch, 30]
        Y = tf.nn.sigmoid(tf.matmul(Y, W_layer) + B_layer)
    Ylogits = tf.matmul(Y, W[-1]) + B[-1]               # [batch, 10]
    Y = tf.nn.softmax(Ylogits)                          # [batch, 10]

    # cross-entropy from the logits (numerically stable), x100 for a batch of 100 images
    cross_entropy = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=Y_, logits=Ylogits)) * 100

    # training: the Adam optimizer, learning rate 0.003
    train_step = tf.train.AdamOptimizer(args.learning_rate).minimize(cross_entropy)

    run = lesson.Run(args, mnist, images=X, labels=Y_, predictions=Y, loss=cross_entropy, bands=[W, B],
                     title="2.0: five layers, sigmoid")
    with lesson.session() as sess:
        sess.run(tf.global_variables_initializer())
        for step, batch_X, batch_Y in run.training_batches(sess):
            sess.run(train_step, feed_dict={X: batch_X, Y_: batch_Y})


# Expect: max test accuracy about 0.975-0.98. Sigmoids learn slowly at first (a flat start in the
# accuracy curve) and the test loss creeps up while the training loss keeps falling: overfitting.

if __name__ == "__main__":
    run_main(main)
