"""Prepare the abalone data for XGBoost.

Runs as a SageMaker Processing job on the scikit-learn image. Reads the raw
UCI abalone file(s) from /opt/ml/processing/input, one-hot encodes sex,
standardises the measurements and writes headerless CSVs with the target
(rings) in column 0, the layout SageMaker's built-in XGBoost expects:

    /opt/ml/processing/train/train.csv
    /opt/ml/processing/validation/validation.csv
    /opt/ml/processing/test/test.csv
    /opt/ml/processing/batch/batch.csv   (the test rows without the target)

Feature columns after the target: sex_F, sex_I, sex_M, then the seven
standardised measurements in the raw file's order.
"""
import argparse
import glob
import logging
import os

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.preprocessing import OneHotEncoder, StandardScaler

BASE_DIR = "/opt/ml/processing"
INPUT_DIR = os.path.join(BASE_DIR, "input")

TARGET = "rings"
CATEGORICAL = "sex"
SEX_CODES = ["F", "I", "M"]
MEASUREMENTS = [
    "length",
    "diameter",
    "height",
    "whole_weight",
    "shucked_weight",
    "viscera_weight",
    "shell_weight",
]
RAW_COLUMNS = [CATEGORICAL] + MEASUREMENTS + [TARGET]
RAW_TYPES = {CATEGORICAL: str, TARGET: np.int64}
RAW_TYPES.update(dict.fromkeys(MEASUREMENTS, np.float64))

logger = logging.getLogger("preprocess")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--validation-fraction", type=float, default=0.15)
    parser.add_argument("--test-fraction", type=float, default=0.15)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    fractions = (args.validation_fraction, args.test_fraction)
    if min(fractions) <= 0 or sum(fractions) >= 1:
        parser.error(
            "--validation-fraction and --test-fraction must be positive "
            "and leave rows for training"
        )
    return args


def read_raw(input_dir):
    # The input is an S3 prefix, so it may arrive as one file or as several
    # parts; the code input is mounted below this directory, hence no
    # recursion.
    paths = sorted(glob.glob(os.path.join(input_dir, "*.csv")))
    if not paths:
        raise FileNotFoundError("no .csv file in {}".format(input_dir))
    return pd.concat([read_part(path) for path in paths], ignore_index=True)


def read_part(path):
    logger.info("reading %s", path)
    # Read untyped first: with names given, pandas would silently turn an
    # extra column into the index, and typed parsing hides which file is bad.
    part = pd.read_csv(path, header=None)
    if part.shape[1] != len(RAW_COLUMNS):
        raise ValueError(
            "{}: {} columns, expected {} ({})".format(
                path, part.shape[1], len(RAW_COLUMNS), ", ".join(RAW_COLUMNS)
            )
        )
    part.columns = RAW_COLUMNS
    missing = part.columns[part.isna().any()].tolist()
    if missing:
        raise ValueError("{}: missing values in {}".format(path, missing))
    try:
        part = part.astype(RAW_TYPES)
    except ValueError as error:
        raise ValueError(
            "{}: not headerless numeric abalone rows: {}".format(path, error)
        ) from error
    unknown = sorted(set(part[CATEGORICAL]) - set(SEX_CODES))
    if unknown:
        raise ValueError(
            "{}: unknown sex code(s) {}, expected one of {}".format(
                path, unknown, SEX_CODES
            )
        )
    return part


def split(data, validation_fraction, test_fraction, seed):
    order = np.random.default_rng(seed).permutation(len(data))
    n_test = int(round(len(data) * test_fraction))
    n_validation = int(round(len(data) * validation_fraction))
    test = order[:n_test]
    validation = order[n_test:n_test + n_validation]
    train = order[n_test + n_validation:]
    return data.iloc[train], data.iloc[validation], data.iloc[test]


def build_transformer():
    # Fixed categories keep the column layout identical whatever codes happen
    # to appear in a split; dense output because XGBoost's CSV reader needs it.
    return ColumnTransformer(
        [
            (
                "sex",
                OneHotEncoder(categories=[SEX_CODES], dtype=np.float64),
                [CATEGORICAL],
            ),
            ("measurements", StandardScaler(), MEASUREMENTS),
        ],
        sparse_threshold=0,
    )


def features(transformer, rows):
    columns = rows[[CATEGORICAL] + MEASUREMENTS]
    return pd.DataFrame(transformer.transform(columns))


def with_target(rows, feature_frame):
    table = feature_frame.copy()
    table.insert(0, TARGET, rows[TARGET].to_numpy())
    return table


def write_csv(table, channel):
    directory = os.path.join(BASE_DIR, channel)
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, channel + ".csv")
    table.to_csv(path, header=False, index=False)
    logger.info(
        "wrote %d rows x %d columns to %s", len(table), table.shape[1], path
    )


def main():
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    args = parse_args()

    data = read_raw(INPUT_DIR)
    train, validation, test = split(
        data, args.validation_fraction, args.test_fraction, args.seed
    )

    # Scaling statistics come from the training rows only, so the validation
    # and test scores are not flattered by the rows the model is judged on.
    transformer = build_transformer()
    transformer.fit(train[[CATEGORICAL] + MEASUREMENTS])

    for channel, rows in (
        ("train", train),
        ("validation", validation),
        ("test", test),
    ):
        write_csv(with_target(rows, features(transformer, rows)), channel)
    # The test rows again, in the same order but without the target: batch
    # predictions then line up with the labels in test.csv.
    write_csv(features(transformer, test), "batch")


if __name__ == "__main__":
    main()
