// Definition text -> Compile() (JSON, parser, validator, DAG). Whatever the input, Compile must
// return; when it accepts a definition, the written form must compile again to the same text
// and DAG, and the DAG must order every step after its upstream steps.
#include "definition/writer.h"
#include "graph/compiled_pipeline.h"

#include "fuzz_check.h"
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sluice {
namespace {

void CheckDag(const CompiledPipeline& pipeline) {
  const Dag& dag = pipeline.dag;
  SLUICE_FUZZ_CHECK(dag.size() == pipeline.definition.steps.size());
  SLUICE_FUZZ_CHECK(dag.TopologicalOrder().size() == dag.size());
  std::vector<size_t> position(dag.size(), dag.size());
  for (size_t i = 0; i < dag.size(); ++i) position[dag.TopologicalOrder()[i]] = i;
  size_t edges = 0;
  for (size_t step = 0; step < dag.size(); ++step) {
    SLUICE_FUZZ_CHECK(position[step] < dag.size());
    for (const Edge& edge : dag.Upstream(step)) {
      SLUICE_FUZZ_CHECK(edge.to == step && edge.from != step);
      SLUICE_FUZZ_CHECK(position[edge.from] < position[step]);
    }
    edges += dag.Downstream(step).size();
  }
  SLUICE_FUZZ_CHECK(edges == dag.edge_count());
}

void CheckRoundTrip(const CompiledPipeline& pipeline) {
  const std::string written = WriteDefinition(pipeline.definition);
  CompileOutcome again = Compile(written);
  SLUICE_FUZZ_CHECK(again.pipeline != nullptr);
  SLUICE_FUZZ_CHECK(WriteDefinition(again.pipeline->definition) == written);
  SLUICE_FUZZ_CHECK(again.pipeline->dag.edge_count() == pipeline.dag.edge_count());
}

}  // namespace
}  // namespace sluice

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  sluice::CompileOutcome outcome = sluice::Compile(text);
  SLUICE_FUZZ_CHECK((outcome.pipeline == nullptr) == !outcome.errors.empty());
  for (const sluice::Error& error : outcome.errors) SLUICE_FUZZ_CHECK(!error.message.empty());
  if (outcome.pipeline) {
    sluice::CheckDag(*outcome.pipeline);
    sluice::CheckRoundTrip(*outcome.pipeline);
  }
  return 0;
}
