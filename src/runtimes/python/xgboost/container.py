"""Entry point of the built-in SageMaker XGBoost image: `container.py train|serve`."""
import sys

if __name__ == "__main__":
    sys.exit("sagemaker-xgboost: train and serve are not available yet")
