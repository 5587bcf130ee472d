"""Tutorial 06's training script: a support-vector classifier (scikit-learn's SVC, RBF
kernel) on the handwritten-digits images that ship inside scikit-learn (1,797 images of
8 x 8 pixels, 10 classes; nothing is downloaded).

Hyperparameters (baseline in brackets):
  C        [1.0]      how hard the SVM tries to classify every training image correctly:
                      small C = a smoother boundary (more regularisation), large C = fewer
                      training errors (a log-scale parameter);
  gamma    ["scale"]  the width of the RBF kernel: a number, or "scale" (1 / (features x
                      pixel variance)) or "auto" (1 / features);
  scaling  [true]     a component: standardise every pixel to mean 0 and variance 1 before
                      the SVM (enabled), or feed the raw pixel values 0-16 (removed).

ablate runs this script once per trial with the configuration in ABLATE_PARAMS and the seed
in ABLATE_SEED (read through the helper ../../python/ablate_trial.py); command-line flags
override both, so an argv template works too:
  python3 train_digits.py --C 0.1 --scaling false --seed 3
Run by hand without flags, it trains the baseline with seed 0.

The seed decides the stratified 75/25 train/test split (and the SVC's random_state). The
script reports a learning curve (accuracy on the test images after training on the first
100, 300, 600 and then all training images: `step` is the number of training images) and
its result: the test `accuracy` and the `train_accuracy` of the final model.
"""
import argparse
import os
import sys
import time

# ablate runs trials side by side: one thread each keeps two trials from fighting over cores.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
import ablate_trial as ab  # noqa: E402

from sklearn.datasets import load_digits  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.svm import SVC  # noqa: E402

DEFAULTS = {"C": 1.0, "gamma": "scale", "scaling": True}
CURVE_SIZES = (100, 300, 600)


def flag(text):
    """A boolean flag value: ablate writes components as true/false."""
    value = text.strip().lower()
    if value in ("true", "1", "yes", "on", "enabled"):
        return True
    if value in ("false", "0", "no", "off", "removed"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, not {text!r}")


def gamma_value(text):
    """A gamma value: a positive number, or "scale" / "auto"."""
    if text in ("scale", "auto"):
        return text
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, 'scale' or 'auto', not {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"gamma must be positive, not {text}")
    return value


def configuration(argv=None):
    """(params, seed): the defaults, overridden by ABLATE_PARAMS, overridden by flags."""
    parser = argparse.ArgumentParser(description="Train an SVC on scikit-learn's digits (ablate tutorial 06).")
    parser.add_argument("--C", type=float, help="regularisation: larger = fewer training errors (default 1.0)")
    parser.add_argument("--gamma", type=gamma_value, help="RBF kernel width: a number, 'scale' or 'auto' (default 'scale')")
    parser.add_argument("--scaling", type=flag, help="standardise the pixels: true or false (default true)")
    parser.add_argument("--seed", type=int, help="seed of the split and the model (default $ABLATE_SEED, or 0)")
    args = parser.parse_args(argv)
    params = ab.params(defaults=DEFAULTS)
    for name in ("C", "gamma", "scaling"):
        if getattr(args, name) is not None:
            params[name] = getattr(args, name)
    seed = args.seed if args.seed is not None else ab.seed(default=0)
    return params, seed


def main():
    p, seed = configuration()
    x, y = load_digits(return_X_y=True)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.25, random_state=seed, stratify=y)

    def model():
        steps = [StandardScaler()] if p["scaling"] else []
        return make_pipeline(*steps, SVC(C=float(p["C"]), gamma=p["gamma"], random_state=seed))

    print(
        f"digits: {len(x_train)} training / {len(x_test)} test images; "
        f"SVC(C={p['C']}, gamma={p['gamma']!r}), scaling {'on' if p['scaling'] else 'off'}, seed {seed}",
        flush=True,
    )
    started = time.perf_counter()
    # The learning curve: the split is already shuffled, so the first n training images are
    # a random sample of them.
    for n in CURVE_SIZES:
        if n < len(x_train):
            small = model().fit(x_train[:n], y_train[:n])
            ab.report(n, test_accuracy=small.score(x_test, y_test))
    final = model().fit(x_train, y_train)
    accuracy = final.score(x_test, y_test)
    ab.report(len(x_train), test_accuracy=accuracy)
    print(f"trained in {time.perf_counter() - started:.2f} s: test accuracy {accuracy:.4f}", flush=True)
    ab.result(accuracy=accuracy, train_accuracy=final.score(x_train, y_train))


if __name__ == "__main__":
    main()
