"""A re-implementation of SageMaker's built-in XGBoost algorithm image (algorithm mode training
and the model server) on Debian's XGBoost, faithful to the behaviour of each image version."""
