"""The SageMaker container contract as the runtimes see it: /opt/ml paths, failure reporting
and the training toolkit's environment. Shared by every adapter in the runtimes directory."""
