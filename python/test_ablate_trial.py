"""Tests of ablate_trial through the protocol: each case runs a small script in a child
Python with a fake ablate environment, as ablate would, and reads what it left behind.

Run from the repository root: python3 -m unittest discover -s python
"""

import json
import os
import pathlib
import subprocess
import sys
import tempfile
import textwrap
import unittest

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parent
TRAIN_DIGITS = REPO / "notebooks" / "scripts" / "train_digits.py"
TRIAL_ID = "0123456789abcdef0123456789abcdef"


def clean_env(**extra):
    """The current environment without any ABLATE_* variable, plus `extra`."""
    # PYTHONUNBUFFERED is dropped too: ablate's stdout is a file, so block-buffered.
    env = {k: v for k, v in os.environ.items() if not k.startswith("ABLATE_") and k != "PYTHONUNBUFFERED"}
    env["PYTHONPATH"] = str(HERE)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(extra)
    return env


def have_sklearn():
    return subprocess.run([sys.executable, "-c", "import sklearn"], capture_output=True).returncode == 0


class TrialCase(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        self.trial_dir = pathlib.Path(self.tmp.name) / "trials" / TRIAL_ID
        self.trial_dir.mkdir(parents=True)
        self.result_file = self.trial_dir / "result.json"

    def ablate_env(self, params=None, **extra):
        """The environment ablate gives a trial."""
        env = {
            "ABLATE_TRIAL_ID": TRIAL_ID,
            "ABLATE_SEED": "3141592653",
            "ABLATE_REPLICATE": "2",
            "ABLATE_PARAMS": json.dumps(params if params is not None else {"lr": 0.01, "batch": 64, "dropout": True, "optimizer": "adam"}),
            "ABLATE_TRIAL_DIR": str(self.trial_dir),
            "ABLATE_RESULT_FILE": str(self.result_file),
        }
        env.update(extra)
        return clean_env(**env)

    def run_script(self, source, env, args=()):
        return subprocess.run(
            [sys.executable, "-c", textwrap.dedent(source), *args],
            env=env,
            cwd=self.tmp.name,
            capture_output=True,
            text=True,
            timeout=60,
        )

    def ok(self, source, env):
        proc = self.run_script(source, env)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        return proc

    def fails(self, source, env, *needles):
        proc = self.run_script(source, env)
        self.assertNotEqual(proc.returncode, 0, proc.stdout)
        for needle in needles:
            self.assertIn(needle, proc.stderr)
        return proc

    def leftovers(self):
        return sorted(p.name for p in self.trial_dir.iterdir() if p.name != "result.json")


class ReadingTheTrial(TrialCase):
    def test_every_variable_is_read_with_its_type(self):
        proc = self.ok(
            """
            import json, ablate_trial as ab
            d = ab.trial_dir()
            print(json.dumps({"params": ab.params(), "seed": ab.seed(), "replicate": ab.replicate(),
                              "id": ab.trial_id(), "dir": str(d), "is_path": type(d).__name__,
                              "under": ab.under_ablate()}))
            """,
            self.ablate_env(),
        )
        got = json.loads(proc.stdout)
        self.assertEqual(got["params"], {"lr": 0.01, "batch": 64, "dropout": True, "optimizer": "adam"})
        self.assertEqual(got["seed"], 3141592653)
        self.assertEqual(got["replicate"], 2)
        self.assertEqual(got["id"], TRIAL_ID)
        self.assertEqual(got["dir"], str(self.trial_dir))
        self.assertTrue(got["is_path"].endswith("Path"))
        self.assertTrue(got["under"])

    def test_types_survive_json(self):
        proc = self.ok(
            """
            import ablate_trial as ab
            p = ab.params()
            assert type(p["lr"]) is float and type(p["batch"]) is int and p["dropout"] is True, p
            assert type(p["optimizer"]) is str and type(p["C"]) is float, p
            """,
            self.ablate_env(params={"lr": 0.01, "batch": 64, "dropout": True, "optimizer": "adam", "C": 1.0}),
        )
        self.assertEqual(proc.stderr, "")

    def test_defaults_fill_in_keys_the_study_does_not_set(self):
        proc = self.ok(
            """
            import json, ablate_trial as ab
            print(json.dumps(ab.params(defaults={"lr": 0.5, "epochs": 10})))
            """,
            self.ablate_env(params={"lr": 0.01}),
        )
        self.assertEqual(json.loads(proc.stdout), {"lr": 0.01, "epochs": 10})

    def test_by_hand_the_defaults_are_used(self):
        proc = self.ok(
            """
            import json, ablate_trial as ab
            print(json.dumps({"params": ab.params(defaults={"lr": 0.1}), "seed": ab.seed(default=0),
                              "replicate": ab.replicate(default=0), "id": ab.trial_id(default="manual"),
                              "dir": ab.trial_dir(default="ckpt").is_dir(), "under": ab.under_ablate()}))
            """,
            clean_env(),
        )
        self.assertEqual(
            json.loads(proc.stdout),
            {"params": {"lr": 0.1}, "seed": 0, "replicate": 0, "id": "manual", "dir": True, "under": False},
        )

    def test_by_hand_without_defaults_the_error_names_the_variable(self):
        for call, variable in [
            ("ab.params()", "ABLATE_PARAMS"),
            ("ab.seed()", "ABLATE_SEED"),
            ("ab.replicate()", "ABLATE_REPLICATE"),
            ("ab.trial_id()", "ABLATE_TRIAL_ID"),
            ("ab.trial_dir()", "ABLATE_TRIAL_DIR"),
        ]:
            with self.subTest(call=call):
                proc = self.fails(
                    f"import ablate_trial as ab\n{call}\n",
                    clean_env(),
                    f"{variable} is not set",
                    "meant to be run by ablate",
                    "default",
                    "NotRunByAblate",
                )
                self.assertEqual(proc.stdout, "")

    def test_the_error_is_a_runtime_error_to_catch(self):
        self.ok(
            """
            import ablate_trial as ab
            try:
                ab.params()
            except RuntimeError as e:
                assert "ABLATE_PARAMS" in str(e)
            else:
                raise SystemExit("no error")
            """,
            clean_env(),
        )

    def test_broken_variables_are_reported(self):
        for env, call, needle in [
            ({"ABLATE_PARAMS": "{lr: 0.1}"}, "ab.params()", "ABLATE_PARAMS is not valid JSON"),
            ({"ABLATE_PARAMS": "[0.1]"}, "ab.params()", "ABLATE_PARAMS is not a JSON object"),
            ({"ABLATE_SEED": "seven"}, "ab.seed()", "ABLATE_SEED is not an integer"),
            ({"ABLATE_SEED": str(2**32)}, "ab.seed(default=0)", "ABLATE_SEED is 4294967296, outside"),
            ({"ABLATE_REPLICATE": "-1"}, "ab.replicate()", "ABLATE_REPLICATE is -1, outside"),
        ]:
            with self.subTest(env=env):
                self.fails(f"import ablate_trial as ab\n{call}\n", self.ablate_env(**env), needle)


class Results(TrialCase):
    def test_the_result_file_is_written_atomically(self):
        # os.replace is watched: the file appears in one step, from a temporary file in the
        # same directory (a rename across directories could copy), already complete.
        proc = self.ok(
            """
            import json, os, ablate_trial as ab
            target = os.environ["ABLATE_RESULT_FILE"]
            real_replace = os.replace
            def replace(src, dst):
                assert os.path.abspath(dst) == target, dst
                assert os.path.dirname(os.path.abspath(src)) == os.path.dirname(target), src
                assert not os.path.exists(target), "the target existed before the rename"
                with open(src) as f:
                    assert json.load(f) == {"accuracy": 0.91, "loss": 0.25, "epochs": 3.0}
                real_replace(src, dst)
                print("renamed")
            os.replace = replace
            out = ab.result(accuracy=0.91, loss=0.25, epochs=3)
            assert out == {"accuracy": 0.91, "loss": 0.25, "epochs": 3.0}, out
            """,
            self.ablate_env(),
        )
        self.assertEqual(proc.stdout.strip(), "renamed")
        self.assertEqual(json.loads(self.result_file.read_text()), {"accuracy": 0.91, "loss": 0.25, "epochs": 3.0})
        self.assertEqual(self.leftovers(), [], "no temporary file is left behind")

    def test_a_later_result_replaces_the_earlier_one(self):
        self.ok("import ablate_trial as ab\nab.result(accuracy=0.5)\nab.result(accuracy=0.75)\n", self.ablate_env())
        self.assertEqual(json.loads(self.result_file.read_text()), {"accuracy": 0.75})
        self.assertEqual(self.leftovers(), [])

    def test_names_that_are_not_identifiers_go_in_a_dict(self):
        self.ok('import ablate_trial as ab\nab.result({"val/acc": 0.9}, loss=1)\n', self.ablate_env())
        self.assertEqual(json.loads(self.result_file.read_text()), {"val/acc": 0.9, "loss": 1.0})

    def test_without_a_result_file_the_result_is_a_stdout_line(self):
        env = self.ablate_env()
        del env["ABLATE_RESULT_FILE"]
        proc = self.ok("import ablate_trial as ab\nprint('training...')\nab.result(accuracy=0.91, f1=0.875)\n", env)
        lines = proc.stdout.splitlines()
        self.assertEqual(lines[0], "training...")
        self.assertTrue(lines[-1].startswith("ABLATE_RESULT "), lines)
        self.assertEqual(json.loads(lines[-1][len("ABLATE_RESULT "):]), {"accuracy": 0.91, "f1": 0.875})
        self.assertFalse(self.result_file.exists())

    def test_by_hand_the_result_is_printed(self):
        proc = self.ok("import ablate_trial as ab\nab.result(accuracy=1)\n", clean_env())
        self.assertEqual(proc.stdout, 'ABLATE_RESULT {"accuracy": 1.0}\n')

    def test_values_that_are_not_finite_real_numbers_are_refused(self):
        for value, needle in [
            ("float('nan')", "`accuracy` is nan: metrics must be finite"),
            ("float('inf')", "`accuracy` is inf: metrics must be finite"),
            ("-float('inf')", "`accuracy` is -inf"),
            ("'0.9'", "`accuracy` is '0.9', not a real number"),
            ("None", "`accuracy` is None, not a real number"),
            ("True", "`accuracy` is True, not a real number"),
            ("[0.9]", "`accuracy` is [0.9]"),
            ("1j", "complex"),
            ("10**400", "`accuracy`"),
        ]:
            with self.subTest(value=value):
                proc = self.fails(f"import ablate_trial as ab\nab.result(loss=0.1, accuracy={value})\n", self.ablate_env(), "ValueError", needle)
                self.assertEqual(proc.stdout, "")
                self.assertFalse(self.result_file.exists(), "nothing is written when a metric is bad")
                self.assertEqual(self.leftovers(), [])

    def test_a_refused_value_is_catchable_as_value_error(self):
        proc = self.ok(
            """
            import ablate_trial as ab
            try:
                ab.result(accuracy=float("nan"))
            except ValueError as e:
                print(e)
            """,
            self.ablate_env(),
        )
        self.assertIn("accuracy", proc.stdout)

    def test_numbers_from_libraries_are_accepted(self):
        # Anything real that converts with float() (numpy scalars, fractions, decimals).
        self.ok(
            """
            import decimal, fractions, ablate_trial as ab
            ab.result(a=fractions.Fraction(1, 4), b=decimal.Decimal("0.5"), c=7)
            """,
            self.ablate_env(),
        )
        self.assertEqual(json.loads(self.result_file.read_text()), {"a": 0.25, "b": 0.5, "c": 7.0})

    def test_an_empty_result_is_refused(self):
        self.fails("import ablate_trial as ab\nab.result()\n", self.ablate_env(), "needs at least one metric")


class Reports(TrialCase):
    def test_reports_are_stdout_lines_with_an_integer_step(self):
        proc = self.ok(
            """
            import ablate_trial as ab
            for step in (100, 200):
                ab.report(step, val_loss=0.84 / (step // 100), accuracy=0.5)
            ab.report(300, {"val/loss": 0.25})
            """,
            self.ablate_env(),
        )
        lines = proc.stdout.splitlines()
        self.assertEqual(len(lines), 3, lines)
        self.assertTrue(all(line.startswith("ABLATE_REPORT ") for line in lines), lines)
        values = [json.loads(line[len("ABLATE_REPORT "):]) for line in lines]
        self.assertEqual(values[0], {"step": 100, "val_loss": 0.84, "accuracy": 0.5})
        self.assertEqual(values[1], {"step": 200, "val_loss": 0.42, "accuracy": 0.5})
        self.assertEqual(values[2], {"step": 300, "val/loss": 0.25})
        self.assertIs(type(values[0]["step"]), int)
        self.assertIn('"step": 100', lines[0])

    def test_reports_are_flushed_before_a_crash(self):
        # stdout goes to a file (block-buffered): a report must survive the process dying.
        proc = self.run_script("import os, ablate_trial as ab\nab.report(1, loss=0.5)\nos._exit(3)\n", self.ablate_env())
        self.assertEqual(proc.returncode, 3)
        self.assertEqual(proc.stdout, 'ABLATE_REPORT {"step": 1, "loss": 0.5}\n')

    def test_bad_steps_and_values_are_refused(self):
        for call, needle in [
            ("ab.report(1.5, loss=0.1)", "step must be an integer"),
            ("ab.report(True, loss=0.1)", "step must be an integer"),
            ("ab.report('1', loss=0.1)", "step must be an integer"),
            ("ab.report(1, loss=float('nan'))", "`loss` is nan"),
            ("ab.report(1, loss='low')", "`loss` is 'low'"),
            ("ab.report(1)", "needs at least one value"),
            ("ab.report(1, {'step': 2})", "first argument"),
        ]:
            with self.subTest(call=call):
                proc = self.fails(f"import ablate_trial as ab\n{call}\n", self.ablate_env(), "ValueError", needle)
                self.assertEqual(proc.stdout, "")


def have_numpy():
    return subprocess.run([sys.executable, "-c", "import numpy"], capture_output=True).returncode == 0


class DevicesAndStops(TrialCase):
    def test_devices_are_the_ids_ablate_gave(self):
        proc = self.ok("import ablate_trial as ab; print(ab.devices())", self.ablate_env(ABLATE_DEVICES="2,3"))
        self.assertEqual(proc.stdout.strip(), "['2', '3']")
        proc = self.ok("import ablate_trial as ab; print(ab.devices())", self.ablate_env())
        self.assertEqual(proc.stdout.strip(), "[]")

    def test_on_stop_saves_then_exits_as_stopped_by_sigterm(self):
        source = (
            "import os, pathlib, signal, time\n"
            "import ablate_trial as ab\n"
            "ab.on_stop(lambda: pathlib.Path(ab.trial_dir(), 'ckpt').write_text('saved'))\n"
            "os.kill(os.getpid(), signal.SIGTERM)\n"
            "time.sleep(10)\n"
        )
        proc = self.run_script(source, self.ablate_env())
        self.assertEqual(proc.returncode, 143, proc.stderr)
        self.assertEqual((self.trial_dir / "ckpt").read_text(), "saved")
        self.fails("import ablate_trial as ab; ab.on_stop('not a function')", self.ablate_env(), "needs a function")


class Continuation(TrialCase):
    def test_resume_from_prefers_the_trials_own_checkpoint_then_the_cheaper_rungs(self):
        earlier = pathlib.Path(self.tmp.name) / "earlier"
        earlier.mkdir()
        read = "import ablate_trial as ab; p = ab.resume_from('ckpt.pt'); print('FOUND', p)"
        env = self.ablate_env(ABLATE_RESUME_FROM=str(earlier))
        # Nothing anywhere: from scratch, and nothing announced.
        proc = self.ok(read, env)
        self.assertIn("FOUND None", proc.stdout)
        self.assertNotIn("ABLATE_RESUMED", proc.stdout)
        # The cheaper rung's checkpoint: found and announced with that directory.
        (earlier / "ckpt.pt").write_text("3 epochs")
        proc = self.ok(read, env)
        self.assertIn(f"FOUND {earlier / 'ckpt.pt'}", proc.stdout)
        resumed = [l for l in proc.stdout.splitlines() if l.startswith("ABLATE_RESUMED ")]
        self.assertEqual([json.loads(l[len("ABLATE_RESUMED "):]) for l in resumed], [{"from": str(earlier)}])
        # The trial's own checkpoint (a retry, a requeued task) wins, and is not announced.
        (self.trial_dir / "ckpt.pt").write_text("own")
        proc = self.ok(read, env)
        self.assertIn(f"FOUND {self.trial_dir / 'ckpt.pt'}", proc.stdout)
        self.assertNotIn("ABLATE_RESUMED", proc.stdout)
        proc = self.ok("import ablate_trial as ab; print(ab.checkpoint_dir())", env)
        self.assertEqual(proc.stdout.strip(), str(self.trial_dir))
        self.fails("import ablate_trial as ab; ab.resume_from('../x')", env, "needs a file name")


@unittest.skipUnless(have_numpy(), "needs numpy")
class NumpyValues(TrialCase):
    def test_numpy_numbers_are_metrics_and_numpy_booleans_are_not(self):
        self.ok(
            """
            import numpy as np, ablate_trial as ab
            ab.report(np.int64(3), loss=np.float32(0.5))
            ab.result(a=np.float64(0.25), b=np.int32(2), c=np.array(0.75))
            for bad in (np.bool_(True), np.array([0.1, 0.2]), np.float64("nan")):
                try:
                    ab.result(x=bad)
                except ValueError:
                    continue
                raise SystemExit(f"accepted {bad!r}")
            """,
            self.ablate_env(),
        )
        self.assertEqual(json.loads(self.result_file.read_text()), {"a": 0.25, "b": 2.0, "c": 0.75})


@unittest.skipUnless(TRAIN_DIGITS.is_file() and have_sklearn(), "needs scikit-learn (kernel/.venv has it)")
class TutorialScript(TrialCase):
    """notebooks/scripts/train_digits.py, run as ablate runs it and by hand."""

    def run_digits(self, env, *args):
        proc = subprocess.run([sys.executable, str(TRAIN_DIGITS), *args], env=env, capture_output=True, text=True, timeout=120)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        return proc

    def test_under_ablate_it_reports_and_writes_both_accuracies(self):
        proc = self.run_digits(self.ablate_env(params={"C": 1.0, "scaling": True}))
        reports = [json.loads(l[len("ABLATE_REPORT "):]) for l in proc.stdout.splitlines() if l.startswith("ABLATE_REPORT ")]
        self.assertGreaterEqual(len(reports), 2)
        self.assertTrue(all(isinstance(r["step"], int) and 0 < r["test_accuracy"] <= 1 for r in reports), reports)
        metrics = json.loads(self.result_file.read_text())
        self.assertEqual(sorted(metrics), ["accuracy", "train_accuracy"])
        self.assertGreater(metrics["accuracy"], 0.9)
        self.assertGreaterEqual(metrics["train_accuracy"], metrics["accuracy"] - 0.05)

    def test_flags_override_the_environment_and_the_seed_decides_the_split(self):
        env = clean_env()
        a = self.run_digits(env, "--C", "0.1", "--scaling", "false", "--seed", "3").stdout.splitlines()[-1]
        b = self.run_digits(env, "--C", "0.1", "--scaling", "false", "--seed", "3").stdout.splitlines()[-1]
        c = self.run_digits(self.ablate_env(params={"C": 10.0, "scaling": True}), "--C", "0.1", "--scaling", "false", "--seed", "4")
        self.assertTrue(a.startswith("ABLATE_RESULT "), a)
        self.assertEqual(a, b, "same flags and seed, same result")
        self.assertIn("C=0.1", c.stdout)
        self.assertIn("scaling off", c.stdout)
        self.assertIn("seed 4", c.stdout)


if __name__ == "__main__":
    unittest.main()
