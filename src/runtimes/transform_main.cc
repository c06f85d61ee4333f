// sluice-transform CONFIG.json: the job process of a Transform step. It runs inside the job's
// sandbox beside the model server it starts; see runtimes/transform_config.h for the config and
// docs/runtimes.md for the whole contract. Exit status 0 on success; 1 with the reason in the
// configured failure file when the job fails; 2 when the config itself is unusable.
#include "runtimes/batch_transform.h"
#include "runtimes/transform_config.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <signal.h>
#include <string>

namespace {

// SageMaker shows the first 1024 characters of the failure file as the job's FailureReason.
void WriteFailure(const std::filesystem::path& file, const std::string& message) {
  std::error_code ignored;
  std::filesystem::create_directories(file.parent_path(), ignored);
  std::ofstream failure(file, std::ios::binary | std::ios::trunc);
  failure << message;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: sluice-transform CONFIG.json\n");
    return 2;
  }
  // A server that dies mid-request must surface as an error, not kill the driver.
  signal(SIGPIPE, SIG_IGN);
  sluice::Result<sluice::TransformConfig> config = sluice::LoadTransformConfig(argv[1]);
  if (!config) {
    std::fprintf(stderr, "sluice-transform: %s\n", config.error().ToString().c_str());
    return 2;
  }
  sluice::Result<void> done = sluice::RunBatchTransform(*config);
  if (!done) {
    const std::string message = done.error().ToString();
    WriteFailure(config->failure_file, message);
    std::fprintf(stderr, "sluice-transform: %s\n", message.c_str());
    return 1;
  }
  return 0;
}
