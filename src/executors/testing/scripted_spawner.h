// A stand-in for the launcher spawner (launcher_spawner.h) that answers the first launch request
// as a test scripts it, so that a test can send what the real one never would. Tests only.
#pragma once

#include "executors/testing/scratch_directory.h"

#include <filesystem>
#include <string>

namespace sluice::testing {

// A program LauncherSpawner::Start() can run: it reads one request, then runs `answer`, Python
// statements over `s` (the socket), `request` (the request's bytes) and `message(fields)`,
// which frames a reply as the spawner does; it exits when `answer` ends.
inline std::filesystem::path ScriptedSpawner(const ScratchDirectory& scratch,
                                             const std::string& answer) {
  const std::filesystem::path program = scratch / "scripted-spawner";
  WriteExecutable(program, R"(#!/usr/bin/env python3
import os, socket, struct, sys
s = socket.socket(fileno=int(sys.argv[2]))
def field(text):
    data = text.encode()
    return struct.pack("=I", len(data)) + data
def message(fields):
    body = b"".join(field(f) for f in fields)
    return struct.pack("=I", len(body)) + body
(length,) = struct.unpack("=I", s.recv(4, socket.MSG_WAITALL))
request = s.recv(length, socket.MSG_WAITALL)
)" + answer + "\n");
  return program;
}

}  // namespace sluice::testing
