"""scikit-learn's random forest and gradient boosting on the regime data set.

Run from the repository root after `npm run build`, with Debian's Python:
    /usr/bin/python3 test/oracles/classifier.py
It asks our code for the data set (node dist/test/oracles/regime-dataset.js),
trains sklearn's models on the same features and time split, and writes
their held-out accuracies with the data set's hash to
test/oracles/fixtures/classifier.json.
"""
import csv
import json
import subprocess
import tempfile

import numpy as np
from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier

with tempfile.NamedTemporaryFile(suffix=".csv") as f:
    digest = subprocess.run(["node", "dist/test/oracles/regime-dataset.js", f.name], check=True, capture_output=True, text=True).stdout.strip()
    rows = list(csv.reader(open(f.name)))
header, rows = rows[0], rows[1:]
X = np.array([[float(v) for v in r[:-2]] for r in rows])
y = np.array([int(r[-2]) for r in rows])
train = np.array([r[-1] == "train" for r in rows])

rf = RandomForestClassifier(n_estimators=100, random_state=0).fit(X[train], y[train])
gb = GradientBoostingClassifier(random_state=0).fit(X[train], y[train])
out = {
    "generator": "test/oracles/classifier.py",
    "hash": digest,
    "samples": {"train": int(train.sum()), "test": int((~train).sum())},
    "accuracy": {
        "randomForest": float((rf.predict(X[~train]) == y[~train]).mean()),
        "gradientBoosting": float((gb.predict(X[~train]) == y[~train]).mean()),
    },
}
json.dump(out, open("test/oracles/fixtures/classifier.json", "w"), indent=1)
print(json.dumps(out))
