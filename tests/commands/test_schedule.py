"""``cfgtools schedule`` through cfgtools.cli.main.

Expected numbers are worked out by hand in comments (or with a numpy closed form).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from cfgtools.cli import main
from tests.cli_run import check, run_cli

FIX = Path(__file__).resolve().parents[2] / "fixtures"
DN = FIX / "darknet"
CF = FIX / "caffe"
f32 = np.float32


def rows(text: str) -> list[tuple[int, str]]:
    return [(int(a), b) for a, b in (line.split("\t") for line in text.splitlines())]


def test_darknet_rows_one_to_max_batches(capsys):
    assert main(["schedule", str(DN / "policy_step.cfg")]) == 0  # lr .1, step 10, scale .5, max_batches 40
    out = rows(capsys.readouterr().out)
    assert [k for k, _ in out] == list(range(1, 41))
    assert dict(out)[9] == "0.1" and dict(out)[10] == "0.05" and dict(out)[40] == "0.00625"


def test_values_round_trip_float32(capsys):
    assert main(["schedule", str(DN / "policy_exp.cfg")]) == 0  # lr .1 gamma .9
    for k, text in rows(capsys.readouterr().out):
        expected = f32(float(f32(0.1)) * float(f32(0.9)) ** k)
        assert f32(float(text)) == expected


def test_from_zero_to_every_and_at(capsys):
    assert main(["schedule", str(DN / "policy_constant.cfg"), "--from", "0", "--to", "10", "--every", "5"]) == 0
    # burn_in 10 power 4: rate(0) = 0, rate(5) = 0.001f/16, rate(10) = 0.001
    assert rows(capsys.readouterr().out) == [(0, "0.0"), (5, str(f32(float(f32(0.001)) / 16))), (10, "0.001")]
    assert main(["schedule", str(DN / "policy_poly.cfg"), "--at", "20,21"]) == 0
    assert rows(capsys.readouterr().out) == [(20, "0.0"), (21, "nan")]


def test_gpus_4(capsys):
    assert main(["schedule", str(DN / "policy_step.cfg"), "--gpus", "4", "--at", "1,10"]) == 0
    # 0.1f * 4 = 0.4f; at 10 one halving: 0.2f
    assert rows(capsys.readouterr().out) == [(1, str(f32(f32(0.1) * 4))), (10, str(f32(f32(0.1) * 4 * 0.5)))]


def test_caffe_rows_zero_to_max_iter_minus_one_and_csv(capsys):
    assert main(["schedule", str(CF / "policy_multistep.prototxt"), "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "iteration,lr"
    body = [line.split(",") for line in lines[1:]]
    assert body[0][0] == "0" and body[-1][0] == "399" and len(body) == 400
    assert body[299][1] == "0.1" and body[300][1] == str(f32(float(f32(0.1)) * float(f32(0.1))))


def test_json(capsys):
    assert main(["schedule", str(DN / "policy_poly.cfg"), "--format", "json", "--from", "19", "--to", "21"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["framework"] == "darknet" and doc["policy"] == "poly"
    assert doc["rows"][1] == [20, 0.0] and doc["rows"][2] == [21, "nan"]


def test_random_note_and_seed(capsys):
    assert main(["schedule", str(DN / "policy_random.cfg"), "--seed", "3", "--at", "1"]) == 0
    captured = capsys.readouterr()
    assert "not reproducible" in captured.err and "--seed 3" in captured.err


def test_pjreddie_dialect_changes_sgdr_to_constant(capsys):
    assert main(["schedule", str(DN / "policy_sgdr.cfg"), "--dialect", "pjreddie", "--at", "8"]) == 0
    assert rows(capsys.readouterr().out) == [(8, "0.1")]
    assert main(["schedule", str(DN / "policy_sgdr.cfg"), "--at", "8"]) == 0
    assert rows(capsys.readouterr().out) == [(8, "0.001")]  # learning_rate_min at the cycle end


def test_bad_files_one_line_exit_2(tmp_path, capsys):
    missing = tmp_path / "nope.cfg"
    assert main(["schedule", str(missing)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"{missing}:1:1:") and "\n" not in err
    bad = tmp_path / "bad.prototxt"
    bad.write_text('base_lr: 0.1\nlr_policy: "cosine"\n')
    assert main(["schedule", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"{bad}:2:") and "Unknown learning rate policy: cosine" in err
    steps = tmp_path / "steps.cfg"
    steps.write_text("[net]\npolicy=steps\nsteps=10,20\nscales=.1\nmax_batches=30\n")
    assert main(["schedule", str(steps)]) == 2
    assert capsys.readouterr().err.startswith(f"{steps}:4:")


def test_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as info:
        main(["schedule", str(DN / "policy_step.cfg"), "--every", "0"])
    assert info.value.code == 2
    with pytest.raises(SystemExit) as info:
        main(["schedule", str(DN / "policy_step.cfg"), "--format", "xml"])
    assert info.value.code == 2
    assert main(["schedule", str(DN / "policy_step.cfg"), "--at", "1", "--from", "2"]) == 2


def test_zero_horizon_prints_nothing_and_says_why(tmp_path, capsys):
    solver = tmp_path / "solver.prototxt"
    solver.write_text('base_lr: 0.001\nlr_policy: "step"\ngamma: 0.1\nstepsize: 50000\n')
    assert main(["schedule", str(solver)]) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and "max_iter is 0" in captured.err
    assert main(["schedule", str(solver), "--at", "50000"]) == 0
    assert rows(capsys.readouterr().out) == [(50000, str(f32(float(f32(0.001)) * float(f32(0.1)))))]


def test_every_prints_the_multiples_a_log_with_that_display_shows(capsys):
    # policy_constant.cfg: max_batches 40, so updates 1..40; multiples of 10 are 10, 20, 30, 40
    assert main(["schedule", str(DN / "policy_constant.cfg"), "--every", "10"]) == 0
    assert [i for i, _ in rows(capsys.readouterr().out)] == [10, 20, 30, 40]


def test_at_outside_the_run_says_so(capsys):
    # policy_poly.cfg: max_batches 20; rate(21) exists but no update uses it
    assert main(["schedule", str(DN / "policy_poly.cfg"), "--at", "5,21"]) == 0
    err = capsys.readouterr().err
    assert "21: outside the updates 1..20 a run from scratch makes" in err and "5," not in err


@pytest.mark.parametrize("option", [["--at", "99999999999999999999"], ["--from", "2147483648"],
                                    ["--gpus", "100000"], ["--at", "²"], ["--seed", "-1"]])
def test_numbers_out_of_range_are_usage_errors(capsys, option):
    with pytest.raises(SystemExit) as info:
        main(["schedule", str(DN / "policy_poly.cfg"), *option])
    assert info.value.code == 2 and "Traceback" not in capsys.readouterr().err


def test_plateau_has_no_schedule_before_training(capsys):
    # SSD Caffe's plateau follows the training loss: a one-line note with the position, exit 2 (as plot)
    assert main(["schedule", str(CF / "ssd_plateau.prototxt"), "--caffe-fork", "ssd"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"{CF / 'ssd_plateau.prototxt'}:6:12: lr_policy plateau (SSD Caffe) ")
    assert "can only be computed from a training log" in captured.err and len(captured.err.splitlines()) == 1


def test_ssd_multistep_rows(capsys):
    # ssd_pascal.py: base_lr .001, gamma .1, stepvalues 80000/100000/120000: lr(i) = .001 * .1^(#stepvalues <= i)
    assert main(["schedule", str(CF / "ssd_pascal_solver.prototxt"), "--caffe-fork", "ssd",
                 "--at", "0,79999,80000,100000,119999"]) == 0
    out = dict(rows(capsys.readouterr().out))
    expected = {i: f32(float(f32(0.001)) * float(f32(0.1)) ** n)
                for i, n in {0: 0, 79999: 0, 80000: 1, 100000: 2, 119999: 2}.items()}
    assert {i: f32(float(text)) for i, text in out.items()} == expected


def test_dialect_all_is_refused_outside_lint(capsys):
    with pytest.raises(SystemExit) as raised:
        main(["schedule", str(DN / "policy_step.cfg"), "--dialect", "all"])
    assert raised.value.code == 2
    assert "'all' is only for cfgtools lint" in capsys.readouterr().err


# -- ultralytics: one column per group -------------------------------------------------------------------------------

UL = FIX / "ultralytics"
HYP_KEYS = ("lr0", "lrf", "momentum", "warmup_epochs", "warmup_momentum", "warmup_bias_lr")


def run_files(tmp_path: Path, version: str, cfg: dict) -> Path:
    """The file each version trains from, with ``cfg``'s settings (a hyp file beside a v5.0/v6.1 opt.yaml)."""
    hyp = "".join(f"{key}: {cfg[key]}\n" for key in HYP_KEYS) + "weight_decay: 0.0005\nobj: 1.0\n"
    if version == "yolov5-5.0":
        (tmp_path / "hyp.yaml").write_text(hyp)
        text = (f"weights: yolov5s.pt\nhyp: hyp.yaml\nepochs: {cfg['epochs']}\nbatch_size: {cfg['batch']}\n"
                f"total_batch_size: {cfg['batch']}\nlinear_lr: {str(not cfg['cos_lr']).lower()}\nadam: false\n")
    elif version == "yolov5-6.1":
        (tmp_path / "hyp.yaml").write_text(hyp)
        text = (f"weights: yolov5s.pt\nhyp: hyp.yaml\nepochs: {cfg['epochs']}\nbatch_size: {cfg['batch']}\n"
                f"cos_lr: {str(cfg['cos_lr']).lower()}\noptimizer: SGD\n")
    elif version == "yolov5-7.0":
        text = (f"weights: yolov5s.pt\nepochs: {cfg['epochs']}\nbatch_size: {cfg['batch']}\n"
                f"cos_lr: {str(cfg['cos_lr']).lower()}\noptimizer: SGD\nseed: 0\nhyp:\n"
                + "".join(f"  {line}\n" for line in hyp.splitlines()))
    else:
        text = (f"task: detect\nepochs: {cfg['epochs']}\nbatch: {cfg['batch']}\nnbs: {cfg['nbs']}\n"
                f"cos_lr: {str(cfg['cos_lr']).lower()}\noptimizer: SGD\n" + hyp.replace("obj: 1.0\n", ""))
    path = tmp_path / ("opt.yaml" if version.startswith("yolov5") else "args.yaml")
    path.write_text(text)
    return path


def table(text: str, separator: str = ",") -> tuple[list[str], np.ndarray]:
    lines = text.splitlines()
    return lines[0].split(separator), np.array([[float(v) for v in line.split(separator)] for line in lines[1:]])


@pytest.mark.torch
@pytest.mark.parametrize("version", ["yolov5-5.0", "yolov5-6.1", "yolov5-7.0", "ultralytics-8.0", "ultralytics-8.1",
                                     "ultralytics-8.3", "ultralytics-latest"])
@pytest.mark.parametrize("case", ["defaults", "cos_lr", "warmup_0", "warmup_1", "small_nbs_over_batch",
                                  "large_nbs_over_batch", "nbs_over_batch_half"])
def test_the_command_prints_what_the_upstream_loop_sets(torch_module, tmp_path, capsys, version, case):
    """`cfgtools schedule` against the torch replica of each version's loop (tests/ultralytics/test_schedule.py),
    every group at every iteration, and --per epoch at each epoch's last iteration (results.csv's rows)."""
    from tests.ultralytics.test_schedule import CASES, config, run_loop

    cfg = config(**CASES[case])  # nbs is 64 in every case: YOLOv5 has no nbs setting
    nb = 37
    path = run_files(tmp_path, version, cfg)
    trace = run_loop(torch_module, version, cfg, nb)
    assert main(["schedule", str(path), "--framework-version", version, "--batches-per-epoch", str(nb),
                 "--format", "csv"]) == 0
    header, values = table(capsys.readouterr().out)
    assert header == ["iteration", "epoch", "lr_pg0", "lr_pg1", "lr_pg2", "momentum_pg0", "momentum_pg1",
                      "momentum_pg2", "accumulate", "step"]
    assert values[:, 0].tolist() == list(range(cfg["epochs"] * nb))
    assert values[:, 1].tolist() == [i // nb for i in range(cfg["epochs"] * nb)]
    np.testing.assert_allclose(values[:, 2:5], np.array(trace.lr), rtol=1e-9, atol=0)
    np.testing.assert_allclose(values[:, 5:8], np.array(trace.momentum), rtol=1e-9, atol=0)
    assert values[:, 8].astype(int).tolist() == trace.accumulate
    assert values[:, 9].astype(bool).tolist() == trace.step
    assert main(["schedule", str(path), "--framework-version", version, "--batches-per-epoch", str(nb),
                 "--format", "tsv", "--per", "epoch"]) == 0
    header, per_epoch = table(capsys.readouterr().out, "\t")
    ends = [e * nb + nb - 1 for e in range(cfg["epochs"])]
    assert per_epoch[:, 0].tolist() == ends and per_epoch[:, 1].tolist() == list(range(cfg["epochs"]))
    np.testing.assert_allclose(per_epoch[:, 2:5], np.array(trace.lr)[ends], rtol=1e-9, atol=0)


def test_ultralytics_rows_by_hand(capsys):
    # opt_v7.yaml: yolov5-7.0, 300 epochs, batch 32, lr0 = lrf = 0.01, warm-up 3 epochs; 1000 images: nb = 32,
    # nw = max(round(3 * 32), 100) = 100. ni = 1: biases interp(1, [0, 100], [0.1, lr0 lf(0) = 0.01]) = 0.0991,
    # weights 0.01 / 100 = 0.0001, momentum 0.8 + 0.137 / 100 = 0.80137; accumulate max(1, round(1 + 1/100)) = 1
    assert main(["schedule", str(UL / "opt_v7.yaml"), "--images", "1000", "--at", "1"]) == 0
    captured = capsys.readouterr()
    header, row = captured.out.splitlines()
    assert header == "iteration\tepoch\tlr_pg0\tlr_pg1\tlr_pg2\tmomentum_pg0\tmomentum_pg1\tmomentum_pg2\taccumulate\tstep"
    values = row.split("\t")
    assert values[:2] == ["1", "0"] and values[-2:] == ["1", "1"]
    assert [float(v) for v in values[2:8]] == pytest.approx([0.0991, 0.0001, 0.0001, 0.80137, 0.80137, 0.80137],
                                                            rel=1e-12)
    assert "pg0 biases, pg1 weights with decay, pg2 BatchNorm weights" in captured.err


def test_ultralytics_json_and_ranges(capsys):
    # epochs 3..4 of opt_v7.yaml with 1000 images: after the warm-up (which ends in epoch 3, at ni = 100), epoch 3
    # keeps lr0 lf(3) and epoch 4 trains at lr0 lf(3) too (the scheduler steps at the end of epoch 3)
    assert main(["schedule", str(UL / "opt_v7.yaml"), "--images", "1000", "--per", "epoch", "--from", "3", "--to",
                 "4", "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert (document["framework"], document["dialect"], document["policy"], document["per"]) == \
        ("ultralytics", "yolov5-7.0", "framework", "epoch")
    assert document["columns"][:3] == ["iteration", "epoch", "lr_pg0"]
    expected = 0.01 * ((1 - 3 / 300) * 0.99 + 0.01)
    assert [row[:2] for row in document["rows"]] == [[127, 3], [159, 4]]
    assert [row[3] for row in document["rows"]] == pytest.approx([expected, expected], rel=1e-12)


def test_ultralytics_usage(capsys):
    assert main(["schedule", str(UL / "opt_v7.yaml")]) == 2
    assert "give the training images (--images N" in capsys.readouterr().err
    assert main(["schedule", str(UL / "hyp_scratch.yaml"), "--images", "1000"]) == 2
    assert "a hyp file holds hyperparameters only" in capsys.readouterr().err
    assert main(["schedule", str(UL / "opt_v7.yaml"), "--batches-per-epoch", "10", "--at", "5,99999"]) == 0
    captured = capsys.readouterr()
    assert len(captured.out.splitlines()) == 2 and "99999: outside the iterations 0..2999 of the run" in captured.err
    assert main(["schedule", str(DN / "policy_step.cfg"), "--per", "epoch"]) == 2
    assert "a darknet schedule has no epochs" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["schedule", str(UL / "opt_v7.yaml"), "--framework-version", "yolov5-8.0"])
    assert "unknown framework version 'yolov5-8.0'" in capsys.readouterr().err


def test_hankai_refuses_an_unknown_activation(tmp_path, capsys):
    # hank-ai's get_activation_from_name stops at "Mish" before training: no schedule; AlexeyAB trains (with ReLU)
    cfg = tmp_path / "act.cfg"
    cfg.write_text("[net]\nwidth=416\nheight=416\nchannels=3\nlearning_rate=0.1\nmax_batches=3\n\n"
                   "[convolutional]\nfilters=16\nactivation=Mish\n")
    assert main(["schedule", str(cfg), "--dialect", "hankai"]) == 2
    assert capsys.readouterr().err.strip() == f'{cfg}:10:1: hank-ai stops with "activation name "Mish" is not supported"'
    assert main(["schedule", str(cfg)]) == 0
    assert [k for k, _ in rows(capsys.readouterr().out)] == [1, 2, 3]


def test_hankai_refuses_a_yolo_network_not_divisible_by_32(tmp_path, capsys):
    # hank-ai's last check once the network is built (CfgFile::create_network): width 400 = 12.5 * 32;
    # filters = (classes + 5) * masks = (2 + 5) * 1
    cfg = tmp_path / "size.cfg"
    cfg.write_text("[net]\nwidth=400\nheight=416\nchannels=3\nlearning_rate=0.1\nmax_batches=3\n\n"
                   "[convolutional]\nfilters=7\nsize=1\nactivation=linear\n\n[yolo]\nmask=0\nanchors=10,13\nclasses=2\n"
                   "num=1\n")
    assert main(["schedule", str(cfg), "--dialect", "hankai"]) == 2
    assert capsys.readouterr().err.strip() == (f'{cfg}:2:7: hank-ai stops with "width=400 and height=416 in cfg file '
                                               f'must be divisible by 32 for YOLO networks"')
    assert main(["schedule", str(cfg)]) == 0  # AlexeyAB warns and trains


@pytest.mark.parametrize("command", [["schedule", "{f}", "--at", "1,2000"], ["schedule", "{f}", "--to", "2000"],
                                     ["plot", "{f}", "--to", "2000"],
                                     ["lint", "--no-cache", "--resume-from", "2000", "{f}"]])
def test_a_rate_darknet_never_computes_is_one_line(tmp_path, command):
    # found by the fuzz test: sgdr_mult=0 ends darknet's cycle loop only inside the first cycle (1000 batches);
    # the run (100 batches) is inside it, a rate asked for at 2000 is not: darknet would loop forever there
    cfg = tmp_path / "sgdr.cfg"
    cfg.write_text("[net]\nwidth=416\nheight=416\nchannels=3\nmax_batches=100\npolicy=sgdr\nsgdr_cycle=1000\n"
                   "sgdr_mult=0\n")
    argv = [part.format(f=cfg) for part in command]
    outcome = run_cli(argv)
    check(outcome, argv)
    assert outcome.code == 2
    assert (f"{cfg}:1:1: darknet's SGDR loop never ends past batch 1000 with sgdr_cycle=1000 and sgdr_mult=0"
            in outcome.err.splitlines())
