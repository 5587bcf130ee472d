"""Tutorial 06's training script: a linear classifier trained by stochastic gradient descent
(scikit-learn's SGDClassifier, logistic loss) on the handwritten-digits data that ships
inside scikit-learn (1,797 images of 8 × 8 pixels, 10 classes).

ablate runs it once per trial. The hyperparameters arrive in ABLATE_PARAMS (read through
the helper in ../../python/ablate_trial.py):
  alpha    L2 regularisation strength (log scale)
  epochs   passes over the training data
  scaling  a component: standardise the pixels (enabled) or feed them raw (removed)
The seed decides the train/test split and the order of the examples. Every epoch reports
the validation accuracy (a learning curve); the end result is the test accuracy.
Run it by hand with the defaults: python3 train_digits.py
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
import ablate_trial as ab  # noqa: E402

import numpy as np  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.linear_model import SGDClassifier  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

p = ab.params(defaults={"alpha": 1e-4, "epochs": 10, "scaling": True})
seed = ab.seed(default=0)

x, y = load_digits(return_X_y=True)
x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.3, random_state=seed, stratify=y)
x_fit, x_val, y_fit, y_val = train_test_split(x_train, y_train, test_size=0.2, random_state=seed, stratify=y_train)
if p["scaling"]:
    scaler = StandardScaler().fit(x_fit)
    x_fit, x_val, x_test, x_train = (scaler.transform(a) for a in (x_fit, x_val, x_test, x_train))

model = SGDClassifier(loss="log_loss", alpha=p["alpha"], learning_rate="optimal", random_state=seed)
rng = np.random.default_rng(seed)
classes = np.unique(y)
for epoch in range(1, int(p["epochs"]) + 1):
    order = rng.permutation(len(x_fit))
    model.partial_fit(x_fit[order], y_fit[order], classes=classes)
    ab.report(epoch, val_accuracy=model.score(x_val, y_val))

ab.result(accuracy=model.score(x_test, y_test), train_accuracy=model.score(x_fit, y_fit))
