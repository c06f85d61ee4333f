"""What the API suites share: a real `sluice serve` on a free loopback port, and the pieces of
the pipelines they create."""
import json
import os
import signal
import subprocess

ROLE = "arn:aws:iam::000000000000:role/test"
# Keys a developer's shell may hold; each suite configures the server's keys itself.
CREDENTIAL_VARIABLES = ("SLUICE_ACCESS_KEY_ID", "SLUICE_SECRET_ACCESS_KEY", "SLUICE_SESSION_TOKEN")


def shell_step(name, script, depends_on=None, extra=None):
    """A Processing step whose image has no runtime mapping, so `script` runs on the host."""
    step = {
        "Name": name,
        "Type": "Processing",
        "Arguments": {
            "ProcessingResources": {"ClusterConfig": {
                "InstanceCount": 1, "InstanceType": "ml.m5.large", "VolumeSizeInGB": 1}},
            "AppSpecification": {"ImageUri": "local/shell",
                                 "ContainerEntrypoint": ["/bin/sh", "-c", script]},
            "RoleArn": ROLE,
        },
    }
    if depends_on:
        step["DependsOn"] = depends_on
    step.update(extra or {})
    return step


def definition(steps, parameters=None):
    return json.dumps({"Version": "2020-12-01", "Metadata": {}, "Parameters": parameters or [],
                       "Steps": steps})


class Server:
    """`sluice serve` on a port of its choosing, its standard error written to `log_path`."""

    def __init__(self, sluice, state, log_path, arguments=(), environment=None):
        os.makedirs(state, exist_ok=True)
        env = {name: value for name, value in os.environ.items()
               if name not in CREDENTIAL_VARIABLES}
        env.update(environment or {})
        self.log_path = log_path
        self.log = open(log_path, "w")
        self.process = subprocess.Popen(
            [sluice, "serve", "--listen", "127.0.0.1:0", "--state-dir", state,
             "--isolation", "none", *arguments],
            stdout=subprocess.PIPE, stderr=self.log, text=True, env=env)
        line = self.process.stdout.readline()
        if not line.startswith("listening on "):
            self.process.kill()
            self.process.wait()
            self.log.close()
            with open(log_path) as log:
                raise RuntimeError("sluice serve did not start: %r\n%s" % (line, log.read()))
        self.address = line.split()[-1]
        self.host, port = self.address.rsplit(":", 1)
        self.port = int(port)

    def stop(self):
        """Ends the server as a service manager would; its exit status."""
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=60)
        self.process.stdout.close()
        self.log.close()
        return code
