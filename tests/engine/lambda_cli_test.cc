// Lambda steps through the real binary, where what lies beside the program matters: a function
// reached by URL goes through the HTTP module, which `sluice` loads from its own directory.
#include "engine/cli_fixture.h"

#include <fstream>

namespace sluice {
namespace {

using testing::CommandResult;
using testing::RunCommand;

class LambdaCli : public testing::CliTest {};

TEST_F(LambdaCli, AProgramWithoutItsHttpModuleFailsAUrlFunctionSayingWhereTheModuleBelongs) {
  // The program and its launcher, copied without the module that is built beside them.
  const std::filesystem::path bin = dir_ / "bin";
  std::filesystem::create_directories(bin);
  const std::filesystem::path built = std::filesystem::path(SLUICE_BINARY).parent_path();
  std::filesystem::copy_file(SLUICE_BINARY, bin / "sluice");
  std::filesystem::copy_file(built / "sluice-run", bin / "sluice-run");
  ASSERT_TRUE(std::filesystem::exists(built / "sluice-http.so"));
  std::filesystem::create_directories(state_dir());
  std::ofstream(state_dir() / "functions.json")
      << R"({"arn:aws:lambda:*:*:function:remote": {"url": "http://127.0.0.1:9/invoke"}})";
  const std::filesystem::path definition = dir_ / "pipeline.json";
  std::ofstream(definition) << R"({"Version": "2020-12-01", "Steps": [{"Name": "L",
      "Type": "Lambda", "FunctionArn": "arn:aws:lambda:us-east-1:000000000000:function:remote",
      "Arguments": {"x": 1}}]})";

  const CommandResult result =
      RunCommand({(bin / "sluice").string(), "run", "--isolation", "none", "--quiet", "--state-dir",
                  state_dir().string(), definition.string()},
                 std::chrono::seconds(120));
  ASSERT_FALSE(result.timed_out);
  EXPECT_EQ(result.exit_code, 1) << result.standard_error;
  EXPECT_NE(result.standard_error.find(
                "L: Lambda function arn:aws:lambda:us-east-1:000000000000:function:remote: POST "
                "http://127.0.0.1:9/invoke failed: cannot load the HTTP module"),
            std::string::npos)
      << result.standard_error;
  EXPECT_NE(result.standard_error.find("cannot load the HTTP module, which sends HTTP(S) requests "
                                       "(it belongs beside the program): " +
                                       (bin / "sluice-http.so").string()),
            std::string::npos)
      << result.standard_error;
  EXPECT_NE(result.standard_error.find("(the step's Timeout is 120 s)"), std::string::npos)
      << result.standard_error;
}

}  // namespace
}  // namespace sluice
