// `sluice serve`: the SageMaker API on this machine. Serves boto3 and the SageMaker SDK (with
// endpoint_url) until SIGTERM or SIGINT, running any number of executions at once; at start it
// continues the executions an earlier engine left unfinished. Binds to loopback unless told
// otherwise, and prints "listening on ADDRESS:PORT" once it accepts connections.
#pragma once

#include "cli/engine_host.h"

#include <string>

namespace sluice {

struct ServeOptions {
  HostOptions host;
  std::string listen = "127.0.0.1:8080";  // port 0: any free port
  // Keys whose SigV4 signatures requests must carry (api/sigv4_keys.h); with none given here
  // or in SLUICE_ACCESS_KEY_ID, requests are not checked.
  std::string credentials_file;
};

int RunServe(const ServeOptions& options);

}  // namespace sluice
