"""benchmarks/talk_claims.py and claims.py: each claim's check, on summaries made here, can hold and can fail."""

import json
import os
import sys

import pytest

from conftest import PROJECT_DIR

sys.path.insert(0, os.path.join(PROJECT_DIR, "benchmarks"))
import claim_runs  # noqa: E402
import claims  # noqa: E402
import talk_claims  # noqa: E402


def summary(test_accuracy, test_loss=None, train_accuracy=None, every=100):
    steps = [every * i for i in range(len(test_accuracy))]
    train_accuracy = train_accuracy or test_accuracy
    train_steps = [steps[-1] * i // (len(train_accuracy) - 1) for i in range(len(train_accuracy))]
    return {
        "iterations": steps[-1],
        "max_test_accuracy": max(test_accuracy),
        "max_test_accuracy_step": steps[test_accuracy.index(max(test_accuracy))],
        "final_test_accuracy": test_accuracy[-1],
        "curves": {
            "test": {"step": steps, "accuracy": test_accuracy, "loss": test_loss or [1.0] * len(steps)},
            "train": {"step": train_steps, "accuracy": train_accuracy, "loss": [1.0] * len(train_accuracy)},
        },
    }


def test_every_run_and_claim_is_consistent():
    for claim in claims.CLAIMS:
        assert claim.runs and all(name in claim_runs.RUNS for name in claim.runs), claim.title
    for picture in talk_claims.PICTURES:
        assert all(name in claim_runs.RUNS for name in picture.runs) and len(picture.labels) == len(picture.runs)
        assert not picture.bands or all(name in talk_claims.DRAWN for name in picture.runs)  # band panels: drawn runs
    lessons = {os.path.basename(s).split("_")[1] for s in talk_claims.lesson_scripts()}
    assert {run.lesson for run in claim_runs.RUNS.values()} <= lessons


@pytest.mark.parametrize("constant_jumps, holds", [(True, True), (False, False)])
def test_noise_of_a_constant_learning_rate(constant_jumps, holds):
    smooth = [0.980 + 0.0001 * (i % 2) for i in range(101)]
    noisy = [0.980 + (0.008 if i % 2 else 0.0) for i in range(101)] if constant_jumps else smooth
    runs = {"relu_constant_lr": summary(noisy), "relu_decaying_lr": summary(smooth)}
    measured, result = claims.constant_lr_is_noisy(runs)
    assert result is holds and "biggest jump" in measured


def test_decay_stays_above_98_and_training_stuck_at_100():
    steady = summary([0.95] * 80 + [0.981] * 21, train_accuracy=[1.0] * 200)
    dipping = summary([0.95] * 80 + [0.981] * 20 + [0.979], train_accuracy=[1.0] * 150 + [0.99] * 50)
    assert claims.decay_stays_above_98({"relu_decaying_lr": steady})[1]
    assert not claims.decay_stays_above_98({"relu_decaying_lr": dipping})[1]
    assert claims.training_accuracy_stuck_at_100({"relu_decaying_lr": steady})[1]
    assert not claims.training_accuracy_stuck_at_100({"relu_decaying_lr": dipping})[1]


def test_dropout_claims():
    rising = summary([0.98] * 101, test_loss=[10.0] * 50 + [6.0] + [9.0] * 50)
    tamed = summary([0.981] * 101, test_loss=[10.0] * 50 + [6.0] + [6.5] * 50)
    better = summary([0.99] * 101, test_loss=[10.0] * 50 + [6.0] + [6.5] * 50)
    assert claims.dropout_tames_test_loss({"relu_decaying_lr": rising, "relu_dropout": tamed})[1]
    assert not claims.dropout_tames_test_loss({"relu_decaying_lr": tamed, "relu_dropout": rising})[1]
    assert claims.dropout_accuracy_not_higher({"relu_decaying_lr": rising, "relu_dropout": tamed})[1]
    assert not claims.dropout_accuracy_not_higher({"relu_decaying_lr": rising, "relu_dropout": better})[1]


# what lessons 4.0 and 4.1 write of each layer's activations (made up): every field the claims read
LAYER = {"saturated": 0.1, "logits_mean": 0.05, "logits_std": 1.0, "zero": 0.5, "dead": 0.0}


def test_batchnorm_claims():
    def bn(shares):
        return {"activations": [{"layer": i + 1, "saturated": s} for i, s in enumerate(shares)]}

    runs = {"sigmoid_batchnorm": bn([0.1, 0.1, 0.1, 0.2]), "sigmoid_no_batchnorm": bn([0.5, 0.4, 0.4, 0.6])}
    assert claims.batchnorm_unsaturates_sigmoids(runs)[1]
    runs["sigmoid_batchnorm"] = bn([0.1, 0.1, 0.5, 0.2])
    assert not claims.batchnorm_unsaturates_sigmoids(runs)[1]

    # ReLU: the inputs of the ReLUs centred with batch norm, and the accuracy not lower than without it
    def relu(best, mean, std):
        return {
            "max_test_accuracy": best,
            "activations": [dict(LAYER, layer=i, logits_mean=mean, logits_std=std) for i in range(1, 5)],
        }

    runs = {"relu_batchnorm": relu(0.982, 0.1, 1.05), "relu_no_batchnorm": relu(0.981, 1.5, 4.0)}
    assert claims.batchnorm_works_with_relus(runs)[1]
    runs["relu_batchnorm"] = relu(0.975, 0.1, 1.05)  # lower by more than the seed spread
    assert not claims.batchnorm_works_with_relus(runs)[1]
    runs["relu_batchnorm"] = relu(0.982, 0.9, 1.6)  # spread as without batch norm
    assert not claims.batchnorm_works_with_relus(runs)[1]
    # (lesson 4.2 above 99.5%: over seeds, test_above_995_over_seeds)


def test_conv_claims():
    conv = summary([0.5, 0.961, 0.98, 0.989], test_loss=[50.0, 5.0, 3.0, 4.0])
    assert claims.conv_fast_start({"conv": conv})[1]
    assert claims.conv_ends_989_and_overfits({"conv": conv})[1]
    late = summary([0.5, 0.95, 0.955, 0.985], test_loss=[50.0, 5.0, 3.0, 3.1])
    assert not claims.conv_fast_start({"conv": late})[1]
    assert not claims.conv_ends_989_and_overfits({"conv": late})[1]


def test_runs_matched_to_their_flags(tmp_path):
    import json

    full = {"seed": 0, "iterations": 10000, "test_every": 100}
    for number, lesson, hyper in (
        ("a", "mnist_2.1_x", {"lr": 0.0, "lr_min": 0.003, "iterations": 300, "test_every": 10, "seed": 0}),
        ("b", "mnist_2.1_x", {**full, "lr": 0.0, "lr_min": 0.003}),
        ("c", "mnist_2.1_x", {**full, "lr": 0.003, "lr_min": 0.0001}),
        ("d", "mnist_4.0_x", {**full, "batchnorm": False}),
        ("e", "mnist_4.0_x", {**full, "batchnorm": True}),
        # a 20-step run of lesson 1.0, and one of another seed: not "seed 0 at the defaults"
        ("f", "mnist_1.0_x", {"seed": 0, "iterations": 20, "test_every": 50}),
        ("g", "mnist_1.0_x", {"seed": 3, "iterations": 2000, "test_every": 50}),
        ("h", "mnist_2.2_x", {**full, "seed": 0}),
    ):
        run = dict(
            summary([0.9, 0.95]), lesson=lesson, hyperparameters=hyper, interrupted=number == "h"
        )  # an interrupted run: not complete
        (tmp_path / f"{number}.json").write_text(json.dumps(run))
    runs = {name: seeds[0][1] for name, seeds in claim_runs.runs_in(str(tmp_path)).items()}
    assert runs["relu_start"]["hyperparameters"]["iterations"] == 300
    assert runs["relu_constant_lr"]["hyperparameters"]["iterations"] == 10000
    assert runs["relu_decaying_lr"]["hyperparameters"]["lr"] == 0.003
    assert runs["sigmoid_no_batchnorm"]["hyperparameters"]["batchnorm"] is False
    assert runs["sigmoid_batchnorm"]["hyperparameters"]["batchnorm"] is True
    assert "softmax" not in runs and "relu_dropout" not in runs


def test_flag_values():
    assert claim_runs.flag_values(["--lr", "0", "--no-batchnorm", "--channels", "6", "12", "24"]) == {
        "lr": "0",
        "batchnorm": False,
        "channels": ["6", "12", "24"],
    }
    assert claim_runs._same([6, 12, 24], ["6", "12", "24"]) and not claim_runs._same([6, 12, 24], ["6", "12"])


def seeded(**values):
    """A RunSet of made-up runs, {name: [max test accuracy of seed 0, seed 1, ...]} (a test loss rising by 1.5)."""
    runs = claims.RunSet()
    for name, accuracies in values.items():
        for seed, accuracy in enumerate(accuracies):
            runs.add(name, seed, summary([accuracy - 0.001, accuracy], test_loss=[2.0, 3.0]))
    return runs


def test_a_difference_smaller_than_the_seed_spread_is_not_shown():
    def runs(without, with_):
        return seeded(bigger_conv_no_dropout=without, bigger_conv_dropout=with_)

    # lesson 3.1's seeds 0-4 move it by 0.15 point: a mean 0.05 point higher, the ranges overlapping, is not shown
    assert (
        claims.bigger_conv_dropout(
            runs([0.9907, 0.9915, 0.9920, 0.9912, 0.9918], [0.9912, 0.9927, 0.9921, 0.9925, 0.9919])
        )[1]
        is None
    )
    assert claims.bigger_conv_dropout(runs([0.9905, 0.9910, 0.9908], [0.9925, 0.9930, 0.9912]))[1] is True
    assert claims.bigger_conv_dropout(runs([0.9925, 0.9930, 0.9912], [0.9905, 0.9910, 0.9920]))[1] is False
    measured, _ = claims.bigger_conv_dropout(runs([0.9905, 0.9910, 0.9908], [0.9925, 0.9930, 0.9912]))
    assert "over 3 seeds: without dropout mean 99.08%, 99.05% to 99.10%; with mean 99.22%, 99.12% to 99.30%" in measured
    # one seed each (an earlier one-seed run, or a plain dict of summaries): not shown, whichever is higher
    one = {"bigger_conv_no_dropout": summary([0.99, 0.9907]), "bigger_conv_dropout": summary([0.99, 0.9960])}
    assert claims.bigger_conv_dropout(one)[1] is None
    assert claims.bigger_conv_dropout(runs([0.9960], [0.9907]))[1] is None


def test_dropout_test_loss_over_seeds():
    runs = seeded(bigger_conv_no_dropout=[0.99] * 3, bigger_conv_dropout=[0.99] * 3)
    assert claims.bigger_conv_dropout_test_loss(runs)[1] is False  # the same rise (1.5) with and without
    for seed in range(3):
        runs.by_seed["bigger_conv_no_dropout"][seed]["curves"]["test"]["loss"] = [2.0, 3.6 + 0.2 * seed]
    measured, holds = claims.bigger_conv_dropout_test_loss(runs)
    assert holds is True and "without dropout mean 1.90, 1.80 to 2.00; with mean 1.50, 1.50 to 1.50" in measured
    runs.by_seed["bigger_conv_no_dropout"][0]["curves"]["test"]["loss"] = [2.0, 2.8]  # one seed without: 1.4
    assert claims.bigger_conv_dropout_test_loss(runs)[1] is None


def test_above_995_over_seeds():
    assert claims.batchnorm_above_995(seeded(batchnorm_conv=[0.9951, 0.9955, 0.9953]))[1] is True
    measured, holds = claims.batchnorm_above_995(seeded(batchnorm_conv=[0.9951, 0.9948, 0.9958]))
    assert holds is None and "2 of 3 above 99.5%" in measured  # the mean above, not every seed
    assert claims.batchnorm_above_995(seeded(batchnorm_conv=[0.9951, 0.9940, 0.9950]))[1] is False
    assert claims.batchnorm_above_995(seeded(batchnorm_conv=[0.9960]))[1] is None  # one seed: not shown
    runs = seeded(batchnorm_conv=[0.9951, 0.9955, 0.9953], batchnorm_on_3_1_less_dropout=[0.9935, 0.9940, 0.9938])
    measured, holds = claims.batchnorm_on_the_talks_network(runs)
    assert holds is False and "lesson 4.2's own 24, 48, 64 channels and keep 0.75: mean 99.53%" in measured


def test_runs_made_with_several_seeds_are_matched_seed_by_seed(tmp_path):
    # seeds 0, 1 and 3 of lesson 3.1 without dropout, and a seed 7 that talk_claims.py never runs
    full = {"iterations": 10000, "test_every": 100, "pkeep": 1.0}
    for seed in (0, 1, 3, 7):
        run = dict(summary([0.9, 0.95]), lesson="mnist_3.1_x", hyperparameters={**full, "seed": seed})
        (tmp_path / f"s{seed}.json").write_text(json.dumps(run))
    found = claim_runs.runs_in(str(tmp_path))
    assert sorted(found) == ["bigger_conv_no_dropout"] and sorted(found["bigger_conv_no_dropout"]) == [0, 1, 3]
    runs = claims.RunSet()
    for seed, (_, run) in found["bigger_conv_no_dropout"].items():
        runs.add("bigger_conv_no_dropout", seed, run)
    assert runs["bigger_conv_no_dropout"]["hyperparameters"]["seed"] == 0
    assert [r["hyperparameters"]["seed"] for r in runs.every_seed("bigger_conv_no_dropout")] == [0, 1, 3]
    assert claim_runs.missing_runs(runs, ["bigger_conv_no_dropout", "bigger_conv_dropout"]) == [
        ("bigger_conv_no_dropout", 2),
        ("bigger_conv_no_dropout", 4),
    ] + [("bigger_conv_dropout", s) for s in range(5)]


def test_claims_read_summaries_as_compare_runs_loads_them(tmp_path):
    # --from-runs: the summaries come through compare_runs.load_summary, the claims read their curves
    import json
    import compare_runs

    path = tmp_path / "run.json"
    data = summary([0.5, 0.9, 0.95])
    data.update(lesson="mnist_2.0_five_layers_sigmoid", hyperparameters={})
    path.write_text(json.dumps(data))
    loaded = compare_runs.load_summary(str(path))
    assert claims.curve(loaded, "test", "accuracy") == [0.5, 0.9, 0.95]


def test_resume_runs_only_what_the_folder_lacks(tmp_path, monkeypatch):
    # a --quick set stopped before its last run: --resume launches that one alone, into the same folder,
    # then checks every claim on all of them (run_lesson, which starts a lesson process, is replaced)
    import json

    quick = [name for name, run in claim_runs.RUNS.items() if run.quick]
    missing = quick[-1]

    def made_up_run(name):
        number, flags = claim_runs.RUNS[name].lesson, claim_runs.RUNS[name].flags
        defaults = claim_runs.lesson_defaults(number)
        run = summary(
            [0.9 + 0.0001 * i for i in range(defaults["iterations"] // defaults["test_every"] + 1)],
            every=defaults["test_every"],
        )
        hyper = {**defaults, "seed": 0, **claim_runs.flag_values(flags)}
        run["curves"]["test"]["step"] = [defaults["test_every"] * i for i in range(len(run["curves"]["test"]["step"]))]
        run.update(
            lesson=os.path.basename(claim_runs.lesson_script(number))[:-3],
            hyperparameters=hyper,
            finished="2026-12-01T17:00:00",
            wall_seconds=1.0,
            train_steps_per_second=1.0,
            machine={"cpus": 2, "gpu": False, "tensorflow": "2.x"},
            activations=[dict(LAYER, layer=i) for i in range(1, 5)],
        )
        return run

    for name in quick:
        if name != missing:
            (tmp_path / f"{name}.json").write_text(json.dumps(made_up_run(name)))
    launched = []

    def run_lesson(script, flags, png=None):
        launched.append(flags)
        assert flags[flags.index("--runs-dir") + 1] == str(tmp_path)
        return made_up_run(missing)

    monkeypatch.setattr(talk_claims, "run_lesson", run_lesson)
    output = tmp_path / "table.md"
    talk_claims.main(["--quick", "--resume", str(tmp_path), "--output", str(output)])
    assert launched == [claim_runs.RUNS[missing].flags + ["--runs-dir", str(tmp_path), "--seed", "0"]]
    table = output.read_text()
    assert f"--resume {tmp_path}`, runs of 2026-12-01." in table
    assert table.count("| yes |") + table.count("| **no** |") == sum(
        all(claim_runs.RUNS[name].quick for name in claim.runs) for claim in claims.CLAIMS
    )


def test_resume_and_from_runs_name_a_folder_that_exists(tmp_path):
    from cli import UsageError

    with pytest.raises(UsageError, match="--resume .*no such folder"):
        talk_claims.main(["--resume", str(tmp_path / "nowhere")])
    with pytest.raises(UsageError, match="give one of them"):
        talk_claims.main(["--resume", str(tmp_path), "--from-runs", str(tmp_path)])


# ---------------------------------------------------------------- --from-runs on hand-made summaries: one line
def complete_run(name, **changes):
    """A run summary as talk_claims.py's run `name` writes it (made up): every figure the claims and tables read."""
    number, flags = claim_runs.RUNS[name].lesson, claim_runs.RUNS[name].flags
    defaults = claim_runs.lesson_defaults(number)
    run = summary(
        [0.9 + 0.0001 * i for i in range(defaults["iterations"] // defaults["test_every"] + 1)],
        every=defaults["test_every"],
    )
    run.update(
        lesson=os.path.basename(claim_runs.lesson_script(number))[:-3],
        hyperparameters={**defaults, "seed": 0, **claim_runs.flag_values(flags)},
        finished="2026-12-01T17:00:00",
        wall_seconds=1.0,
        train_steps_per_second=1.0,
        machine={"cpus": 2, "gpu": False, "tensorflow": "2.x"},
        activations=[dict(LAYER, layer=i) for i in range(1, 5)],
    )
    run.update(changes)
    return json.loads(json.dumps(run))  # (summary() shares one list between the test and training curves)


def with_curve(run, which, name, index, value):
    run["curves"][which][name][index] = value
    return run


@pytest.mark.parametrize(
    "name, run, field",
    [
        (
            "softmax",
            complete_run("softmax", max_test_accuracy="0.92"),
            'max_test_accuracy is the string "0.92", not a number',
        ),
        ("softmax", complete_run("softmax", wall_seconds=None), "wall_seconds is null, not a number"),
        ("softmax", {k: v for k, v in complete_run("softmax").items() if k != "iterations"}, "iterations is missing"),
        ("softmax", complete_run("softmax", machine="mine"), 'machine is the string "mine", not an object'),
        ("softmax", complete_run("softmax", machine={"cpus": 2}), "machine.gpu is missing"),
        ("softmax", complete_run("softmax", finished=20261201), "finished is 20261201, not a date"),
        (
            "softmax",
            with_curve(complete_run("softmax"), "test", "accuracy", 3, "high"),
            'curves.test.accuracy[3] is the string "high", not a number',
        ),
        (
            "softmax",
            with_curve(complete_run("softmax"), "test", "loss", 5, None),
            "curves.test.loss[5] is not a number (a diverged run?)",
        ),
        (
            "softmax",
            with_curve(complete_run("softmax"), "train", "accuracy", 1, float("nan")),
            "curves.train.accuracy[1] is not a number",
        ),
        (
            "sigmoid_batchnorm",
            complete_run("sigmoid_batchnorm", activations=[{"layer": 1, "saturated": "10%"}]),
            'activations[0].saturated is the string "10%", not a number',
        ),
        (
            "sigmoid_batchnorm",
            {k: v for k, v in complete_run("sigmoid_batchnorm").items() if k != "activations"},
            "activations is missing",
        ),
        ("softmax", complete_run("softmax", curves=[]), "curves is a list, not an object"),
    ],
)
def test_from_runs_names_the_file_and_the_field_of_a_hand_made_summary(name, run, field, tmp_path):
    import json
    from cli import UsageError

    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(run))
    with pytest.raises(UsageError) as refused:
        talk_claims.main(["--from-runs", str(tmp_path), "--output", str(tmp_path / "table.md")])
    assert str(refused.value).startswith(f"{path}: ") and field in str(refused.value), str(refused.value)
    assert not (tmp_path / "table.md").exists()


def test_from_runs_on_hand_made_summaries_in_one_line(tmp_path):
    # the command itself: one line, no traceback, no table
    import json
    from conftest import run_script

    path = tmp_path / "softmax.json"
    path.write_text(json.dumps(complete_run("softmax", max_test_accuracy=[0.92])))
    result = run_script(
        os.path.join("benchmarks", "talk_claims.py"),
        "--from-runs",
        str(tmp_path),
        "--output",
        str(tmp_path / "table.md"),
    )
    assert result.returncode == 1 and result.stderr.strip().splitlines() == [
        f"error: {path}: max_test_accuracy is a list, not a number"
    ]
    assert not (tmp_path / "table.md").exists()


def test_from_runs_checks_the_claims_of_complete_hand_made_summaries(tmp_path):
    # the same summaries, complete: the table is written (what the refusals above are measured against)
    import json

    for name in ("softmax", "sigmoid_batchnorm", "sigmoid_no_batchnorm"):
        run = complete_run(name)
        if name == "sigmoid_no_batchnorm":
            run["activations"] = [{"layer": i, "saturated": 0.5} for i in range(1, 5)]
        (tmp_path / f"{name}.json").write_text(json.dumps(run))
    talk_claims.main(["--from-runs", str(tmp_path), "--output", str(tmp_path / "table.md")])
    table = (tmp_path / "table.md").read_text()
    assert "| softmax 1.0 | about 92% |" in table and "| batch norm, sigmoid |" in table


def test_summaries_written_under_the_lessons_old_names_are_read_as_the_new_lessons(tmp_path):
    # before the talk's file names, 4.0 was the convolutional lesson and 4.1 the sigmoid one
    import json

    renamed = {
        "sigmoid_batchnorm": "mnist_4.1_batchnorm_five_layers_sigmoid",
        "sigmoid_no_batchnorm": "mnist_4.1_batchnorm_five_layers_sigmoid",
        "batchnorm_conv": "mnist_4.0_batchnorm_convolutional",
    }
    for name, old in renamed.items():
        for seed in range(claim_runs.RUNS[name].seeds):
            run = complete_run(name, lesson=old)
            run["hyperparameters"]["seed"] = seed
            if name == "sigmoid_no_batchnorm":
                run["activations"] = [dict(LAYER, layer=i, saturated=0.5) for i in range(1, 5)]
            (tmp_path / f"{name}-{seed}.json").write_text(json.dumps(run))
    talk_claims.main(["--from-runs", str(tmp_path), "--output", str(tmp_path / "table.md")])
    table = (tmp_path / "table.md").read_text()
    assert "| batch norm, sigmoid |" in table and "| batch norm 4.2 | above 99.5% |" in table, table
    assert "| batchnorm_conv | 4.2 | 0, 1, 2 |" in table, table


def test_from_runs_leaves_out_a_claim_whose_seeds_are_missing(tmp_path, capsys):
    # an earlier talk_claims.py made one seed of lesson 4.2: its claim needs three, and says which are missing
    (tmp_path / "softmax.json").write_text(json.dumps(complete_run("softmax")))
    (tmp_path / "batchnorm_conv.json").write_text(json.dumps(complete_run("batchnorm_conv")))
    talk_claims.main(["--from-runs", str(tmp_path), "--output", str(tmp_path / "table.md")])
    assert "batch norm 4.2 (lacks batchnorm_conv seed 1, batchnorm_conv seed 2)" in capsys.readouterr().out
    table = (tmp_path / "table.md").read_text()
    assert "| softmax 1.0 | about 92% |" in table and "| batch norm 4.2 |" not in table


def test_summaries_that_match_no_run_are_left_out(tmp_path):
    # a lesson named without its number, a seed too big for a float: matched to no run, not a traceback
    odd = [complete_run("softmax", lesson="softmax"), complete_run("softmax", hyperparameters={"seed": 10**400})]
    for i, run in enumerate(odd):
        (tmp_path / f"odd{i}.json").write_text(json.dumps(run))
    assert claim_runs.runs_in(str(tmp_path)) == {}


def test_a_claim_that_cannot_be_read_from_hand_made_curves_is_one_line(tmp_path):
    # numbers everywhere, yet made by hand: a test loss of 0 (the dropout claim divides by the lowest)
    import json
    from cli import UsageError

    for name in ("relu_decaying_lr", "relu_dropout"):
        run = complete_run(name)
        run["curves"]["test"]["loss"] = [0.0] * len(run["curves"]["test"]["loss"])
        (tmp_path / f"{name}.json").write_text(json.dumps(run))
    with pytest.raises(UsageError, match=r"claim 'dropout': cannot be checked on .*relu_decaying_lr\.json"):
        talk_claims.main(["--from-runs", str(tmp_path), "--output", str(tmp_path / "table.md")])


def test_from_runs_works_from_any_folder(tmp_path):
    # the lessons' own defaults are read from their scripts beside talk_claims.py, not from the current folder
    from conftest import run_script

    (tmp_path / "runs").mkdir()
    (tmp_path / "runs" / "softmax.json").write_text(json.dumps(complete_run("softmax")))
    result = run_script(
        os.path.join("benchmarks", "talk_claims.py"), "--from-runs", "runs", "--output", "table.md", cwd=str(tmp_path)
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "| softmax 1.0 | about 92% |" in (tmp_path / "table.md").read_text()
