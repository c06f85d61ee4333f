"""Score the trained abalone model on the held-out test rows.

Runs as a SageMaker Processing job on the built-in XGBoost image. Reads the
training job's artefact /opt/ml/processing/model/model.tar.gz and the test rows
/opt/ml/processing/test/test.csv (headerless, target in column 0), and writes

    /opt/ml/processing/evaluation/evaluation.json
    {"regression_metrics": {"mse": {"value": ..., "standard_deviation": ...}}}

which the pipeline's condition reads through the path
regression_metrics.mse.value.
"""
import json
import logging
import os
import pickle
import shutil
import tarfile
import tempfile

import numpy as np
import pandas as pd
import xgboost

MODEL_ARCHIVE = "/opt/ml/processing/model/model.tar.gz"
TEST_FILE = "/opt/ml/processing/test/test.csv"
REPORT_FILE = "/opt/ml/processing/evaluation/evaluation.json"

# The name the built-in algorithm gives its model file in every image version.
MODEL_FILE = "xgboost-model"

logger = logging.getLogger("evaluate")


def extract_model(archive, directory):
    """Copy the model file out of archive into directory; return its path."""
    with tarfile.open(archive, "r:gz") as tar:
        member = model_member(tar)
        # Only this member's bytes, under a name chosen here: a crafted entry
        # name cannot make the extraction write outside directory.
        path = os.path.join(directory, MODEL_FILE)
        with tar.extractfile(member) as source, open(path, "wb") as target:
            shutil.copyfileobj(source, target)
    logger.info("extracted %s from %s", member.name, archive)
    return path


def model_member(tar):
    files = [member for member in tar.getmembers() if member.isfile()]
    visible = [
        m for m in files if not os.path.basename(m.name).startswith(".")
    ]
    for member in visible:
        if os.path.basename(member.name) == MODEL_FILE:
            return member
    # Accept a lone model file under another name, as the image's own server
    # does, but refuse to guess between several.
    if len(visible) == 1:
        return visible[0]
    raise ValueError(
        "expected {} in the model archive, found {}".format(
            MODEL_FILE, [m.name for m in files] or "no files"
        )
    )


def load_booster(path):
    """Load a model saved by any version of the built-in XGBoost algorithm.

    Images 1.0-1 and 1.2-x pickle the Booster; 1.3-1 and later write it with
    Booster.save_model. Pickles from those images (protocol 2 or later) begin
    with the PROTO opcode, which no save_model format does, so the first byte
    decides instead of a failed unpickling attempt.
    """
    with open(path, "rb") as stream:
        pickled = stream.read(1) == b"\x80"
    if pickled:
        with open(path, "rb") as stream:
            booster = pickle.load(stream)
        if not isinstance(booster, xgboost.Booster):
            raise TypeError(
                "{} holds a pickled {}, not an xgboost Booster".format(
                    path, type(booster).__name__
                )
            )
        logger.info("loaded a pickled Booster")
        return booster
    booster = xgboost.Booster()
    booster.load_model(path)
    logger.info("loaded a Booster saved with save_model")
    return booster


def read_test(path):
    table = pd.read_csv(path, header=None)
    labels = table.iloc[:, 0].values.astype(np.float64)
    features = table.iloc[:, 1:].values.astype(np.float64)
    logger.info(
        "read %d test rows with %d features", len(labels), features.shape[1]
    )
    return labels, features


def regression_report(labels, predictions):
    residuals = labels - predictions
    return {
        "regression_metrics": {
            "mse": {
                "value": float(np.mean(residuals ** 2)),
                # The spread of the prediction errors, as SageMaker's own
                # abalone example reports it beside the MSE.
                "standard_deviation": float(np.std(residuals)),
            }
        }
    }


def write_report(report, path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as stream:
        json.dump(report, stream, indent=2)
        stream.write("\n")
    logger.info("wrote %s", path)


def main():
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    with tempfile.TemporaryDirectory() as scratch:
        booster = load_booster(extract_model(MODEL_ARCHIVE, scratch))
    labels, features = read_test(TEST_FILE)
    # Every tree, as the training job's own validation score counts them; this
    # pipeline trains without early stopping, so there is no best_ntree_limit.
    predictions = booster.predict(xgboost.DMatrix(features))
    report = regression_report(labels, predictions)
    logger.info("test MSE %.4f", report["regression_metrics"]["mse"]["value"])
    write_report(report, REPORT_FILE)


if __name__ == "__main__":
    main()
