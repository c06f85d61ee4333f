"""Framework script mode: run the user's `sagemaker_program` from its unpacked
`sagemaker_submit_directory` with the training toolkit's environment and arguments."""
import collections
import os
import subprocess
import sys
import tarfile
import threading

from sagemaker_contract import failure
from sagemaker_contract import paths

# The failure file quotes the end of the script's stderr, as the toolkit does.
STDERR_TAIL_BYTES = 2048


class ScriptModeError(Exception):
    """A problem the user can fix (missing code, a failing script); reported without a
    traceback, as the toolkit reports its client errors."""


def _local_path(uri):
    if uri.startswith("file://"):
        return uri[len("file://"):]
    return uri if uri.startswith("/") else None


def _is_inside(root, path):
    return os.path.commonpath([root, path]) == root


def _extract(archive, destination):
    """Unpacks an archive, refusing members (or link targets) outside `destination`: this
    Python's tarfile has no extraction filters."""
    os.makedirs(destination, exist_ok=True)
    root = os.path.realpath(destination)
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            target = os.path.realpath(os.path.join(root, member.name))
            linked = None
            if member.issym():
                linked = os.path.realpath(os.path.join(os.path.dirname(target), member.linkname))
            elif member.islnk():
                linked = os.path.realpath(os.path.join(root, member.linkname))
            if not _is_inside(root, target) or (linked and not _is_inside(root, linked)):
                raise ScriptModeError("%s: member %r would be unpacked outside %s"
                                      % (archive, member.name, destination))
        tar.extractall(destination)


def prepare_code(environment):
    """The directory that holds the program: the code directory when the code was staged
    there, else the local submit directory (unpacked into the code directory if an archive)."""
    program = environment.user_entry_point
    code_dir = paths.code_dir()
    if os.path.isfile(os.path.join(code_dir, program)):
        return code_dir
    submit = environment.submit_directory or ""
    local = _local_path(submit)
    if local and os.path.isdir(local):
        return local
    if local and os.path.isfile(local):
        _extract(local, code_dir)
        return code_dir
    if os.path.isdir(code_dir):
        archives = [name for name in os.listdir(code_dir) if name.endswith(".tar.gz")]
        if len(archives) == 1:
            _extract(os.path.join(code_dir, archives[0]), code_dir)
            return code_dir
    raise ScriptModeError(
        "sagemaker_program %r not found: expected it in %s (where sagemaker_submit_directory "
        "%r is unpacked before the job starts)" % (program, code_dir, submit))


def _command(program_path, arguments):
    if program_path.endswith(".sh"):
        quoted = " ".join(subprocess.list2cmdline([argument]) for argument in arguments)
        return ["/bin/sh", "-c", "./%s %s" % (os.path.basename(program_path), quoted)]
    return [sys.executable, program_path] + arguments


def _tee(stream, sink, tail):
    for chunk in iter(lambda: stream.read1(4096), b""):
        sink.write(chunk)
        sink.flush()
        tail.extend(chunk)


def run(environment):
    """Runs the program to completion; a non-zero exit is raised as ScriptModeError with the
    toolkit's ExecuteUserScriptError text."""
    code = prepare_code(environment)
    program_path = os.path.join(code, environment.user_entry_point)
    if os.path.exists(os.path.join(code, "requirements.txt")):
        print("requirements.txt is not installed here: the packages come from "
              + sys.executable, file=sys.stderr)
    command = _command(program_path, environment.to_cmd_args())
    child_environment = dict(os.environ)
    child_environment.update(environment.to_env_vars())
    child_environment["PYTHONPATH"] = os.pathsep.join(
        part for part in (code, os.environ.get("PYTHONPATH")) if part)
    os.makedirs(paths.model_dir(), exist_ok=True)
    os.makedirs(paths.output_data_dir(), exist_ok=True)
    sys.stdout.flush()
    child = subprocess.Popen(command, cwd=code, env=child_environment, stderr=subprocess.PIPE)
    tail = collections.deque(maxlen=STDERR_TAIL_BYTES)
    tee = threading.Thread(target=_tee, args=(child.stderr, sys.stderr.buffer, tail))
    tee.start()
    returncode = child.wait()
    tee.join()
    if returncode != 0:
        message = bytes(tail).decode("utf-8", errors="replace").strip()
        raise ScriptModeError('ExecuteUserScriptError:\nExitCode %d\nErrorMessage "%s"\n'
                              'Command "%s"' % (returncode, message, " ".join(command)))


def run_reporting_failures(environment):
    """Script mode's whole job: the program's outcome becomes the success or failure file."""
    try:
        run(environment)
    except ScriptModeError as error:
        failure.write_failure(str(error))
        print(str(error), file=sys.stderr)
        sys.exit(1)
    failure.write_success()
    sys.exit(0)
