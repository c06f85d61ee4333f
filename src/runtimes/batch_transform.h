// The batch transform job itself (compat §3.3): start the model server, wait for GET /ping,
// settle BatchStrategy, MaxPayloadInMB and MaxConcurrentTransforms (the job's values, else the
// server's GET /execution-parameters, else SageMaker's defaults), then turn every input file into
// requests and its responses, in input order, into `<file>.out` under the output directory.
#pragma once

#include "base/result.h"
#include "runtimes/transform_config.h"

namespace sluice {

// Runs the job to completion; the server is stopped on every path out. The error, if any, is
// the text for the job's failure file: it names the input file and the records concerned, or
// ends with the server's log when the server never became ready.
Result<void> RunBatchTransform(const TransformConfig& config);

}  // namespace sluice
