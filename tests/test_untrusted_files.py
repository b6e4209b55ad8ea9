"""Model folders, checkpoint folders and flags from a careless or hostile hand: checked before use, one line
naming the file and the field, never a model of the wrong size built, nothing of value overwritten."""

import json
import os
import shutil

import numpy as np
import pytest

from cli import UsageError
import rnn_checkpoints

PROJECT_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHIPPED = os.path.join(PROJECT_DIR, "models", "shakespeare")
TINY = ["--internal-size", "16", "--layers", "2", "--seqlen", "10", "--batch-size", "4", "--no-visu"]
VERSE = "ROMEO:\n\tBut soft, what light through yonder window breaks?\n" * 60


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("corpus")
    for i in range(4):
        (folder / f"work{i}.txt").write_text(VERSE)
    hidden = folder / ".git"
    hidden.mkdir()
    (hidden / "objects.txt").write_text("\x00binary-ish git object\n" * 1000)
    return str(folder)


def train(corpus, folder, *flags, steps=30):
    import rnn_train

    size = TINY if "--resume" not in flags else TINY[4:]  # --resume reads the model's size from the folder
    rnn_train.main(
        [
            "--data",
            corpus,
            *size,
            "--steps",
            str(steps),
            "--report-every",
            str(steps),
            "--checkpoint-dir",
            str(folder),
            "--log-dir",
            str(folder) + "-log",
            *flags,
        ]
    )


def play(*flags):
    import rnn_play

    rnn_play.main(list(flags))


@pytest.fixture
def shipped_copy(tmp_path):
    copy = tmp_path / "model"
    shutil.copytree(SHIPPED, copy)
    return copy


@pytest.mark.parametrize(
    "hparams, message",
    [
        ({"internal_size": 1e9, "layers": 3}, "internal_size is 1000000000.0, not a whole number from 1 to 8,192"),
        ({"internal_size": 512, "layers": 10000}, "layers is 10000, not a whole number from 1 to 64"),
        ({"internal_size": 512, "layers": True}, "layers is true"),
        ({"internal_size": "512", "layers": 3}, 'internal_size is "512"'),
        ({"layers": 3}, "lacks internal_size"),
        ([512, 3], "is not a JSON object"),
        ({"internal_size": 512, "layers": 3, "alphasize": 256}, "alphasize is 256, not 98"),
        ({"internal_size": 512, "layers": 2}, "says 2 layers of 512 units, but"),  # weights of 3 layers
        ({"internal_size": 256, "layers": 3}, "says 3 layers of 256 units, but"),  # weights of 512 units
    ],
)
def test_a_model_folders_hparams_are_checked_before_anything_is_built(hparams, message, shipped_copy, capsys):
    (shipped_copy / "hparams.json").write_text(json.dumps(hparams))
    with pytest.raises(UsageError) as error:
        play("--checkpoint", str(shipped_copy), "--length", "10")
    assert message in str(error.value) and "hparams.json" in str(error.value) and "\n" not in str(error.value)


def test_weights_that_are_not_numbers_are_refused(shipped_copy):
    path = shipped_copy / "weights.npz"
    weights = dict(np.load(path))
    weights["gru1/b"][7] = np.nan
    np.savez_compressed(path, **weights)
    with pytest.raises(UsageError, match="gru1/b holds NaN or infinite values"):
        play("--checkpoint", str(shipped_copy), "--length", "10")


def test_resume_refuses_hparams_that_drop_a_layer(corpus, tmp_path):
    folder = tmp_path / "run"
    train(corpus, folder)
    hparams = json.loads((folder / "hparams.json").read_text())
    (folder / "hparams.json").write_text(json.dumps(dict(hparams, layers=1)))
    with pytest.raises(UsageError, match="says 1 layers of 16 units, but .* holds 2 layers of 16 units"):
        train(corpus, folder, "--resume", steps=5)


@pytest.mark.slow  # a training, its resume, play, replay and export in each folder (about 8 s each)
@pytest.mark.parametrize("name", ["exp[lr=0.001]", "my runs/été *", "a?b"])
def test_any_folder_name_works(name, corpus, tmp_path, capsys):
    folder = tmp_path / name
    train(corpus, folder, steps=25)
    train(corpus, folder, "--resume", steps=5)
    assert "resumed from" in capsys.readouterr().out
    play("--checkpoint", str(folder), "--length", "20", "--seed", "1")
    play("--replay", "--checkpoint", str(folder), "--length", "10", "--seed", "1")
    assert "==== step 25" in capsys.readouterr().out
    export = tmp_path / (name + " model")
    play("--checkpoint", str(folder), "--export", str(export))
    play("--checkpoint", str(export), "--length", "20")


def test_the_shipped_model_is_read_only(corpus, tmp_path):
    before = {name: os.path.getmtime(os.path.join(SHIPPED, name)) for name in os.listdir(SHIPPED)}
    folder = tmp_path / "run"
    train(corpus, folder)
    for spelling in (SHIPPED, SHIPPED + "/", os.path.join(SHIPPED, "..", "shakespeare")):
        with pytest.raises(UsageError, match="shipped with the project, which no command overwrites"):
            play("--checkpoint", str(folder), "--export", spelling)
        with pytest.raises(UsageError, match="shipped with the project"):
            train(corpus, spelling)
    assert {name: os.path.getmtime(os.path.join(SHIPPED, name)) for name in os.listdir(SHIPPED)} == before


def test_export_refuses_a_checkpoint_folder_and_a_folder_of_other_files(corpus, tmp_path):
    run, other = tmp_path / "run", tmp_path / "other"
    train(corpus, run)
    train(corpus, other)
    hparams = (other / "hparams.json").read_text()
    for destination in (run, other):
        with pytest.raises(UsageError, match="is a checkpoint folder"):
            play("--checkpoint", str(run), "--export", str(destination))
    assert (other / "hparams.json").read_text() == hparams and not (other / "weights.npz").exists()
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "todo.txt").write_text("mine")
    with pytest.raises(UsageError, match="holds other files"):
        play("--checkpoint", str(run), "--export", str(notes))
    mine = tmp_path / "mine"
    play("--checkpoint", str(run), "--export", str(mine))
    play("--checkpoint", str(run), "--export", str(mine))  # an export of one's own may be replaced
    with pytest.raises(UsageError, match="is a model folder"):
        train(corpus, mine)


def test_a_new_run_does_not_take_over_an_old_runs_milestones(corpus, tmp_path):
    folder = tmp_path / "run"
    train(corpus, folder)
    for _, prefix in rnn_checkpoints.find(str(folder)):  # the checkpoints deleted, the milestones left
        for path in [p for p in os.listdir(folder) if p.startswith(os.path.basename(prefix) + ".")]:
            os.remove(folder / path)
    with pytest.raises(UsageError, match="holds what is left of another training run"):
        train(corpus, folder)


def test_hidden_folders_are_left_out_and_huge_trees_refused(corpus, monkeypatch):
    import shakespeare_data
    import txtutils

    files = shakespeare_data.corpus_files(corpus)
    assert len(files) == 4 and not any(".git" in f for f in files)
    monkeypatch.setattr(shakespeare_data, "MAX_CORPUS_FILES", 3)
    with pytest.raises(txtutils.TextError, match="more than 3 files"):
        shakespeare_data.corpus_files(corpus)
    with pytest.raises(txtutils.TextError, match="more than 3 files"):
        shakespeare_data.corpus_files(os.path.join(corpus, "*.txt"))


def test_a_batch_that_cannot_fit_in_memory_is_refused_first(corpus, tmp_path):
    with pytest.raises(UsageError, match="would take about .* GB of memory"):
        train(corpus, tmp_path / "run", "--seqlen", "100000", "--batch-size", "2000", "--internal-size", "512")
    assert not os.path.exists(tmp_path / "run")  # refused before any folder is made
    with pytest.raises(UsageError, match="would take about .* GB of memory"):
        play("--checkpoint", SHIPPED, "--score", os.path.join(PROJECT_DIR, "*.py"), "--seqlen", "100000")


@pytest.mark.slow  # a 100,000-character prime through the shipped model (9 s)
def test_a_prime_that_is_not_utf8_and_a_long_prime(capsys):
    import txtutils

    assert txtutils.encode_text("RO\udcffMEO")[2] == txtutils.UNKNOWN  # a byte that was not UTF-8
    play("--prime", "RO\udcffMEO", "--length", "5", "--seed", "1")
    long_prime = "ROMEO:\n\tBut soft, what light through yonder window breaks?\n" * 200  # 11,800 characters
    play("--prime", long_prime, "--length", "5", "--seed", "1")
    captured = capsys.readouterr()
    assert "[reading the prime: 11,799 of 11,799 characters]" in captured.err


def test_a_prime_fed_in_chunks_gives_the_state_of_one_go(monkeypatch):
    import rnn_model

    monkeypatch.setattr(rnn_model, "PRIME_CHUNK", 100)  # 5 chunks
    from graphmode import tf
    import txtutils

    tf.reset_default_graph()
    model = rnn_model.Model(internal_size=8, layers=2)
    codes = txtutils.encode_text(VERSE[:500])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        chunked = model.prime(sess, codes)[1]
        whole = sess.run(model.H, {model.X: [codes[:-1]], model.Hin: model.zero_state(1)})
    np.testing.assert_allclose(chunked, whole, atol=1e-5)
