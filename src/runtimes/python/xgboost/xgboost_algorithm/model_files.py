"""The model file: /opt/ml/model/xgboost-model, pickled by 1.0-1 and 1.2-x and written with
Booster.save_model (XGBoost's binary format, starting "binf") from 1.3-1 on. Serving reads
either format, as the image does: pickle first, then XGBoost's loader."""
import os
import pickle

import xgboost as xgb

MODEL_NAME = "xgboost-model"


def save(booster, model_dir, version, name=MODEL_NAME):
    os.makedirs(model_dir, exist_ok=True)
    path = os.path.join(model_dir, name)
    if version.saves_pickle:
        with open(path, "wb") as model_file:
            if version.pickle_protocol is None:
                pickle.dump(booster, model_file)
            else:
                pickle.dump(booster, model_file, protocol=version.pickle_protocol)
    else:
        booster.save_model(path)
    return path


def load(path):
    """(Booster, whether it was pickled) from a file in either format."""
    try:
        with open(path, "rb") as model_file:
            booster = pickle.load(model_file)
        is_pickled = True
    except Exception as pickle_error:
        booster = xgb.Booster()
        try:
            booster.load_model(path)
        except Exception as xgboost_error:
            raise RuntimeError("Model %s cannot be loaded:\nPickle load error=%s\nXGB load model "
                               "error=%s" % (path, pickle_error, xgboost_error))
        is_pickled = False
    if not isinstance(booster, xgb.Booster):
        raise TypeError("%s holds a pickled %s, not an xgboost Booster"
                        % (path, type(booster).__name__))
    booster.set_param("nthread", 1)
    return booster, is_pickled


def model_paths(model_dir, version):
    """The files the server loads: 1.0-1 the first directory entry (dotfiles included), 1.2-1
    the first non-dot file, 1.2-2 onwards every non-dot regular file (an ensemble) unless
    SAGEMAKER_INFERENCE_ENSEMBLE is false."""
    entries = os.listdir(model_dir)
    if version.model_file_may_be_hidden:
        files = [name for name in entries if os.path.isfile(os.path.join(model_dir, name))]
        return [os.path.join(model_dir, files[0])] if files else []
    files = sorted(name for name in entries
                   if not name.startswith(".") and os.path.isfile(os.path.join(model_dir, name)))
    ensemble = os.environ.get("SAGEMAKER_INFERENCE_ENSEMBLE", "true").lower() == "true"
    if not (version.serves_ensembles and ensemble):
        files = files[:1]
    return [os.path.join(model_dir, name) for name in files]
