"""Lesson 2.2: lesson 2.1 plus dropout after every hidden layer (about 98.2% test accuracy).

Dropout fights overfitting: at each training step, every hidden neuron's output is dropped (set to
zero) with probability 1 - pkeep, and the survivors are scaled by 1 / pkeep. The network cannot rely
on any single neuron. For evaluation, nothing is dropped (pkeep = 1).

      · · · · · · · · · ·          (input data, flattened pixels)       X  [batch, 784]
     @ @ @ @ @ @ @ @ @ @   -- fully connected layer (relu + dropout)    W1 [784, 200]  B1 [200]
      · · · · · · · · ·                                                 Y1 [batch, 200]
      @ @ @ @ @ @ @ @      -- fully connected layer (relu + dropout)    W2 [200, 100]  B2 [100]
       · · · · · · ·                                                    Y2 [batch, 100]
       @ @ @ @ @ @         -- fully connected layer (relu + dropout)    W3 [100, 60]   B3 [60]
        · · · · ·                                                       Y3 [batch, 60]
        @ @ @ @            -- fully connected layer (relu + dropout)    W4 [60, 30]    B4 [30]
         · · ·                                                          Y4 [batch, 30]
         @ @               -- fully connected layer (softmax)           W5 [30, 10]    B5 [10]
          ·                                                             Y5 [batch, 10]

Biases start at 0.1; learning rate 0.0001 + 0.003 * exp(-step / 2000), as in lesson 2.1.
Expect about 98.2% after 10,000 steps, and a test loss that no longer rises.
"""
from cli import run_main
import mnist_lesson as lesson
from mnist_lesson import tf

LAYERS = [784, 200, 100, 60, 30, 10]  # neurons per layer, input pixels first
LR, LR_MIN, LR_DECAY = 0.003, 0.0001, 2000  # learning rate = LR_MIN + LR * exp(-step / LR_DECAY)
ITERATIONS = 10000
TEST_EVERY = 100
PKEEP = 0.75  # probability to keep a neuron's output during training


def main():
    args, mnist = lesson.start(__doc__, ITERATIONS, TEST_EVERY, lr_decay=(LR, LR_MIN, LR_DECAY),
                               pkeep=PKEEP)

    X = tf.placeholder(tf.float32, [None, 28, 28, 1])   # [batch, 28, 28, 1] images
    Y_ = tf.placeholder(tf.float32, [None, 10])         # [batch, 10] correct answers, one-hot
    lr = tf.placeholder(tf.float32)                     # the learning rate changes at every step
    pkeep = tf.placeholder(tf.float32)                  # dropout: 0.75 in training, 1.0 for evaluation

    # weights: small random values; biases: 0.1, so that the ReLUs start active
    W = [tf.Variable(tf.truncated_normal([n_in, n_out], stddev=0.1)) for n_in, n_out in zip(LAYERS, LAYERS[1:])]
    B = [tf.Variable(tf.ones([n_out]) / 10) for n_out in LAYERS[1:]]

    # the model
    Y = tf.reshape(X, [-1, 784])                        # [batch, 784]
    for W_layer, B_layer in zip(W[:-1], B[:-1]):        # [batch, 200] -> [batch, 100] -> [batch, 60] -> [batch, 30]
        Y = tf.nn.relu(tf.matmul(Y, W_layer) + B_layer)
        Y = tf.nn.dropout(Y, rate=1 - pkeep)            # same shape, a random 25% of it zeroed in training
    Ylogits = tf.matmul(Y, W[-1]) + B[-1]               # [batch, 10]
    Y = tf.nn.softmax(Ylogits)                          # [batch, 10]

    # cross-entropy from the logits (numerically stable), x100 for a batch of 100 images
    cross_entropy = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=Y_, logits=Ylogits)) * 100

    # training: Adam, with the learning rate fed at each step
    train_step = tf.train.AdamOptimizer(lr).minimize(cross_entropy)

    run = lesson.Run(args, mnist, images=X, labels=Y_, predictions=Y, loss=cross_entropy, bands=[W, B],
                     test_feed={pkeep: 1.0}, title="2.2: five layers, ReLU, learning rate decay, dropout")
    with lesson.session() as sess:
        sess.run(tf.global_variables_initializer())
        for step, batch_X, batch_Y in run.training_batches(sess):
            learning_rate = lesson.decayed_learning_rate(step, args)  # lr_min + lr * exp(-step / lr_decay)
            sess.run(train_step, feed_dict={X: batch_X, Y_: batch_Y, lr: learning_rate, pkeep: args.pkeep})


# Expect: max test accuracy about 0.982; the test loss stays low where lesson 2.1's rose. The training
# curves are noisier: they are measured without dropout, on the batch the network is trained on.

if __name__ == "__main__":
    run_main(main)
